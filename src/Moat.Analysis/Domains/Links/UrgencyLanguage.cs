using System.Text.RegularExpressions;

namespace Moat.Analysis.Domains.Links;

/// <summary>The pressure phrases of maintainer phishing ("your account will be suspended", "verify within 72 hours").</summary>
public static partial class UrgencyLanguage
{
    [GeneratedRegex(
        @"\baccount\s+(?:will\s+be|has\s+been|is\s+being|may\s+be)\s+(?:permanently\s+)?(?:suspended|locked|disabled|deactivated|terminated|deleted|removed|restricted|frozen)" +
        @"|\b(?:verify|confirm|validate|update)\b[^.\n]{0,40}?\bwithin\s+(?:the\s+next\s+)?\d+\s*(?:hours?|hrs?|days?|minutes?)" +
        @"|\bwithin\s+(?:the\s+next\s+)?(?:12|24|48|72)\s*(?:hours?|hrs?)" +
        @"|\bunusual\s+(?:sign[\s-]?in|log[\s-]?in|login|account)?\s*(?:activity|attempts?)" +
        @"|\bsuspicious\s+(?:activity|sign[\s-]?in|log[\s-]?in|login)" +
        @"|\b(?:immediate|urgent)\s+action\s+(?:is\s+)?required" +
        @"|\bfailure\s+to\s+(?:verify|comply|respond|confirm|validate|update)" +
        @"|\b(?:packages?|projects?|releases?)\s+(?:will|may)\s+be\s+(?:removed|deleted|suspended|yanked)" +
        @"|\bconfirm\s+your\s+(?:identity|credentials|password|account|e-?mail)" +
        @"|\bmandatory\s+(?:2fa|two[\s-]factor|validation|verification|re-?validation)" +
        @"|\b(?:last|final)\s+(?:warning|notice|reminder)" +
        @"|\bpassword\s+(?:will\s+)?expires?\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Phrases();

    /// <summary>Every distinct pressure phrase in <paramref name="text"/>, in order of first appearance (at most 10).</summary>
    public static IReadOnlyList<string> Find(string text)
    {
        var found = new List<string>();
        try
        {
            foreach (Match match in Phrases().Matches(text))
            {
                var phrase = Regex.Replace(match.Value, @"\s+", " ").ToLowerInvariant();
                if (!found.Contains(phrase)) found.Add(phrase);
                if (found.Count == 10) break;
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // Hostile input: keep what was found; the time limit bounds the work.
        }
        return found;
    }
}
