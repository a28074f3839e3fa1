using Xunit.Sdk;

namespace Moat.Testing;

/// <summary>The real servers some tests run against (started by <c>.ci/servers.sh</c>, which exports where they are).</summary>
public enum TestServer { S3, PostgreSql }

/// <summary>
/// Finds the test servers through environment variables. A test that needs a missing server is skipped with a
/// reason that says how to start it, except when <c>MOAT_TEST_REQUIRE_SERVERS=1</c> (CI): then it runs and fails, so a
/// server that did not start is never a silently green suite.
/// </summary>
internal static class TestServers
{
    public const string RequireVariable = "MOAT_TEST_REQUIRE_SERVERS";

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>The variables that locate <paramref name="server"/> (all must be set).</summary>
    public static string[] VariablesOf(TestServer server) => server switch
    {
        TestServer.S3 => ["MOAT_TEST_S3_ENDPOINT", "MOAT_TEST_S3_BUCKET", "MOAT_TEST_S3_ACCESS_KEY_ID", "MOAT_TEST_S3_SECRET_ACCESS_KEY"],
        TestServer.PostgreSql => ["MOAT_TEST_DATABASE_URL"],
        _ => throw new ArgumentOutOfRangeException(nameof(server)),
    };

    public static bool Available(TestServer server) => VariablesOf(server).All(v => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v)));

    /// <summary>Why a test needing <paramref name="server"/> is skipped; null when it runs (the server is there, or it is required).</summary>
    public static string? SkipReason(TestServer server) => Available(server) || Required ? null
        : $"needs the {server} test server: {string.Join(", ", VariablesOf(server))} are not all set (run the tests under .ci/with-servers)";

    /// <summary>An S3-compatible server and a bucket on it; throws (failing the test) when it is missing.</summary>
    public static S3TestServer RequireS3()
    {
        Require(TestServer.S3);
        string Get(string name) => Environment.GetEnvironmentVariable(name)!;
        return new S3TestServer(Get("MOAT_TEST_S3_ENDPOINT"), Get("MOAT_TEST_S3_BUCKET"), Get("MOAT_TEST_S3_ACCESS_KEY_ID"), Get("MOAT_TEST_S3_SECRET_ACCESS_KEY"));
    }

    /// <summary>The test PostgreSQL server's URL (tests make a schema of their own in it); throws (failing the test) when it is missing.</summary>
    public static string RequirePostgreSql()
    {
        Require(TestServer.PostgreSql);
        return Environment.GetEnvironmentVariable("MOAT_TEST_DATABASE_URL")!;
    }

    private static void Require(TestServer server)
    {
        if (!Available(server))
            throw new InvalidOperationException($"{RequireVariable}=1 but the {server} test server is missing: {string.Join(", ", VariablesOf(server))} must all be set (.ci/servers.sh exports them)");
    }
}

/// <summary>An S3-compatible endpoint with a bucket the tests may write to (each test under its own prefix).</summary>
internal sealed record S3TestServer(string Endpoint, string Bucket, string AccessKeyId, string SecretAccessKey)
{
    /// <summary>A fresh <c>s3://bucket/prefix</c> location no other test uses.</summary>
    public string NewLocation() => $"s3://{Bucket}/moat-tests/{Guid.NewGuid():N}";
}

/// <summary>A [Fact] that needs <paramref name="server"/>: skipped with the reason when it is missing, unless servers are required.</summary>
public sealed class ServerFactAttribute : FactAttribute
{
    public ServerFactAttribute(TestServer server)
    {
        if (TestServers.SkipReason(server) is { } reason) Skip = reason;
    }
}

/// <summary>A [Theory] that needs <paramref name="server"/> for all its rows (see <see cref="ServerFactAttribute"/>).</summary>
public sealed class ServerTheoryAttribute : TheoryAttribute
{
    public ServerTheoryAttribute(TestServer server)
    {
        if (TestServers.SkipReason(server) is { } reason) Skip = reason;
    }
}

/// <summary>
/// One row of a theory (its <paramref name="data"/>) that needs <paramref name="server"/>: the row is skipped with the
/// reason when the server is missing (unless servers are required) while the theory's other rows run. This is how a
/// test runs over a matrix of backends: <c>[InlineData(Backend.Files)] [ServerData(TestServer.S3, Backend.S3)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ServerDataAttribute : DataAttribute
{
    private readonly object[] _data;

    public ServerDataAttribute(TestServer server, params object[] data)
    {
        _data = data;
        if (TestServers.SkipReason(server) is { } reason) Skip = reason;
    }

    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [_data];
}
