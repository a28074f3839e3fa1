using System.Buffers;
using System.Collections.Frozen;

namespace Moat.Analysis.Domains;

/// <summary>
/// Words phishers glue to a brand (<c>pypi-mirror.org</c>, <c>pypi-support.net</c>, <c>secure-github-login.com</c>).
/// <see cref="Account"/> words speak of the victim's account or trust and are what phishing mails link to;
/// <see cref="Service"/> words name a plausible part of the service and are weaker on their own.
/// </summary>
public static class BrandKeywords
{
    public static IReadOnlyList<string> Account { get; } =
    [
        "mirror", "support", "verify", "verification", "login", "signin", "logon", "secure", "security", "account",
        "accounts", "auth", "2fa", "mfa", "otp", "password", "reset", "recovery", "unlock", "confirm", "validate",
        "alert", "notice", "help", "helpdesk", "admin", "update", "billing", "token", "official", "team", "safety",
    ];

    public static IReadOnlyList<string> Service { get; } =
    [
        "files", "upload", "uploads", "docs", "status", "download", "downloads", "cdn", "mail", "web", "app", "portal",
        "registry", "index", "pkg", "packages", "api", "static", "online", "cloud", "new", "my", "hub",
    ];

    /// <summary>Pairs that make a whole phishing registrable domain: <c>pypi.org.verify-login.com</c>.</summary>
    public static IReadOnlyList<string> PhishingPairs { get; } =
    [
        "verify-login", "secure-login", "account-verify", "login-verify", "account-security", "secure-auth",
        "verify-account", "auth-verify", "support-team", "security-alert",
    ];

    private static readonly FrozenDictionary<string, bool> IsAccountWord =
        Account.Select(k => (k, true)).Concat(Service.Select(k => (k, false)))
            .DistinctBy(p => p.k).ToFrozenDictionary(p => p.k, p => p.Item2, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, bool>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        IsAccountWord.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Every keyword, for a one-pass substring prefilter.</summary>
    public static SearchValues<string> Any { get; } = SearchValues.Create([.. IsAccountWord.Keys], StringComparison.Ordinal);

    /// <summary>Every keyword, account words first.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Account.Concat(Service).Distinct()];

    /// <summary>Whether <paramref name="word"/> is a keyword, and if so whether it is an account word.</summary>
    public static bool TryClassify(ReadOnlySpan<char> word, out bool account) => Lookup.TryGetValue(word, out account);
}
