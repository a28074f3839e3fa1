namespace Moat.Packaging.Archives;

/// <summary>
/// The start and the end of a file too large to read whole: where a payload hidden behind padding has to sit, since
/// Python runs a file from its first line and a .pth only runs its import lines.
/// <paramref name="Head"/> and <paramref name="Tail"/> never overlap: a file no longer than both together is all there. <paramref name="Length"/> is how many bytes were seen; <paramref name="NewlinesBeforeTail"/> the
/// line breaks before <paramref name="Tail"/> starts, so lines found in it can be numbered.
/// </summary>
public sealed record MemberSample(byte[] Head, byte[] Tail, long Length, long NewlinesBeforeTail, bool Complete)
{
    /// <summary>
    /// Streams <paramref name="stream"/> to its end, keeping the first <paramref name="headBytes"/> and a ring of the
    /// last <paramref name="tailBytes"/>. An <see cref="ArchiveReadException"/> (a limit or corrupt data, already
    /// recorded by the reader) ends the sample early with what was read; other exceptions propagate.
    /// </summary>
    public static MemberSample Read(Stream stream, int headBytes, int tailBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(headBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(tailBytes);
        var head = new byte[headBytes];
        var headLength = 0;
        var ring = new byte[tailBytes];
        long ringWritten = 0;   // bytes that went through the ring (everything after the head)
        long newlines = 0;      // in everything after the head
        var complete = true;
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                var chunk = buffer.AsSpan(0, read);
                var toHead = Math.Min(chunk.Length, headBytes - headLength);
                chunk[..toHead].CopyTo(head.AsSpan(headLength));
                headLength += toHead;
                chunk = chunk[toHead..];
                newlines += chunk.Count((byte)'\n');
                var full = chunk.Length;
                if (tailBytes > 0 && full > 0)
                {
                    var skip = Math.Max(0, full - tailBytes);
                    chunk = chunk[skip..];
                    var at = (int)((ringWritten + skip) % tailBytes);
                    var first = Math.Min(chunk.Length, tailBytes - at);
                    chunk[..first].CopyTo(ring.AsSpan(at));
                    chunk[first..].CopyTo(ring);
                }
                ringWritten += full;
            }
        }
        catch (ArchiveReadException)
        {
            complete = false;
        }

        var tailLength = (int)Math.Min(ringWritten, tailBytes);
        var tail = new byte[tailLength];
        if (tailLength > 0)
        {
            var start = (int)((ringWritten - tailLength) % tailBytes);
            var first = Math.Min(tailLength, tailBytes - start);
            ring.AsSpan(start, first).CopyTo(tail);
            ring.AsSpan(0, tailLength - first).CopyTo(tail.AsSpan(first));
        }
        var tailNewlines = tail.AsSpan().Count((byte)'\n');
        return new MemberSample(head[..headLength], tail, headLength + ringWritten,
            head.AsSpan(0, headLength).Count((byte)'\n') + newlines - tailNewlines, complete);
    }
}
