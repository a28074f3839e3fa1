using System.Globalization;
using Moat.Analysis.Text;

namespace Moat.Analysis.Names;

/// <summary>
/// One slip plus an added version number or py/python affix: <c>reqests-2022</c>, <c>request91</c>,
/// <c>ruequest3</c>, <c>pyfarnet</c>. Squatters stack the two so that neither the edit-distance nor the variant rule
/// sees the popular name: the affix is taken off the checked name and the rest must be one slip from a popular name
/// (its core at least five letters, the slip not where the affix was cut off), weighed by how natural the slip is (<see cref="TypoCost"/>).
/// </summary>
internal static class TypoWithAffix
{
    public const int MinimumCore = 5;

    [ThreadStatic] private static List<int>? candidates;

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        // A name one slip from a popular name as it stands (python-binnance) is explained by that: the simplest reading wins.
        foreach (var found in into)
        {
            if (IsOneSlip(found.Technique)) return;
        }
        var versionless = NameForms.VersionBase(query.Stripped);
        if (versionless.Length < query.Stripped.Length) Match(query, versionless, "version number", index, into);
        if (query.AffixCore is { } core && core.Kind != PythonAffix.Kind.GluedPy) Match(query, core.Core, "py/python affix", index, into);
    }

    private static bool IsOneSlip(NameTechnique technique) =>
        technique is NameTechnique.RepeatedCharacter or NameTechnique.OmittedCharacter or NameTechnique.InsertedCharacter
            or NameTechnique.SubstitutedCharacter or NameTechnique.SwappedCharacters or NameTechnique.KeyboardNeighbour
            or NameTechnique.BitFlip or NameTechnique.AsciiLookalike or NameTechnique.PluralSingular;

    /// <summary>
    /// A slip where the affix was cut off is most often a wrong cut, not a typo: the affix really was <c>v2</c>,
    /// <c>o365</c>, <c>x402</c> (<c>watchdogv2</c>, <c>django-o365</c>). Only a plural <c>s</c> there is a slip (<c>request2022</c>).
    /// </summary>
    private static bool SlipsAtTheAffix(string core, string target)
    {
        if (core.AsSpan().CommonPrefixLength(target) < Math.Min(core.Length, target.Length) - 1) return false;
        var (shorter, longer) = core.Length < target.Length ? (core, target) : (target, core);
        return !(longer.Length == shorter.Length + 1 && longer[^1] == 's' && longer.StartsWith(shorter, StringComparison.Ordinal));
    }

    private static void Match(NameQuery query, string core, string affix, NameIndex index, List<RawMatch> into)
    {
        if (core.Length < MinimumCore || index.StrippedByText.ContainsKey(core)) return; // an exact core is a plain variant
        var ids = candidates ??= [];
        ids.Clear();
        index.EditCandidates.Candidates(core, ids);
        foreach (var id in ids)
        {
            var target = index.Targets[id];
            if (query.IsSelf(target) || target.Stripped.Length < MinimumCore) continue;
            if (EditDistance.Bounded(core, target.Stripped, 1) != 1 || SlipsAtTheAffix(core, target.Stripped)) continue;
            if (TypoCost.Cost(core, target.Stripped, 1) is not { } cost) continue;
            var weight = TypoCost.TwoEditWeight(cost + TypoCost.WordEndLetter);
            into.Add(new RawMatch(NameTechnique.TypoWithAffix, target,
                $"{affix} added to a slip (typo cost {cost.ToString("0.00", CultureInfo.InvariantCulture)}): '{core}' for '{target.Stripped}'", core.Length, weight));
        }
    }
}
