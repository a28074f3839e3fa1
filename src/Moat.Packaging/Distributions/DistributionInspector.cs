using Moat.Packaging.Archives;
using Moat.Packaging.Filenames;
using Moat.Packaging.Metadata;
using Moat.Packaging.Versions;

namespace Moat.Packaging.Distributions;

/// <summary>
/// What is read from a distribution file itself (never trusting an upload form or an index page for it).
/// <see cref="ArchiveIssues"/> and <see cref="ArchiveComplete"/> speak of the distribution's own archive, not of
/// archives packed inside it (those are the code scan's to judge).
/// </summary>
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
/// Reads a distribution file's name (wheel tags, or a <c>.tar.gz</c> sdist per PEP 625) with Moat.Packaging's
/// parsers; <see cref="CoreMetadataTap"/> finds its core metadata during the one read of the archive.
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
}

/// <summary>
/// Finds a distribution's core metadata — a wheel's <c>*.dist-info/METADATA</c> or an sdist's top-level
/// <c>*/PKG-INFO</c> — while another reader (the code scan) walks the archive. The bytes are kept as they are: they
/// are what PEP 658 serves at <c>&lt;file&gt;.metadata</c>.
/// </summary>
public sealed class CoreMetadataTap(PackageType packageType, string filenameName, PackageVersion filenameVersion) : IMemberTap
{
    private readonly HashSet<string> _nestedArchives = new(StringComparer.Ordinal);
    private byte[]? _metadata;
    private int _metadataFiles;
    private ArchiveReadResult? _read;

    public byte[]? Offer(ArchiveMember member)
    {
        if (member.Depth != 0 || member.Kind != ArchiveMemberKind.File) return null;
        if (member.NestedFormat != ArchiveFormat.Unknown) _nestedArchives.Add(member.Path);
        if (!IsCoreMetadata(member.Path)) return null;
        _metadataFiles++;
        if (member.ExceedsSizeLimit || member.Size > DistributionInspector.MaxMetadataBytes) return null;
        var bytes = member.ReadAllBytes();
        if (bytes.Length <= DistributionInspector.MaxMetadataBytes) _metadata = bytes;
        return bytes;
    }

    public void Finish(ArchiveReadResult read) => _read = read;

    /// <summary>What was found; call after the read finished.</summary>
    public InspectedDistribution Result()
    {
        var read = _read ?? throw new InvalidOperationException("The archive read has not finished.");
        // Two metadata files would let what the index shows disagree with what an installer reads: trust neither.
        var metadata = _metadataFiles == 1 ? _metadata : null;
        var ownIssues = read.Issues.Where(issue => !InNestedArchive(issue)).ToList();
        // The read also opened the archives inside this one; one of them ending early leaves this archive whole.
        var complete = read.Completed || ownIssues.Count == 0;
        return new InspectedDistribution(packageType, filenameName, filenameVersion, metadata, metadata is null ? null : CoreMetadata.Parse(metadata),
            _metadataFiles, ownIssues, complete);
    }

    private bool IsCoreMetadata(string path)
    {
        var segments = path.Split('/');
        return segments.Length == 2 && (packageType == PackageType.Wheel
            ? segments[0].EndsWith(".dist-info", StringComparison.Ordinal) && segments[1] == "METADATA"
            : segments[1] == "PKG-INFO");
    }

    /// <summary>An issue of an archive inside this one (named by its path, or by a path through it); a budget that stopped the whole read never is.</summary>
    private bool InNestedArchive(ArchiveIssue issue) =>
        !issue.StopsRead && issue.MemberPath is { } path && _nestedArchives.Any(nested =>
            path == nested || path.StartsWith(nested + "!/", StringComparison.Ordinal));
}
