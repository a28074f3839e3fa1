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
    public static string SortedTokens(string[] tokens) => string.Join('-', tokens.Order(StringComparer.Ordinal));

    public static string Ultranormalize(string normalized) => ProjectName.Ultranormalize(normalized);

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
