using System.Buffers.Binary;

namespace Moat.Packaging.Archives;

/// <summary>A forward-only, read-only stream over another; never disposes it (the reader owns every stream it opens).</summary>
internal abstract class ReadOnlyWrapperStream(Stream inner) : Stream
{
    protected Stream Inner { get; } = inner;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }
    public abstract override int Read(Span<byte> buffer);

    // The async paths are not used by the reader; route them through the checked synchronous path.
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));
}

/// <summary>Counts the bytes read from the compressed input, to judge compression ratios.</summary>
internal sealed class CountingStream(Stream inner) : ReadOnlyWrapperStream(inner)
{
    public long BytesRead { get; private set; }

    /// <summary>Bytes read so far: SharpCompress's xz reader asks for it to find block padding.</summary>
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    private readonly byte[] _tail = new byte[8];

    /// <summary>The last (up to) eight bytes read: a gzip stream's trailer once the input is read to its end.</summary>
    public ReadOnlySpan<byte> Tail => _tail.AsSpan(8 - (int)Math.Min(8, BytesRead));

    public override int Read(Span<byte> buffer)
    {
        var n = Inner.Read(buffer);
        if (n >= 8) buffer[(n - 8)..n].CopyTo(_tail);
        else if (n > 0)
        {
            _tail.AsSpan(n).CopyTo(_tail);
            buffer[..n].CopyTo(_tail.AsSpan(8 - n));
        }
        BytesRead += n;
        return n;
    }
}

/// <summary>Feeds a header that was already read back in front of the rest of a non-seekable stream.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : ReadOnlyWrapperStream(rest)
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty) return Inner.Read(buffer);
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        return n;
    }
}

/// <summary>
/// The decompressed tar stream as the tar parser sees it. Every byte is charged to the shared total (skipped members
/// cost decompression work too), the whole stream's compression ratio is judged, decompressor failures become
/// structured faults, and tar metadata records are checked before the parser buffers them: .NET's TarReader rents a
/// buffer as large as a PAX header claims to be (up to 2 GB), so a tiny tar.gz could otherwise claim a huge one.
/// Reports CanSeek = false so the parser reads (and we see) every byte rather than seeking past data.
/// </summary>
internal sealed class TarBudgetStream(Stream decompressed, CountingStream? compressed, ReadSession session, string? archivePath)
    : ReadOnlyWrapperStream(decompressed)
{
    private const int BlockSize = 512;
    private readonly byte[] _header = new byte[BlockSize];
    private long _position;
    private long _nextHeader;
    private bool _guarding = true;

    /// <summary>True once the stream threw a fault: the tar parser cannot continue past it.</summary>
    public bool Faulted { get; private set; }

    /// <summary>Bytes the decompressor has produced so far.</summary>
    public long BytesRead => _position;

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return ReadChecked(buffer);
        }
        catch (ArchiveReadException)
        {
            Faulted = true;
            throw;
        }
        catch (Exception ex)
        {
            Faulted = true;
            throw session.DataFault(archivePath, ex);
        }
    }

    private int ReadChecked(Span<byte> buffer)
    {
        session.ThrowIfStopped();
        var n = Inner.Read(buffer);
        session.ChargeBytes(n);
        _position += n;
        CheckRatio();
        if (_guarding) Guard(buffer[..n], _position - n);
        return n;
    }

    private void CheckRatio()
    {
        if (compressed is null || _position < session.Limits.CompressionRatioFloorBytes) return;
        if (_position > session.Limits.MaxCompressionRatio * Math.Max(1, compressed.BytesRead))
        {
            throw session.Fault(ArchiveIssueKind.CompressionRatioExceeded, archivePath,
                $"compressed stream expands more than {session.Limits.MaxCompressionRatio}:1 " +
                $"({_position:N0} bytes from {compressed.BytesRead:N0}); reading stopped");
        }
    }

    /// <summary>Collects each header block as it passes and checks metadata records' declared sizes.</summary>
    private void Guard(ReadOnlySpan<byte> data, long start)
    {
        var end = start + data.Length;
        while (_guarding && _nextHeader < end)
        {
            var headerEnd = _nextHeader + BlockSize;
            var from = Math.Max(start, _nextHeader);
            var to = Math.Min(end, headerEnd);
            if (from >= to) return;
            data[(int)(from - start)..(int)(to - start)].CopyTo(_header.AsSpan((int)(from - _nextHeader)));
            if (to < headerEnd) return;     // header continues in the next read
            InspectHeader();
        }
    }

    private void InspectHeader()
    {
        if (!_header.AsSpan().ContainsAnyExcept((byte)0))
        {
            _nextHeader += BlockSize;       // end-of-archive padding
            return;
        }
        if (!TryParseOctalOrBinary(_header.AsSpan(148, 8), out var checksum) || checksum != HeaderChecksum(_header)
            || !TryParseOctalOrBinary(_header.AsSpan(124, 12), out var size) || size < 0)
        {
            _guarding = false;              // not a header we understand (or we lost sync): the parser decides
            return;
        }
        var type = (char)_header[156];
        if (type is 'x' or 'g' or 'L' or 'K' && size > session.Limits.MaxTarMetadataBytes)
        {
            throw session.Fault(ArchiveIssueKind.MemberSizeExceeded, archivePath,
                $"tar metadata record ('{type}') claims {size:N0} bytes, over {session.Limits.MaxTarMetadataBytes:N0}; reading stopped");
        }
        // Directories, links and devices carry no data whatever their size field says; others are padded to blocks.
        var hasData = type is not ('1' or '2' or '3' or '4' or '5' or '6');
        _nextHeader += BlockSize + (hasData ? (size + BlockSize - 1) / BlockSize * BlockSize : 0);
    }

    private static long HeaderChecksum(ReadOnlySpan<byte> header)
    {
        long sum = 0;
        for (var i = 0; i < header.Length; i++) sum += i is >= 148 and < 156 ? (byte)' ' : header[i];
        return sum;
    }

    /// <summary>A tar numeric field: octal digits (space/NUL padded) or GNU base-256 when the high bit is set.</summary>
    internal static bool TryParseOctalOrBinary(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            if ((field[0] & 0x40) != 0) return false;   // negative
            var tail = field.Length > 8 ? field[^8..] : field;
            if (field.Length > 8 && field[1..^8].ContainsAnyExcept((byte)0)) return false;
            Span<byte> bytes = stackalloc byte[8];
            tail.CopyTo(bytes[(8 - tail.Length)..]);
            if (field.Length <= 8) bytes[8 - tail.Length] &= 0x7F;
            value = BinaryPrimitives.ReadInt64BigEndian(bytes);
            return value >= 0;
        }
        var i = 0;
        while (i < field.Length && field[i] is (byte)' ' or 0) i++;
        var digits = 0;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++, digits++)
        {
            if (digits >= 21) return false;
            value = value * 8 + (field[i] - '0');
        }
        for (; i < field.Length; i++) if (field[i] is not ((byte)' ' or 0)) return false;
        return true;
    }
}

/// <summary>
/// A member's data as the visitor reads it: enforces the per-member limit, and for zip members (whose compressed
/// size is known) the compression ratio and the shared total, counting bytes actually produced since headers lie.
/// A member already known to exceed the size limit is sampled through one without <c>sizeLimited</c>: the ratio and
/// the shared total still bound it.
/// </summary>
/// <remarks>Disposes its inner stream only when <c>ownsData</c>: a zip member's decompressor is ours to close, a tar
/// entry's data stream belongs to the TarReader.</remarks>
internal sealed class MemberStream(Stream data, ReadSession session, string path, long compressedLength, bool chargeTotal, bool ownsData,
    bool sizeLimited = true)
    : ReadOnlyWrapperStream(data)
{
    private long _produced;

    public override int Read(Span<byte> buffer)
    {
        session.ThrowIfStopped();
        int n;
        try
        {
            n = Inner.Read(buffer);
        }
        catch (Exception ex) when (ex is not ArchiveReadException)
        {
            throw session.DataFault(path, ex);
        }
        _produced += n;
        var limits = session.Limits;
        if (sizeLimited && _produced > limits.MaxMemberBytes)
        {
            throw session.Fault(ArchiveIssueKind.MemberSizeExceeded, path,
                $"member produced more than {limits.MaxMemberBytes:N0} bytes; cut there");
        }
        if (compressedLength >= 0 && _produced > limits.CompressionRatioFloorBytes
            && _produced > limits.MaxCompressionRatio * Math.Max(1, compressedLength))
        {
            throw session.Fault(ArchiveIssueKind.CompressionRatioExceeded, path,
                $"member expands more than {limits.MaxCompressionRatio}:1 ({_produced:N0} bytes from {compressedLength:N0}); cut there");
        }
        if (chargeTotal) session.ChargeBytes(n);
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsData) Inner.Dispose();
        base.Dispose(disposing);
    }
}
