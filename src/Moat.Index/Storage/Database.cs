using System.Data;
using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Moat.Index.Storage;

/// <summary>Which server holds the index's tables.</summary>
public enum DatabaseEngine { Sqlite, PostgreSql }

/// <summary>
/// One database the stores share: how to connect, how to run their migrations, and the few places where SQLite and
/// PostgreSQL differ. The stores' SQL is otherwise the same on both engines (TEXT keys, ISO-8601 times as text, 0/1
/// booleans, <c>ON CONFLICT</c> upserts, no AUTOINCREMENT), so one statement list serves both; docs/deploy.md says how
/// to choose the engine.
///
/// Writes keep SQLite's semantics on PostgreSQL: <see cref="BeginWriteAsync"/> serializes a store's writers (SQLite's
/// IMMEDIATE transactions; an advisory lock on PostgreSQL), so read-then-write sequences such as "is this filename
/// taken? then insert it" hold across nodes without each store reasoning about isolation levels.
/// </summary>
public sealed class Database : IAsyncDisposable, IDisposable
{
    private readonly string? _sqliteConnectionString;
    private readonly NpgsqlDataSource? _postgres;
    private readonly Lazy<ChangeListener>? _changes;

    public DatabaseEngine Engine { get; }

    /// <summary>What to print at start: the file or the server (never the password).</summary>
    public string Description { get; }

    private Database(DatabaseEngine engine, string description, string? sqlite, NpgsqlDataSource? postgres)
    {
        Engine = engine;
        Description = description;
        _sqliteConnectionString = sqlite;
        _postgres = postgres;
        // Started by the first reader: one-shot commands (moat admin) never listen.
        if (postgres is not null) _changes = new Lazy<ChangeListener>(() => new ChangeListener(postgres));
    }

    /// <summary>The embedded engine: one SQLite file (created when missing), WAL mode so readers run beside the one writer.</summary>
    public static Database Sqlite(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        };
        var database = new Database(DatabaseEngine.Sqlite, path, builder.ToString(), null);
        using var connection = database.Connect();
        connection.Execute("PRAGMA journal_mode = WAL");
        return database;
    }

    /// <summary>
    /// A PostgreSQL server, from a <c>postgresql://user:password@host:port/database?options</c> URL (libpq's form) or
    /// an Npgsql connection string. <c>search_path</c> in the URL's options places the tables in a schema of their own.
    /// </summary>
    public static Database PostgreSql(string urlOrConnectionString)
    {
        var builder = PostgreSqlConnectionString(urlOrConnectionString);
        var description = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}" + (builder.SearchPath is { Length: > 0 } path ? $" (schema {path})" : "");
        return new Database(DatabaseEngine.PostgreSql, description, null, NpgsqlDataSource.Create(builder));
    }

    /// <summary>
    /// <paramref name="database"/> as configured: a <c>postgresql://</c> (or <c>postgres://</c>) URL, or a path to a
    /// SQLite file. Empty means <paramref name="defaultSqlitePath"/>.
    /// </summary>
    public static Database Open(string? database, string defaultSqlitePath) =>
        string.IsNullOrWhiteSpace(database) ? Sqlite(defaultSqlitePath)
        : IsPostgreSqlUrl(database) ? PostgreSql(database)
        : Sqlite(database);

    public static bool IsPostgreSqlUrl(string text) =>
        text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses libpq's URL form into Npgsql's settings; anything else is taken as an Npgsql connection string.</summary>
    public static NpgsqlConnectionStringBuilder PostgreSqlConnectionString(string text)
    {
        if (!IsPostgreSqlUrl(text))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException ex)
            {
                throw new IndexConfigurationException($"storage.database: neither a postgresql:// URL nor a connection string ({ex.Message})");
            }
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new IndexConfigurationException("storage.database: not a PostgreSQL URL (postgresql://user:password@host:port/database)");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } name ? name : null,
            // Enough for a node's request threads; PostgreSQL's own limit is the real cap across nodes.
            MaxPoolSize = 50,
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (Uri.UnescapeDataString(k), Uri.UnescapeDataString(v)) : (pair, "");
            switch (key)
            {
                case "sslmode": builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", ""), ignoreCase: true); break;
                case "search_path" or "schema": builder.SearchPath = value; break;
                case "application_name": builder.ApplicationName = value; break;
                case "connect_timeout": builder.Timeout = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "pool_max": builder.MaxPoolSize = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new IndexConfigurationException($"storage.database: unknown URL option {key} (sslmode, search_path, application_name, connect_timeout, pool_max)");
            }
        }
        // PostgreSQL's password environment variable, as libpq reads it, so the URL in moat.toml need not hold it.
        if (builder.Password is null && Environment.GetEnvironmentVariable("PGPASSWORD") is { Length: > 0 } password) builder.Password = password;
        return builder;
    }

    /// <summary>An open connection (pooled); SQLite connections get their per-connection settings.</summary>
    public DbConnection Connect()
    {
        if (_postgres is not null) return _postgres.OpenConnection();
        var connection = new SqliteConnection(_sqliteConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        // synchronous FULL: a committed upload survives power loss; foreign keys are off by default in SQLite.
        command.CommandText = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON";
        command.ExecuteNonQuery();
        return connection;
    }

    public async Task<DbConnection> ConnectAsync(CancellationToken ct = default)
    {
        if (_postgres is not null) return await _postgres.OpenConnectionAsync(ct);
        return Connect();
    }

    // One statement on a connection of its own, outside any transaction: most of the stores' reads and single writes.
    public async Task<int> ExecuteAsync(string sql, object? args = null, CancellationToken ct = default)
    {
        await using var connection = Connect();
        return await connection.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: ct));
    }

    public async Task<T?> ScalarAsync<T>(string sql, object? args = null, CancellationToken ct = default)
    {
        await using var connection = Connect();
        return await connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, args, cancellationToken: ct));
    }

    /// <summary>The one row the statement finds, or default when there is none (more than one is an error).</summary>
    public async Task<T?> QuerySingleAsync<T>(string sql, object? args = null, CancellationToken ct = default)
    {
        await using var connection = Connect();
        return await connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, args, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<T>> QueryListAsync<T>(string sql, object? args = null, CancellationToken ct = default)
    {
        await using var connection = Connect();
        return [.. await connection.QueryAsync<T>(new CommandDefinition(sql, args, cancellationToken: ct))];
    }

    /// <summary>
    /// A transaction that writes. Writers of one <paramref name="scope"/> run one at a time — SQLite's IMMEDIATE
    /// transaction, PostgreSQL's transaction-scoped advisory lock — so what the transaction read stays true until it
    /// commits, on one node or many.
    /// </summary>
    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, string scope, CancellationToken ct = default)
    {
        var transaction = await connection.BeginTransactionAsync(ct);
        if (Engine == DatabaseEngine.PostgreSql)
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = LockKey(scope) }, transaction, cancellationToken: ct));
        return transaction;
    }

    /// <summary>A read-only transaction whose statements all see one snapshot (PostgreSQL reads committed per statement otherwise).</summary>
    public async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct = default) => connection switch
    {
        // Deferred: in WAL mode the snapshot starts at the first read and takes no write lock.
        SqliteConnection sqlite => sqlite.BeginTransaction(deferred: true),
        _ => await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct),
    };

    /// <summary>
    /// Holds <paramref name="scope"/> for as long as the caller works on it, across every node on this database (a
    /// PostgreSQL session advisory lock on a connection of its own); on embedded SQLite, where one process serves,
    /// nothing. The proxy's "one upstream download per file" rests on it. Waits until the lock is free or
    /// <paramref name="ct"/> is cancelled (then <see cref="OperationCanceledException"/>), however long that is.
    /// </summary>
    public async Task<IAsyncDisposable> LockAsync(string scope, CancellationToken ct)
    {
        if (_postgres is null) return HeldLock.None;
        var key = LockKey(scope);
        var connection = await _postgres.OpenConnectionAsync(ct);
        try
        {
            // No command timeout: the holder may rightly work longer than Npgsql's 30 s default (a slow upstream
            // download), and a timeout here was an unhandled error, a 500. The caller's token bounds the wait.
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key }, commandTimeout: 0, cancellationToken: ct));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return new HeldLock(connection, key);
    }

    private sealed class HeldLock(NpgsqlConnection? connection, long key) : IAsyncDisposable
    {
        public static readonly HeldLock None = new(null, 0);

        public async ValueTask DisposeAsync()
        {
            if (connection is null) return;
            // Unlocked before the connection goes back to the pool, where the session (and a session lock) lives on.
            try { await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key }); }
            finally { await connection.DisposeAsync(); }
        }
    }

    /// <summary>A stable 64-bit key for an advisory lock name (string.GetHashCode differs per process).</summary>
    internal static long LockKey(string scope)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("moat:" + scope));
        return BitConverter.ToInt64(hash, 0);
    }

    /// <summary>
    /// "<paramref name="column"/> is one of the list in <paramref name="parameter"/>": Dapper expands <c>IN @list</c>
    /// for SQLite, while Npgsql takes the list as one array parameter, which PostgreSQL tests with <c>= ANY</c>.
    /// </summary>
    public string InList(string column, string parameter) =>
        Engine == DatabaseEngine.PostgreSql ? $"{column} = ANY (@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>Whether <paramref name="exception"/> is a unique-key violation (a row another writer inserted first).</summary>
    public static bool IsUniqueViolation(DbException exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 19, // SQLITE_CONSTRAINT
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    /// <summary>
    /// Applies <paramref name="component"/>'s migrations that this database has not seen yet, in order, in one
    /// transaction (both engines run DDL transactionally), recording each in <c>schema_migrations</c>. Migrations are
    /// written once in the portable dialect; on PostgreSQL, <c>INTEGER</c> columns become <c>BIGINT</c> so every
    /// whole number reads back as a 64-bit value on both engines. Nodes starting together take turns (advisory lock).
    /// <paramref name="legacyVersionTable"/> is where an older build recorded the count for this component.
    /// </summary>
    public void Migrate(string component, IReadOnlyList<string[]> migrations, string? legacyVersionTable = null)
    {
        try
        {
            MigrateOrThrow(component, migrations, legacyVersionTable);
        }
        catch (Exception ex) when (ex is DbException or System.Net.Sockets.SocketException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            // The first thing a server does with its database: a wrong URL, a server down or a file it may not write is one line at start.
            throw new IndexConfigurationException($"cannot open the database {Description}: {ex.Message}");
        }
    }

    private void MigrateOrThrow(string component, IReadOnlyList<string[]> migrations, string? legacyVersionTable)
    {
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        if (Engine == DatabaseEngine.PostgreSql)
            connection.Execute("SELECT pg_advisory_xact_lock(@key)", new { key = LockKey("migrations") }, transaction);
        connection.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, version BIGINT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (component, version))", transaction: transaction);
        var applied = connection.ExecuteScalar<long?>("SELECT MAX(version) FROM schema_migrations WHERE component = @component", new { component }, transaction) ?? 0;
        if (applied == 0 && legacyVersionTable is not null && TableExists(connection, transaction, legacyVersionTable))
            applied = connection.ExecuteScalar<long?>($"SELECT MAX(version) FROM {legacyVersionTable}", transaction: transaction) ?? 0;
        if (applied > migrations.Count)
            throw new IndexConfigurationException($"the database ({Description}) was written by a newer Moat: {component} schema version {applied}, this build knows {migrations.Count}");
        if (applied == 0 && Engine == DatabaseEngine.PostgreSql) DefinePortableFunctions(connection, transaction);
        for (var i = (int)applied; i < migrations.Count; i++)
        {
            foreach (var statement in migrations[i]) connection.Execute(Dialect(statement), transaction: transaction);
        }
        // Record every version up to the current one (an imported legacy count included), so the table alone tells.
        for (var v = connection.ExecuteScalar<long?>("SELECT MAX(version) FROM schema_migrations WHERE component = @component", new { component }, transaction) ?? 0; v < migrations.Count; v++)
            connection.Execute("INSERT INTO schema_migrations (component, version, applied_at) VALUES (@component, @version, @at)",
                new { component, version = v + 1, at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) }, transaction);
        transaction.Commit();
    }

    private bool TableExists(DbConnection connection, DbTransaction transaction, string table) => Engine == DatabaseEngine.PostgreSql
        ? connection.ExecuteScalar<long>("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = @table AND table_schema = ANY (current_schemas(false))", new { table }, transaction) > 0
        : connection.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @table", new { table }, transaction) > 0;

    /// <summary>SQLite's <c>instr</c>, which the stores' substring searches use, defined in the schema the tables live in.</summary>
    private static void DefinePortableFunctions(DbConnection connection, DbTransaction transaction) =>
        connection.Execute("CREATE OR REPLACE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS 'SELECT strpos(haystack, needle)'", transaction: transaction);

    private string Dialect(string statement) => Engine == DatabaseEngine.PostgreSql
        ? System.Text.RegularExpressions.Regex.Replace(statement, @"\bINTEGER\b", "BIGINT")
        : statement;

    /// <summary>
    /// A number that changes whenever another connection — another node, or <c>moat admin</c> on the command line —
    /// may have changed what <see cref="NotifyChangedAsync"/>'s callers write (kill switches), so hot paths can cache
    /// those rows and still see a change at once. SQLite: <c>PRAGMA data_version</c> on a dedicated connection.
    /// PostgreSQL: a counter bumped by <c>LISTEN</c> notifications (and by every reconnect, when some may be lost).
    /// </summary>
    public long ChangeVersion() => _changes?.Value.Version ?? SqliteDataVersion();

    /// <summary>Tells the other nodes that something they cache changed (delivered when <paramref name="transaction"/> commits).</summary>
    public Task NotifyChangedAsync(DbConnection connection, DbTransaction? transaction = null) =>
        Engine == DatabaseEngine.PostgreSql ? connection.ExecuteAsync("SELECT pg_notify('moat_changes', '')", transaction: transaction) : Task.CompletedTask;

    private readonly Lock _dataVersionLock = new();
    private SqliteCommand? _dataVersion;

    private long SqliteDataVersion()
    {
        lock (_dataVersionLock)
        {
            if (_dataVersion is null)
            {
                // Its own connection, never returned to the pool: data_version is per connection.
                var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_sqliteConnectionString) { Pooling = false }.ToString());
                connection.Open();
                _dataVersion = connection.CreateCommand();
                _dataVersion.CommandText = "PRAGMA data_version";
                _dataVersion.Prepare();
            }
            return (long)_dataVersion.ExecuteScalar()!;
        }
    }

    public void Dispose()
    {
        if (_changes is { IsValueCreated: true }) _changes.Value.Dispose();
        _postgres?.Dispose();
        lock (_dataVersionLock)
        {
            _dataVersion?.Connection?.Dispose();
            _dataVersion?.Dispose();
            _dataVersion = null;
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A background LISTEN on <c>moat_changes</c>; its version moves on each notification and each reconnect.</summary>
    private sealed class ChangeListener : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private long _version;

        public long Version => Interlocked.Read(ref _version);

        public ChangeListener(NpgsqlDataSource source) => _ = Task.Run(() => ListenAsync(source, _stop.Token));

        private async Task ListenAsync(NpgsqlDataSource source, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await using var connection = await source.OpenConnectionAsync(ct);
                    connection.Notification += (_, _) => Interlocked.Increment(ref _version);
                    await connection.ExecuteAsync("LISTEN moat_changes");
                    // Whatever changed while this listener was away counts as a change.
                    Interlocked.Increment(ref _version);
                    while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
                {
                    Interlocked.Increment(ref _version);
                    try { await Task.Delay(TimeSpan.FromSeconds(1), ct); } catch (OperationCanceledException) { return; }
                }
            }
        }

        public void Dispose() => _stop.Cancel();
    }
}
