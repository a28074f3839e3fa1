using Moat.Analysis.Dependencies.Advisories;
using Moat.Packaging.Versions;

namespace Moat.Analysis.Dependencies.Checks;

/// <summary>Known vulnerabilities and known malicious releases (OSV), for dependencies pinned to one version.</summary>
public static class AdvisoryCheck
{
    public static readonly Rule KnownVulnerability = new(
        "MOAT-DEP-010", "known-vulnerability", "A pinned dependency has a published vulnerability.", Severity.High,
        "The pinned version is affected by an advisory in the OSV database (PyPA advisory database, GitHub advisories). " +
        "The finding names the advisory, its aliases (CVE, GHSA) and the smallest version that fixes it. Severity comes " +
        "from the advisory's CVSS vector when it has one, and is high otherwise. A known vulnerability makes the " +
        "dependency `vulnerable`, never `malicious` or `suspicious`: it is a flaw with a fix, not evidence of hostility.",
        ["https://github.com/pypa/advisory-database", "https://ossf.github.io/osv-schema/"])
    {
        KnownVulnerability = true,
    };

    public static readonly Rule KnownMalicious = new(
        "MOAT-DEP-011", "known-malicious-release", "A dependency is a known malicious package or release.", Severity.Critical,
        "The OSV database lists this package (or this release) as malicious (a `MAL-` advisory from the OpenSSF " +
        "malicious-packages feed). Remove it, and treat every machine that installed it as compromised: rotate the " +
        "credentials it could read.",
        ["https://github.com/ossf/malicious-packages"]);

    public static IEnumerable<Finding> Check(AuditContext context)
    {
        if (context.Options.Advisories is not { } database) yield break;
        var dependency = context.Dependency;

        if (dependency.PinnedVersion is null || !PackageVersion.TryParse(dependency.PinnedVersion, out var version))
        {
            // Unpinned: only a package that is malicious as a whole (every version) can be judged.
            foreach (var advisory in database.ForPackage(dependency.Name).Where(a => a.IsMalicious))
            {
                if (advisory.Affected.Any(a => a.Ranges.Any(r => r.Events.Any(e => e.Kind == OsvEventKind.Introduced && e.Version == "0") && !r.Events.Any(e => e.Kind != OsvEventKind.Introduced))))
                {
                    yield return Finding.Of(KnownMalicious, Confidence.High, $"{dependency.Name} is a known malicious package ({advisory.Id}): {advisory.Title}", context.Location, advisory.Id);
                }
            }
            yield break;
        }

        var ignored = context.Options.IgnoredVulnerabilities;
        var matches = database.Query(dependency.Name, version)
            .Where(m => m.Advisory.IsMalicious || !(ignored.Contains(m.Advisory.Id) || m.Advisory.Aliases.Any(ignored.Contains)))
            .ToList();
        var vulnerabilities = matches.Where(m => !m.Advisory.IsMalicious).ToList();
        var upgrade = UpgradeFixingAll(database, dependency.Name, vulnerabilities);
        foreach (var match in matches)
        {
            var advisory = match.Advisory;
            if (advisory.IsMalicious)
            {
                yield return Finding.Of(KnownMalicious, Confidence.High, $"{dependency.Name} {version} is a known malicious release ({advisory.Id}): {advisory.Title}", context.Location, advisory.Id);
                continue;
            }
            var details = Details(match, dependency.Name, version, upgrade);
            var aliases = advisory.Aliases.Count > 0 ? $" ({string.Join(", ", advisory.Aliases)})" : "";
            var fix = match.SmallestFix is { } smallest ? $"upgrade to {smallest} or later" : "no fixed version is published: consider removing or replacing it";
            var cvss = details.Rating.Score is { } s ? $" [CVSS {Cvss3.Format(s)}]" : "";
            yield return new Finding(KnownVulnerability.Id, details.Rating.Severity, Confidence.High,
                $"{dependency.Name} {version}: {advisory.Id}{aliases}{cvss} {advisory.Title} — {fix}", context.Location, advisory.Id)
            {
                Vulnerability = details,
            };
        }
    }

    /// <summary>The rating moat gives an advisory: from its CVSS v3 vector when it has one, else high.</summary>
    public static VulnerabilityRating Rate(OsvAdvisory advisory) =>
        advisory.Severity is { BaseScore: { } score } cvss
            ? new VulnerabilityRating(Cvss3.Rating(score), cvss.Type, cvss.Vector, score)
            : new VulnerabilityRating(Severity.High, "default", advisory.Severity?.Vector, null);

    /// <summary>The structured form of one match, for reports.</summary>
    public static VulnerabilityDetails Details(OsvMatch match, string package, PackageVersion version, PackageVersion? upgrade)
    {
        var advisory = match.Advisory;
        var normalized = Moat.Packaging.ProjectName.Normalize(package);
        var ranges = advisory.Affected
            .Where(a => a.Package == normalized)
            .SelectMany(a => a.Ranges)
            .SelectMany(Ranges)
            .ToList();
        return new VulnerabilityDetails(
            advisory.Id, advisory.Aliases, advisory.Title, package, version.ToString(), Rate(advisory), ranges,
            [.. match.FixedVersions.Select(v => v.ToString())], upgrade?.ToString(), advisory.References, advisory.Published, advisory.Modified);
    }

    /// <summary>
    /// The smallest fixed version above the pinned one that none of <paramref name="matches"/> affects: one upgrade
    /// that leaves every advisory (a fix on another release line may still be affected by a later advisory).
    /// </summary>
    private static PackageVersion? UpgradeFixingAll(OsvDatabase database, string package, IReadOnlyList<OsvMatch> matches)
    {
        if (matches.Count == 0) return null;
        var ids = matches.Select(m => m.Advisory.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var candidate in matches.SelectMany(m => m.FixedVersions).Distinct().Order())
        {
            if (!database.Query(package, candidate).Any(m => ids.Contains(m.Advisory.Id))) return candidate;
        }
        return null;
    }

    /// <summary>An OSV range's events as introduced/fixed pairs, in the order written (as pip-audit and CycloneDX show them).</summary>
    private static IEnumerable<AffectedRange> Ranges(OsvRange range)
    {
        string? introduced = null;
        foreach (var e in range.Events)
        {
            switch (e.Kind)
            {
                case OsvEventKind.Introduced:
                    if (introduced is not null) yield return new AffectedRange(range.Type, introduced, null, null);
                    introduced = e.Version;
                    break;
                case OsvEventKind.Fixed:
                    yield return new AffectedRange(range.Type, introduced ?? "0", e.Version, null);
                    introduced = null;
                    break;
                case OsvEventKind.LastAffected:
                    yield return new AffectedRange(range.Type, introduced ?? "0", null, e.Version);
                    introduced = null;
                    break;
            }
        }
        if (introduced is not null) yield return new AffectedRange(range.Type, introduced, null, null);
    }
}
