namespace Moat.Packaging.Archives;

/// <summary>
/// The one archive reader Moat uses for everything it opens: wheels, zip sdists, eggs, tar, tar.gz, tar.bz2, tar.xz
/// and archives nested in them (through this same code, to <see cref="ArchiveLimits.MaxDepth"/>). Archives are
/// hostile: every limit hit, unsafe name, link, special file or broken byte becomes an <see cref="ArchiveIssue"/> in
/// the result, never an exception. Members are streamed to a visitor one at a time. Exceptions the visitor throws
/// itself propagate (they are the caller's bugs); <see cref="ArchiveReadException"/>s from member streams do not.
/// </summary>
public static class SafeArchive
{
    /// <summary>How many leading bytes <see cref="DetectFormat"/> looks at (tar's magic sits at offset 257).</summary>
    public const int HeaderLength = 512;

    /// <summary>The format from magic bytes first, from the file name when the bytes say nothing (e.g. old V7 tar).</summary>
    public static ArchiveFormat DetectFormat(string fileName, ReadOnlySpan<byte> header)
    {
        if (header.StartsWith("PK\u0003\u0004"u8) || header.StartsWith("PK\u0005\u0006"u8) || header.StartsWith("PK\u0007\u0008"u8))
            return ArchiveFormat.Zip;
        if (header.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return ArchiveFormat.TarGzip;
        if (header.StartsWith("BZh"u8)) return ArchiveFormat.TarBzip2;
        if (header.StartsWith((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00])) return ArchiveFormat.TarXz;
        if (header.Length >= 262 && header[257..262].SequenceEqual("ustar"u8)) return ArchiveFormat.Tar;
        return FormatFromName(fileName);
    }

    /// <summary>The format a file name suggests: how nested archives are recognised, and the fallback for magic.</summary>
    public static ArchiveFormat FormatFromName(string fileName)
    {
        var name = fileName.AsSpan();
        if (EndsWith(name, ".whl") || EndsWith(name, ".zip") || EndsWith(name, ".egg")) return ArchiveFormat.Zip;
        if (EndsWith(name, ".tar.gz") || EndsWith(name, ".tgz")) return ArchiveFormat.TarGzip;
        if (EndsWith(name, ".tar.bz2") || EndsWith(name, ".tbz2") || EndsWith(name, ".tbz")) return ArchiveFormat.TarBzip2;
        if (EndsWith(name, ".tar.xz") || EndsWith(name, ".txz")) return ArchiveFormat.TarXz;
        if (EndsWith(name, ".tar")) return ArchiveFormat.Tar;
        return ArchiveFormat.Unknown;

        static bool EndsWith(ReadOnlySpan<char> name, string suffix) => name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads the archive at <paramref name="path"/>. A missing or unreadable file throws as usual.</summary>
    public static ArchiveReadResult Read(string path, Action<ArchiveMember> visitor, ArchiveLimits? limits = null)
    {
        // The default 4 KiB buffer: ZipArchive seeks between entries, and every seek would refill a larger buffer.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(stream, Path.GetFileName(path), visitor, limits);
    }

    /// <summary>
    /// Reads an archive from <paramref name="stream"/> (left open); <paramref name="fileName"/> helps detect the format.
    /// A zip needs seeking: a non-seekable zip stream is first copied to a temporary file (within the total budget).
    /// </summary>
    public static ArchiveReadResult Read(Stream stream, string fileName, Action<ArchiveMember> visitor, ArchiveLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(visitor);
        var session = new ReadSession(limits ?? ArchiveLimits.Default, visitor);
        var format = ArchiveWalker.ReadArchive(session, stream, fileName, ArchiveWalker.Level.Root);
        return new ArchiveReadResult(format, session.MemberCount, session.TotalBytes, session.Issues)
        {
            Completed = !session.Incomplete,
        };
    }
}
