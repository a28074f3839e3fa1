using System.Buffers;
using System.Runtime.CompilerServices;
using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>The forms a normalized name is compared in. Names here are PEP 503 normalized: lowercase, separators are <c>-</c>.</summary>
internal static class NameForms
{
    /// <summary>Names longer than this are checked only by the map-based techniques: no real name is that long, and edit work stays bounded.</summary>
    public const int MaxEditLength = 100;

    public static string Strip(string normalized) => normalized.Contains('-') ? normalized.Replace("-", "", StringComparison.Ordinal) : normalized;

    public static string[] Tokens(string normalized) => normalized.Split('-', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Tokens sorted, joined with <c>-</c>: equal for names that only differ in word order.</summary>
    public static string SortedTokens(string[] tokens)
    {
        var sorted = (string[])tokens.Clone();
        Array.Sort(sorted, StringComparer.Ordinal);
        return string.Join('-', sorted);
    }

    /// <summary>
    /// <see cref="SortedTokens(string[])"/> of <paramref name="normalized"/>'s words, or null when it has fewer than two:
    /// the words sorted in place in a stack buffer, one string (none when they are in order already). The index computes
    /// this for the half of 15,000 names that have words, on every <c>moat check</c>; splitting and joining each was a
    /// third of its start-up garbage.
    /// </summary>
    public static string? SortedWords(string normalized)
    {
        const int MaxWords = 32;
        if (normalized.Length > 256) return Tokens(normalized) is { Length: >= 2 } tokens ? SortedTokens(tokens) : null;
        Span<Range> words = stackalloc Range[MaxWords];
        var count = normalized.AsSpan().Split(words, '-', StringSplitOptions.RemoveEmptyEntries);
        if (count == MaxWords) return Tokens(normalized) is { Length: >= 2 } tokens ? SortedTokens(tokens) : null; // may hold more
        if (count < 2) return null;
        words = words[..count];
        for (var i = 1; i < words.Length; i++)
        {
            var word = words[i];
            var at = i;
            for (; at > 0 && normalized.AsSpan(words[at - 1]).SequenceCompareTo(normalized.AsSpan(word)) > 0; at--) words[at] = words[at - 1];
            words[at] = word;
        }
        Span<char> joined = stackalloc char[normalized.Length];
        var length = 0;
        foreach (var word in words)
        {
            if (length > 0) joined[length++] = '-';
            normalized.AsSpan(word).CopyTo(joined[length..]);
            length += normalized.AsSpan(word).Length;
        }
        return joined[..length].SequenceEqual(normalized) ? normalized : new string(joined[..length]);
    }

    public static string Ultranormalize(string normalized)
    {
        // A name in normalized form (lowercase letters, digits, '-'), as corpus names are: the span form below into a
        // stack buffer, without ProjectName's builder; anything else the general way.
        if (normalized.Length > 256 || normalized.AsSpan().ContainsAnyExcept(NormalizedCharacters)) return ProjectName.Ultranormalize(normalized);
        Span<char> buffer = stackalloc char[normalized.Length];
        return new string(buffer[..Ultranormalize(normalized, buffer)]);
    }

    private static readonly SearchValues<char> NormalizedCharacters = SearchValues.Create("-0123456789abcdefghijklmnopqrstuvwxyz");

    /// <summary><see cref="Ultranormalize"/> of a normalized name into <paramref name="into"/> (at least as long), without allocating; returns the length.</summary>
    public static int Ultranormalize(ReadOnlySpan<char> normalized, Span<char> into)
    {
        var length = 0;
        foreach (var c in normalized)
        {
            if (c == '-') continue;
            into[length++] = c switch
            {
                'o' => '0',
                'i' or 'l' => '1',
                _ => c,
            };
        }
        return length;
    }

    /// <summary>The name with a trailing version number removed (<c>requests3</c> → <c>requests</c>), or itself when there is none or too little is left.</summary>
    public static string VersionBase(string stripped)
    {
        var length = VersionBaseLength(stripped);
        return length == stripped.Length ? stripped : stripped[..length];
    }

    /// <summary>The length of <see cref="VersionBase(string)"/>: how much of <paramref name="stripped"/> is kept.</summary>
    public static int VersionBaseLength(ReadOnlySpan<char> stripped)
    {
        var end = stripped.Length;
        while (end > 0 && char.IsAsciiDigit(stripped[end - 1])) end--;
        return end == stripped.Length || end < 3 ? stripped.Length : end;
    }
}

/// <summary>
/// A name being checked, in every form the techniques need, computed once per check: the techniques look their maps
/// up with spans of these (no substring, split or join per technique), so a clean name allocates almost nothing.
/// </summary>
internal sealed class NameQuery
{
    /// <summary>The techniques that split a name into words look at names of 2 to this many words.</summary>
    public const int MaxWords = 8;

    // Where each word starts in Normalized, for names of at most MaxWords words (normalized names have single '-'
    // separators and none at either end, so words i..j−1 are one contiguous span of Normalized).
    private WordStarts starts;

    public NameQuery(string normalized, Target? self)
    {
        Normalized = normalized;
        Stripped = NameForms.Strip(normalized);
        Self = self;
        WordCount = normalized.AsSpan().Count('-') + 1;
        if (WordCount <= MaxWords)
        {
            var word = 0;
            for (var i = 0; i < normalized.Length; i++)
            {
                if (normalized[i] == '-') starts[++word] = i + 1;
            }
        }
        AffixCore = PythonAffix.Core(normalized);
    }

    public string Normalized { get; }
    public string Stripped { get; }

    /// <summary>How many words the name has (<c>-</c>-separated).</summary>
    public int WordCount { get; }

    /// <summary>The name without its py/python affixes (<see cref="PythonAffix.Core"/>), shared by the techniques that need it.</summary>
    public (string Core, PythonAffix.Kind Kind)? AffixCore { get; }

    /// <summary>The corpus entry with exactly this name, when the name is itself popular (or internal).</summary>
    public Target? Self { get; }

    /// <summary>Words <paramref name="from"/> to <paramref name="to"/> (exclusive) joined by <c>-</c>, as they stand in the name. Only for names of at most <see cref="MaxWords"/> words.</summary>
    public ReadOnlySpan<char> Words(int from, int to)
    {
        var end = to == WordCount ? Normalized.Length : starts[to] - 1;
        return Normalized.AsSpan(starts[from], end - starts[from]);
    }

    /// <summary>Word <paramref name="index"/>.</summary>
    public ReadOnlySpan<char> Word(int index) => Words(index, index + 1);

    /// <summary>True when <paramref name="target"/> is just this name again (no squat of itself).</summary>
    public bool IsSelf(Target target) => target.Name == Normalized;

    [InlineArray(MaxWords)]
    private struct WordStarts
    {
        private int first;
    }
}
