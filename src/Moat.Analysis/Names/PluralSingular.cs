namespace Moat.Analysis.Names;

/// <summary>A word's plural or singular: <c>request</c> for <c>requests</c>, <c>attr</c> for <c>attrs</c>.</summary>
internal static class PluralSingular
{
    public static string? Describe(string candidate, string target)
    {
        var (longer, shorter, added) = candidate.Length == target.Length + 1 ? (candidate, target, true)
            : target.Length == candidate.Length + 1 ? (target, candidate, false) : (null, null, false);
        if (longer is null || shorter is null) return null;
        // The extra character is an 's' ending a word of at least three letters.
        var at = shorter.AsSpan().CommonPrefixLength(longer);
        while (at + 1 < longer.Length && longer[at + 1] == longer[at]) at++; // in "ss" the word-final s is the one that matters
        if (longer[at] != 's' || !longer.AsSpan(at + 1).SequenceEqual(shorter.AsSpan(at))) return null;
        var wordEnd = at + 1 == longer.Length || longer[at + 1] == '-';
        var wordStart = longer.LastIndexOf('-', Math.Max(at - 1, 0)) + 1;
        if (!wordEnd || at - wordStart < 3) return null;
        return added ? "plural of a word in the name" : "singular of a word in the name";
    }
}
