namespace Moat.Analysis.Domains.Generation;

/// <summary>
/// One bit flipped in one character: memory and transmission errors turn <c>pypi</c> into <c>qypi</c> or <c>pypa</c>
/// often enough that bit-squatted domains receive real traffic (Dinaburg, "Bitsquatting", 2011).
/// </summary>
public static class BitFlipTechnique
{
    public static IEnumerable<LabelVariant> BitFlip(string label)
    {
        for (var i = 0; i < label.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var flipped = (char)(label[i] ^ (1 << bit));
                // Upper-case results read as the same host once lower-cased, so only lower-case LDH characters count.
                if (char.IsAsciiLetterLower(flipped) || char.IsAsciiDigit(flipped) || flipped == '-')
                {
                    yield return new(string.Concat(label.AsSpan(0, i), [flipped], label.AsSpan(i + 1)), $"{label[i]}→{flipped} (bit {bit})");
                }
            }
        }
    }
}
