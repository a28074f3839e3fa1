using System.Globalization;
using Moat.Packaging;

namespace Moat.Analysis.Code;

/// <summary>
/// A package that ships, under another name, an import package named like a popular project (its own top-level
/// <c>requests/</c>): installing it replaces what every <c>import requests</c> on the machine loads. Vendored copies
/// and forks do that too, so the copy must also do something the original never does on import.
/// </summary>
public static partial class PackageScanner
{
    /// <summary>How popular the shadowed project must be: an import name everyone's code uses.</summary>
    private const int ShadowedProjectRank = 1000;

    private static void AddShadowingSignal(PackageContents contents, string prefix, PackageIdentity identity, List<Finding> findings, PackageNameMatcher names)
    {
        if (identity.Name is not { Length: > 0 } ownName) return;
        var own = ProjectName.Normalize(ownName);
        foreach (var source in contents.Sources)
        {
            if (TopLevelPackageInit(source.Path, prefix) is not { } package) continue;
            var shadowed = ProjectName.Normalize(package);
            if (shadowed == own || shadowed.Length < 3 || own.Contains(shadowed, StringComparison.Ordinal)) continue;
            if (names.Corpus.RankOf(shadowed) is not { } rank || rank > ShadowedProjectRank) continue;
            // What the copy's __init__ does when imported, beyond what the project it stands in for does.
            var act = findings.FirstOrDefault(f => f.Location.Path == source.Path
                && (f.RuleId == CapabilityRules.ProcessSpawn.Id && f.Confidence == Confidence.High || f.RuleId == ThreatRules.ImportTimeNetwork.Id));
            if (act is null) continue;
            findings.Add(new Finding(IdentityRules.ShadowedImportName.Id, Severity.Medium, Confidence.High,
                $"'{ownName}' ships its own '{package}' package, the import name of '{shadowed}' (download rank {rank.ToString("N0", CultureInfo.InvariantCulture)}), " +
                $"whose __init__ {(act.RuleId == ThreatRules.ImportTimeNetwork.Id ? "reaches the network when imported" : "starts programs")}",
                new Location(source.Path, act.Location.Line), act.Evidence, shadowed));
            return;
        }
    }

    /// <summary>The import package whose <c>__init__.py</c> <paramref name="path"/> is, at the top of the tree or of <c>src/</c>.</summary>
    private static string? TopLevelPackageInit(string path, string prefix)
    {
        // An __init__.py right at the top (prefix + "__init__.py") belongs to no named package.
        if (path.Length <= prefix.Length + "/__init__.py".Length || !path.StartsWith(prefix, StringComparison.Ordinal)
            || !path.EndsWith("/__init__.py", StringComparison.Ordinal)) return null;
        var relative = path[prefix.Length..^"/__init__.py".Length];
        if (relative.StartsWith("src/", StringComparison.Ordinal)) relative = relative[4..];
        return relative.Length > 0 && !relative.Contains('/', StringComparison.Ordinal) ? relative : null;
    }
}
