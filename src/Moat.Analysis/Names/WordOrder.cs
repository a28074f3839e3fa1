namespace Moat.Analysis.Names;

/// <summary>The same words in another order: <c>dateutil-python</c> for <c>python-dateutil</c>.</summary>
internal static class WordOrder
{
    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        if (query.WordCount < 2 || query.WordCount > NameQuery.MaxWords) return;
        // The words in ordinal order, joined with '-' into a buffer: the same key as NameForms.SortedTokens, no strings.
        Span<int> order = stackalloc int[query.WordCount];
        for (var i = 0; i < order.Length; i++)
        {
            var word = i;
            for (; word > 0 && query.Word(order[word - 1]).SequenceCompareTo(query.Word(i)) > 0; word--) order[word] = order[word - 1];
            order[word] = i;
        }
        Span<char> key = stackalloc char[query.Normalized.Length];
        var length = 0;
        foreach (var i in order)
        {
            if (length > 0) key[length++] = '-';
            query.Word(i).CopyTo(key[length..]);
            length += query.Word(i).Length;
        }
        if (index.SortedTokensByText.TryGetValue(key[..length], out var target)
            && !query.IsSelf(target) && target.Stripped != query.Stripped)
        {
            into.Add(new RawMatch(NameTechnique.WordOrder, target, "words reordered", target.Stripped.Length));
        }
    }
}
