namespace Moat.Packaging.Archives;

/// <summary>
/// Bounds on the work one <see cref="SafeArchive.Read(string, Action{ArchiveMember}, ArchiveLimits?)"/> call may do.
/// The budgets are shared by the outer archive and every archive nested in it, so nesting cannot multiply them.
/// </summary>
public sealed record ArchiveLimits
{
    private const long MiB = 1024 * 1024;

    /// <summary>
    /// Decompressed bytes the whole read may produce, across all nesting levels. For tar streams this counts every
    /// decompressed byte (headers and skipped members included, since decompressing them is the work a bomb forces);
    /// for zip it counts the member bytes actually read.
    /// </summary>
    public long MaxTotalBytes { get; init; } = 512 * MiB;

    /// <summary>Uncompressed bytes one member may have (declared or actually produced).</summary>
    public long MaxMemberBytes { get; init; } = 64 * MiB;

    /// <summary>Members (files, directories, links, …) across all nesting levels.</summary>
    public int MaxMembers { get; init; } = 20_000;

    /// <summary>Uncompressed : compressed ratio above which data is treated as a decompression bomb.</summary>
    public double MaxCompressionRatio { get; init; } = 200;

    /// <summary>The ratio is only judged once this many bytes were produced: tiny files of zeros are not bombs.</summary>
    public long CompressionRatioFloorBytes { get; init; } = 1 * MiB;

    /// <summary>How many archives deep nested archives are opened: 0 never opens nested archives.</summary>
    public int MaxDepth { get; init; } = 3;

    /// <summary>
    /// Size of tar metadata records (PAX extended headers, GNU long names) that the tar reader buffers in memory.
    /// Real ones are a few hundred bytes.
    /// </summary>
    public long MaxTarMetadataBytes { get; init; } = 1 * MiB;

    /// <summary>Issues recorded before the rest are dropped (one <see cref="ArchiveIssueKind.TooManyIssues"/> says so).</summary>
    public int MaxIssues { get; init; } = 1_000;

    /// <summary>
    /// Offer members over <see cref="MaxMemberBytes"/> to the visitor anyway (flagged <see cref="ArchiveMember.ExceedsSizeLimit"/>,
    /// the issue still reported) so that it can sample their head and tail with <see cref="ArchiveMember.ReadHeadAndTail"/>:
    /// a scanner must not let padding hide the code at the start of a file. Off by default: readers that want whole
    /// members never see one they cannot read.
    /// </summary>
    public bool OfferOversizedMembers { get; init; }

    public static ArchiveLimits Default { get; } = new();
}
