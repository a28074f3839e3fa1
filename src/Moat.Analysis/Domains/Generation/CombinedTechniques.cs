namespace Moat.Analysis.Domains.Generation;

/// <summary>
/// Two techniques at once, where the result stays plausible: a one-edit typo or look-alike of the label under the
/// TLDs squatters register first (<c>pypj.com</c>, <c>руpi.net</c>), and a look-alike label glued to an account
/// keyword (<c>pypl-login.org</c>). Wider crossings (typo × every keyword × every TLD) would bury the list in noise.
/// </summary>
public static class CombinedTechniques
{
    private static readonly Func<string, IEnumerable<LabelVariant>>[] OneEditTypos =
    [
        TypoTechniques.Omission, TypoTechniques.Repetition, TypoTechniques.Transposition, TypoTechniques.VowelSwap,
        KeyboardTechniques.Replacement, TypoTechniques.Hyphenation, LookalikeTechniques.AsciiLookalike, LookalikeTechniques.Homoglyph,
    ];

    private static readonly string[] TopAccountKeywords = ["login", "verify", "secure", "support", "account", "mirror"];

    public static IEnumerable<(string Host, string Detail)> Combine(DomainParts domain, string label)
    {
        foreach (var make in OneEditTypos)
        {
            foreach (var variant in make(label))
            {
                foreach (var tld in Tlds.Favourites)
                {
                    if (tld != domain.Suffix) yield return ($"{variant.Label}.{tld}", $"{variant.Detail} + .{tld}");
                }
            }
        }
        foreach (var variant in LookalikeTechniques.AsciiLookalike(label))
        {
            foreach (var keyword in TopAccountKeywords)
            {
                yield return ($"{variant.Label}-{keyword}.{domain.Suffix}", $"{variant.Detail} + '{keyword}'");
            }
        }
    }
}
