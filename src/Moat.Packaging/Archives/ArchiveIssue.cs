namespace Moat.Packaging.Archives;

/// <summary>What went wrong, or what looked hostile, while reading an archive.</summary>
public enum ArchiveIssueKind
{
    /// <summary>The decompressed bytes of the whole read passed <see cref="ArchiveLimits.MaxTotalBytes"/>; reading stopped.</summary>
    TotalSizeExceeded,
    /// <summary>A member is (or claims to be) larger than <see cref="ArchiveLimits.MaxMemberBytes"/>; it was skipped or cut.</summary>
    MemberSizeExceeded,
    /// <summary>More than <see cref="ArchiveLimits.MaxMembers"/> members; reading stopped.</summary>
    TooManyMembers,
    /// <summary>Decompression bomb: uncompressed : compressed passed <see cref="ArchiveLimits.MaxCompressionRatio"/>.</summary>
    CompressionRatioExceeded,
    /// <summary>An archive nested deeper than <see cref="ArchiveLimits.MaxDepth"/>; offered as a plain file, not opened.</summary>
    NestingTooDeep,
    /// <summary>A member name with a <c>..</c> component.</summary>
    PathTraversal,
    /// <summary>A member name starting with <c>/</c>, <c>\</c> or a drive letter.</summary>
    AbsolutePath,
    /// <summary>A member name that is empty or holds NUL, control characters or backslashes.</summary>
    UnsafeName,
    /// <summary>A symbolic link member; never followed, never offered.</summary>
    Symlink,
    /// <summary>A hard link member; never followed, never offered.</summary>
    Hardlink,
    /// <summary>A device, FIFO, socket or other non-regular member; skipped.</summary>
    SpecialFile,
    /// <summary>The data is not valid for its format.</summary>
    Corrupt,
    /// <summary>The data ends before the format says it should.</summary>
    Truncated,
    /// <summary>Not an archive Moat reads, or a member compressed with a method it cannot decode.</summary>
    UnsupportedFormat,
    /// <summary>Two members with the same normalized path (different tools extract different ones).</summary>
    DuplicateMember,
    /// <summary>An encrypted zip member; skipped.</summary>
    Encrypted,
    /// <summary><see cref="ArchiveLimits.MaxIssues"/> was reached; later issues were dropped.</summary>
    TooManyIssues,
}

/// <summary>
/// One structured finding of the reader. <paramref name="MemberPath"/> is the member's path (nested archives use
/// <c>outer.zip!/inner</c>) with control characters escaped, or null when the issue concerns the archive as a whole.
/// </summary>
public sealed record ArchiveIssue(ArchiveIssueKind Kind, string? MemberPath, string Message)
{
    /// <summary>The message of a <see cref="ArchiveIssueKind.Truncated"/> archive with no bytes at all.</summary>
    public const string EmptyFile = "empty file";

    /// <summary>An archive nested in the one being read (a member named like one) that holds no bytes: nothing in it to read.</summary>
    public bool IsEmptyNestedArchive => Kind == ArchiveIssueKind.Truncated && Message == EmptyFile && !string.IsNullOrEmpty(MemberPath);

    /// <summary>For <see cref="ArchiveIssueKind.Symlink"/> and <see cref="ArchiveIssueKind.Hardlink"/> members of a tar: the
    /// link's target as stored (unescaped; for deciding where it points, never for printing). Null when unknown.</summary>
    public string? LinkTarget { get; init; }

    /// <summary>
    /// True for issues that stop the whole read (the rest of the archive was not looked at):
    /// the total-size and member-count budgets.
    /// </summary>
    public bool StopsRead => Kind is ArchiveIssueKind.TotalSizeExceeded or ArchiveIssueKind.TooManyMembers;
}
