using Moat.Packaging.Archives;
using Moat.Packaging.Filenames;
using Moat.Packaging.Metadata;
using Moat.Packaging.Versions;

namespace Moat.Packaging.Distributions;

/// <summary>What is read from a distribution file itself (never trusting an upload form or an index page for it).</summary>
public sealed record InspectedDistribution(
    PackageType PackageType,
    string FilenameName,
    PackageVersion FilenameVersion,
    byte[]? CoreMetadataBytes,
    CoreMetadata? Metadata,
    int MetadataFiles,
    IReadOnlyList<ArchiveIssue> ArchiveIssues,
    bool ArchiveComplete);

/// <summary>
/// Reads a distribution file (an upload, or a proxied download): its filename (wheel tags, or a <c>.tar.gz</c> sdist per PEP 625) with
/// Moat.Packaging's parsers, then the archive with the safe archive reader to find the core metadata — a wheel's
/// <c>*.dist-info/METADATA</c> or an sdist's top-level <c>*/PKG-INFO</c>. The metadata bytes are kept as they are:
/// they are what PEP 658 serves at <c>&lt;file&gt;.metadata</c>.
/// </summary>
public static class DistributionInspector
{
    /// <summary>Core metadata larger than this is refused (real METADATA files are a few KiB; long descriptions reach hundreds).</summary>
    public const int MaxMetadataBytes = 4 * 1024 * 1024;

    /// <summary>Parses the filename; null with an error for anything but a wheel or a .tar.gz sdist.</summary>
    public static (PackageType PackageType, string Name, PackageVersion Version)? ParseFilename(string filename, out string? error)
    {
        error = null;
        if (filename.EndsWith(".whl", StringComparison.Ordinal))
        {
            if (WheelFilename.TryParse(filename, out var wheel, out error)) return (PackageType.Wheel, wheel.Name, wheel.Version);
            error = $"Invalid wheel filename '{filename}': {error}.";
            return null;
        }
        if (!filename.EndsWith(".tar.gz", StringComparison.Ordinal))
        {
            error = $"Invalid file extension: '{filename}' is neither a wheel (.whl) nor a .tar.gz source distribution (PEP 625, PEP 527).";
            return null;
        }
        if (SdistFilename.TryParse(filename, out var sdist, out error)) return (PackageType.Sdist, sdist.Name, sdist.Version);
        error = $"Invalid source distribution filename '{filename}': {error}.";
        return null;
    }

    public static InspectedDistribution Inspect(PackageType packageType, string filenameName, PackageVersion filenameVersion, string path)
    {
        var isWheel = packageType == PackageType.Wheel;
        byte[]? metadata = null;
        var metadataFiles = 0;
        var result = SafeArchive.Read(path, member =>
        {
            if (member.Depth != 0 || member.Kind != ArchiveMemberKind.File) return;
            var segments = member.Path.Split('/');
            var isCoreMetadata = segments.Length == 2 && (isWheel
                ? segments[0].EndsWith(".dist-info", StringComparison.Ordinal) && segments[1] == "METADATA"
                : segments[1] == "PKG-INFO");
            if (!isCoreMetadata) return;
            metadataFiles++;
            if (member.Size > MaxMetadataBytes) return;
            using var stream = member.OpenRead();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            if (buffer.Length <= MaxMetadataBytes) metadata = buffer.ToArray();
        }, ArchiveLimits.Default with { MaxDepth = 0 });
        // Two metadata files would let what the index shows disagree with what an installer reads: trust neither.
        if (metadataFiles != 1) metadata = null;
        var parsed = metadata is null ? null : CoreMetadata.Parse(metadata);
        return new InspectedDistribution(packageType, filenameName, filenameVersion, metadata, parsed, metadataFiles, result.Issues, result.Completed);
    }
}
