namespace Moat.Packaging.Archives;

/// <summary>
/// Format-independent steps: detect, dispatch to the zip or tar reader, judge member names, offer members to the
/// visitor, and recurse into nested archives through <see cref="ReadArchive"/> again.
/// </summary>
internal static class ArchiveWalker
{
    /// <summary>Where in the nesting a reader is: the path prefix of its members and the archive they are in.</summary>
    internal sealed record Level(string Prefix, int Depth, string? Container)
    {
        public static Level Root { get; } = new("", 0, null);
    }

    public static ArchiveFormat ReadArchive(ReadSession session, Stream input, string fileName, Level level)
    {
        Span<byte> header = stackalloc byte[SafeArchive.HeaderLength];
        int headerLength;
        long start = 0;
        try
        {
            if (input.CanSeek) start = input.Position;
            headerLength = input.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (input.CanSeek) input.Position = start;
        }
        catch (Exception ex) when (ex is not ArchiveReadException)
        {
            session.DataFault(level.Container, ex);
            session.Incomplete = true;
            return SafeArchive.FormatFromName(fileName);
        }
        catch (ArchiveReadException)
        {
            session.Incomplete = true;
            return SafeArchive.FormatFromName(fileName);
        }

        var format = SafeArchive.DetectFormat(fileName, header[..headerLength]);
        if (headerLength == 0)
        {
            session.Report(ArchiveIssueKind.Truncated, level.Container, ArchiveIssue.EmptyFile);
            session.Incomplete = true;
            return format;
        }
        if (format == ArchiveFormat.Unknown)
        {
            session.Report(ArchiveIssueKind.UnsupportedFormat, level.Container, $"'{MemberPaths.Printable(fileName)}' is not an archive Moat reads");
            session.Incomplete = true;
            return format;
        }

        var data = input.CanSeek ? input : new PrefixedStream(header[..headerLength].ToArray(), input);
        if (format == ArchiveFormat.Zip) ReadZip(session, data, level);
        else TarMembers.Read(session, data, format, level);
        return format;
    }

    private static void ReadZip(ReadSession session, Stream data, Level level)
    {
        if (data.CanSeek)
        {
            ZipMembers.Read(session, data, level);
            return;
        }
        // ZipArchive needs to seek to the central directory: copy to a temporary file, bounded by the total budget.
        using var spool = Spool.TryCreate(data, session.Limits.MaxTotalBytes - session.TotalBytes);
        if (spool is null)
        {
            session.Report(ArchiveIssueKind.TotalSizeExceeded, level.Container,
                $"zip stream larger than the remaining {session.Limits.MaxTotalBytes - session.TotalBytes:N0}-byte budget; not read");
            return;
        }
        using var view = spool.OpenView();
        ZipMembers.Read(session, view, level);
    }

    /// <summary>
    /// Judges a member's raw name: unsafe names are reported (and the member skipped); returns the normalized path,
    /// or null. An empty result for a directory is the archive root ("./"), skipped silently.
    /// </summary>
    public static string? SafePath(ReadSession session, Level level, string rawName, bool isDirectory)
    {
        var normalized = MemberPaths.Normalize(rawName);
        if (!normalized.IsSafe)
        {
            session.Report(normalized.Kind, level.Prefix + rawName, normalized.Reason!);
            return null;
        }
        if (normalized.Path!.Length == 0)
        {
            if (!isDirectory) session.Report(ArchiveIssueKind.UnsafeName, level.Prefix + rawName, "member name has no file name");
            return null;
        }
        var fullPath = level.Prefix + normalized.Path;
        if (session.IsDuplicate(fullPath) && !isDirectory)
        {
            session.Report(ArchiveIssueKind.DuplicateMember, fullPath, "a second member with this path (extractors disagree on which wins)");
        }
        return normalized.Path;
    }

    /// <summary>
    /// Offers one member (already judged safe) to the visitor. A member named like an archive, within the depth
    /// limit, is first copied to a spool (memory or temp file, checked by its member stream), offered, then read.
    /// </summary>
    public static void Offer(ReadSession session, Level level, string path, ArchiveMemberKind kind, long size,
        Func<Stream> openData, long compressedLength, bool chargeTotal, bool ownsData)
    {
        var fullPath = level.Prefix + path;
        Stream OpenChecked() => new MemberStream(openData(), session, fullPath, compressedLength, chargeTotal, ownsData);

        var nested = kind == ArchiveMemberKind.File ? SafeArchive.FormatFromName(path) : ArchiveFormat.Unknown;
        if (nested != ArchiveFormat.Unknown && level.Depth + 1 > session.Limits.MaxDepth)
        {
            session.Report(ArchiveIssueKind.NestingTooDeep, fullPath,
                $"archive nested more than {session.Limits.MaxDepth} deep; offered as a file, not opened");
            nested = ArchiveFormat.Unknown;
        }
        if (nested == ArchiveFormat.Unknown)
        {
            Visit(session, new ArchiveMember(fullPath, kind, size, level.Depth, level.Container, ArchiveFormat.Unknown, OpenChecked));
            return;
        }

        Spool? spool;
        try
        {
            using var source = OpenChecked();
            spool = Spool.TryCreate(source, long.MaxValue);
        }
        catch (ArchiveReadException)
        {
            return;     // recorded by the member stream: the nested archive is a bomb, too large or corrupt
        }
        using (spool)
        {
            Visit(session, new ArchiveMember(fullPath, kind, size, level.Depth, level.Container, nested, spool!.OpenView));
            if (session.Stopped) return;
            using var view = spool.OpenView();
            ReadArchive(session, view, path, new Level(fullPath + "!/", level.Depth + 1, fullPath));
        }
    }

    /// <summary>
    /// Offers a member already reported as over the size limit (<paramref name="sizeIssue"/>), when the caller asked
    /// for them: never opened as a nested archive, readable only through <see cref="ArchiveMember.ReadHeadAndTail"/>,
    /// whose stream is bounded by the ratio and the shared total instead of the member limit.
    /// </summary>
    public static void OfferOversized(ReadSession session, Level level, string path, long size, Func<Stream> openData,
        long compressedLength, bool chargeTotal, bool ownsData, ArchiveIssue sizeIssue)
    {
        if (!session.Limits.OfferOversizedMembers) return;
        var fullPath = level.Prefix + path;
        Stream OpenSampled() => new MemberStream(openData(), session, fullPath, compressedLength, chargeTotal, ownsData, sizeLimited: false);
        Visit(session, new ArchiveMember(fullPath, ArchiveMemberKind.File, size, level.Depth, level.Container, ArchiveFormat.Unknown, OpenSampled, sizeIssue));
    }

    private static void Visit(ReadSession session, ArchiveMember member)
    {
        try
        {
            session.Visitor(member);
        }
        catch (Exception ex) when (ArchiveReadException.IsInChain(ex))
        {
            // A limit or corruption met while the visitor read the member: already recorded as an issue.
        }
        finally
        {
            member.Expire();
        }
    }
}
