using System.Collections.Frozen;

namespace Moat.Analysis.Names;

/// <summary>
/// A popular name kept whole, plus words that make it look official or convenient: <c>requests-darwin-lite</c>,
/// <c>colorama-fix</c>, <c>new-requests</c>, <c>requestslite</c>. Only names whose every extra word is an affix count:
/// <c>django-rest-framework</c> or <c>pytest-mock</c> add real words and are the ecosystem's plugin convention.
/// </summary>
internal static class Combosquat
{
    /// <summary>Affixes seen in squatting campaigns: promises (lite, fix, pro), urgency (new, latest), platforms.</summary>
    public static readonly FrozenSet<string> CampaignAffixes = FrozenSet.Create(StringComparer.Ordinal,
        "lite", "light", "fix", "fixed", "patch", "patched", "new", "latest", "update", "updated", "pro", "plus", "premium",
        "free", "official", "secure", "fast", "beta", "alpha", "nightly", "full", "darwin", "windows", "win", "win32", "win64",
        "linux", "macos", "mac", "osx", "x64", "x86", "amd64", "arm64");

    /// <summary>Affixes legitimate projects use as much as squatters: weighed half.</summary>
    public static readonly FrozenSet<string> CommonAffixes = FrozenSet.Create(StringComparer.Ordinal,
        "dev", "devel", "sdk", "api", "utils", "util", "tools", "tool", "cli", "core", "lib", "libs", "client", "helper",
        "helpers", "ext", "extra", "extras", "wrapper", "module", "package", "pkg", "bin", "binary", "v2", "v3", "next");

    // Span lookups of the same sets (words are sliced from the name, never copied), and the campaign affixes that can
    // be glued on, in the sets' own order.
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> CampaignByText = CampaignAffixes.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> CommonByText = CommonAffixes.GetAlternateLookup<ReadOnlySpan<char>>();
    // Grouped by last character, so a name is compared only with the affixes it can end with (one to four, not 26).
    // An array by character rather than a map keyed by char, whose generic code ReadyToRun cannot precompile.
    private static readonly string[][] GluedAffixes = GluedAffixesByLastCharacter();

    public static bool IsAffix(ReadOnlySpan<char> word) => CampaignByText.Contains(word) || CommonByText.Contains(word);

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        var words = query.WordCount;
        if (words >= 2 && words <= NameQuery.MaxWords && AnyAffix(query, 0, words))
        {
            for (var split = 1; split < words; split++)
            {
                // popular name first, affixes after; then affixes first, popular name after
                TryParts(query, index, (0, split), (split, words), into);
                TryParts(query, index, (split, words), (0, split), into);
            }
        }
        // glued: requestslite
        var stripped = query.Stripped;
        foreach (var affix in stripped[^1] < GluedAffixes.Length ? GluedAffixes[stripped[^1]] : [])
        {
            if (stripped.Length - affix.Length < 4 || !stripped.EndsWith(affix, StringComparison.Ordinal)) continue;
            if (index.StrippedByText.TryGetValue(stripped.AsSpan(0, stripped.Length - affix.Length), out var target) && !query.IsSelf(target))
                into.Add(new RawMatch(NameTechnique.Combosquat, target, $"'{affix}' glued on", target.Stripped.Length));
        }
    }

    private static string[][] GluedAffixesByLastCharacter()
    {
        var byLast = new List<string>?[128];
        foreach (var affix in CampaignAffixes)
        {
            if (affix.Length >= 3) (byLast[affix[^1]] ??= []).Add(affix);
        }
        return Array.ConvertAll(byLast, affixes => affixes is null ? [] : affixes.ToArray());
    }

    /// <summary>Words [from, to) of the query, popular name and affixes: a match when every affix word is one and the rest is popular.</summary>
    private static void TryParts(NameQuery query, NameIndex index, (int From, int To) name, (int From, int To) affixes, List<RawMatch> into)
    {
        for (var i = affixes.From; i < affixes.To; i++)
        {
            if (!IsAffix(query.Word(i))) return;
        }
        var text = query.Words(name.From, name.To);
        if (text.Length < 3 || !index.ExactByText.TryGetValue(text, out var target) || query.IsSelf(target)) return;
        var weight = 0.5;
        for (var i = affixes.From; i < affixes.To; i++)
        {
            if (CampaignByText.Contains(query.Word(i))) weight = 1.0;
        }
        into.Add(new RawMatch(NameTechnique.Combosquat, target, $"affix '{query.Words(affixes.From, affixes.To)}' added", target.Stripped.Length, weight));
    }

    private static bool AnyAffix(NameQuery query, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (IsAffix(query.Word(i))) return true;
        }
        return false;
    }
}
