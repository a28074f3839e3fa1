using Moat.Packaging.Archives;

namespace Moat.Index.Upload;

/// <summary>What the index reads from an uploaded file itself (never trusting the form for it).</summary>
public sealed record InspectedDistribution(
    string PackageType,
    byte[]? CoreMetadata,
    string? MetadataPath,
    IReadOnlyList<ArchiveIssue> ArchiveIssues,
    bool ArchiveComplete);

/// <summary>
/// Opens an uploaded distribution with the safe archive reader and finds its core metadata: a wheel's
/// <c>&lt;name&gt;-&lt;version&gt;.dist-info/METADATA</c> or an sdist's top-level <c>&lt;name&gt;-&lt;version&gt;/PKG-INFO</c>.
/// The bytes are kept as they are: they are what PEP 658 serves at <c>&lt;file&gt;.metadata</c>.
/// </summary>
public static class DistributionInspector
{
    /// <summary>Core metadata larger than this is refused (real METADATA files are a few KiB; long descriptions reach hundreds).</summary>
    public const int MaxMetadataBytes = 4 * 1024 * 1024;

    public static InspectedDistribution Inspect(string filename, string path)
    {
        var isWheel = filename.EndsWith(".whl", StringComparison.OrdinalIgnoreCase);
        byte[]? metadata = null;
        string? metadataPath = null;
        var metadataCandidates = 0;
        var result = SafeArchive.Read(path, member =>
        {
            if (member.Depth != 0 || member.Kind != ArchiveMemberKind.File) return;
            var segments = member.Path.Split('/');
            var isCoreMetadata = isWheel
                ? segments.Length == 2 && segments[0].EndsWith(".dist-info", StringComparison.Ordinal) && segments[1] == "METADATA"
                : segments.Length == 2 && segments[1] == "PKG-INFO";
            if (!isCoreMetadata) return;
            metadataCandidates++;
            if (member.Size > MaxMetadataBytes) return;
            using var stream = member.OpenRead();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            if (buffer.Length > MaxMetadataBytes) return;
            metadata = buffer.ToArray();
            metadataPath = member.Path;
        }, ArchiveLimits.Default with { MaxDepth = 0 });
        // Two METADATA files would let the served metadata disagree with what an installer reads: keep none.
        if (metadataCandidates > 1) metadata = null;
        return new InspectedDistribution(isWheel ? "bdist_wheel" : "sdist", metadata, metadataPath, result.Issues, result.Completed);
    }
}
