using System.Globalization;
using System.Text.Json;
using Dapper;
using System.Data.Common;
using Moat.Index.Storage;

namespace Moat.Index.Proxy;

/// <summary>The gate's decision on one proxied file content.</summary>
public enum ProxiedFileState { Available, Quarantined }

/// <summary>An admin's word on a proxied file, which beats the gate's decision.</summary>
public enum ProxyOverride { Released, Blocked }

/// <summary>The names the states and overrides are stored and shown under (the <c>proxied</c> table's <c>state</c> and <c>override</c> columns).</summary>
public static class ProxiedFileStates
{
    public static string Name(ProxiedFileState state) => state switch
    {
        ProxiedFileState.Available => "available",
        ProxiedFileState.Quarantined => "quarantined",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static string Name(ProxyOverride value) => value switch
    {
        ProxyOverride.Released => "released",
        ProxyOverride.Blocked => "blocked",
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    /// <summary>A stored state; one this build does not know is quarantined (never served: fail closed).</summary>
    public static ProxiedFileState ParseState(string stored) => stored == "available" ? ProxiedFileState.Available : ProxiedFileState.Quarantined;

    /// <summary>A stored override; one this build does not know blocks (never served: fail closed).</summary>
    public static ProxyOverride? ParseOverride(string? stored) => stored switch
    {
        null => null,
        "released" => ProxyOverride.Released,
        _ => ProxyOverride.Blocked,
    };
}

/// <summary>What the firewall decided for one proxied file content. <see cref="Override"/> is an admin's word, which beats the gate.</summary>
public sealed record ProxiedFile(string Sha256, string Filename, string Project, ProxiedFileState State, string? Reason, DateTimeOffset DecidedAt, ProxyOverride? Override)
{
    /// <summary>Whether clients may have it: an admin's release or block wins over the gate's decision.</summary>
    public bool Servable => Override switch
    {
        ProxyOverride.Released => true,
        ProxyOverride.Blocked => false,
        _ => State == ProxiedFileState.Available,
    };

    /// <summary>What stands, as shown to admins: the override when there is one, else the gate's state.</summary>
    public string StateName => Override is { } value ? ProxiedFileStates.Name(value) : ProxiedFileStates.Name(State);
}

/// <summary>An upstream file's provenance as Moat fetched and verified it: who signed, or why it did not verify; <see cref="Json"/> is the object (null when it could not be fetched).</summary>
public sealed record UpstreamProvenance(string Sha256, string Filename, string Project, bool Verified, Provenance.SignerSummary? Signer, string? Reason, string? Json);

/// <summary>
/// The proxy's own small database (<c>proxy.db</c> beside <c>moat.db</c>): upstream pages as last fetched (so a
/// restarted server still serves them when the upstream is down), the firewall's state per proxied sha256, the
/// project allowlist, and upstream files' provenance (PEP 740) as fetched and verified. Separate from the hosted store on purpose: nothing here is a hosted project, and a proxied
/// name must never start to count as hosted (that is what dependency-confusion protection keys on).
/// </summary>
public sealed class ProxyStore
{
    /// <summary>Schema migrations in order (component "proxy"). Append, never edit.</summary>
    internal static readonly string[][] Migrations =
    [
        [
            // IF NOT EXISTS: proxy databases written before migrations were recorded already hold these tables.
            "CREATE TABLE IF NOT EXISTS pages (project TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_at TEXT NOT NULL)",
            """
            CREATE TABLE IF NOT EXISTS proxied (sha256 TEXT PRIMARY KEY, filename TEXT NOT NULL, project TEXT NOT NULL,
                state TEXT NOT NULL, reason TEXT, decided_at TEXT NOT NULL, override TEXT)
            """,
            "CREATE INDEX IF NOT EXISTS proxied_by_state ON proxied (state)",
            "CREATE TABLE IF NOT EXISTS allowlist (project TEXT PRIMARY KEY, reason TEXT, added_at TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS first_seen (sha256 TEXT PRIMARY KEY, seen_at TEXT NOT NULL)",
        ],
        [
            // Upstream provenance (PEP 740): each file's provenance object as fetched, and what verifying it found.
            """
            CREATE TABLE proxy_provenance (sha256 TEXT PRIMARY KEY, filename TEXT NOT NULL, project TEXT NOT NULL,
                verified INTEGER NOT NULL, repository TEXT, workflow TEXT, commit_sha TEXT, reason TEXT, provenance TEXT, fetched_at TEXT NOT NULL)
            """,
        ],
    ];

    private readonly Database _database;
    private readonly TimeProvider _time;

    private ProxyStore(Database database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <summary>
    /// Opens the store on <paramref name="database"/>: on SQLite its own file (<c>proxy.db</c>), on PostgreSQL the
    /// index's database (the tables are apart either way).
    /// </summary>
    public static ProxyStore Open(Database database, TimeProvider? time = null)
    {
        database.Migrate("proxy", Migrations);
        return new ProxyStore(database, time ?? TimeProvider.System);
    }

    /// <summary>The embedded default: the store in a SQLite file of its own.</summary>
    public static ProxyStore Open(string sqlitePath) => Open(Database.Sqlite(sqlitePath));

    private DbConnection Connect() => _database.Connect();

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>
    /// Claims the download of <paramref name="sha256"/> for this node until disposed: a node that gets it second
    /// finds the first one's file stored and downloads nothing.
    /// </summary>
    public Task<IAsyncDisposable> ClaimDownloadAsync(string sha256, CancellationToken ct) => _database.LockAsync("proxy-download:" + sha256, ct);

    /// <summary>Keeps an upstream page under <paramref name="key"/> (repository/project).</summary>
    public async Task SavePageAsync(string key, UpstreamPage page)
    {
        await using var connection = Connect();
        await connection.ExecuteAsync("INSERT INTO pages (project, body, fetched_at) VALUES (@p, @b, @t) ON CONFLICT (project) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
            new { p = key, b = JsonSerializer.Serialize(page), t = Now() });
    }

    public async Task<UpstreamPage?> LoadPageAsync(string key)
    {
        await using var connection = Connect();
        var body = await connection.QuerySingleOrDefaultAsync<string>("SELECT body FROM pages WHERE project = @key", new { key });
        return body is null ? null : JsonSerializer.Deserialize<UpstreamPage>(body);
    }

    /// <summary>When the page under <paramref name="key"/> was last fetched from the upstream (a revalidation keeps the time), or null.</summary>
    public async Task<DateTimeOffset?> PageFetchedAtAsync(string key)
    {
        await using var connection = Connect();
        var at = await connection.QuerySingleOrDefaultAsync<string>("SELECT fetched_at FROM pages WHERE project = @key", new { key });
        return at is null ? null : Time(at);
    }

    /// <summary>
    /// Projects whose page one of <paramref name="repositories"/> has cached and whose name contains
    /// <paramref name="normalizedQuery"/>, exact match first, then prefix, then by name; each name once.
    /// </summary>
    public async Task<IReadOnlyList<string>> SearchPagesAsync(IReadOnlyList<string> repositories, string normalizedQuery, int limit)
    {
        if (repositories.Count == 0) return [];
        await using var connection = Connect();
        // Keys are "<repository>/<project>"; names are normalized, so instr() needs no escaping (as in the hosted search).
        var rows = await connection.QueryAsync<string>($"""
            SELECT name FROM (SELECT substr(project, 1, instr(project, '/') - 1) AS repository, substr(project, instr(project, '/') + 1) AS name FROM pages) AS keys
            WHERE {_database.InList("repository", "repositories")} AND instr(name, @q) > 0
            GROUP BY name
            ORDER BY CASE WHEN name = @q THEN 0 WHEN instr(name, @q) = 1 THEN 1 ELSE 2 END, name
            LIMIT @limit
            """, new { repositories = repositories.ToArray(), q = normalizedQuery, limit });
        return [.. rows];
    }

    /// <summary>Keeps an upstream file's provenance object (PEP 740) and what verifying it found.</summary>
    public async Task SaveProvenanceAsync(UpstreamProvenance provenance)
    {
        await using var connection = Connect();
        await connection.ExecuteAsync("""
            INSERT INTO proxy_provenance (sha256, filename, project, verified, repository, workflow, commit_sha, reason, provenance, fetched_at)
            VALUES (@sha256, @filename, @project, @verified, @repository, @workflow, @commit, @reason, @provenance, @at)
            ON CONFLICT (sha256) DO UPDATE SET verified = excluded.verified, repository = excluded.repository, workflow = excluded.workflow,
                commit_sha = excluded.commit_sha, reason = excluded.reason, provenance = excluded.provenance, fetched_at = excluded.fetched_at
            """, new
        {
            sha256 = provenance.Sha256, filename = provenance.Filename, project = provenance.Project, verified = provenance.Verified ? 1 : 0,
            repository = provenance.Signer?.Repository, workflow = provenance.Signer?.Workflow, commit = provenance.Signer?.Commit,
            reason = provenance.Reason, provenance = provenance.Json, at = Now(),
        });
    }

    public async Task<UpstreamProvenance?> GetProvenanceAsync(string sha256)
    {
        await using var connection = Connect();
        var row = await connection.QuerySingleOrDefaultAsync<ProvenanceRow>(
            "SELECT sha256, filename, project, verified, repository, workflow, commit_sha, reason, provenance FROM proxy_provenance WHERE sha256 = @sha256", new { sha256 });
        return row is null ? null : new UpstreamProvenance(row.sha256, row.filename, row.project, row.verified != 0,
            row.repository is null ? null : new Provenance.SignerSummary(row.repository, row.workflow ?? "", row.commit_sha), row.reason, row.provenance);
    }

    private sealed class ProvenanceRow
    {
        public string sha256 { get; set; } = "";
        public string filename { get; set; } = "";
        public string project { get; set; } = "";
        public long verified { get; set; }
        public string? repository { get; set; }
        public string? workflow { get; set; }
        public string? commit_sha { get; set; }
        public string? reason { get; set; }
        public string? provenance { get; set; }
    }

    /// <summary>The firewall's decisions on the given files (those Moat downloaded), by sha256.</summary>
    public async Task<IReadOnlyDictionary<string, ProxiedFile>> GetManyAsync(IReadOnlyCollection<string> sha256s)
    {
        var found = new Dictionary<string, ProxiedFile>(StringComparer.Ordinal);
        if (sha256s.Count == 0) return found;
        await using var connection = Connect();
        foreach (var chunk in sha256s.Chunk(500))
        {
            var rows = await connection.QueryAsync<Row>($"SELECT sha256, filename, project, state, reason, decided_at, override FROM proxied WHERE {_database.InList("sha256", "chunk")}", new { chunk });
            foreach (var row in rows) found[row.sha256] = row.ToRecord();
        }
        return found;
    }

    /// <summary>
    /// The blobs the proxy uses: every proxied file it decided on (kept even when blocked: an override may release
    /// it) and the PEP 658 metadata files its cached upstream pages advertise. The orphan sweep keeps all of them.
    /// </summary>
    public async Task<IReadOnlySet<string>> ReferencedBlobsAsync()
    {
        await using var connection = Connect();
        // The one statement in the stores that differs by engine: each has its own JSON functions.
        var hashes = await connection.QueryAsync<string>(_database.Engine == DatabaseEngine.PostgreSql
            ? """
              SELECT sha256 FROM proxied
              UNION SELECT file ->> 'CoreMetadataSha256' FROM pages, jsonb_array_elements(pages.body::jsonb -> 'Files') AS file
                  WHERE file ->> 'CoreMetadataSha256' IS NOT NULL
              """
            : """
              SELECT sha256 FROM proxied
              UNION SELECT json_extract(file.value, '$.CoreMetadataSha256') FROM pages, json_each(pages.body, '$.Files') AS file
                  WHERE json_extract(file.value, '$.CoreMetadataSha256') IS NOT NULL
              """);
        return hashes.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>When each sha256 was first seen on an upstream page: records <paramref name="now"/> for new ones, keeps the first time for the rest.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> FirstSeenAsync(IReadOnlyList<string> sha256s, DateTimeOffset now)
    {
        await using var connection = Connect();
        await using var transaction = await _database.BeginWriteAsync(connection, "proxy");
        var at = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        foreach (var sha in sha256s)
            await connection.ExecuteAsync("INSERT INTO first_seen (sha256, seen_at) VALUES (@sha, @at) ON CONFLICT (sha256) DO NOTHING", new { sha, at }, transaction);
        var rows = await connection.QueryAsync<(string Sha256, string SeenAt)>($"SELECT sha256, seen_at FROM first_seen WHERE {_database.InList("sha256", "sha256s")}", new { sha256s = sha256s.ToArray() }, transaction);
        await transaction.CommitAsync();
        return rows.ToDictionary(r => r.Sha256, r => Time(r.SeenAt), StringComparer.Ordinal);
    }

    public async Task<ProxiedFile?> GetAsync(string sha256)
    {
        await using var connection = Connect();
        var row = await connection.QuerySingleOrDefaultAsync<Row>("SELECT sha256, filename, project, state, reason, decided_at, override FROM proxied WHERE sha256 = @sha256", new { sha256 });
        return row?.ToRecord();
    }

    /// <summary>Records the gate's decision; an admin override already present stays.</summary>
    public async Task SaveDecisionAsync(string sha256, string filename, string project, ProxiedFileState state, string? reason)
    {
        await using var connection = Connect();
        await connection.ExecuteAsync("""
            INSERT INTO proxied (sha256, filename, project, state, reason, decided_at) VALUES (@sha256, @filename, @project, @state, @reason, @t)
            ON CONFLICT (sha256) DO UPDATE SET state = excluded.state, reason = excluded.reason, decided_at = excluded.decided_at
            """, new { sha256, filename, project, state = ProxiedFileStates.Name(state), reason, t = Now() });
    }

    /// <summary>Sets or clears (null) the admin override of a file known by filename or sha256; false when there is no such file.</summary>
    public async Task<ProxiedFile?> SetOverrideAsync(string fileOrSha, ProxyOverride? value, string? reason)
    {
        await using var connection = Connect();
        var changed = await connection.ExecuteAsync(
            "UPDATE proxied SET override = @value, reason = COALESCE(@reason, reason) WHERE sha256 = @key OR filename = @key",
            new { value = value is { } v ? ProxiedFileStates.Name(v) : null, reason, key = fileOrSha });
        if (changed == 0) return null;
        var row = await connection.QueryFirstOrDefaultAsync<Row>("SELECT sha256, filename, project, state, reason, decided_at, override FROM proxied WHERE sha256 = @key OR filename = @key", new { key = fileOrSha });
        return row?.ToRecord();
    }

    public async Task<ProxiedFile?> FindAsync(string fileOrSha)
    {
        await using var connection = Connect();
        var row = await connection.QueryFirstOrDefaultAsync<Row>("SELECT sha256, filename, project, state, reason, decided_at, override FROM proxied WHERE sha256 = @key OR filename = @key", new { key = fileOrSha });
        return row?.ToRecord();
    }

    /// <summary>Files the gate quarantined or an admin blocked, newest first.</summary>
    public async Task<IReadOnlyList<ProxiedFile>> ListBlockedAsync()
    {
        await using var connection = Connect();
        var rows = await connection.QueryAsync<Row>("""
            SELECT sha256, filename, project, state, reason, decided_at, override FROM proxied
            WHERE (state = 'quarantined' AND override IS NULL) OR override = 'blocked' ORDER BY decided_at DESC
            """);
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>The sha256s of a project's files that must not be offered (quarantined without release, or blocked).</summary>
    public async Task<IReadOnlySet<string>> BlockedShasAsync(string project)
    {
        await using var connection = Connect();
        var rows = await connection.QueryAsync<string>("""
            SELECT sha256 FROM proxied WHERE project = @project
            AND ((state = 'quarantined' AND (override IS NULL OR override <> 'released')) OR override = 'blocked')
            """, new { project });
        return rows.ToHashSet(StringComparer.Ordinal);
    }

    public async Task AllowAsync(string project, string? reason)
    {
        await using var connection = Connect();
        await connection.ExecuteAsync("INSERT INTO allowlist (project, reason, added_at) VALUES (@project, @reason, @t) ON CONFLICT (project) DO UPDATE SET reason = excluded.reason",
            new { project, reason, t = Now() });
    }

    public async Task<bool> DisallowAsync(string project)
    {
        await using var connection = Connect();
        return await connection.ExecuteAsync("DELETE FROM allowlist WHERE project = @project", new { project }) > 0;
    }

    public async Task<bool> IsAllowedAsync(string project)
    {
        await using var connection = Connect();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM allowlist WHERE project = @project", new { project }) > 0;
    }

    private sealed record Row(string sha256, string filename, string project, string state, string? reason, string decided_at, string? @override)
    {
        public ProxiedFile ToRecord() => new(sha256, filename, project, ProxiedFileStates.ParseState(state), reason, Time(decided_at), ProxiedFileStates.ParseOverride(@override));
    }
}
