namespace Moat.Analysis.Domains.Generation;

/// <summary>
/// What classic permutation engines miss and phishers register: the brand under another TLD (<c>pypi.net</c>), the
/// brand glued to a keyword under any TLD (<c>pypi-mirror.org</c>, <c>pypi-support.net</c>, <c>securepypi.com</c>),
/// and the brand as a subdomain of a domain the phisher owns (<c>pypi.mirror.org</c>, <c>pypi.org.verify-login.com</c>).
/// </summary>
public static class BrandTechniques
{
    private static readonly string[] Separators = ["-", ""];

    /// <summary>The same label under every built-in TLD.</summary>
    public static IEnumerable<(string Host, string Detail)> TldSwap(DomainParts domain)
    {
        foreach (var tld in Tlds.All)
        {
            if (tld != domain.Suffix) yield return (Join(domain.Subdomain, $"{domain.Label}.{tld}"), $".{tld}");
        }
    }

    /// <summary>
    /// Brand and keyword, both orders, with and without a hyphen, under the original suffix then every built-in TLD.
    /// The original suffix is itself a keyword (<c>pypi-org.com</c>, <c>pypiorg.net</c>).
    /// </summary>
    public static IEnumerable<(string Host, string Detail)> BrandKeyword(DomainParts domain)
    {
        var keywords = BrandKeywords.All.Append(domain.Suffix.Replace(".", "", StringComparison.Ordinal)).Distinct();
        var tlds = Tlds.All.Prepend(domain.Suffix).Distinct().ToArray();
        foreach (var keyword in keywords)
        {
            foreach (var separator in Separators)
            {
                foreach (var label in new[] { domain.Label + separator + keyword, keyword + separator + domain.Label })
                {
                    foreach (var tld in tlds) yield return ($"{label}.{tld}", $"'{keyword}' + .{tld}");
                }
            }
        }
    }

    /// <summary>
    /// The brand as a subdomain: of a keyword domain (<c>pypi.mirror.org</c>, <c>pypi.support.com</c>), the whole
    /// brand domain in front of a phishing pair (<c>pypi.org.verify-login.com</c>) and run into a keyword
    /// (<c>pypi.org-login.com</c>).
    /// </summary>
    public static IEnumerable<(string Host, string Detail)> BrandSubdomain(DomainParts domain)
    {
        var tlds = Tlds.Favourites.Prepend(domain.Suffix).Distinct().ToArray();
        var brandDomain = domain.Registrable;
        foreach (var keyword in BrandKeywords.Account)
        {
            foreach (var tld in tlds) yield return ($"{domain.Label}.{keyword}.{tld}", $"under {keyword}.{tld}");
        }
        foreach (var pair in BrandKeywords.PhishingPairs)
        {
            foreach (var tld in tlds) yield return ($"{brandDomain}.{pair}.{tld}", $"under {pair}.{tld}");
        }
        foreach (var keyword in BrandKeywords.Account)
        {
            foreach (var tld in tlds) yield return ($"{brandDomain}-{keyword}.{tld}", $"run into {keyword}.{tld}");
        }
    }

    internal static string Join(string subdomain, string rest) => subdomain.Length == 0 ? rest : $"{subdomain}.{rest}";
}
