namespace Moat.Analysis.Text;

/// <summary>
/// ASCII sequences that read as one another at a glance, in a URL bar or a requirements file: <c>rn</c>/<c>m</c>,
/// <c>vv</c>/<c>w</c>, <c>cl</c>/<c>d</c>, <c>1</c>/<c>l</c>/<c>i</c>, <c>0</c>/<c>o</c>, <c>5</c>/<c>s</c>…
/// Shared by the name and domain engines; each pair works in both directions.
/// </summary>
public static class AsciiLookalikes
{
    public static IReadOnlyList<(string Original, string Lookalike)> Pairs { get; } =
    [
        ("m", "rn"), ("m", "nn"), ("w", "vv"), ("d", "cl"), ("d", "ol"), ("a", "o"), ("u", "v"), ("n", "r"),
        ("l", "1"), ("l", "i"), ("i", "1"), ("l", "I"), ("i", "j"), ("o", "0"), ("s", "5"), ("e", "3"), ("a", "4"),
        ("b", "6"), ("g", "9"), ("q", "g"), ("t", "7"), ("z", "2"), ("b", "8"), ("h", "b"), ("k", "lc"), ("g", "q"),
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
