using Moat.Analysis.Dependencies.Manifests;

namespace Moat.Analysis.Dependencies;

/// <summary>
/// What <c>moat audit --scan</c> learned about one pinned dependency's files on an index: the files it scanned
/// (with the package scanner's result) and what stopped it from scanning others. Fetching is the CLI's job; turning
/// this into findings is <see cref="Checks.PackageScanCheck"/>'s.
/// </summary>
public sealed record PackageScan(IReadOnlyList<ScannedFile> Files, IReadOnlyList<PackageScanProblem> Problems)
{
    public static PackageScan Failed(PackageScanProblemKind kind, string message) => new([], [new PackageScanProblem(kind, message)]);
}

/// <summary>One distribution file of a pinned version, scanned (or its cached scan reused: <see cref="FromCache"/>).</summary>
public sealed record ScannedFile(string Filename, string Sha256, ScanResult Result, bool FromCache);

/// <summary>Why a file or a whole dependency could not be scanned.</summary>
public enum PackageScanProblemKind
{
    /// <summary>The index could not be reached, timed out, or answered an error.</summary>
    IndexUnavailable,
    /// <summary>The index has no such project.</summary>
    ProjectNotFound,
    /// <summary>The project has no file of the pinned version (or none with the requirement's hashes' names).</summary>
    NoFileForVersion,
    /// <summary>A file's bytes differ from the sha256 its index advertises, or no file has a hash the requirement lists.</summary>
    HashMismatch,
    /// <summary>A download failed, or a file is larger than the scan's bound.</summary>
    DownloadFailed,
}

public sealed record PackageScanProblem(PackageScanProblemKind Kind, string Message, string? Evidence = null);

/// <summary>Dependencies to their scans, keyed by the very <see cref="Dependency"/> instances the manifests hold.</summary>
public static class PackageScans
{
    public static Dictionary<Dependency, PackageScan> Create() => new(ReferenceEqualityComparer.Instance);
}
