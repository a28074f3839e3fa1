using Moat.Index.Storage;

namespace Moat.Index.Hosting;

/// <summary>Every store's schema, by database: what <see cref="DatabaseCopy"/> brings across when an index moves.</summary>
public static class StorageSchema
{
    /// <summary>The index's own database (<c>moat.db</c> when embedded).</summary>
    public static IReadOnlyList<SchemaComponent> Index { get; } =
    [
        new("metadata", SqlMetadataStore.Migrations, "schema_version"),
        new("accounts", Accounts.AccountStore.Migrations, "account_schema_version"),
        new("data-protection", DataProtectionKeys.Migrations),
    ];

    /// <summary>The proxy's database (<c>proxy.db</c> when embedded; the same PostgreSQL database otherwise).</summary>
    public static IReadOnlyList<SchemaComponent> Proxy { get; } = [new("proxy", Moat.Index.Proxy.ProxyStore.Migrations)];
}
