using Moat.Analysis.Text;

namespace Moat.Analysis.Domains.Checking;

/// <summary>Names the single edit between a typo and its brand, and whether it is a slip people really make.</summary>
internal static class TypoClassifier
{
    /// <summary>
    /// "a keyboard slip (i→o)", "a doubled letter", … <c>Strong</c> is true for the slips that explain most real
    /// typo traffic: a neighbouring key, a doubled or dropped letter, a swap, a flipped bit.
    /// </summary>
    public static (string Slip, bool Strong) Describe(string typo, string brand)
    {
        var prefix = typo.AsSpan().CommonPrefixLength(brand);
        if (typo.Length == brand.Length)
        {
            if (prefix + 1 < typo.Length && typo[prefix] == brand[prefix + 1] && typo[prefix + 1] == brand[prefix])
            {
                return ($"'{brand[prefix]}{brand[prefix + 1]}' swapped", true);
            }
            char was = brand[prefix], now = typo[prefix];
            if (KeyboardNeighbours.AreNeighbours(was, now)) return ($"a keyboard slip ({was}→{now})", true);
            if (char.IsAsciiLetterOrDigit(now) && System.Numerics.BitOperations.PopCount((uint)(was ^ now)) == 1) return ($"a flipped bit ({was}→{now})", true);
            return ($"'{was}' replaced by '{now}'", false);
        }
        if (typo.Length == brand.Length + 1)
        {
            var added = typo[prefix];
            if ((prefix > 0 && typo[prefix - 1] == added) || (prefix + 1 < typo.Length && typo[prefix + 1] == added)) return ($"'{added}' doubled", true);
            var neighbourKey = prefix < brand.Length ? brand[prefix] : brand[^1];
            return KeyboardNeighbours.AreNeighbours(added, neighbourKey) || (prefix > 0 && KeyboardNeighbours.AreNeighbours(added, brand[prefix - 1]))
                ? ($"'{added}' typed too (a neighbouring key)", true)
                : ($"'{added}' added", false);
        }
        return ($"'{brand[prefix]}' dropped", true);
    }
}
