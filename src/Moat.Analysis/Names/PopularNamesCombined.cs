namespace Moat.Analysis.Names;

/// <summary>
/// Two popular names joined (<c>requests-urllib3</c>): borrows the trust of both. Weighed low — plenty of honest
/// bridges are named this way — so it informs rather than blocks unless other signals agree.
/// </summary>
internal static class PopularNamesCombined
{
    /// <summary>Both parts must be at least this popular and this long to count.</summary>
    public const int MaxPartRank = 5000;
    public const int MinPartLength = 4;

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        var tokens = query.Tokens;
        if (tokens.Length < 2 || tokens.Length > 8 || query.Self is not null) return;
        for (var split = 1; split < tokens.Length; split++)
        {
            if (Part(index, tokens[..split]) is not { } left || Part(index, tokens[split..]) is not { } right) continue;
            var (better, other) = left.IsBetterThan(right) ? (left, right) : (right, left);
            into.Add(new RawMatch(NameTechnique.PopularNamesCombined, better, $"joined with popular '{other.Name}'", better.Stripped.Length));
        }
    }

    private static Target? Part(NameIndex index, string[] tokens)
    {
        if (tokens.Length == 1 && Combosquat.IsAffix(tokens[0])) return null;
        var name = string.Join('-', tokens);
        return name.Length >= MinPartLength && index.Exact.TryGetValue(name, out var target) && (target.Internal || target.Rank <= MaxPartRank) ? target : null;
    }
}
