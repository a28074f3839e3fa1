using System.Data.Common;
using System.Globalization;
using Dapper;
using Moat.Packaging;
using Moat.Packaging.Distributions;
using Moat.Packaging.Filenames;

namespace Moat.Index.Storage;

/// <summary>
/// The metadata store (projects, files, verdicts, API tokens) on <see cref="Database"/>: SQLite or PostgreSQL, the same
/// statements on both; see docs/architecture.md for why Dapper rather than EF Core. Every write is one transaction
/// from <see cref="Database.BeginWriteAsync"/>, and bumps the index's serial (pages and ETags follow it).
/// </summary>
public sealed class SqlMetadataStore : IMetadataStore
{
    private readonly Database _database;
    private readonly TimeProvider _time;

    internal static readonly string[][] Migrations =
    [
        [
            "CREATE TABLE index_state (id INTEGER PRIMARY KEY CHECK (id = 1), serial BIGINT NOT NULL)",
            "INSERT INTO index_state (id, serial) VALUES (1, 0)",
            """
            CREATE TABLE projects (
                name TEXT PRIMARY KEY, display_name TEXT NOT NULL, status TEXT NOT NULL, status_reason TEXT,
                last_serial BIGINT NOT NULL, created_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE files (
                filename TEXT PRIMARY KEY, project TEXT NOT NULL REFERENCES projects (name), version TEXT NOT NULL,
                package_type TEXT NOT NULL, python_version TEXT, requires_python TEXT, sha256 TEXT NOT NULL,
                blake2b_256 TEXT, md5 TEXT NOT NULL, size BIGINT NOT NULL, upload_time TEXT NOT NULL,
                metadata_sha256 TEXT, yanked INTEGER NOT NULL, yanked_reason TEXT, state TEXT NOT NULL,
                state_reason TEXT, attestations TEXT, uploaded_by TEXT)
            """,
            "CREATE INDEX files_by_project ON files (project)",
            "CREATE TABLE deleted_filenames (filename TEXT PRIMARY KEY, deleted_at TEXT NOT NULL)",
            """
            CREATE TABLE verdicts (
                sha256 TEXT PRIMARY KEY, filename TEXT NOT NULL, action TEXT NOT NULL, verdict TEXT NOT NULL,
                score DOUBLE PRECISION NOT NULL, findings TEXT NOT NULL, message TEXT, decided_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE api_tokens (
                id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, project TEXT, is_admin INTEGER NOT NULL,
                description TEXT, created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT)
            """,
        ],
        // Who uploaded, as people know them (username, trusted publisher, token), kept when the token or publisher is gone.
        ["ALTER TABLE files ADD COLUMN uploader TEXT"],
        // Filenames compared as PyPI compares them (CanonicalFilename): Hostile-3.0.0.tar.gz is hostile-3.0.tar.gz, so
        // neither a stored, a deleted nor a blocked file comes back under another spelling; versions equal under
        // PEP 440 are one release (yanks cover them all). Rows stored before get their keys in BackfillKeys.
        [
            "ALTER TABLE files ADD COLUMN filename_key TEXT",
            "ALTER TABLE files ADD COLUMN release_key TEXT",
            "ALTER TABLE deleted_filenames ADD COLUMN filename_key TEXT",
            "CREATE UNIQUE INDEX files_by_filename_key ON files (filename_key)",
            "CREATE INDEX files_by_release ON files (project, release_key)",
            "CREATE INDEX deleted_filenames_by_key ON deleted_filenames (filename_key)",
        ],
    ];

    private SqlMetadataStore(Database database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <summary>Opens the store on <paramref name="database"/>, creating and migrating its tables when needed.</summary>
    public static SqlMetadataStore Open(Database database, TimeProvider? time = null)
    {
        database.Migrate("metadata", Migrations, legacyVersionTable: "schema_version");
        var store = new SqlMetadataStore(database, time ?? TimeProvider.System);
        store.BackfillKeys();
        return store;
    }

    /// <summary>The embedded default: the store in a SQLite file of its own.</summary>
    public static SqlMetadataStore Open(string sqlitePath) => Open(Database.Sqlite(sqlitePath));

    /// <summary>
    /// Gives rows stored before the canonical keys existed their keys (SQL cannot parse PEP 440). When two old rows
    /// share a key — variants accepted before keys were compared — the first keeps it and the other stays without,
    /// still found by its exact filename.
    /// </summary>
    private void BackfillKeys()
    {
        using var connection = Connect();
        foreach (var (filename, version) in connection.Query<(string, string)>("SELECT filename, version FROM files WHERE filename_key IS NULL ORDER BY upload_time").ToList())
        {
            try
            {
                connection.Execute("UPDATE files SET filename_key = @key, release_key = @release WHERE filename = @filename",
                    new { filename, key = FilenameKey(filename), release = CanonicalFilename.Release(version) });
            }
            catch (DbException ex) when (Database.IsUniqueViolation(ex))
            {
                connection.Execute("UPDATE files SET release_key = @release WHERE filename = @filename", new { filename, release = CanonicalFilename.Release(version) });
            }
        }
        foreach (var filename in connection.Query<string>("SELECT filename FROM deleted_filenames WHERE filename_key IS NULL").ToList())
            connection.Execute("UPDATE deleted_filenames SET filename_key = @key WHERE filename = @filename", new { filename, key = FilenameKey(filename) });
    }

    /// <summary>The canonical key (<see cref="CanonicalFilename"/>); a name no parser knows is compared lower-cased.</summary>
    internal static string FilenameKey(string filename) => CanonicalFilename.Key(filename) ?? filename.ToLowerInvariant();

    private DbConnection Connect() => _database.Connect();

    private string Now() => Text(_time.GetUtcNow());

    public async Task<ProjectRecord?> GetProjectAsync(NormalizedName normalizedName, CancellationToken ct = default) =>
        (await _database.QuerySingleAsync<ProjectRow>("SELECT * FROM projects WHERE name = @name", new { name = normalizedName.Value }, ct))?.ToRecord();

    public Task<long?> GetProjectSerialAsync(NormalizedName normalizedName, CancellationToken ct = default) =>
        _database.ScalarAsync<long?>("SELECT last_serial FROM projects WHERE name = @name", new { name = normalizedName.Value }, ct);

    public Task<long> GetGlobalSerialAsync(CancellationToken ct = default) => _database.ScalarAsync<long>("SELECT serial FROM index_state WHERE id = 1", ct: ct);

    public async Task<IReadOnlyList<ProjectRecord>> ListProjectsAsync(CancellationToken ct = default) =>
        [.. (await _database.QueryListAsync<ProjectRow>("SELECT * FROM projects ORDER BY name", ct: ct)).Select(r => r.ToRecord())];

    public async Task<(IReadOnlyList<ProjectRecord> Projects, int Total)> SearchProjectsAsync(string normalizedQuery, int offset, int limit, CancellationToken ct = default)
    {
        await using var connection = Connect();
        // instr() is SQLite's substring test (Database defines it on PostgreSQL); names are normalized, so nothing to escape.
        var query = new { q = normalizedQuery, offset, limit };
        var total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM projects WHERE instr(name, @q) > 0", query, cancellationToken: ct));
        var rows = await connection.QueryAsync<ProjectRow>(new CommandDefinition(
            """
            SELECT * FROM projects WHERE instr(name, @q) > 0
            ORDER BY CASE WHEN name = @q THEN 0 WHEN instr(name, @q) = 1 THEN 1 ELSE 2 END, name
            LIMIT @limit OFFSET @offset
            """, query, cancellationToken: ct));
        return ([.. rows.Select(r => r.ToRecord())], total);
    }

    public async Task<IReadOnlyList<StoredVerdict>> RecentVerdictsAsync(DateTimeOffset since, int limit, CancellationToken ct = default) =>
        [.. (await _database.QueryListAsync<VerdictRow>("SELECT * FROM verdicts WHERE decided_at >= @since ORDER BY decided_at DESC LIMIT @limit",
            new { since = Text(since), limit }, ct)).Select(row => row.ToRecord())];

    public async Task<ProjectListing?> GetListingAsync(NormalizedName normalizedName, CancellationToken ct = default)
    {
        await using var connection = Connect();
        // One read transaction so the files match the project serial they are cached under.
        await using var transaction = await _database.BeginSnapshotAsync(connection, ct);
        var project = await connection.QuerySingleOrDefaultAsync<ProjectRow>(
            new CommandDefinition("SELECT * FROM projects WHERE name = @name", new { name = normalizedName.Value }, transaction, cancellationToken: ct));
        if (project is null) return null;
        // Staged files never reach a listing (so never a cached page): only the approval API reads them.
        var files = await connection.QueryAsync<FileRow>(
            new CommandDefinition("SELECT * FROM files WHERE project = @name AND state <> 'staged' ORDER BY filename", new { name = normalizedName.Value }, transaction, cancellationToken: ct));
        return new ProjectListing(project.ToRecord(), [.. files.Select(f => f.ToRecord())]);
    }

    public async Task<IReadOnlyList<FileRecord>> GetStagedFilesAsync(NormalizedName project, CancellationToken ct = default) =>
        [.. (await _database.QueryListAsync<FileRow>("SELECT * FROM files WHERE project = @project AND state = 'staged' ORDER BY version, filename",
            new { project = project.Value }, ct)).Select(r => r.ToRecord())];

    public async Task<int> PublishStagedAsync(NormalizedName project, string version, CancellationToken ct = default)
    {
        await using var connection = Connect();
        await using var transaction = await _database.BeginWriteAsync(connection, "metadata", ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE files SET state = 'available', state_reason = NULL WHERE project = @project AND version = @version AND state = 'staged'",
            new { project = project.Value, version }, transaction, cancellationToken: ct));
        if (changed > 0) await TouchProjectAsync(connection, transaction, project, await NextSerialAsync(connection, transaction, ct), ct);
        await transaction.CommitAsync(ct);
        return changed;
    }

    public async Task<IReadOnlyList<string>> DiscardStagedAsync(NormalizedName project, string version, CancellationToken ct = default)
    {
        await using var connection = Connect();
        await using var transaction = await _database.BeginWriteAsync(connection, "metadata", ct);
        var filenames = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT filename FROM files WHERE project = @project AND version = @version AND state = 'staged' ORDER BY filename",
            new { project = project.Value, version }, transaction, cancellationToken: ct))).ToList();
        if (filenames.Count == 0) return [];
        var now = Now();
        foreach (var filename in filenames)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM files WHERE filename = @filename", new { filename }, transaction, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO deleted_filenames (filename, deleted_at, filename_key) VALUES (@filename, @now, @key)",
                new { filename, now, key = FilenameKey(filename) }, transaction, cancellationToken: ct));
        }
        await TouchProjectAsync(connection, transaction, project, await NextSerialAsync(connection, transaction, ct), ct);
        await transaction.CommitAsync(ct);
        return filenames;
    }

    public async Task<FileRecord?> GetFileAsync(string filename, CancellationToken ct = default) =>
        (await _database.QuerySingleAsync<FileRow>("SELECT * FROM files WHERE filename = @filename", new { filename }, ct))?.ToRecord();

    public async Task<FileRecord?> GetSameFileAsync(string filename, CancellationToken ct = default)
    {
        var rows = await _database.QueryListAsync<FileRow>(
            "SELECT * FROM files WHERE filename_key = @key OR filename = @filename", new { filename, key = FilenameKey(filename) }, ct);
        return rows.OrderBy(r => r.filename == filename ? 0 : 1).FirstOrDefault()?.ToRecord();
    }

    public async Task<IReadOnlyList<FileRecord>> GetHeldFilesAsync(CancellationToken ct = default) =>
        [.. (await _database.QueryListAsync<FileRow>("SELECT * FROM files WHERE state NOT IN ('available', 'staged') ORDER BY upload_time DESC, filename", ct: ct))
            .Select(r => r.ToRecord())];

    public async Task<bool> ChangeFileStateAsync(string filename, FileState from, FileState to, string? reason, CancellationToken ct = default)
    {
        await using var connection = Connect();
        await using var transaction = await _database.BeginWriteAsync(connection, "metadata", ct);
        // The write comes first and carries the condition: the state check and the change are one statement.
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE files SET state = @to, state_reason = @reason WHERE filename = @filename AND state = @from",
            new { filename, from = FileStateNames.Of(from), to = FileStateNames.Of(to), reason }, transaction, cancellationToken: ct));
        if (changed == 0) return false;
        var project = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT project FROM files WHERE filename = @filename", new { filename }, transaction, cancellationToken: ct));
        await TouchProjectAsync(connection, transaction, project!, await NextSerialAsync(connection, transaction, ct), ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<(AddFileOutcome Outcome, FileRecord? Existing)> AddFileAsync(FileRecord file, string projectDisplayName, CancellationToken ct = default)
    {
        await using var connection = Connect();
        await using var transaction = await _database.BeginWriteAsync(connection, "metadata", ct);
        var key = FilenameKey(file.Filename);
        // Another spelling of a stored filename is the same file (Hostile-3.0.0.tar.gz is hostile-3.0.tar.gz).
        var existing = (await connection.QueryAsync<FileRow>(new CommandDefinition(
            "SELECT * FROM files WHERE filename_key = @key OR filename = @filename", new { filename = file.Filename, key }, transaction, cancellationToken: ct))).FirstOrDefault();
        if (existing is not null)
        {
            var record = existing.ToRecord();
            return (record.Sha256 == file.Sha256 ? AddFileOutcome.IdenticalExists : AddFileOutcome.FilenameTaken, record);
        }
        var deleted = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM deleted_filenames WHERE filename_key = @key OR filename = @filename", new { filename = file.Filename, key }, transaction, cancellationToken: ct));
        if (deleted > 0) return (AddFileOutcome.FilenameDeleted, null);

        var project = await connection.QuerySingleOrDefaultAsync<ProjectRow>(
            new CommandDefinition("SELECT * FROM projects WHERE name = @name", new { name = file.Project }, transaction, cancellationToken: ct));
        if (project is not null && !ProjectStatusNames.AcceptsUploads(project.ToRecord().Status)) return (AddFileOutcome.ProjectNotAcceptingUploads, null);

        // A file of a release already here joins it: its version as the release spells it, and the release's yank
        // (a yanked 3.0 is not reinstalled through a 3.0.0 file).
        var release = CanonicalFilename.Release(file.Version);
        var sameRelease = await connection.QueryFirstOrDefaultAsync<FileRow>(new CommandDefinition(
            "SELECT * FROM files WHERE project = @project AND release_key = @release ORDER BY yanked DESC, upload_time",
            new { project = file.Project, release }, transaction, cancellationToken: ct));
        if (sameRelease is not null) file = file with { Version = sameRelease.version, Yanked = sameRelease.yanked != 0, YankedReason = sameRelease.yanked_reason };

        var serial = await NextSerialAsync(connection, transaction, ct);
        if (project is null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO projects (name, display_name, status, status_reason, last_serial, created_at) VALUES (@name, @display, 'active', NULL, @serial, @now)",
                new { name = file.Project, display = projectDisplayName, serial, now = Now() }, transaction, cancellationToken: ct));
        }
        else
        {
            await TouchProjectAsync(connection, transaction, file.Project, serial, ct);
        }
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO files (filename, project, version, package_type, python_version, requires_python, sha256, blake2b_256, md5,
                    size, upload_time, metadata_sha256, yanked, yanked_reason, state, state_reason, attestations, uploaded_by, uploader,
                    filename_key, release_key)
                VALUES (@Filename, @Project, @Version, @PackageType, @PythonVersion, @RequiresPython, @Sha256, @Blake2b256, @Md5,
                    @Size, @UploadTime, @MetadataSha256, @Yanked, @YankedReason, @State, @StateReason, @Attestations, @UploadedBy, @Uploader,
                    @FilenameKey, @ReleaseKey)
                """,
                FileRow.From(file), transaction, cancellationToken: ct));
        }
        catch (DbException ex) when (Database.IsUniqueViolation(ex))
        {
            // The unique key is the last word when two spellings race (another writer, another node).
            return (AddFileOutcome.FilenameTaken, null);
        }
        await transaction.CommitAsync(ct);
        return (AddFileOutcome.Added, null);
    }

    public async Task<bool> DeleteFileAsync(string filename, CancellationToken ct = default)
    {
        await using var connection = Connect();
        await using var transaction = await _database.BeginWriteAsync(connection, "metadata", ct);
        var project = await connection.ExecuteScalarAsync<string?>(
            new CommandDefinition("SELECT project FROM files WHERE filename = @filename", new { filename }, transaction, cancellationToken: ct));
        if (project is null) return false;
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM files WHERE filename = @filename", new { filename }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO deleted_filenames (filename, deleted_at, filename_key) VALUES (@filename, @now, @key)",
            new { filename, now = Now(), key = FilenameKey(filename) }, transaction, cancellationToken: ct));
        await TouchProjectAsync(connection, transaction, project, await NextSerialAsync(connection, transaction, ct), ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<int> SetYankedAsync(NormalizedName project, string version, bool yanked, string? reason, CancellationToken ct = default)
    {
        await using var connection = Connect();
        await using var transaction = await _database.BeginWriteAsync(connection, "metadata", ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE files SET yanked = @yanked, yanked_reason = @reason WHERE project = @project AND release_key = @release",
            new { yanked = yanked ? 1 : 0, reason = yanked ? reason ?? "" : null, project = project.Value, release = CanonicalFilename.Release(version) }, transaction, cancellationToken: ct));
        if (changed > 0) await TouchProjectAsync(connection, transaction, project, await NextSerialAsync(connection, transaction, ct), ct);
        await transaction.CommitAsync(ct);
        return changed;
    }

    public async Task<bool> SetProjectStatusAsync(NormalizedName project, ProjectStatus status, string? reason, CancellationToken ct = default)
    {
        await using var connection = Connect();
        await using var transaction = await _database.BeginWriteAsync(connection, "metadata", ct);
        var serial = await NextSerialAsync(connection, transaction, ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE projects SET status = @status, status_reason = @reason, last_serial = @serial WHERE name = @project",
            new { status = ProjectStatusNames.Of(status), reason, serial, project = project.Value }, transaction, cancellationToken: ct));
        if (changed == 0) return false;
        await transaction.CommitAsync(ct);
        return true;
    }

    // Portable upsert: PostgreSQL and SQLite both speak ON CONFLICT ... DO UPDATE.
    public Task SaveVerdictAsync(StoredVerdict verdict, CancellationToken ct = default) => _database.ExecuteAsync(
        """
        INSERT INTO verdicts (sha256, filename, action, verdict, score, findings, message, decided_at)
        VALUES (@Sha256, @Filename, @Action, @Verdict, @Score, @FindingsJson, @Message, @DecidedAt)
        ON CONFLICT (sha256) DO UPDATE SET filename = excluded.filename, action = excluded.action, verdict = excluded.verdict,
            score = excluded.score, findings = excluded.findings, message = excluded.message, decided_at = excluded.decided_at
        """,
        new { verdict.Sha256, verdict.Filename, verdict.Action, verdict.Verdict, verdict.Score, verdict.FindingsJson, verdict.Message, DecidedAt = Text(verdict.DecidedAt) },
        ct);

    public async Task<StoredVerdict?> GetVerdictAsync(string sha256, CancellationToken ct = default) =>
        (await _database.QuerySingleAsync<VerdictRow>("SELECT * FROM verdicts WHERE sha256 = @sha256", new { sha256 }, ct))?.ToRecord();

    public Task CreateTokenAsync(TokenRecord token, string secretHash, CancellationToken ct = default) => _database.ExecuteAsync(
        "INSERT INTO api_tokens (id, secret_hash, project, is_admin, description, created_at) VALUES (@id, @hash, @project, @admin, @description, @created)",
        new { id = token.Id, hash = secretHash, project = token.Project, admin = token.IsAdmin ? 1 : 0, description = token.Description, created = Text(token.CreatedAt) },
        ct);

    public async Task<TokenRecord?> FindTokenAsync(string secretHash, CancellationToken ct = default)
    {
        // One connection for the lookup and its last-used stamp: this runs on every request a token authenticates.
        await using var connection = await _database.ConnectAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(new CommandDefinition(
            "SELECT * FROM api_tokens WHERE secret_hash = @secretHash AND revoked_at IS NULL", new { secretHash }, cancellationToken: ct));
        if (row is null) return null;
        await connection.ExecuteAsync(new CommandDefinition("UPDATE api_tokens SET last_used_at = @now WHERE id = @id", new { now = Now(), row.id }, cancellationToken: ct));
        return new TokenRecord(row.id, row.project, row.is_admin != 0, row.description, Time(row.created_at), null);
    }

    public async Task<bool> RevokeTokenAsync(string id, CancellationToken ct = default) =>
        await _database.ExecuteAsync("UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL", new { now = Now(), id }, ct) > 0;

    public async Task<IReadOnlySet<string>> ReferencedBlobsAsync(CancellationToken ct = default) =>
        (await _database.QueryListAsync<string>("SELECT sha256 FROM files UNION SELECT metadata_sha256 FROM files WHERE metadata_sha256 IS NOT NULL", ct: ct))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The next serial, in the write's transaction; other nodes hear of the write when it commits.</summary>
    private async Task<long> NextSerialAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition("UPDATE index_state SET serial = serial + 1 WHERE id = 1", transaction: transaction, cancellationToken: ct));
        await _database.NotifyChangedAsync(connection, transaction);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT serial FROM index_state WHERE id = 1", transaction: transaction, cancellationToken: ct));
    }

    private static Task TouchProjectAsync(DbConnection connection, DbTransaction transaction, string project, long serial, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE projects SET last_serial = @serial WHERE name = @project", new { serial, project }, transaction, cancellationToken: ct));

    internal static string Text(DateTimeOffset time) => StoredTimes.Microseconds(time);

    internal static DateTimeOffset Time(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

#pragma warning disable IDE1006 // Row records mirror the columns, in table order, so Dapper fills them through their constructors.
    private sealed record ProjectRow(string name, string display_name, string status, string? status_reason, long last_serial, string created_at)
    {
        public ProjectRecord ToRecord() => new(name, display_name,
            ProjectStatusNames.TryParse(status, out var parsed) ? parsed : ProjectStatus.Active, status_reason, last_serial, Time(created_at));
    }

    private sealed record FileRow(string filename, string project, string version, string package_type, string? python_version, string? requires_python,
        string sha256, string? blake2b_256, string md5, long size, string upload_time, string? metadata_sha256, long yanked, string? yanked_reason,
        string state, string? state_reason, string? attestations, string? uploaded_by, string? uploader, string? filename_key, string? release_key)
    {
        public FileRecord ToRecord() => new(filename, project, version, PackageTypeNames.Parse(package_type), python_version, requires_python, sha256, blake2b_256, md5,
            size, Time(upload_time), metadata_sha256, yanked != 0, yanked_reason, FileStateNames.Parse(state),
            state_reason, attestations, uploaded_by) { Uploader = uploader };

        public static object From(FileRecord f) => new
        {
            f.Filename, f.Project, f.Version, PackageType = PackageTypeNames.Of(f.PackageType), f.PythonVersion, f.RequiresPython, f.Sha256, f.Blake2b256, f.Md5, f.Size,
            UploadTime = Text(f.UploadTime), f.MetadataSha256, Yanked = f.Yanked ? 1 : 0, f.YankedReason,
            State = FileStateNames.Of(f.State), f.StateReason, f.Attestations, f.UploadedBy, f.Uploader,
            FilenameKey = FilenameKey(f.Filename), ReleaseKey = CanonicalFilename.Release(f.Version),
        };
    }

    private sealed record VerdictRow(string sha256, string filename, string action, string verdict, double score, string findings, string? message, string decided_at)
    {
        public StoredVerdict ToRecord() => new(sha256, filename, action, verdict, score, findings, message, Time(decided_at));
    }

    private sealed record TokenRow(string id, string secret_hash, string? project, long is_admin, string? description, string created_at, string? last_used_at,
        string? revoked_at);
#pragma warning restore IDE1006
}
