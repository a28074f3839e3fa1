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
        "from the advisory's CVSS vector when it has one, and is high otherwise.",
        ["https://github.com/pypa/advisory-database", "https://ossf.github.io/osv-schema/"]);

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

        foreach (var match in database.Query(dependency.Name, version))
        {
            var advisory = match.Advisory;
            if (advisory.IsMalicious)
            {
                yield return Finding.Of(KnownMalicious, Confidence.High, $"{dependency.Name} {version} is a known malicious release ({advisory.Id}): {advisory.Title}", context.Location, advisory.Id);
                continue;
            }
            var aliases = advisory.Aliases.Count > 0 ? $" ({string.Join(", ", advisory.Aliases)})" : "";
            var fix = match.SmallestFix is { } smallest ? $"upgrade to {smallest} or later" : "no fixed version is published: consider removing or replacing it";
            var severity = advisory.Severity?.BaseScore is { } score ? Cvss3.Rating(score) : Severity.High;
            var cvss = advisory.Severity?.BaseScore is { } s ? $" [CVSS {Cvss3.Format(s)}]" : "";
            yield return new Finding(KnownVulnerability.Id, severity, Confidence.High,
                $"{dependency.Name} {version}: {advisory.Id}{aliases}{cvss} {advisory.Title} — {fix}", context.Location, advisory.Id);
        }
    }
}
