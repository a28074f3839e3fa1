namespace Moat.Index.Storage;

/// <summary>
/// The databases an index uses, opened and migrated. Embedded (no <see cref="IndexOptions.Database"/>): the index's
/// tables in <c>moat.db</c> and the proxy's in <c>proxy.db</c>, two SQLite files. With PostgreSQL: one database holds
/// both, so every node of a cluster shares the same state.
/// </summary>
public sealed class IndexDatabases : IDisposable
{
    public Database Index { get; }
    public Database Proxy { get; }

    private IndexDatabases(Database index, Database proxy)
    {
        Index = index;
        Proxy = proxy;
    }

    public static IndexDatabases Open(IndexOptions options)
    {
        if (options.Database is { Length: > 0 } url)
        {
            var shared = Database.PostgreSql(url);
            return new IndexDatabases(shared, shared);
        }
        return new IndexDatabases(Database.Sqlite(options.DatabasePath), Database.Sqlite(options.ProxyDatabasePath));
    }

    /// <summary>What <c>moat serve</c> prints at start.</summary>
    public string Describe() => Index.Engine == DatabaseEngine.PostgreSql ? Index.Description : $"SQLite {Index.Description} and {Proxy.Description}";

    public void Dispose()
    {
        Index.Dispose();
        if (!ReferenceEquals(Index, Proxy)) Proxy.Dispose();
    }
}
