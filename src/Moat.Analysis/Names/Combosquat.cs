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

    public static bool IsAffix(string token) => CampaignAffixes.Contains(token) || CommonAffixes.Contains(token);

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        var tokens = query.Tokens;
        if (tokens.Length >= 2 && tokens.Length <= 8 && tokens.Any(IsAffix))
        {
            for (var split = 1; split < tokens.Length; split++)
            {
                // popular name first, affixes after; then affixes first, popular name after
                TryParts(query, index, tokens[..split], tokens[split..], into);
                TryParts(query, index, tokens[split..], tokens[..split], into);
            }
        }
        // glued: requestslite
        foreach (var affix in CampaignAffixes)
        {
            if (affix.Length < 3 || query.Stripped.Length - affix.Length < 4 || !query.Stripped.EndsWith(affix, StringComparison.Ordinal)) continue;
            if (index.Stripped.TryGetValue(query.Stripped[..^affix.Length], out var target) && !query.IsSelf(target))
                into.Add(new RawMatch(NameTechnique.Combosquat, target, $"'{affix}' glued on", target.Stripped.Length));
        }
    }

    private static void TryParts(NameQuery query, NameIndex index, string[] nameTokens, string[] affixTokens, List<RawMatch> into)
    {
        if (!affixTokens.All(IsAffix)) return;
        var name = string.Join('-', nameTokens);
        if (name.Length < 3 || !index.Exact.TryGetValue(name, out var target) || query.IsSelf(target)) return;
        var weight = affixTokens.Any(CampaignAffixes.Contains) ? 1.0 : 0.5;
        into.Add(new RawMatch(NameTechnique.Combosquat, target, $"affix '{string.Join('-', affixTokens)}' added", target.Stripped.Length, weight));
    }
}
