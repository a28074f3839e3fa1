using System.Text.RegularExpressions;
using Moat.Packaging;
using Tomlyn.Model;

namespace Moat.Index.Proxy;

/// <summary>
/// The proxy repository and the group served at <c>/simple/</c>: hosted first, then this upstream. <c>[proxy]</c> in
/// moat.toml: <c>upstream</c> (a PEP 503/691 simple index; pypi.org by default; <c>""</c> turns the proxy off),
/// <c>page-ttl-seconds</c>, <c>min-release-age-hours</c>, <c>reserved</c> (names and <c>prefix-*</c> patterns never
/// resolved upstream), <c>fail-closed</c>, <c>timeout-seconds</c>, <c>max-page-mb</c>.
/// </summary>
/// <summary>How the release-age gate treats a file of unknown age (see <see cref="ProxyOptions.UnknownUploadTime"/>).</summary>
public enum UnknownUploadTime { FirstSeen, Hide, Allow }

public sealed record ProxyOptions
{
    public const string PyPI = "https://pypi.org/simple/";

    /// <summary>The repository's name in <c>[[repository]]</c> (<c>pypi</c> for the default proxy); also its path <c>/r/&lt;name&gt;/simple/</c>.</summary>
    public string Name { get; init; } = "pypi";

    public string Upstream { get; init; } = PyPI;

    /// <summary>HTTP Basic credentials for a private upstream (the password usually from <c>password-env</c>, never logged).</summary>
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>
    /// What the release-age gate does with a file whose page gives no <c>upload-time</c> (PEP 503 HTML pages never do):
    /// count its age from when Moat first saw it on the upstream page (the default), hide it, or let it through.
    /// </summary>
    public UnknownUploadTime UnknownUploadTime { get; init; } = UnknownUploadTime.FirstSeen;

    /// <summary>How long an upstream project page is used before it is revalidated (conditional GET).</summary>
    public TimeSpan PageTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Upstream files younger than this (by their <c>upload-time</c>) are hidden; zero turns the gate off.</summary>
    public TimeSpan MinReleaseAge { get; init; } = TimeSpan.Zero;

    /// <summary>Normalized names or <c>prefix-*</c> globs that are never looked up upstream (dependency confusion).</summary>
    public IReadOnlyList<string> Reserved { get; init; } = [];

    /// <summary>
    /// When the gate cannot judge a file (scan error), or judges it unverified (part of it could not be checked: a
    /// limit hit, a member skipped), keep it quarantined rather than serving it unjudged. <c>[proxy] fail-closed</c> also
    /// decides what the gate does with unverified uploads.
    /// </summary>
    public bool FailClosed { get; init; } = true;

    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a download request waits for its file's scan (<c>scan-wait-seconds</c>) before answering 503 "being
    /// checked" with <c>Retry-After</c>: below pip's 15-second read timeout, so pip retries (honouring Retry-After)
    /// instead of timing out while a slow scan runs on a worker.
    /// </summary>
    public TimeSpan ScanWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a node's claim on a queued scan lasts: a node that dies mid-scan hands the file to another once it expires.</summary>
    public TimeSpan ScanLease { get; init; } = TimeSpan.FromMinutes(5);

    public long MaxFileBytes { get; init; } = 200L * 1024 * 1024;

    /// <summary>
    /// The largest upstream project page read (<c>max-page-mb</c>): pypi.org's largest run to tens of megabytes; a
    /// larger one is refused (502 naming this limit) rather than letting one page take the server's memory.
    /// </summary>
    public long MaxPageBytes { get; init; } = 64L * 1024 * 1024;

    public bool Enabled => !string.IsNullOrEmpty(Upstream);

    /// <summary>The upstream URL as logs may show it: credentials in the URL itself are masked.</summary>
    public string DisplayUpstream => Uri.TryCreate(Upstream, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
        ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.AbsoluteUri : Upstream;

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

    /// <summary>The keys <see cref="Apply"/> reads besides the URL: <c>[proxy]</c> and every proxy <c>[[repository]]</c> accept them.</summary>
    public static readonly string[] SettingKeys =
        ["username", "password", "password-env", "page-ttl-seconds", "min-release-age-hours", "unknown-upload-time", "reserved", "fail-closed",
         "timeout-seconds", "max-page-mb", "scan-wait-seconds"];

    /// <summary>
    /// Applies <c>[proxy]</c> (<paramref name="where"/> = <c>proxy</c>, URL key <c>upstream</c>) or one proxy
    /// <c>[[repository]]</c> entry (URL key <c>url</c>, plus <c>username</c> and <c>password-env</c>/<c>password</c>).
    /// </summary>
    public static ProxyOptions Apply(ProxyOptions options, TomlTable proxy, string source, string where = "proxy", string urlKey = "upstream")
    {
        object? Raw(string key) => proxy.TryGetValue(key, out var value) ? value : null;
        IndexConfigurationException Bad(string key, string expected) => new($"{source}: {where}.{key} must be {expected}");
        long Seconds(string key, TimeSpan fallback, long min) => Raw(key) switch
        {
            null => (long)fallback.TotalSeconds,
            long n when n >= min => n,
            _ => throw Bad(key, min == 0 ? "a non-negative integer" : "a positive integer"),
        };
        string? Text(string key) => Raw(key) switch { null => null, string s => s, _ => throw Bad(key, "a string") };
        var upstream = Text(urlKey) ?? options.Upstream;
        if (upstream.Length > 0 && (!Uri.TryCreate(upstream, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            throw Bad(urlKey, "an http(s) URL");
        if (upstream.Length > 0 && !upstream.EndsWith('/')) upstream += "/";
        var password = Text("password") ?? options.Password;
        if (Text("password-env") is { } variable)
            password = Environment.GetEnvironmentVariable(variable) ?? throw new IndexConfigurationException($"{source}: {where}.password-env names {variable}, which is not set");
        return options with
        {
            Upstream = upstream,
            Username = Text("username") ?? options.Username,
            Password = password,
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
            UnknownUploadTime = Text("unknown-upload-time") switch
            {
                null => options.UnknownUploadTime,
                "first-seen" => UnknownUploadTime.FirstSeen,
                "hide" => UnknownUploadTime.Hide,
                "allow" => UnknownUploadTime.Allow,
                _ => throw Bad("unknown-upload-time", "\"first-seen\", \"hide\" or \"allow\""),
            },
            FailClosed = Raw("fail-closed") switch { null => options.FailClosed, bool b => b, _ => throw Bad("fail-closed", "true or false") },
            UpstreamTimeout = TimeSpan.FromSeconds(Seconds("timeout-seconds", options.UpstreamTimeout, 1)),
            ScanWait = TimeSpan.FromSeconds(Seconds("scan-wait-seconds", options.ScanWait, 0)),
            MaxPageBytes = Raw("max-page-mb") switch
            {
                null => options.MaxPageBytes,
                long mb and > 0 and <= 4096 => mb * 1024 * 1024,
                _ => throw Bad("max-page-mb", "a whole number of megabytes from 1 to 4096"),
            },
        };
    }
}
