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
        if (query.WordCount < 2 || query.WordCount > NameQuery.MaxWords || query.Self is not null) return;
        for (var split = 1; split < query.WordCount; split++)
        {
            if (Part(query, index, 0, split) is not { } left || Part(query, index, split, query.WordCount) is not { } right) continue;
            var (better, other) = left.IsBetterThan(right) ? (left, right) : (right, left);
            into.Add(new RawMatch(NameTechnique.PopularNamesCombined, better, $"joined with popular '{other.Name}'", better.Stripped.Length));
        }
    }

    private static Target? Part(NameQuery query, NameIndex index, int from, int to)
    {
        if (to - from == 1 && Combosquat.IsAffix(query.Word(from))) return null;
        var name = query.Words(from, to);
        return name.Length >= MinPartLength && index.ExactByText.TryGetValue(name, out var target) && (target.Internal || target.Rank <= MaxPartRank) ? target : null;
    }
}
