using Tomlyn;
using Tomlyn.Model;

namespace Moat.Index;

/// <summary>What to do with an upload the engine judged <c>suspicious</c> or <c>malicious</c>.</summary>
public enum GatePolicyAction { Accept, Quarantine, Reject }

/// <summary>
/// <c>moat serve</c> configuration. Every field has an embedded default that works with no file at all (SQLite and
/// blobs under <c>./moat-data</c>, 127.0.0.1:8080); <c>moat.toml</c> overrides the defaults and flags override the file.
/// </summary>
public sealed record IndexOptions
{
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    /// <summary>Each address of <see cref="Urls"/> (separated by <c>;</c>).</summary>
    public IReadOnlyList<string> Listeners => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public string DataDirectory { get; init; } = "moat-data";

    /// <summary>Largest accepted distribution file (PyPI's default limit is 100 MiB).</summary>
    public long MaxUploadBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>How long a rendered simple page is served before its serial is checked again (other processes may write).</summary>
    public TimeSpan PageRevalidateAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often <c>moat serve</c> deletes orphan blobs (<c>[server] blob-sweep-hours</c>; 0 turns it off). Daily by
    /// default: orphans come from crashes and from deleted files, and a deleted file (say, a malicious one) should not
    /// keep its bytes on disk for ever; <c>moat admin gc</c> shows what a sweep would delete.
    /// </summary>
    public TimeSpan BlobSweepInterval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Blobs written more recently than this are never swept (<c>[server] blob-grace-minutes</c>): uploads in flight.</summary>
    public TimeSpan BlobGrace { get; init; } = Admin.BlobSweep.DefaultGrace;

    public GatePolicyAction OnSuspicious { get; init; } = GatePolicyAction.Accept;
    public GatePolicyAction OnMalicious { get; init; } = GatePolicyAction.Reject;

    /// <summary>
    /// Refuse to serve releases with a known vulnerability at or above this severity (<c>[policy] vulnerabilities</c>:
    /// "off", "critical", "high" or "medium"); null, the default, serves them (<see cref="Policy.VulnerabilityPolicy"/>).
    /// </summary>
    public Moat.Analysis.Severity? RefuseVulnerabilities { get; init; }

    /// <summary>
    /// Reverse proxies whose <c>X-Forwarded-For/-Proto/-Host</c> and <c>Forwarded</c> headers are believed
    /// (<c>[server] trusted-proxies</c>: addresses or CIDR networks). Empty: the headers are ignored, since anyone
    /// could send them and pick their own client address for throttles and events.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    /// <summary>Who may read <c>/metrics</c> (<c>[server] metrics</c>); null: <see cref="Hosting.MetricsAccess.DefaultFor"/>.</summary>
    public Hosting.MetricsMode? Metrics { get; init; }

    /// <summary>The environment variable holding the bearer token <c>/metrics</c> asks for in token mode (<c>[server] metrics-token-env</c>).</summary>
    public string MetricsTokenEnv { get; init; } = "MOAT_METRICS_TOKEN";

    /// <summary>
    /// Who creates a hosted project by uploading its first file (<c>[policy] new-projects</c>): <c>"approved"</c> by
    /// default — a user's new name waits for an administrator's grant — since a hosted name replaces the public project
    /// of that name for everyone installing here. Public, popular and reserved names always need a grant.
    /// </summary>
    public Auth.NewProjectPolicy NewProjects { get; init; } = Auth.NewProjectPolicy.Approved;

    /// <summary>Log every request (method, path, status, time) at information level.</summary>
    public bool LogRequests { get; init; } = true;
    public string LogFormat { get; init; } = "text";
    public string LogLevel { get; init; } = "information";

    /// <summary>Attestations (PEP 740): the trust root (<c>[provenance]</c>) and the requirement (<c>[policy] attestations</c>).</summary>
    public Moat.Index.Provenance.ProvenanceOptions Provenance { get; init; } = new();

    /// <summary>The proxy repository of the group at <c>/simple/</c> (<c>[proxy]</c>): pypi.org by default.</summary>
    public Proxy.ProxyOptions Proxy { get; init; } = new();

    /// <summary><c>[[repository]]</c> entries; null means the default layout (hosted + a proxy of <see cref="Proxy"/> as a group at /simple/).</summary>
    public Proxy.RepositoryLayout? Repositories { get; init; }

    /// <summary>The repositories actually served.</summary>
    public Proxy.RepositoryLayout Layout => Repositories ?? Moat.Index.Proxy.RepositoryLayout.Default(Proxy);
    /// <summary>Where and how often the advisory database is refreshed (<c>[advisories]</c>).</summary>
    public Moat.Index.Advisories.AdvisoryOptions Advisories { get; init; } = new();

    /// <summary>Accounts, 2FA, Trusted Publishing, disclosure (<c>[security]</c>).</summary>
    public Accounts.SecurityOptions Security { get; init; } = new();
    /// <summary>Where account mail goes (<c>[mail]</c>): a directory of .eml files by default, or an SMTP server.</summary>
    public Mail.MailOptions Mail { get; init; } = new();

    /// <summary>
    /// Where the index's tables live (<c>[storage] database</c>, or the <c>MOAT_DATABASE_URL</c> environment variable,
    /// which wins): a <c>postgresql://</c> URL, or null for the embedded SQLite files under <see cref="DataDirectory"/>.
    /// </summary>
    public string? Database { get; init; }

    /// <summary>The environment variable that names the database (<see cref="Database"/>), so a password need not sit in moat.toml.</summary>
    public const string DatabaseEnvironmentVariable = "MOAT_DATABASE_URL";

    /// <summary>
    /// The key that encrypts the data-protection keys in the database (<see cref="Hosting.DataProtectionKeys.KeyVariable"/>,
    /// base64 of 32 bytes); null: generated into the data directory, which only the embedded SQLite database allows.
    /// </summary>
    public string? KeyEncryptionKey { get; init; }

    /// <summary>Where distribution files live (<c>[storage] blobs</c>): under <see cref="BlobDirectory"/> by default, or an S3-compatible bucket.</summary>
    public Storage.BlobStorageOptions Blobs { get; init; } = new();

    public string DatabasePath => Path.Combine(DataDirectory, "moat.db");
    public string ProxyDatabasePath => Path.Combine(DataDirectory, "proxy.db");
    public string BlobDirectory => Path.Combine(DataDirectory, "blobs");
    public string AdvisoryDirectory => Path.Combine(DataDirectory, "advisories");

    /// <summary>Reads <paramref name="path"/> (a missing default <c>moat.toml</c> is fine; a missing explicit one is an error).</summary>
    public static IndexOptions Load(string? path)
    {
        var options = new IndexOptions();
        var explicitPath = path is not null;
        path ??= "moat.toml";
        if (!File.Exists(path))
        {
            if (explicitPath) throw new IndexConfigurationException($"configuration file not found: {path}");
            return WithEnvironment(options);
        }
        TomlTable table;
        try
        {
            var text = File.ReadAllText(path);
            table = TomlSerializer.Deserialize<TomlTable>(text) ?? new TomlTable();
            ConfigurationKeys.Check(text, path);
        }
        catch (TomlException ex)
        {
            throw new IndexConfigurationException($"{path}: {ex.Message}");
        }
        return WithEnvironment(Apply(options, table, path));
    }

    /// <summary>Settings the environment gives (<see cref="DatabaseEnvironmentVariable"/>), over the file's.</summary>
    public static IndexOptions WithEnvironment(IndexOptions options) => options with
    {
        Database = Environment.GetEnvironmentVariable(DatabaseEnvironmentVariable) is { Length: > 0 } url ? url : options.Database,
        KeyEncryptionKey = Environment.GetEnvironmentVariable(Hosting.DataProtectionKeys.KeyVariable) is { Length: > 0 } key ? key : options.KeyEncryptionKey,
    };

    /// <summary>
    /// Applies a parsed moat.toml: <c>[server] urls, data, max-upload-mb, log-requests, log-format, log-level, blob-sweep-hours,
    /// blob-grace-minutes, trusted-proxies, metrics, metrics-token-env</c>, <c>[policy] suspicious, malicious, new-projects, vulnerabilities</c>,
    /// <c>[advisories] source, refresh-hours</c>.
    /// </summary>
    public static IndexOptions Apply(IndexOptions options, TomlTable table, string source)
    {
        if (table.TryGetValue("server", out var serverValue) && serverValue is TomlTable server)
        {
            options = options with
            {
                Urls = Text(server, "urls", source) ?? options.Urls,
                DataDirectory = Text(server, "data", source) ?? options.DataDirectory,
                MaxUploadBytes = Number(server, "max-upload-mb", source) is { } mb ? mb * 1024 * 1024 : options.MaxUploadBytes,
                LogRequests = server.TryGetValue("log-requests", out var log) ? log as bool? ?? throw Bad(source, "server.log-requests", "true or false") : options.LogRequests,
                LogFormat = Text(server, "log-format", source) is { } format ? OneOf(format, source, "server.log-format", "text", "json") : options.LogFormat,
                LogLevel = Text(server, "log-level", source) ?? options.LogLevel,
                BlobSweepInterval = server.TryGetValue("blob-sweep-hours", out var sweep)
                    ? sweep is long hours and >= 0 ? TimeSpan.FromHours(hours) : throw Bad(source, "server.blob-sweep-hours", "a whole number of hours (0 turns the sweep off)")
                    : options.BlobSweepInterval,
                BlobGrace = Number(server, "blob-grace-minutes", source) is { } minutes ? TimeSpan.FromMinutes(minutes) : options.BlobGrace,
                TrustedProxies = !server.TryGetValue("trusted-proxies", out var proxies) ? options.TrustedProxies
                    : proxies is TomlArray list && list.All(x => x is string) ? Hosting.TrustedProxies.Checked([.. list.Cast<string>()], source)
                    : throw Bad(source, "server.trusted-proxies", "an array of addresses or CIDR networks, e.g. [\"127.0.0.1\", \"10.0.0.0/8\"]"),
                Metrics = Text(server, "metrics", source) is { } metrics ? Hosting.MetricsAccess.Parse(OneOf(metrics, source, "server.metrics", "public", "token", "off")) : options.Metrics,
                MetricsTokenEnv = Text(server, "metrics-token-env", source) ?? options.MetricsTokenEnv,
            };
        }
        if (table.TryGetValue("policy", out var policyValue) && policyValue is TomlTable policy)
        {
            options = options with
            {
                OnSuspicious = Text(policy, "suspicious", source) is { } s ? ParseAction(s, source, "policy.suspicious") : options.OnSuspicious,
                OnMalicious = Text(policy, "malicious", source) is { } m ? ParseAction(m, source, "policy.malicious") : options.OnMalicious,
                RefuseVulnerabilities = Text(policy, "vulnerabilities", source) is { } v ? OneOf(v, source, "policy.vulnerabilities", "off", "critical", "high", "medium") switch
                {
                    "critical" => Moat.Analysis.Severity.Critical,
                    "high" => Moat.Analysis.Severity.High,
                    "medium" => Moat.Analysis.Severity.Medium,
                    _ => null,
                } : options.RefuseVulnerabilities,
                NewProjects = Text(policy, "new-projects", source) is { } n ? OneOf(n, source, "policy.new-projects", "anyone", "approved", "admins") switch
                {
                    "anyone" => Auth.NewProjectPolicy.Anyone,
                    "admins" => Auth.NewProjectPolicy.Admins,
                    _ => Auth.NewProjectPolicy.Approved,
                } : options.NewProjects,
                Provenance = Text(policy, "attestations", source) is { } a
                    ? options.Provenance with { Attestations = Moat.Index.Provenance.ProvenanceOptions.ParseRequirement(a, source) }
                    : options.Provenance,
            };
        }
        if (table.TryGetValue("storage", out var storageValue) && storageValue is TomlTable storage)
        {
            options = options with
            {
                Database = Text(storage, "database", source) is { } database
                    ? Storage.Database.IsPostgreSqlUrl(database) ? database : throw Bad(source, "storage.database", "a postgresql:// URL (leave it out for the embedded SQLite database)")
                    : options.Database,
                Blobs = Moat.Index.Storage.BlobStorageOptions.Apply(options.Blobs, storage, source),
            };
        }
        if (table.TryGetValue("provenance", out var provenanceValue) && provenanceValue is TomlTable provenance)
            options = options with { Provenance = Moat.Index.Provenance.ProvenanceOptions.Apply(options.Provenance, provenance, source) };
        if (table.TryGetValue("proxy", out var proxyValue) && proxyValue is TomlTable proxy)
            options = options with { Proxy = Moat.Index.Proxy.ProxyOptions.Apply(options.Proxy, proxy, source) };
        if (table.TryGetValue("advisories", out var advisoriesValue) && advisoriesValue is TomlTable advisories)
            options = options with { Advisories = Moat.Index.Advisories.AdvisoryOptions.Apply(options.Advisories, advisories, source) };
        if (table.TryGetValue("repository", out var repositoryValue))
        {
            if (repositoryValue is not TomlTableArray repositories) throw Bad(source, "repository", "an array of tables ([[repository]])");
            if (proxyValue is TomlTable legacy && legacy.ContainsKey("upstream"))
                throw new IndexConfigurationException($"{source}: proxy.upstream is not used once [[repository]] is given: give each proxy repository its url");
            options = options with { Repositories = Moat.Index.Proxy.RepositoryLayout.Parse(repositories, options.Proxy, source) };
        }
        return options with
        {
            Security = Accounts.SecurityOptions.Apply(options.Security, table, source),
            Mail = Moat.Index.Mail.MailOptions.Apply(options.Mail, table, source),
        };
    }

    /// <summary>
    /// Settings that each look fine but cannot work together, refused at start as one line instead of failing on
    /// every request: an https origin needs https somewhere before the browser — a listener, or a trusted proxy
    /// that terminates TLS (otherwise every page would fail its secure-cookie checks).
    /// </summary>
    public void Validate()
    {
        var httpsListener = Listeners.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (Security.SecureOrigin && !httpsListener && TrustedProxies.Count == 0)
            throw new IndexConfigurationException($"security.origin is {Security.Origin} but server.urls ({Urls}) has no https listener: " +
                "behind a TLS-terminating proxy, list its address in [server] trusted-proxies");
        if (Metrics == Hosting.MetricsMode.Token && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(MetricsTokenEnv)))
            throw new IndexConfigurationException($"server.metrics is \"token\" but the environment variable {MetricsTokenEnv} (server.metrics-token-env) is not set");
        Mail.Validate();
    }

    private static GatePolicyAction ParseAction(string value, string source, string key) => OneOf(value, source, key, "accept", "quarantine", "reject") switch
    {
        "accept" => GatePolicyAction.Accept,
        "quarantine" => GatePolicyAction.Quarantine,
        _ => GatePolicyAction.Reject,
    };

    private static string OneOf(string value, string source, string key, params string[] allowed) =>
        allowed.Contains(value) ? value : throw Bad(source, key, string.Join(", ", allowed));

    private static string? Text(TomlTable table, string key, string source) =>
        !table.TryGetValue(key, out var value) ? null : value as string ?? throw Bad(source, key, "a string");

    private static long? Number(TomlTable table, string key, string source) =>
        !table.TryGetValue(key, out var value) ? null : value is long n && n > 0 ? n : throw Bad(source, key, "a positive integer");

    private static IndexConfigurationException Bad(string source, string key, string expected) => new($"{source}: {key} must be {expected}");
}

/// <summary>A configuration file that is missing or wrong: reported as one line, never a stack trace.</summary>
public sealed class IndexConfigurationException(string message) : Exception(message);
