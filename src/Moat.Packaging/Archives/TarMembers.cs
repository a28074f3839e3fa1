using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;
using SharpCompressionMode = SharpCompress.Compressors.CompressionMode;

namespace Moat.Packaging.Archives;

/// <summary>
/// Reads tar streams (plain, gzip, bzip2, xz) with System.Formats.Tar, strictly forward: no temp files, no seeking.
/// Decompression is System.IO.Compression for gzip and SharpCompress for bzip2 and xz.
/// </summary>
internal static class TarMembers
{
    public static void Read(ReadSession session, Stream input, ArchiveFormat format, ArchiveWalker.Level level)
    {
        var compressed = format == ArchiveFormat.Tar ? null : new CountingStream(input);
        Stream decompressed;
        try
        {
            decompressed = format switch
            {
                ArchiveFormat.TarGzip => new GZipStream(compressed!, CompressionMode.Decompress, leaveOpen: true),
                ArchiveFormat.TarBzip2 => BZip2Stream.Create(compressed!, SharpCompressionMode.Decompress,
                    decompressConcatenated: true, leaveOpen: true, tolerateTruncatedStream: false),
                ArchiveFormat.TarXz => new XZStream(compressed!),
                _ => input,
            };
        }
        catch (Exception ex) when (ex is not ArchiveReadException)
        {
            session.DataFault(level.Container, ex);
            session.Incomplete = true;
            return;
        }

        try
        {
            var budget = new TarBudgetStream(decompressed, compressed, session, level.Container);
            using var reader = new TarReader(budget, leaveOpen: true);
            while (!session.Stopped)
            {
                TarEntry? entry;
                try
                {
                    entry = reader.GetNextEntry(copyData: false);
                }
                catch (Exception ex)
                {
                    session.DataFault(level.Container, ex);     // returns the recorded fault if it already is one
                    session.Incomplete = true;
                    return;
                }
                if (entry is null)
                {
                    if (compressed is not null) DrainToEnd(session, budget, compressed, format, level);
                    return;
                }
                if (entry.EntryType == TarEntryType.GlobalExtendedAttributes) continue;  // metadata, not a member
                if (!session.TryCountMember()) return;
                ReadEntry(session, entry, level);
                if (budget.Faulted)
                {
                    session.Incomplete = true;      // the stream broke under the visitor: already recorded
                    return;
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(decompressed, input)) DisposeQuietly(decompressed);
        }
    }

    private static void ReadEntry(ReadSession session, TarEntry entry, ArchiveWalker.Level level)
    {
        var raw = entry.Name;
        ArchiveMemberKind kind;
        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                kind = ArchiveMemberKind.File;
                break;
            case TarEntryType.Directory:
                kind = ArchiveMemberKind.Directory;
                break;
            case TarEntryType.SymbolicLink:
                session.Report(ArchiveIssueKind.Symlink, level.Prefix + raw,
                    $"symbolic link to '{MemberPaths.Printable(entry.LinkName)}'; not followed", entry.LinkName);
                return;
            case TarEntryType.HardLink:
                session.Report(ArchiveIssueKind.Hardlink, level.Prefix + raw,
                    $"hard link to '{MemberPaths.Printable(entry.LinkName)}'; not followed", entry.LinkName);
                return;
            default:
                session.Report(ArchiveIssueKind.SpecialFile, level.Prefix + raw, $"tar member of type {entry.EntryType}; skipped");
                return;
        }

        var path = ArchiveWalker.SafePath(session, level, raw, kind == ArchiveMemberKind.Directory);
        if (path is null) return;
        if (kind == ArchiveMemberKind.File && entry.Length > session.Limits.MaxMemberBytes)
        {
            var issue = session.Report(ArchiveIssueKind.MemberSizeExceeded, level.Prefix + path,
                session.Limits.OfferOversizedMembers
                    ? $"member is {entry.Length:N0} bytes, over {session.Limits.MaxMemberBytes:N0}; only its head and tail can be read"
                    : $"member is {entry.Length:N0} bytes, over {session.Limits.MaxMemberBytes:N0}; skipped");
            ArchiveWalker.OfferOversized(session, level, path, entry.Length, () => entry.DataStream ?? Stream.Null,
                compressedLength: -1, chargeTotal: false, ownsData: false, issue);
            return;
        }
        // Tar sizes are exact (the framing depends on them); bytes are charged once, below the tar parser.
        ArchiveWalker.Offer(session, level, path, kind, kind == ArchiveMemberKind.File ? entry.Length : 0,
            () => entry.DataStream ?? Stream.Null, compressedLength: -1, chargeTotal: false, ownsData: false);
    }

    /// <summary>
    /// Reads a compressed tar stream past its end-of-archive blocks to the compressor's own end, where its checks are
    /// (xz's index, footer and check values; bzip2's CRCs). A decompressor fed a cut stream can produce zero-filled
    /// output that reads as the end of the archive; only its end tells a whole stream from a cut one. .NET's gzip
    /// reader ends a cut stream quietly, so its trailer's length is compared here. The bytes are charged to the read's
    /// budget like any other.
    /// </summary>
    private static void DrainToEnd(ReadSession session, TarBudgetStream budget, CountingStream compressed, ArchiveFormat format, ArchiveWalker.Level level)
    {
        try
        {
            budget.CopyTo(Stream.Null);
        }
        catch (Exception ex)
        {
            session.DataFault(level.Container, ex);     // returns the recorded fault if it already is one
            session.Incomplete = true;
            return;
        }
        // A single-member gzip ends with the length of what it holds (mod 2^32); a concatenated one is read as cut.
        if (format == ArchiveFormat.TarGzip
            && (compressed.Tail.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(compressed.Tail[4..]) != (uint)budget.BytesRead))
        {
            session.Report(ArchiveIssueKind.Truncated, level.Container,
                "the gzip stream ends without its trailer (the length it holds does not match): the archive was cut");
            session.Incomplete = true;
        }
    }

    private static void DisposeQuietly(Stream stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (Exception)
        {
            // A decompressor may complain about a stream we stopped reading halfway; nothing left to learn from it.
        }
    }
}
