using Moat.Index.Storage;
using Npgsql;

namespace Moat.Testing;

/// <summary>
/// Which database engine this test assembly runs the index on. The index and web test projects run on the embedded
/// SQLite files; their <c>.PostgreSql</c> twins compile the same test files with <c>MOAT_TEST_POSTGRESQL</c> and run
/// them on the PostgreSQL server named by <see cref="ServerVariable"/> (<c>.ci/run</c> starts one), each test index
/// in a schema of its own, dropped afterwards. Without the server the twins' tests are reported skipped with the
/// reason (<see cref="StorageMatrixFramework"/>), unless <see cref="RequireVariable"/> is set (as in CI): then they fail.
/// </summary>
internal static class TestStorage
{
    public const string ServerVariable = "MOAT_TEST_DATABASE_URL";
    public const string RequireVariable = "MOAT_TEST_REQUIRE_SERVERS";

#if MOAT_TEST_POSTGRESQL
    public static DatabaseEngine Engine => DatabaseEngine.PostgreSql;
#else
    public static DatabaseEngine Engine => DatabaseEngine.Sqlite;
#endif

    /// <summary>
    /// Whether this assembly's test indexes keep their files in the test S3 bucket: the PostgreSQL twins run the
    /// layout of a cluster (PostgreSQL and a bucket), the other assemblies the embedded one (SQLite and files).
    /// </summary>
#if MOAT_TEST_POSTGRESQL
    public static bool BlobsOnS3 => true;
#else
    public static bool BlobsOnS3 => false;
#endif

    /// <summary>Where a new test index keeps its files: the data directory, or a fresh prefix of the test bucket (<see cref="BlobsOnS3"/>).</summary>
    public static BlobStorageOptions NewBlobs() => BlobsOnS3 ? S3Blobs() : new BlobStorageOptions();

    /// <summary><c>[storage]</c> blob settings for a fresh prefix of the test S3 bucket (<see cref="TestServers.RequireS3"/>).</summary>
    public static BlobStorageOptions S3Blobs(bool presignedDownloads = false)
    {
        var server = TestServers.RequireS3();
        return new BlobStorageOptions
        {
            S3 = S3Location.Parse(server.NewLocation(), "test"),
            S3PathStyle = true,
            S3PresignedDownloads = presignedDownloads,
            Connection = new S3Connection(server.Endpoint, "us-east-1", server.AccessKeyId, server.SecretAccessKey),
        };
    }

    private static string? ServerUrl => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } url ? url : null;

    /// <summary>Why this assembly's tests cannot run here (null when they can): a PostgreSQL run with no server named and none required.</summary>
    public static string? SkipReason =>
        Engine == DatabaseEngine.PostgreSql && ServerUrl is null && Environment.GetEnvironmentVariable(RequireVariable) != "1"
            ? $"PostgreSQL tests: no server ({ServerVariable} is not set; .ci/run starts one, or see the README)"
            : BlobsOnS3 ? TestServers.SkipReason(TestServer.S3)
            : null;

    /// <summary>The key-encryption key of this test run's indexes (PostgreSQL needs one given; SQLite would make its own).</summary>
    public static string KeyEncryptionKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>A fresh, empty database for one test index: null (SQLite files in the data directory), or a PostgreSQL URL with a new schema.</summary>
    public static string? NewDatabase()
    {
        if (Engine == DatabaseEngine.Sqlite) return null;
        var server = ServerUrl ?? throw new InvalidOperationException($"{ServerVariable} is not set but {RequireVariable}=1: start PostgreSQL (.ci/postgres start DIR) and export its URL");
        var schema = "t_" + Guid.NewGuid().ToString("N");
        using (var connection = new NpgsqlConnection(Database.PostgreSqlConnectionString(server).ConnectionString))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            create.ExecuteNonQuery();
        }
        return server + (server.Contains('?') ? "&" : "?") + "search_path=" + schema;
    }

    /// <summary>Drops the schema <see cref="NewDatabase"/> made (nothing for SQLite: the data directory goes with the test).</summary>
    public static void Drop(string? database)
    {
        if (database is null) return;
        var builder = Database.PostgreSqlConnectionString(database);
        var schema = builder.SearchPath!;
        builder.SearchPath = null;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
        drop.ExecuteNonQuery();
    }
}
