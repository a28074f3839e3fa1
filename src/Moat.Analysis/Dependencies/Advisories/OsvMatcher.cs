using Moat.Packaging.Versions;

namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>
/// OSV's affected-version semantics for the PyPI ecosystem, with PEP 440 ordering: a version is affected when it is
/// listed in <c>versions</c>, or when an ECOSYSTEM range's events, walked in version order, leave it inside
/// (<c>introduced</c> ≤ v, and not v ≥ <c>fixed</c>, and not v &gt; <c>last_affected</c>). GIT ranges are commit
/// hashes, which a version cannot be compared with; the PyPA database lists their versions explicitly.
/// </summary>
public static class OsvMatcher
{
    public static bool Affects(OsvAffected affected, PackageVersion version)
    {
        foreach (var listed in affected.Versions)
        {
            if (PackageVersion.TryParse(listed, out var v) && v == version) return true;
        }
        foreach (var range in affected.Ranges)
        {
            if (range.Type is "ECOSYSTEM" or "SEMVER" && InRange(range, version)) return true;
        }
        return false;
    }

    /// <summary>The fixed versions greater than <paramref name="version"/>, ascending: the upgrades that leave the advisory.</summary>
    public static IReadOnlyList<PackageVersion> FixedVersionsAbove(OsvAffected affected, PackageVersion version) =>
        [.. affected.Ranges
            .SelectMany(r => r.Events)
            .Where(e => e.Kind == OsvEventKind.Fixed)
            .Select(e => PackageVersion.TryParse(e.Version, out var v) ? v : null)
            .OfType<PackageVersion>()
            .Where(v => v > version)
            .Distinct()
            .Order()];

    internal static bool InRange(OsvRange range, PackageVersion version)
    {
        // Sort events by version ("0" first); at equal versions introduced comes before fixed so that
        // [introduced X, fixed X] is empty, as the reference implementation treats it.
        var events = range.Events
            .Where(e => e.Kind != OsvEventKind.Limit)
            .Select(e => (Event: e, Version: e.Version == "0" ? null : PackageVersion.TryParse(e.Version, out var v) ? v : null, Zero: e.Version == "0"))
            .Where(e => e.Zero || e.Version is not null)
            .OrderBy(e => e.Version, Comparer<PackageVersion?>.Create((a, b) => a is null ? (b is null ? 0 : -1) : b is null ? 1 : a.CompareTo(b)))
            .ThenBy(e => e.Event.Kind == OsvEventKind.Introduced ? 0 : 1);

        var affected = false;
        foreach (var (e, at, zero) in events)
        {
            switch (e.Kind)
            {
                case OsvEventKind.Introduced when zero || version >= at!:
                    affected = true;
                    break;
                case OsvEventKind.Fixed when version >= at!:
                    affected = false;
                    break;
                case OsvEventKind.LastAffected when version > at!:
                    affected = false;
                    break;
            }
        }
        return affected;
    }
}
