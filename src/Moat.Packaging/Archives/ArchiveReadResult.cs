namespace Moat.Packaging.Archives;

/// <summary>
/// The outcome of one read. <paramref name="MemberCount"/> counts every member met (files, directories, links and
/// skipped ones, nested archives' members included); <paramref name="TotalBytes"/> is the decompressed byte count
/// that <see cref="ArchiveLimits.MaxTotalBytes"/> bounds.
/// </summary>
public sealed record ArchiveReadResult(ArchiveFormat Format, int MemberCount, long TotalBytes, IReadOnlyList<ArchiveIssue> Issues)
{
    /// <summary>True when every member of the archive (and of every nested archive opened) was reached.</summary>
    public bool Completed { get; init; }

    public bool Has(ArchiveIssueKind kind) => Issues.Any(i => i.Kind == kind);

    public IEnumerable<ArchiveIssue> OfKind(ArchiveIssueKind kind) => Issues.Where(i => i.Kind == kind);
}
