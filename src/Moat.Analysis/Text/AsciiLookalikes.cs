namespace Moat.Analysis.Text;

/// <summary>
/// ASCII sequences that read as one another at a glance, in a URL bar or a requirements file: <c>rn</c>/<c>m</c>,
/// <c>vv</c>/<c>w</c>, <c>cl</c>/<c>d</c>, <c>1</c>/<c>l</c>/<c>i</c>, <c>0</c>/<c>o</c>, <c>5</c>/<c>s</c>…
/// Shared by the name and domain engines; each pair works in both directions.
/// </summary>
public static class AsciiLookalikes
{
    /// <summary>
    /// One pair: <see cref="Lookalike"/> reads as <see cref="Original"/>. A class rather than a tuple: collections of a
    /// reference type use the framework's precompiled generic code, a tuple's are compiled at every `moat check`.
    /// </summary>
    public sealed record Pair(string Original, string Lookalike);

    public static IReadOnlyList<Pair> Pairs { get; } =
    [
        new("m", "rn"), new("m", "nn"), new("w", "vv"), new("d", "cl"), new("d", "ol"), new("a", "o"), new("u", "v"), new("n", "r"),
        new("l", "1"), new("l", "i"), new("i", "1"), new("l", "I"), new("i", "j"), new("o", "0"), new("s", "5"), new("e", "3"), new("a", "4"),
        new("b", "6"), new("g", "9"), new("q", "g"), new("t", "7"), new("z", "2"), new("b", "8"), new("h", "b"), new("k", "lc"), new("g", "q"),
    ];

    /// <summary>Every single-substitution lookalike of <paramref name="text"/> (each pair applied at each position, both ways).</summary>
    public static IEnumerable<(string Variant, string From, string To)> Variants(string text)
    {
        foreach (var (original, lookalike) in Pairs)
        {
            foreach (var (from, to) in new[] { (original, lookalike), (lookalike, original) })
            {
                for (var at = text.IndexOf(from, StringComparison.Ordinal); at >= 0; at = text.IndexOf(from, at + 1, StringComparison.Ordinal))
                {
                    yield return (string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length)), from, to);
                }
            }
        }
    }
}
