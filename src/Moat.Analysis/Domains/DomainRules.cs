using Moat.Analysis.Domains.Checking;

namespace Moat.Analysis.Domains;

/// <summary>The rules of <c>moat links</c>: lookalike hosts (DOMAIN) and what messages do with links (LINK).</summary>
public static class DomainRules
{
    private static readonly string[] PhishingReferences =
    [
        "https://blog.pypi.org/posts/2025-07-28-pypi-phishing-attack/",
        "https://www.unicode.org/reports/tr39/",
    ];

    public static readonly Rule Homograph = new(
        "MOAT-DOMAIN-001", "homograph-domain",
        "Host uses look-alike Unicode letters to read as a protected domain",
        Severity.Critical,
        "The host's Unicode skeleton (UTS #39 confusables, after IDNA mapping) equals a protected domain or its name: " +
        "Cyrillic 'р' and 'у' make 'руpi.org' (xn--pi-kmcm.org) read as pypi.org in a mail client. Nobody registers " +
        "such a name by accident.",
        PhishingReferences);

    public static readonly Rule Typo = new(
        "MOAT-DOMAIN-002", "typo-domain",
        "Host is a typo or ASCII look-alike of a protected domain",
        Severity.High,
        "The registrable label is one slip from a protected one (a neighbouring key, a doubled, dropped or swapped " +
        "letter, a flipped bit), reads the same ('pypj' for 'pypi', 'rn' for 'm', '0' for 'o'), or is the brand cut by " +
        "a hyphen or dot. 'pypj.org' was a live proxy of pypi.org used to phish maintainers' credentials.",
        PhishingReferences);

    public static readonly Rule BrandKeyword = new(
        "MOAT-DOMAIN-003", "brand-keyword-domain",
        "Host glues a protected brand to a keyword such as 'mirror', 'support' or 'login'",
        Severity.High,
        "The brand appears in a domain its owner does not control, next to a word phishing mails rely on: " +
        "'pypi-mirror.org', 'pypi-support.net', 'secure-github-login.com'. Permutation engines that only vary letters " +
        "miss these; they are the names real campaigns used.",
        PhishingReferences);

    public static readonly Rule BrandSubdomain = new(
        "MOAT-DOMAIN-004", "brand-subdomain",
        "Host puts a protected domain or brand in front of someone else's domain",
        Severity.High,
        "'pypi.org.verify-login.com' and 'github.com-login.xyz' start with the protected domain, which is all a reader " +
        "checks; the domain that counts is at the end. A brand label alone as a subdomain ('pypi.corp.example') is how " +
        "companies name internal mirrors, and is reported at low severity unless the domain is a keyword domain.",
        PhishingReferences);

    public static readonly Rule TldSwap = new(
        "MOAT-DOMAIN-005", "tld-swap-domain",
        "Host is a protected brand under another top-level domain",
        Severity.High,
        "'pypi.net' or 'github.co' is not the protected domain, whoever owns it; a link to it in a mail about your " +
        "account is a reason to stop.",
        PhishingReferences);

    public static readonly Rule LinkTextMismatch = new(
        "MOAT-LINK-001", "link-text-mismatch",
        "Link shows one host and goes to another",
        Severity.High,
        "An HTML link whose visible text is a URL or domain on a different registrable domain than its href: the " +
        "classic phishing link ('https://pypi.org/account' that goes elsewhere). Mail trackers do this too, so it is " +
        "high-confidence only when the shown host is a protected domain.",
        PhishingReferences);

    public static readonly Rule Urgency = new(
        "MOAT-LINK-002", "urgency-language",
        "Message presses for action: suspension threats, deadlines, unusual sign-ins",
        Severity.Medium,
        "Phrases such as 'your account will be suspended', 'verify within 72 hours' or 'unusual sign-in activity' are the " +
        "lever of maintainer phishing. On their own they are weak (real security mail uses them too); with a lookalike " +
        "link they make the message a phishing message (MOAT-LINK-003).",
        PhishingReferences);

    public static readonly Rule PhishingMessage = new(
        "MOAT-LINK-003", "phishing-message",
        "Message uses urgency language and links to a lookalike of a protected domain",
        Severity.Critical,
        "The combination seen in every campaign against PyPI maintainers: a threat or deadline, and a link to a host " +
        "that imitates PyPI, GitHub or another protected domain (or shows one host and goes to another).",
        PhishingReferences);

    /// <summary>Turns a lookalike match into a finding: rule by technique, severity and confidence by score.</summary>
    public static Finding ForMatch(LookalikeMatch match, Location location, string? evidence = null)
    {
        var rule = match.Kind switch
        {
            LookalikeKind.Homograph => Homograph,
            LookalikeKind.Visual or LookalikeKind.Typo or LookalikeKind.SplitLabel => Typo,
            LookalikeKind.BrandKeyword or LookalikeKind.BrandInLabel => BrandKeyword,
            LookalikeKind.EmbeddedDomain or LookalikeKind.BrandSubdomain => BrandSubdomain,
            _ => TldSwap,
        };
        var shown = match.Display == match.Host ? match.Host : $"{match.Display} ({match.Host})";
        return new Finding(
            rule.Id, SeverityFor(match.Score), ConfidenceFor(match.Score),
            $"{shown} imitates {match.Target}: {match.Detail} [{KindName(match.Kind)}, score {match.Score:0.00}]",
            location, evidence ?? shown);
    }

    public static Severity SeverityFor(double score) =>
        score >= 0.85 ? Severity.Critical : score >= 0.6 ? Severity.High : score >= 0.4 ? Severity.Medium : Severity.Low;

    public static Confidence ConfidenceFor(double score) =>
        score >= 0.75 ? Confidence.High : score >= 0.5 ? Confidence.Medium : Confidence.Low;

    /// <summary>The kebab-case technique name: <c>brand-keyword</c>, <c>tld-swap</c>.</summary>
    public static string KindName(LookalikeKind kind) => kind switch
    {
        LookalikeKind.SplitLabel => "split-label",
        LookalikeKind.TldSwap => "tld-swap",
        LookalikeKind.BrandKeyword => "brand-keyword",
        LookalikeKind.BrandInLabel => "brand-in-label",
        LookalikeKind.EmbeddedDomain => "embedded-domain",
        LookalikeKind.BrandSubdomain => "brand-subdomain",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
