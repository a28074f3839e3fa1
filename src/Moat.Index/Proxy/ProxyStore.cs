using System.Globalization;
using System.Text.Json;
using Dapper;
using System.Data.Common;
using Moat.Index.Policy;
using Moat.Index.Storage;

namespace Moat.Index.Proxy;

/// <summary>The gate's decision on one proxied file content.</summary>
public enum ProxiedFileState
{
    Available,
    Quarantined,
    /// <summary>Downloaded and verified, waiting in the scan queue for the gate: not served yet.</summary>
    Pending,
}

/// <summary>An admin's word on a proxied file, which beats the gate's decision.</summary>
public enum ProxyOverride { Released, Blocked }

/// <summary>The names the states and overrides are stored and shown under (the <c>proxied</c> table's <c>state</c> and <c>override</c> columns).</summary>
public static class ProxiedFileStates
{
    public static string Name(ProxiedFileState state) => state switch
    {
        ProxiedFileState.Available => "available",
        ProxiedFileState.Quarantined => "quarantined",
        ProxiedFileState.Pending => "pending",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static string Name(ProxyOverride value) => value switch
    {
        ProxyOverride.Released => "released",
        ProxyOverride.Blocked => "blocked",
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    /// <summary>A stored state; one this build does not know is quarantined (never served: fail closed).</summary>
    public static ProxiedFileState ParseState(string stored) => stored switch
    {
        "available" => ProxiedFileState.Available,
        "pending" => ProxiedFileState.Pending,
        _ => ProxiedFileState.Quarantined,
    };

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

/// <summary>A scan this node claimed from the queue until <see cref="Until"/>; <see cref="Attempts"/> counts claims, this one included.</summary>
public sealed record ScanClaim(string Sha256, string Filename, string Project, string Repository, string Node, DateTimeOffset Until, long Attempts);

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
        [
            // The scan queue: files downloaded and verified, waiting for the gate. A claim is a lease (claimed_until):
            // a node that dies mid-scan leaves a claim that expires, and another node takes the work over.
            """
            CREATE TABLE proxy_scans (sha256 TEXT PRIMARY KEY, filename TEXT NOT NULL, project TEXT NOT NULL, repository TEXT NOT NULL,
                enqueued_at TEXT NOT NULL, claimed_by TEXT, claimed_until TEXT, attempts BIGINT NOT NULL)
            """,
            "CREATE INDEX proxy_scans_by_claim ON proxy_scans (claimed_until, enqueued_at)",
        ],
    ];

    private readonly Database _database;
    private readonly TimeProvider _time;

    private ProxyStore(Database database, TimeProvider time)
    {
        _database = database;
        _time = time;
        Allowlist = new ProjectAllowlist(database, time);
    }

    /// <summary>The projects an admin allowlisted (a table of this database, read by the policy).</summary>
    public ProjectAllowlist Allowlist { get; }

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

    private string Now() => Format(_time.GetUtcNow());

    private static string Format(DateTimeOffset time) => StoredTimes.Milliseconds(time);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>
    /// Claims the download of <paramref name="sha256"/> for this node until disposed: a node that gets it second
    /// finds the first one's file stored and downloads nothing.
    /// </summary>
    public Task<IAsyncDisposable> ClaimDownloadAsync(string sha256, CancellationToken ct) => _database.LockAsync("proxy-download:" + sha256, ct);

    /// <summary>Puts a stored file in the scan queue (once: a file already queued keeps its place and its claim).</summary>
    public Task EnqueueScanAsync(string sha256, string filename, string project, string repository) => _database.ExecuteAsync("""
        INSERT INTO proxy_scans (sha256, filename, project, repository, enqueued_at, attempts) VALUES (@sha256, @filename, @project, @repository, @t, 0)
        ON CONFLICT (sha256) DO NOTHING
        """, new { sha256, filename, project, repository, t = Now() });

    /// <summary>
    /// Claims the oldest queued scan nobody holds (never claimed, or its claim expired) for <paramref name="node"/>
    /// until now + <paramref name="lease"/>; null when there is none. On PostgreSQL concurrent claimers skip each
    /// other's rows (<c>FOR UPDATE SKIP LOCKED</c>); on SQLite the write transaction serializes them.
    /// </summary>
    public async Task<ScanClaim?> ClaimScanAsync(string node, TimeSpan lease, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        var until = now + lease;
        var skipLocked = _database.Engine == DatabaseEngine.PostgreSql ? "FOR UPDATE SKIP LOCKED" : "";
        var sql = $"""
            UPDATE proxy_scans SET claimed_by = @node, claimed_until = @until, attempts = attempts + 1
            WHERE sha256 = (SELECT sha256 FROM proxy_scans WHERE claimed_until IS NULL OR claimed_until < @now ORDER BY enqueued_at LIMIT 1 {skipLocked})
            RETURNING sha256, filename, project, repository, attempts
            """;
        var args = new { node, until = Format(until), now = Format(now) };
        await using var connection = Connect();
        ScanRow? row;
        if (_database.Engine == DatabaseEngine.PostgreSql)
            row = await connection.QuerySingleOrDefaultAsync<ScanRow>(new CommandDefinition(sql, args, cancellationToken: ct));
        else
        {
            await using var transaction = await _database.BeginWriteAsync(connection, "proxy-scans", ct);
            row = await connection.QuerySingleOrDefaultAsync<ScanRow>(new CommandDefinition(sql, args, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }
        return row is null ? null : new ScanClaim(row.sha256, row.filename, row.project, row.repository, node, until, row.attempts);
    }

    /// <summary>Takes a finished scan out of the queue; false when the claim was no longer the caller's (it expired and another node took it over).</summary>
    public async Task<bool> CompleteScanAsync(ScanClaim claim) =>
        await _database.ExecuteAsync("DELETE FROM proxy_scans WHERE sha256 = @sha256 AND claimed_by = @node AND claimed_until = @until",
            new { sha256 = claim.Sha256, node = claim.Node, until = Format(claim.Until) }) > 0;

    /// <summary>How many scans are queued (claimed or not).</summary>
    public Task<long> QueuedScansAsync() => _database.ScalarAsync<long>("SELECT COUNT(*) FROM proxy_scans");

    /// <summary>Keeps an upstream page under <paramref name="key"/> (repository/project).</summary>
    public Task SavePageAsync(string key, UpstreamPage page) => _database.ExecuteAsync(
        "INSERT INTO pages (project, body, fetched_at) VALUES (@p, @b, @t) ON CONFLICT (project) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
        new { p = key, b = JsonSerializer.Serialize(page), t = Now() });

    public async Task<UpstreamPage?> LoadPageAsync(string key) =>
        await _database.QuerySingleAsync<string>("SELECT body FROM pages WHERE project = @key", new { key }) is { } body ? JsonSerializer.Deserialize<UpstreamPage>(body) : null;

    /// <summary>When the page under <paramref name="key"/> was last fetched from the upstream (a revalidation keeps the time), or null.</summary>
    public async Task<DateTimeOffset?> PageFetchedAtAsync(string key) =>
        await _database.QuerySingleAsync<string>("SELECT fetched_at FROM pages WHERE project = @key", new { key }) is { } at ? Time(at) : null;

    /// <summary>
    /// Projects whose page one of <paramref name="repositories"/> has cached and whose name contains
    /// <paramref name="normalizedQuery"/>, exact match first, then prefix, then by name; each name once.
    /// </summary>
    public async Task<IReadOnlyList<string>> SearchPagesAsync(IReadOnlyList<string> repositories, string normalizedQuery, int limit)
    {
        if (repositories.Count == 0) return [];
        // Keys are "<repository>/<project>"; names are normalized, so instr() needs no escaping (as in the hosted search).
        return await _database.QueryListAsync<string>($"""
            SELECT name FROM (SELECT substr(project, 1, instr(project, '/') - 1) AS repository, substr(project, instr(project, '/') + 1) AS name FROM pages) AS keys
            WHERE {_database.InList("repository", "repositories")} AND instr(name, @q) > 0
            GROUP BY name
            ORDER BY CASE WHEN name = @q THEN 0 WHEN instr(name, @q) = 1 THEN 1 ELSE 2 END, name
            LIMIT @limit
            """, new { repositories = repositories.ToArray(), q = normalizedQuery, limit });
    }

    /// <summary>Keeps an upstream file's provenance object (PEP 740) and what verifying it found.</summary>
    public Task SaveProvenanceAsync(UpstreamProvenance provenance) => _database.ExecuteAsync("""
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

    public async Task<UpstreamProvenance?> GetProvenanceAsync(string sha256)
    {
        var row = await _database.QuerySingleAsync<ProvenanceRow>(
            "SELECT sha256, filename, project, verified, repository, workflow, commit_sha, reason, provenance FROM proxy_provenance WHERE sha256 = @sha256", new { sha256 });
        return row is null ? null : new UpstreamProvenance(row.sha256, row.filename, row.project, row.verified != 0,
            row.repository is null ? null : new Provenance.SignerSummary(row.repository, row.workflow ?? "", row.commit_sha), row.reason, row.provenance);
    }

    // Rows as records whose parameters follow the statements' column lists, as Dapper's constructor mapping needs.
    private sealed record ScanRow(string sha256, string filename, string project, string repository, long attempts);

    private sealed record ProvenanceRow(string sha256, string filename, string project, long verified, string? repository, string? workflow, string? commit_sha,
        string? reason, string? provenance);

    /// <summary>The firewall's decisions on the given files (those Moat downloaded), by sha256.</summary>
    public async Task<IReadOnlyDictionary<string, ProxiedFile>> GetManyAsync(IReadOnlyCollection<string> sha256s)
    {
        var found = new Dictionary<string, ProxiedFile>(StringComparer.Ordinal);
        if (sha256s.Count == 0) return found;
        await using var connection = Connect();
        foreach (var chunk in sha256s.Chunk(500))
        {
            var rows = await connection.QueryAsync<Row>($"{SelectProxied} WHERE {_database.InList("sha256", "chunk")}", new { chunk });
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
        // The one statement in the stores that differs by engine: each has its own JSON functions.
        var hashes = await _database.QueryListAsync<string>(_database.Engine == DatabaseEngine.PostgreSql
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
        var at = Format(now);
        foreach (var sha in sha256s)
            await connection.ExecuteAsync("INSERT INTO first_seen (sha256, seen_at) VALUES (@sha, @at) ON CONFLICT (sha256) DO NOTHING", new { sha, at }, transaction);
        var rows = await connection.QueryAsync<(string Sha256, string SeenAt)>($"SELECT sha256, seen_at FROM first_seen WHERE {_database.InList("sha256", "sha256s")}", new { sha256s = sha256s.ToArray() }, transaction);
        await transaction.CommitAsync();
        return rows.ToDictionary(r => r.Sha256, r => Time(r.SeenAt), StringComparer.Ordinal);
    }

    public async Task<ProxiedFile?> GetAsync(string sha256) =>
        (await _database.QuerySingleAsync<Row>($"{SelectProxied} WHERE sha256 = @sha256", new { sha256 }))?.ToRecord();

    /// <summary>Records the gate's decision; an admin override already present stays.</summary>
    public Task SaveDecisionAsync(string sha256, string filename, string project, ProxiedFileState state, string? reason) => _database.ExecuteAsync("""
        INSERT INTO proxied (sha256, filename, project, state, reason, decided_at) VALUES (@sha256, @filename, @project, @state, @reason, @t)
        ON CONFLICT (sha256) DO UPDATE SET state = excluded.state, reason = excluded.reason, decided_at = excluded.decided_at
        """, new { sha256, filename, project, state = ProxiedFileStates.Name(state), reason, t = Now() });

    /// <summary>Sets or clears (null) the admin override of a file known by filename or sha256; false when there is no such file.</summary>
    public async Task<ProxiedFile?> SetOverrideAsync(string fileOrSha, ProxyOverride? value, string? reason)
    {
        var changed = await _database.ExecuteAsync(
            "UPDATE proxied SET override = @value, reason = COALESCE(@reason, reason) WHERE sha256 = @key OR filename = @key",
            new { value = value is { } v ? ProxiedFileStates.Name(v) : null, reason, key = fileOrSha });
        return changed == 0 ? null : await FindAsync(fileOrSha);
    }

    public async Task<ProxiedFile?> FindAsync(string fileOrSha) =>
        (await _database.QueryListAsync<Row>($"{SelectProxied} WHERE sha256 = @key OR filename = @key", new { key = fileOrSha })).FirstOrDefault()?.ToRecord();

    /// <summary>Files the gate quarantined or an admin blocked, newest first.</summary>
    public async Task<IReadOnlyList<ProxiedFile>> ListBlockedAsync() =>
        [.. (await _database.QueryListAsync<Row>($"{SelectProxied} WHERE (state = 'quarantined' AND override IS NULL) OR override = 'blocked' ORDER BY decided_at DESC"))
            .Select(r => r.ToRecord())];

    /// <summary>The sha256s of a project's files that must not be offered (quarantined without release, or blocked).</summary>
    public async Task<IReadOnlySet<string>> BlockedShasAsync(string project) => (await _database.QueryListAsync<string>("""
        SELECT sha256 FROM proxied WHERE project = @project
        AND ((state = 'quarantined' AND (override IS NULL OR override <> 'released')) OR override = 'blocked')
        """, new { project })).ToHashSet(StringComparer.Ordinal);

    private const string SelectProxied = "SELECT sha256, filename, project, state, reason, decided_at, override FROM proxied";

    private sealed record Row(string sha256, string filename, string project, string state, string? reason, string decided_at, string? @override)
    {
        public ProxiedFile ToRecord() => new(sha256, filename, project, ProxiedFileStates.ParseState(state), reason, Time(decided_at), ProxiedFileStates.ParseOverride(@override));
    }
}
