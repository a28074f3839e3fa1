using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>
/// Dependency confusion against a public name list: every internal name that also exists publicly, every public name
/// under an internal prefix, and every public name that imitates an internal one. One pass over the public names,
/// each checked by a <see cref="NameChecker"/> whose only targets are the internal names.
/// </summary>
public static class DependencyConfusion
{
    public static IReadOnlyList<ScanResult> Scan(IEnumerable<string> publicNames, InternalNames internalNames, string indexDescription = "the public index")
    {
        ArgumentNullException.ThrowIfNull(publicNames);
        ArgumentNullException.ThrowIfNull(internalNames);
        if (internalNames.IsEmpty) return [];
        var squatChecker = new NameChecker(PopularCorpus.FromNames([], "internal names only"), new NameCheckerOptions(Internal: internalNames, MaxFindings: 8));
        var results = new List<ScanResult>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in publicNames)
        {
            if (!ProjectName.IsValid(raw)) continue;
            var name = ProjectName.Normalize(raw);
            if (!seen.Add(name)) continue;
            if (internalNames.Names.Contains(name))
            {
                results.Add(Result(name, $"internal package '{name}' also exists on {indexDescription}: an installer that sees both indexes may pick the public one", $"public-name={raw}"));
            }
            else if (internalNames.MatchingPrefix(name) is { } prefix)
            {
                results.Add(Result(name, $"'{name}' on {indexDescription} uses the internal prefix '{prefix}'", $"public-name={raw} prefix={prefix}"));
            }
            else
            {
                var findings = squatChecker.Check(raw).Where(f => f.RuleId == NameRules.InternalNameSquat.Id).ToList();
                if (findings.Count > 0) results.Add(NameChecker.Result(raw, findings));
            }
        }
        return results;
    }

    private static ScanResult Result(string name, string message, string evidence) =>
        ScanResult.From(name, TargetKind.Name, [Finding.Of(NameRules.InternalNamePublic, Confidence.High, message, Location.None, evidence)]);
}
