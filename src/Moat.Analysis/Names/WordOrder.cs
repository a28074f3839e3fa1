namespace Moat.Analysis.Names;

/// <summary>The same words in another order: <c>dateutil-python</c> for <c>python-dateutil</c>.</summary>
internal static class WordOrder
{
    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        if (query.Tokens.Length < 2 || query.Tokens.Length > 8) return;
        if (index.SortedTokens.TryGetValue(NameForms.SortedTokens(query.Tokens), out var target)
            && !query.IsSelf(target) && target.Stripped != query.Stripped)
        {
            into.Add(new RawMatch(NameTechnique.WordOrder, target, "words reordered", target.Stripped.Length));
        }
    }
}
