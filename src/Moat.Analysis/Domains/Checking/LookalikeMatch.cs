namespace Moat.Analysis.Domains.Checking;

/// <summary>How a host imitates a protected domain.</summary>
public enum LookalikeKind
{
    /// <summary>Unicode letters that read as the brand: <c>руpi.org</c> (xn--pi-…).</summary>
    Homograph,
    /// <summary>ASCII letters that read as the brand: <c>pypj.org</c>, <c>pyp1.org</c>, <c>rnicrosoft.com</c>.</summary>
    Visual,
    /// <summary>One or two typing slips: <c>pyppi.org</c>, <c>pyip.org</c>, <c>githbu.com</c>.</summary>
    Typo,
    /// <summary>The brand cut by a hyphen or a dot: <c>py-pi.org</c>, <c>py.pi.org</c>.</summary>
    SplitLabel,
    /// <summary>The brand's own label under another suffix: <c>pypi.net</c>.</summary>
    TldSwap,
    /// <summary>The brand glued to a keyword: <c>pypi-mirror.org</c>, <c>pypi-support.net</c>, <c>securepypi.com</c>.</summary>
    BrandKeyword,
    /// <summary>A distinctive brand inside another word: <c>pypi-tools.dev</c>.</summary>
    BrandInLabel,
    /// <summary>The whole brand domain in front of another domain: <c>pypi.org.verify-login.com</c>.</summary>
    EmbeddedDomain,
    /// <summary>The brand label as a subdomain of another domain: <c>pypi.mirror.org</c>.</summary>
    BrandSubdomain,
}

/// <summary>
/// A host that imitates <paramref name="Target"/> (a protected domain), how, and how strongly (0–1: how sure we are
/// that a person would take it for the target and that nobody but a phisher would register it).
/// </summary>
public sealed record LookalikeMatch(string Host, string Display, string Target, LookalikeKind Kind, double Score, string Detail);
