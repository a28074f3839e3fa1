using Moat.Analysis.Dependencies.Manifests;

namespace Moat.Analysis.Dependencies.Checks;

/// <summary>
/// Dependency confusion from the consumer's side: an internal project name that is fetched from, or also exists on,
/// the public index. Internal names come from <c>--internal</c>/<c>--internal-prefix</c>.
/// </summary>
public static class InternalNameCheck
{
    public static readonly Rule InternalFromPublic = new(
        "MOAT-DEP-007", "internal-name-public-resolution", "An internal package can be resolved from a public index.", Severity.High,
        "The dependency is one of your internal names, and the way this project installs it lets a public index answer " +
        "(no private `--index-url`, an `--extra-index-url` to the public index, or a lock entry that came from it). A " +
        "public package of that name — existing now, or registered tomorrow — can be installed instead. Resolve " +
        "internal names only from your own index (`moat serve` never resolves hosted or reserved names upstream) and " +
        "reserve the names on the public index.",
        ["https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610", "https://peps.python.org/pep-0708/"]);

    public static readonly Rule InternalExistsPublicly = new(
        "MOAT-DEP-009", "internal-name-taken-publicly", "An internal package name exists on the public index.", Severity.Critical,
        "Somebody has registered your internal package name on the public index. If any install of this project can " +
        "reach that index, it can install their code. Check who owns the public project and what it contains; resolve " +
        "internal names from your own index only.",
        ["https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610"]);

    public static IEnumerable<Finding> Check(AuditContext context)
    {
        if (!context.IsInternal) yield break;
        var dependency = context.Dependency;
        if (dependency.Url is not null && !context.IsPublicIndex(dependency.Url)) yield break; // fetched directly from a URL of its own

        var takenPublicly = context.Options.PublicNames?.Contains(context.NormalizedName) == true;
        var publicReason = PublicResolution(context);
        if (takenPublicly && publicReason is not null)
        {
            yield return Finding.Of(InternalExistsPublicly, Confidence.High,
                $"internal package {dependency.Name} exists on the public index and this project can resolve it there ({publicReason})",
                context.Location, dependency.Written);
        }
        else if (publicReason is not null)
        {
            yield return Finding.Of(InternalFromPublic, Confidence.High,
                $"internal package {dependency.Name} can be resolved from a public index ({publicReason})", context.Location, dependency.Written);
        }
        else if (takenPublicly)
        {
            yield return Finding.Of(InternalExistsPublicly, Confidence.Medium,
                $"internal package {dependency.Name} also exists on the public index: make sure no install can reach it there",
                context.Location, dependency.Written) with { Severity = Severity.High };
        }
    }

    /// <summary>Why a public index can answer for this dependency, or null when only private indexes are configured.</summary>
    private static string? PublicResolution(AuditContext context)
    {
        var dependency = context.Dependency;
        if (dependency.Index is { } index) return context.IsPublicIndex(index) ? $"locked from {index}" : null;
        var indexes = context.Manifest.Indexes;
        if (indexes.Count == 0)
        {
            return context.Manifest.Format is ManifestFormat.Requirements or ManifestFormat.Pyproject
                ? "no --index-url: pip's default is pypi.org" : null;
        }
        var primary = indexes.FirstOrDefault(i => !i.IsExtra);
        if (primary is null) return "only extra indexes: pypi.org stays the primary";
        if (context.IsPublicIndex(primary.Url)) return $"--index-url {primary.Url}";
        var publicExtra = indexes.FirstOrDefault(i => i.IsExtra && context.IsPublicIndex(i.Url));
        return publicExtra is null ? null : $"--extra-index-url {publicExtra.Url}";
    }
}
