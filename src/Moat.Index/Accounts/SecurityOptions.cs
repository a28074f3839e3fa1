using Tomlyn.Model;

namespace Moat.Index.Accounts;

/// <summary><c>[security] read</c>: whether reading packages and project pages needs a session or a token.</summary>
public enum ReadAccess { Anyone, Authenticated }

/// <summary>
/// <c>[security]</c> in moat.toml: the public origin (WebAuthn origin and RP ID, cookie security), the OIDC
/// audience and trusted CI issuers, the secret-scanning partner's key URL, and the password work factor.
/// </summary>
public sealed record SecurityOptions
{
    /// <summary>
    /// The browser-facing origin (<c>[security] origin</c>). Unset, it is where the server listens
    /// (<see cref="ListenOrigin"/>), so signing in works at the address the server prints.
    /// </summary>
    public string Origin { get => _origin ?? ListenOrigin; init => _origin = value; }
    private readonly string? _origin;

    /// <summary>An https origin: cookies are <c>Secure</c> and <c>__Host-</c> prefixed.</summary>
    public bool SecureOrigin => Origin.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <c>[security] origin</c> was given (otherwise <see cref="Origin"/> follows the listener).</summary>
    public bool OriginConfigured => _origin is not null;

    /// <summary>The origin of the first listener, set by the server from <c>[server] urls</c>; a wildcard host reads as localhost.</summary>
    public string ListenOrigin { get; init; } = "http://localhost:8080";

    public static string OriginOf(IReadOnlyList<string> listeners)
    {
        var first = listeners.FirstOrDefault() ?? "";
        var wildcard = first.Replace("://+", "://localhost").Replace("://*", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://[::]", "://localhost");
        return Uri.TryCreate(wildcard, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "http://localhost:8080";
    }
    /// <summary>The WebAuthn relying-party id: the origin's host unless set.</summary>
    public string? RpId { get; init; }
    public string EffectiveRpId => RpId ?? new Uri(Origin).Host;

    public int PasswordIterations { get; init; } = Passwords.OwaspIterations;
    /// <summary>Wrong passwords in a row (per account and address) or wrong second factors (per account) before back-off starts.</summary>
    public int FailuresBeforeBackoff { get; init; } = 5;
    /// <summary>The first back-off; each further failure doubles it, up to <see cref="BackoffLongest"/>.</summary>
    public TimeSpan BackoffFirst { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan BackoffLongest { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>How long failures are remembered: the back-off starts over after this long without one, and the per-address cap counts per window this long.</summary>
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>Failed logins allowed from one IP address per <see cref="FailureWindow"/> (across usernames: credential stuffing).</summary>
    public int FailuresPerAddress { get; init; } = 30;
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(12);
    /// <summary>
    /// How recently the session must have verified a second factor (or, for an account without one, the password)
    /// to change security settings: enrol or remove a factor, change the password, create a token, add a publisher or
    /// a role. Otherwise the change is refused until the user re-authenticates.
    /// </summary>
    public TimeSpan ReauthenticateWithin { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>How long a password-reset link works.</summary>
    public TimeSpan PasswordResetLifetime { get; init; } = TimeSpan.FromHours(1);
    /// <summary>Unused, unexpired reset links an account may have at once: further requests send nothing until one expires.</summary>
    public int MaxLiveResets { get; init; } = 3;
    /// <summary>The longest expiry an API token may be given (a token may also not expire at all).</summary>
    public TimeSpan MaxTokenLifetime { get; init; } = TimeSpan.FromDays(366);

    public string OidcAudience { get; init; } = "moat";
    public string GitHubIssuer { get; init; } = "https://token.actions.githubusercontent.com";
    public string GitLabIssuer { get; init; } = "https://gitlab.com";
    /// <summary>GitHub's REST API, where the publishing form looks up an owner's numeric id (a GitHub Enterprise server has its own).</summary>
    public string GitHubApi { get; init; } = "https://api.github.com";
    public TimeSpan MintedTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Where the secret-scanning partner publishes its ECDSA keys (GitHub's format); null disables the disclosure endpoint.</summary>
    public string? DisclosureKeysUrl { get; init; }

    /// <summary>
    /// Usernames allowed into the web Firewall and Admin pages (<c>admins = ["alice"]</c>). Being listed is not
    /// enough: the account must have a second factor and the session must have passed it (see Web/PageContext).
    /// The admin JSON API keeps its own credential, the admin token.
    /// </summary>
    public IReadOnlyList<string> Admins { get; init; } = [];

    /// <summary>
    /// Who may read the simple API, files and project pages. <c>anyone</c> (the default) suits an index whose packages
    /// are not secret; <c>authenticated</c> asks for a signed-in session or an API token (see <c>Auth.ReadGate</c>).
    /// </summary>
    public ReadAccess Read { get; init; } = ReadAccess.Anyone;

    public static SecurityOptions Apply(SecurityOptions options, TomlTable table, string source)
    {
        if (!table.TryGetValue("security", out var value) || value is not TomlTable s) return options;
        string? Text(string key) => !s.TryGetValue(key, out var v) ? null : v as string ?? throw new IndexConfigurationException($"{source}: security.{key} must be a string");
        return options with
        {
            Origin = Text("origin") ?? options.Origin,
            RpId = Text("rp-id") ?? options.RpId,
            OidcAudience = Text("oidc-audience") ?? options.OidcAudience,
            GitHubIssuer = Text("github-issuer") ?? options.GitHubIssuer,
            GitLabIssuer = Text("gitlab-issuer") ?? options.GitLabIssuer,
            GitHubApi = Text("github-api") ?? options.GitHubApi,
            DisclosureKeysUrl = Text("disclosure-keys-url") ?? options.DisclosureKeysUrl,
            Read = Text("read") switch
            {
                null => options.Read,
                "anyone" => ReadAccess.Anyone,
                "authenticated" => ReadAccess.Authenticated,
                var other => throw new IndexConfigurationException($"{source}: security.read must be anyone or authenticated, not '{other}'"),
            },
            Admins = !s.TryGetValue("admins", out var admins) ? options.Admins
                : admins is TomlArray a && a.All(x => x is string) ? [.. a.Cast<string>().Select(n => n.Trim().ToLowerInvariant())]
                : throw new IndexConfigurationException($"{source}: security.admins must be an array of usernames"),
        };
    }
}
