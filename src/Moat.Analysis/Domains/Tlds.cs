namespace Moat.Analysis.Domains;

/// <summary>
/// The top-level domains the generator swaps in: the common ones people type, the country codes that read like
/// words (<c>co</c>, <c>io</c>, <c>me</c>), and the cheap ones that dominate abuse reports (the new gTLDs sold for
/// a dollar, and the formerly free Freenom ccTLDs). Order is the output order.
/// </summary>
public static class Tlds
{
    public static IReadOnlyList<string> Common { get; } =
    [
        "com", "net", "org", "io", "co", "app", "dev", "info", "biz", "me", "us", "cc", "ai", "sh", "so",
        "co.uk", "de", "eu", "ru", "cn", "in", "ch", "nl", "fr",
    ];

    public static IReadOnlyList<string> Cheap { get; } =
    [
        "xyz", "top", "online", "site", "icu", "club", "live", "shop", "store", "tech", "cloud", "link", "click",
        "pw", "buzz", "rest", "cyou", "sbs", "cfd", "lol", "support", "help", "email", "page", "website", "space",
        "fun", "vip", "work", "host", "services", "security", "digital", "tk", "ml", "ga", "cf", "gq",
    ];

    /// <summary>Common then cheap, without repeats.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Common.Concat(Cheap).Distinct()];

    /// <summary>The handful a typo-squatter registers first: used for two-technique combinations.</summary>
    public static IReadOnlyList<string> Favourites { get; } = ["com", "net", "org", "io", "co", "app", "dev", "xyz"];
}
