using System.Text.RegularExpressions;
using Moat.Packaging;
using Tomlyn.Model;

namespace Moat.Index.Proxy;

/// <summary>
/// The proxy repository and the group served at <c>/simple/</c>: hosted first, then this upstream. <c>[proxy]</c> in
/// moat.toml: <c>upstream</c> (a PEP 503/691 simple index; pypi.org by default; <c>""</c> turns the proxy off),
/// <c>page-ttl-seconds</c>, <c>min-release-age-hours</c>, <c>reserved</c> (names and <c>prefix-*</c> patterns never
/// resolved upstream), <c>fail-closed</c>, <c>timeout-seconds</c>.
/// </summary>
public sealed record ProxyOptions
{
    public const string PyPI = "https://pypi.org/simple/";

    public string Upstream { get; init; } = PyPI;

    /// <summary>How long an upstream project page is used before it is revalidated (conditional GET).</summary>
    public TimeSpan PageTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Upstream files younger than this (by their <c>upload-time</c>) are hidden; zero turns the gate off.</summary>
    public TimeSpan MinReleaseAge { get; init; } = TimeSpan.Zero;

    /// <summary>Normalized names or <c>prefix-*</c> globs that are never looked up upstream (dependency confusion).</summary>
    public IReadOnlyList<string> Reserved { get; init; } = [];

    /// <summary>When the gate cannot judge a file (scan error), keep it quarantined rather than serving it unjudged.</summary>
    public bool FailClosed { get; init; } = true;

    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public long MaxFileBytes { get; init; } = 200L * 1024 * 1024;

    public bool Enabled => !string.IsNullOrEmpty(Upstream);

    private Regex? _reserved;

    /// <summary>Whether a normalized project name is reserved for hosted repositories (globs: <c>*</c> any run, <c>?</c> one character).</summary>
    public bool IsReserved(string normalizedName)
    {
        if (Reserved.Count == 0) return false;
        _reserved ??= new Regex("^(?:" + string.Join('|', Reserved.Select(p =>
            Regex.Escape(ProjectName.Normalize(p.Replace("*", "\u0001").Replace("?", "\u0002"))).Replace("\u0001", ".*").Replace("\u0002", "."))) + ")$",
            RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        return _reserved.IsMatch(normalizedName);
    }

    public static ProxyOptions Apply(ProxyOptions options, TomlTable proxy, string source)
    {
        object? Raw(string key) => proxy.TryGetValue(key, out var value) ? value : null;
        IndexConfigurationException Bad(string key, string expected) => new($"{source}: proxy.{key} must be {expected}");
        long Seconds(string key, TimeSpan fallback, long min) => Raw(key) switch
        {
            null => (long)fallback.TotalSeconds,
            long n when n >= min => n,
            _ => throw Bad(key, min == 0 ? "a non-negative integer" : "a positive integer"),
        };
        var upstream = Raw("upstream") switch { null => options.Upstream, string s => s, _ => throw Bad("upstream", "a URL string") };
        if (upstream.Length > 0 && (!Uri.TryCreate(upstream, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            throw new IndexConfigurationException($"{source}: proxy.upstream must be an http(s) URL");
        if (upstream.Length > 0 && !upstream.EndsWith('/')) upstream += "/";
        return options with
        {
            Upstream = upstream,
            PageTtl = TimeSpan.FromSeconds(Seconds("page-ttl-seconds", options.PageTtl, 0)),
            MinReleaseAge = Raw("min-release-age-hours") switch
            {
                null => options.MinReleaseAge,
                long n and >= 0 => TimeSpan.FromHours(n),
                double d and >= 0 => TimeSpan.FromHours(d),
                _ => throw Bad("min-release-age-hours", "a non-negative number"),
            },
            Reserved = Raw("reserved") switch
            {
                null => options.Reserved,
                TomlArray a when a.All(x => x is string) => [.. a.Cast<string>()],
                _ => throw Bad("reserved", "an array of strings"),
            },
            FailClosed = Raw("fail-closed") switch { null => options.FailClosed, bool b => b, _ => throw Bad("fail-closed", "true or false") },
            UpstreamTimeout = TimeSpan.FromSeconds(Seconds("timeout-seconds", options.UpstreamTimeout, 1)),
        };
    }
}
