using System.Buffers.Binary;
using System.IO.Compression;

namespace Moat.Packaging.Archives;

/// <summary>Reads zip containers (wheels, eggs, zip sdists) with System.IO.Compression, member by member.</summary>
internal static class ZipMembers
{
    // Unix file types in the high 16 bits of a zip entry's external attributes (st_mode & S_IFMT).
    private const int TypeMask = 0xF000, Fifo = 0x1000, CharDevice = 0x2000, Directory = 0x4000,
        BlockDevice = 0x6000, Symlink = 0xA000, Socket = 0xC000;

    public static void Read(ReadSession session, Stream seekable, ArchiveWalker.Level level)
    {
        // ZipArchive materialises every central-directory entry up front: refuse a directory that declares more
        // entries than the member budget before it can cost memory.
        if (TryReadDeclaredEntryCount(seekable, out var declared) && declared > session.Limits.MaxMembers - session.MemberCount)
        {
            session.Report(ArchiveIssueKind.TooManyMembers, level.Container,
                $"zip declares {declared:N0} members, over the {session.Limits.MaxMembers:N0}-member budget; not read");
            return;
        }

        ZipArchive zip;
        IReadOnlyList<ZipArchiveEntry> entries;
        try
        {
            zip = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: true);
            entries = zip.Entries;
        }
        catch (Exception ex) when (ex is not ArchiveReadException)
        {
            session.DataFault(level.Container, ex);
            session.Incomplete = true;
            return;
        }

        using (zip)
        {
            foreach (var entry in entries)
            {
                if (!session.TryCountMember()) return;
                ReadEntry(session, entry, level);
                if (session.Stopped) return;
            }
        }
    }

    private static void ReadEntry(ReadSession session, ZipArchiveEntry entry, ArchiveWalker.Level level)
    {
        var raw = entry.FullName;
        var unixType = (entry.ExternalAttributes >> 16) & TypeMask;
        switch (unixType)
        {
            case Symlink:
                session.Report(ArchiveIssueKind.Symlink, level.Prefix + raw, "zip member is a symbolic link; not followed");
                return;
            case Fifo or CharDevice or BlockDevice or Socket:
                session.Report(ArchiveIssueKind.SpecialFile, level.Prefix + raw, $"zip member is a special file (mode 0x{unixType:x4}); skipped");
                return;
        }
        var isDirectory = unixType == Directory || raw.EndsWith('/');
        var path = ArchiveWalker.SafePath(session, level, raw, isDirectory);
        if (path is null) return;

        if (isDirectory)
        {
            ArchiveWalker.Offer(session, level, path, ArchiveMemberKind.Directory, 0, () => Stream.Null, -1, false, false);
            return;
        }
        var fullPath = level.Prefix + path;
        if (entry.IsEncrypted)
        {
            session.Report(ArchiveIssueKind.Encrypted, fullPath, "encrypted zip member; skipped");
            return;
        }
        var limits = session.Limits;
        if (entry.Length > limits.MaxMemberBytes && !limits.OfferOversizedMembers)
        {
            session.Report(ArchiveIssueKind.MemberSizeExceeded, fullPath,
                $"member declares {entry.Length:N0} bytes, over {limits.MaxMemberBytes:N0}; skipped");
            return;
        }
        if (entry.CompressedLength > MaxCompressedSize(entry.Length))
        {
            // Deflate never grows data by more than a few bytes per block, so this header understates the member:
            // the lie behind "small" bombs. System.IO.Compression would silently cut the data at the claimed size.
            session.Report(ArchiveIssueKind.Corrupt, fullPath,
                $"member claims {entry.Length:N0} bytes but has {entry.CompressedLength:N0} compressed; the header lies; skipped");
            return;
        }
        if (entry.Length > limits.CompressionRatioFloorBytes && entry.Length > limits.MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
        {
            session.Report(ArchiveIssueKind.CompressionRatioExceeded, fullPath,
                $"member declares {entry.Length:N0} bytes from {entry.CompressedLength:N0} compressed, over {limits.MaxCompressionRatio}:1; skipped");
            return;
        }
        if (entry.Length > limits.MaxMemberBytes)
        {
            // Only reached when the caller samples oversized members: the header checks above still held.
            var issue = session.Report(ArchiveIssueKind.MemberSizeExceeded, fullPath,
                $"member declares {entry.Length:N0} bytes, over {limits.MaxMemberBytes:N0}; only its head and tail can be read");
            ArchiveWalker.OfferOversized(session, level, path, entry.Length, Open, entry.CompressedLength, chargeTotal: true, ownsData: true, issue);
            return;
        }
        ArchiveWalker.Offer(session, level, path, ArchiveMemberKind.File, entry.Length, Open, entry.CompressedLength,
            chargeTotal: true, ownsData: true);

        Stream Open()
        {
            try
            {
                return entry.Open();
            }
            catch (Exception ex) when (ex is not ArchiveReadException)
            {
                throw session.DataFault(fullPath, ex);
            }
        }
    }

    /// <summary>The most compressed bytes a member of this size can take: stored, plus deflate's block overhead.</summary>
    private static long MaxCompressedSize(long length) => length + length / 64 + 1024;

    /// <summary>
    /// The entry count the end-of-central-directory record (or its zip64 twin) declares. ZipArchive itself checks
    /// that the directory holds exactly that many entries, so the number bounds what it will allocate.
    /// </summary>
    internal static bool TryReadDeclaredEntryCount(Stream stream, out long count)
    {
        count = 0;
        const int EocdLength = 22, MaxComment = 0xFFFF;
        var start = stream.Position;
        try
        {
            var length = stream.Length - start;
            if (length < EocdLength) return false;
            var tailLength = (int)Math.Min(length, EocdLength + MaxComment + 20);
            var tail = new byte[tailLength];
            stream.Position = start + length - tailLength;
            stream.ReadExactly(tail);

            var eocd = -1;
            for (var i = tailLength - EocdLength; i >= 0; i--)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == 0x06054b50) { eocd = i; break; }
            }
            if (eocd < 0) return false;
            count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(eocd + 10));
            if (count != 0xFFFF || eocd < 20) return true;

            // Zip64: the locator sits right before the EOCD and points at the zip64 EOCD record.
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd - 20)) != 0x07064b50) return true;
            var zip64Offset = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(eocd - 12));
            if (zip64Offset < 0 || zip64Offset > length - 56) return true;
            Span<byte> record = stackalloc byte[56];
            stream.Position = start + zip64Offset;
            stream.ReadExactly(record);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) == 0x06064b50)
            {
                count = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record[32..]), long.MaxValue);
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        finally
        {
            stream.Position = start;
        }
    }
}
