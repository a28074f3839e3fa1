using Moat.Analysis.Dependencies.Advisories;
using Moat.Analysis.Names;

namespace Moat.Analysis.Dependencies;

/// <summary>What a dependency audit may consult besides the manifests themselves.</summary>
public sealed record AuditOptions
{
    /// <summary>Known vulnerabilities and malicious releases (OSV); no vulnerability checks when null.</summary>
    public OsvDatabase? Advisories { get; init; }

    /// <summary>
    /// Advisory ids or aliases (<c>PYSEC-…</c>, <c>GHSA-…</c>, <c>CVE-…</c>) not to report, compared without case: a
    /// vulnerability the project has judged not to apply. Known-malicious (<c>MAL-</c>) advisories are never ignored.
    /// </summary>
    public IReadOnlySet<string> IgnoredVulnerabilities { get; init; } = new HashSet<string>();

    /// <summary>The name-confusion engine's check of one name; no name checks when null.</summary>
    public Func<string, IReadOnlyList<Finding>>? CheckName { get; init; }

    /// <summary>The organisation's own project names and prefixes (<c>acme-</c>), shared with the name engine.</summary>
    public InternalNames Internal { get; init; } = InternalNames.None;

    /// <summary>Every name on the public index (normalized), to tell whether an internal name is taken publicly.</summary>
    public IReadOnlySet<string>? PublicNames { get; init; }

    /// <summary>Hosts of public indexes: a dependency resolved from one of these is "public".</summary>
    /// <summary><c>--scan</c>'s package scans, by dependency instance (<see cref="PackageScans.Create"/>); no scan findings when null.</summary>
    public IReadOnlyDictionary<Manifests.Dependency, PackageScan>? PackageScans { get; init; }

    /// <summary><c>--provenance</c>'s facts, by dependency instance; no provenance findings when null.</summary>
    public IReadOnlyDictionary<Manifests.Dependency, DependencyProvenance>? Provenance { get; init; }

    public IReadOnlyCollection<string> PublicIndexHosts { get; init; } = ["pypi.org", "pypi.python.org", "files.pythonhosted.org", "test.pypi.org"];
}
