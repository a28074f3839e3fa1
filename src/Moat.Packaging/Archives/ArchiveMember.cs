using System.Text;

namespace Moat.Packaging.Archives;

public enum ArchiveMemberKind
{
    File,
    Directory,
}

/// <summary>
/// One member offered to the visitor. It is valid only inside the visitor callback: the reader streams, so the data
/// is gone once the callback returns. The stream from <see cref="OpenRead"/> enforces the per-member size and
/// compression-ratio limits itself and throws <see cref="ArchiveReadException"/> when one is hit.
/// </summary>
public sealed class ArchiveMember
{
    private readonly Func<Stream> _open;
    private readonly ArchiveIssue? _sizeIssue;
    private bool _opened;
    private bool _expired;

    internal ArchiveMember(string path, ArchiveMemberKind kind, long size, int depth, string? container,
        ArchiveFormat nestedFormat, Func<Stream> open, ArchiveIssue? sizeIssue = null)
    {
        _sizeIssue = sizeIssue;
        Path = path;
        Kind = kind;
        Size = size;
        Depth = depth;
        Container = container;
        NestedFormat = nestedFormat;
        _open = open;
    }

    /// <summary>
    /// '/'-separated, relative and normalized: no <c>..</c>, no leading '/', no empty or '.' segments, no trailing '/'.
    /// Members of nested archives read <c>outer/inner.zip!/path</c>.
    /// </summary>
    public string Path { get; }

    /// <summary>The last segment of <see cref="Path"/>.</summary>
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];

    public ArchiveMemberKind Kind { get; }

    /// <summary>Uncompressed size as the archive declares it (tar: exact; zip: the header's claim).</summary>
    public long Size { get; }

    /// <summary>0 for members of the archive that was opened, 1 for members of an archive inside it, and so on.</summary>
    public int Depth { get; }

    /// <summary>The path of the nested archive this member is in, or null at depth 0.</summary>
    public string? Container { get; }

    /// <summary>
    /// The format this member will be opened as, right after the visitor returns, when it is a nested archive
    /// (by name) within the depth limit; otherwise <see cref="ArchiveFormat.Unknown"/>.
    /// </summary>
    public ArchiveFormat NestedFormat { get; }

    /// <summary>
    /// True for a member over <see cref="ArchiveLimits.MaxMemberBytes"/>, offered only when
    /// <see cref="ArchiveLimits.OfferOversizedMembers"/> is set: <see cref="OpenRead"/> refuses it (the issue is already
    /// recorded); <see cref="ReadHeadAndTail"/> samples it.
    /// </summary>
    public bool ExceedsSizeLimit => _sizeIssue is not null;

    /// <summary>The member's data. May be called once; a directory gives an empty stream.</summary>
    public Stream OpenRead()
    {
        BeginRead();
        if (_sizeIssue is not null) throw new ArchiveReadException(_sizeIssue);
        return Kind == ArchiveMemberKind.Directory ? Stream.Null : _open();
    }

    /// <summary>
    /// The first <paramref name="headBytes"/> and last <paramref name="tailBytes"/> bytes of the member, streaming
    /// through the middle (bounded by the compression ratio and the read's total budget, not by the member limit).
    /// Works on oversized members too. A limit or corruption met on the way ends the sample early, with
    /// <see cref="MemberSample.Complete"/> false; the issue is recorded by the reader as usual.
    /// </summary>
    public MemberSample ReadHeadAndTail(int headBytes, int tailBytes)
    {
        BeginRead();
        if (Kind == ArchiveMemberKind.Directory) return MemberSample.Read(Stream.Null, headBytes, tailBytes);
        using var stream = _open();
        return MemberSample.Read(stream, headBytes, tailBytes);
    }

    private void BeginRead()
    {
        ObjectDisposedException.ThrowIf(_expired, this);
        if (_opened) throw new InvalidOperationException($"{Path} was already opened; a member's data streams once.");
        _opened = true;
    }

    /// <summary>All the member's bytes (bounded by <see cref="ArchiveLimits.MaxMemberBytes"/>).</summary>
    public byte[] ReadAllBytes()
    {
        using var stream = OpenRead();
        // The declared size is only a hint (zip headers lie). It sizes the buffer, so an honest member is read into its
        // final array without the copy a MemoryStream makes; it never reserves more than 1 MiB up front, and the buffer
        // grows to at most twice what was actually read.
        var declared = Math.Clamp(Size, 0, Array.MaxLength);
        var buffer = new byte[Math.Min(declared, 1024 * 1024)];
        var length = 0;
        Span<byte> probe = stackalloc byte[1];
        while (true)
        {
            if (length == buffer.Length)
            {
                // Full: one byte more says whether the member goes on, and only then is the buffer grown.
                if (stream.Read(probe) == 0) break;
                var grown = Math.Max(4096L, 2L * length);
                if (length < declared) grown = Math.Min(declared, grown);
                Array.Resize(ref buffer, (int)Math.Min(grown, Array.MaxLength));
                buffer[length++] = probe[0];
                continue;
            }
            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0) break;
            length += read;
        }
        return length == buffer.Length ? buffer : buffer[..length];
    }

    /// <summary>The member as text: UTF-8 (BOM honoured), invalid bytes replaced, never throws for bad encoding.</summary>
    public string ReadAllText()
    {
        using var stream = OpenRead();
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    internal void Expire() => _expired = true;

    public override string ToString() => $"{Path} ({Kind}, {Size} bytes)";
}
