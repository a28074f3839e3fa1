using Moat.Testing;

namespace Moat.EndToEnd.Tests;

/// <summary>
/// Where a <c>moat serve</c> under test keeps its files: <c>"files"</c> (the data directory) or <c>"s3"</c> (a fresh
/// prefix of the test S3 bucket, configured the way an operator does: <c>[storage]</c> in moat.toml and the standard
/// AWS variables). Theories take <c>[InlineData("files")] [ServerData(TestServer.S3, "s3")]</c>.
/// </summary>
internal sealed record ServerStorage(string? Config, IReadOnlyDictionary<string, string> Environment)
{
    public static ServerStorage For(string backend, string root, bool presignedDownloads = false) =>
        backend == "files" ? new ServerStorage(null, new Dictionary<string, string>()) : S3(root, presignedDownloads);

    public static ServerStorage S3(string root, bool presignedDownloads = false, string? accessKeyId = null, string? bucket = null, string? endpoint = null)
    {
        var server = TestServers.RequireS3();
        Directory.CreateDirectory(root);
        var config = Path.Combine(root, $"moat-{Guid.NewGuid():N}.toml");
        var location = bucket is null ? server.NewLocation() : $"s3://{bucket}/moat-tests";
        File.WriteAllText(config, $"""
            [storage]
            blobs = "{location}"
            s3-path-style = true
            s3-presigned-downloads = {(presignedDownloads ? "true" : "false")}
            """);
        return new ServerStorage(config, new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = endpoint ?? server.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = accessKeyId ?? server.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = server.SecretAccessKey,
            ["AWS_REGION"] = "us-east-1",
        });
    }

    public Task<MoatServer> StartAsync(string dataDirectory) => MoatServer.StartAsync(dataDirectory, config: Config, environment: Environment);

    /// <summary>A <c>moat</c> command run with this storage's configuration and variables (after the verb and its sub-verb, e.g. <c>admin gc</c>).</summary>
    public (int Exit, string Output, string Error) Moat(string[] verbs, params string[] args) =>
        Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "moat.dll"), .. verbs, .. Config is null ? [] : new[] { "--config", Config }, .. args],
            env: Environment.ToDictionary(e => e.Key, e => e.Value));
}
