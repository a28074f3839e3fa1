using Moat.Analysis.Text;

namespace Moat.Analysis.Names;

/// <summary>
/// One character replaced: <c>djanga</c> for <c>django</c>. The replacement is then explained, best first, as an
/// ASCII lookalike (<c>l</c>/<c>1</c>), a neighbouring key (<see cref="KeyboardNeighbour"/>), a single flipped bit
/// (<see cref="BitFlip"/>), or a plain substitution.
/// </summary>
internal static class SubstitutedCharacter
{
    /// <summary>The position of the one differing character, or -1 when the names differ otherwise.</summary>
    public static int Position(string candidate, string target)
    {
        if (candidate.Length != target.Length) return -1;
        var at = candidate.AsSpan().CommonPrefixLength(target);
        return at < candidate.Length && candidate.AsSpan(at + 1).SequenceEqual(target.AsSpan(at + 1)) ? at : -1;
    }

    public static (NameTechnique Technique, string Detail)? Classify(string candidate, string target)
    {
        var at = Position(candidate, target);
        if (at < 0) return null;
        char typed = candidate[at], meant = target[at];
        if (IsLookalike(typed, meant)) return (NameTechnique.AsciiLookalike, $"'{meant}' replaced by lookalike '{typed}'");
        if (KeyboardNeighbour.Describe(typed, meant) is { } keys) return (NameTechnique.KeyboardNeighbour, keys);
        if (BitFlip.Describe(typed, meant) is { } bit) return (NameTechnique.BitFlip, bit);
        return (NameTechnique.SubstitutedCharacter, $"'{meant}' replaced by '{typed}'");
    }

    /// <summary>
    /// A one-for-one lookalike: a digit for a letter (<c>3</c>/<c>e</c>, <c>0</c>/<c>o</c>) or one of the thin letters
    /// <c>i</c>, <c>j</c>, <c>l</c> for another. Pairs of ordinary letters that only resemble each other (<c>a</c>/<c>o</c>,
    /// <c>n</c>/<c>r</c>, <c>u</c>/<c>v</c>, <c>q</c>/<c>g</c>, <c>h</c>/<c>b</c>) are ordinary spellings far more often
    /// (<c>ward</c>/<c>wand</c>, <c>case</c>/<c>cose</c>: 370 PyPI names against 5 real squats), so they are judged as
    /// the slips they also are — a vowel for a vowel, a neighbouring key, a plain substitution.
    /// </summary>
    private static bool IsLookalike(char a, char b)
    {
        if (!(char.IsAsciiDigit(a) || char.IsAsciiDigit(b) || IsThin(a) && IsThin(b))) return false;
        foreach (var (original, lookalike) in AsciiLookalikes.Pairs)
        {
            if (original.Length != 1 || lookalike.Length != 1) continue;
            char x = char.ToLowerInvariant(original[0]), y = char.ToLowerInvariant(lookalike[0]);
            if (x == a && y == b || x == b && y == a) return true;
        }
        return false;
    }

    private static bool IsThin(char c) => c is 'i' or 'j' or 'l';
}
