using System.Buffers;

namespace Moat.Analysis.Names;

/// <summary>
/// A popular name with a word spelled the British or the American way instead (<c>termcolour</c> for termcolor,
/// <c>tokeniser</c> for tokenizers), optionally with a plural s added or dropped: a deliberate respelling that keeps
/// every sound, which a one-slip typo rule sees as an inserted letter at best. The word pairs are the sourced list in
/// data/spelling-variants.tsv.
/// </summary>
internal static class SpellingVariant
{
    private sealed record Table(IReadOnlyDictionary<string, string> OtherSpelling, SearchValues<string> Words);

    private static readonly Lazy<Table> Embedded = new(() =>
    {
        using var stream = typeof(SpellingVariant).Assembly.GetManifestResourceStream("Moat.Data.spelling-variants.tsv")
            ?? throw new InvalidOperationException("embedded spelling-variants.tsv is missing");
        using var reader = new StreamReader(stream);
        var other = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#' || line.StartsWith("british\t", StringComparison.Ordinal)) continue;
            if (line.Split('\t') is not [var british, var american, ..]) continue;
            other[british.Trim()] = american.Trim();
            other[american.Trim()] = british.Trim();
        }
        return new Table(other, SearchValues.Create([.. other.Keys], StringComparison.Ordinal));
    });

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        var stripped = query.Stripped;
        var table = Embedded.Value;
        // One pass over the name finds whether any listed word occurs at all; almost no name holds one.
        if (stripped.AsSpan().IndexOfAny(table.Words) < 0) return;
        foreach (var (word, respelled) in table.OtherSpelling)
        {
            var at = stripped.IndexOf(word, StringComparison.Ordinal);
            if (at < 0) continue;
            var variant = string.Concat(stripped.AsSpan(0, at), respelled, stripped.AsSpan(at + word.Length));
            var detail = $"'{word}' spelled '{respelled}'";
            if (Lookup(index, variant) is { } target && !query.IsSelf(target))
            {
                into.Add(new RawMatch(NameTechnique.SpellingVariant, target, detail, target.Stripped.Length));
            }
            else if (Lookup(index, variant.EndsWith('s') ? variant[..^1] : variant + "s") is { } plural && !query.IsSelf(plural))
            {
                into.Add(new RawMatch(NameTechnique.SpellingVariant, plural, detail + (variant.EndsWith('s') ? ", plural s dropped" : ", plural s added"), plural.Stripped.Length));
            }
        }
    }

    private static Target? Lookup(NameIndex index, string stripped) =>
        stripped.Length >= 4 && index.Stripped.TryGetValue(stripped, out var target) ? target : null;
}
