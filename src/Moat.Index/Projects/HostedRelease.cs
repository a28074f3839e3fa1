using Moat.Index.Storage;
using Moat.Packaging.Distributions;
using Moat.Packaging.Metadata;
using Moat.Packaging.Versions;

namespace Moat.Index.Projects;

/// <summary>
/// One release of a hosted project: its version (as first uploaded) and the files a reader may see, by filename.
/// Built from the files already filtered for the reader (<see cref="Simple.SimplePages.VisibleFiles"/> for clients),
/// so a release whose files are all held never appears.
/// </summary>
public sealed record HostedRelease(string Version, IReadOnlyList<FileRecord> Files)
{
    public PackageVersion? Parsed { get; } = PackageVersion.TryParse(Version, out var parsed) ? parsed : null;

    /// <summary>PyPI yanks releases, not files: the release is yanked when every file is.</summary>
    public bool Yanked => Files.Count > 0 && Files.All(f => f.Yanked);

    public string? YankedReason => Yanked ? Files.Select(f => f.YankedReason).FirstOrDefault(r => !string.IsNullOrEmpty(r)) : null;

    /// <summary>When the release appeared: its first file's upload.</summary>
    public DateTimeOffset Published => Files.Min(f => f.UploadTime);

    /// <summary>
    /// The core metadata (PEP 658) to describe the release with: a wheel's METADATA before an sdist's PKG-INFO (a
    /// wheel's is what installers read, and sdists often carry an older metadata version).
    /// </summary>
    public string? MetadataSha256 => Files.OrderBy(f => f.PackageType == PackageType.Wheel ? 0 : 1)
        .Select(f => f.MetadataSha256).FirstOrDefault(s => s is not null);
}

public static class HostedReleases
{
    /// <summary>Groups files by release, newest release first (PEP 440 order; unparsable versions last, by text).</summary>
    public static IReadOnlyList<HostedRelease> Group(IEnumerable<FileRecord> files) =>
        [.. files.GroupBy(f => f.Version)
            .Select(g => new HostedRelease(g.Key, [.. g.OrderBy(f => f.Filename, StringComparer.Ordinal)]))
            .OrderByDescending(r => r.Parsed)
            .ThenByDescending(r => r.Version, StringComparer.Ordinal)];

    /// <summary>
    /// The release a project is described by (Warehouse's choice): the newest that is neither yanked nor a
    /// pre-release, else the newest not yanked, else the newest.
    /// </summary>
    public static HostedRelease? Latest(IReadOnlyList<HostedRelease> newestFirst) =>
        newestFirst.FirstOrDefault(r => !r.Yanked && r.Parsed is { IsPrerelease: false })
        ?? newestFirst.FirstOrDefault(r => !r.Yanked)
        ?? newestFirst.FirstOrDefault();

    /// <summary>The release <paramref name="version"/> names: its exact spelling, else an equal PEP 440 version (3.0 finds 3.0.0).</summary>
    public static HostedRelease? Find(IReadOnlyList<HostedRelease> releases, string version) =>
        releases.FirstOrDefault(r => r.Version == version)
        ?? (PackageVersion.TryParse(version, out var wanted) ? releases.FirstOrDefault(r => r.Parsed == wanted) : null);

    /// <summary>Largest metadata file read (PEP 658 files are small; a hostile one must not be read whole).</summary>
    public const int MaxMetadataBytes = 4 * 1024 * 1024;

    /// <summary>The release's stored core metadata, parsed; null when none was extracted or the blob is gone.</summary>
    public static async Task<CoreMetadata?> ReadMetadataAsync(IBlobStore blobs, HostedRelease release, CancellationToken ct) =>
        release.MetadataSha256 is { } sha ? await ReadMetadataAsync(blobs, sha, ct) : null;

    public static async Task<CoreMetadata?> ReadMetadataAsync(IBlobStore blobs, string sha256, CancellationToken ct)
    {
        await using var stream = await blobs.OpenReadAsync(sha256, ct);
        if (stream is null) return null;
        using var memory = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            if (memory.Length + read > MaxMetadataBytes) return null;
            memory.Write(buffer, 0, read);
        }
        return CoreMetadata.Parse(memory.ToArray());
    }
}
