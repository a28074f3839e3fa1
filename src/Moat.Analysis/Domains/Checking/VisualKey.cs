using Moat.Analysis.Text;

namespace Moat.Analysis.Domains.Checking;

/// <summary>
/// A key under which ASCII labels that read alike are equal: <c>pypj</c>, <c>pyp1</c> and <c>pypl</c> all read as
/// <c>pypi</c>; <c>rnicrosoft</c> as <c>microsoft</c>. Built from the shared <see cref="AsciiLookalikes"/> table:
/// multi-character sequences (<c>rn</c>, <c>vv</c>, <c>cl</c>) become their single look-alike, then every character
/// becomes the representative of its look-alike class (<c>l 1 i j</c>, <c>o 0 a</c>, …). It is the ASCII counterpart
/// of the UTS #39 skeleton; Unicode labels go through <see cref="Confusables.Fold"/> first.
/// </summary>
public static class VisualKey
{
    private static readonly (string Sequence, char Single)[] Sequences =
        [.. AsciiLookalikes.Pairs.Where(p => p.Original.Length == 1 && p.Lookalike.Length > 1)
            .Select(p => (p.Lookalike.ToLowerInvariant(), char.ToLowerInvariant(p.Original[0])))
            .OrderByDescending(p => p.Item1.Length)];

    private static readonly char[] Representative = BuildClasses();

    /// <summary>The key of <paramref name="text"/>; characters outside ASCII are kept as they are.</summary>
    public static string Of(ReadOnlySpan<char> text)
    {
        Span<char> buffer = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        return new string(buffer[..Write(text, buffer)]);
    }

    /// <summary>Writes the key into <paramref name="destination"/> (at least as long as the text) and returns its length.</summary>
    public static int Write(ReadOnlySpan<char> text, Span<char> destination)
    {
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = char.ToLowerInvariant(text[i]);
            foreach (var (sequence, single) in Sequences)
            {
                if (c == sequence[0] && text[i..].StartsWith(sequence, StringComparison.OrdinalIgnoreCase))
                {
                    c = single;
                    i += sequence.Length - 1;
                    break;
                }
            }
            destination[length++] = c < 128 ? Representative[c] : c;
        }
        return length;
    }

    /// <summary>Union–find over the single-character pairs; the smallest character of a class represents it.</summary>
    private static char[] BuildClasses()
    {
        var parent = new char[128];
        for (var c = 0; c < 128; c++) parent[c] = (char)c;
        char Find(char c) => parent[c] == c ? c : parent[c] = Find(parent[c]);
        foreach (var (original, lookalike) in AsciiLookalikes.Pairs)
        {
            if (original.Length != 1 || lookalike.Length != 1) continue;
            var a = Find(char.ToLowerInvariant(original[0]));
            var b = Find(char.ToLowerInvariant(lookalike[0]));
            if (a != b) parent[Math.Max(a, b)] = (char)Math.Min(a, b);
        }
        var representative = new char[128];
        for (var c = 0; c < 128; c++) representative[c] = Find((char)c);
        return representative;
    }
}
