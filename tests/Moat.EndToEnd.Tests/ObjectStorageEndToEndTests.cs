using System.Text.Json;
using Moat.Testing;

namespace Moat.EndToEnd.Tests;

/// <summary>
/// <c>moat serve</c> on an S3-compatible bucket, configured as an operator does (<c>[storage]</c> and the AWS
/// variables), driven by the real clients: twine uploads, pip installs through pre-signed redirects, <c>moat admin
/// gc</c> sweeps the bucket; and a bucket it cannot use stops it at start with one line.
/// </summary>
public sealed class ObjectStorageEndToEndTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-e2e-s3", Guid.NewGuid().ToString("N"));

    [ServerFact(TestServer.S3)]
    public async Task Twine_uploads_to_the_bucket_pip_installs_through_presigned_redirects_and_gc_sweeps_deleted_files()
    {
        var storage = ServerStorage.S3(_root, presignedDownloads: true);
        using var server = await storage.StartAsync(Path.Combine(_root, "data"));
        Assert.Contains("downloads redirect to pre-signed URLs", server.Log);
        var token = server.Admin("token", "create", "--admin");
        var dists = new List<string>();
        foreach (var version in new[] { "1.0", "2.0" })
        {
            var path = Path.Combine(_root, TestDistributions.WheelFilename("moat-e2e-bucket", version));
            await File.WriteAllBytesAsync(path, TestDistributions.Wheel("moat-e2e-bucket", version));
            dists.Add(path);
        }
        var upload = Tools.Run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/", "-u", "__token__", "-p", token, .. dists]);
        Assert.True(upload.Exit == 0, upload.Output + upload.Error + server.Log);

        var venv = Path.Combine(_root, "venv");
        Tools.Check(Tools.Python, ["-m", "venv", venv]);
        var install = Tools.Run(Path.Combine(venv, "bin", "pip"), ["install", "--no-cache-dir", "--index-url", server.Url + "/simple/", "moat-e2e-bucket==1.0"]);
        Assert.True(install.Exit == 0, install.Output + install.Error + server.Log);
        Assert.Contains("Successfully installed moat-e2e-bucket-1.0", install.Output);
        // pip checked the sha256 of what the bucket sent against the index page's.
        Assert.Matches($"GET /files/[0-9a-f]{{64}}/moat_e2e_bucket-1.0-py3-none-any.whl 302", server.Log);

        // Deleted file: its bytes (and its metadata) stay in the bucket until gc, which is run here without a grace period.
        Assert.Contains("Deleted", server.Admin("delete-file", "moat_e2e_bucket-2.0-py3-none-any.whl"), StringComparison.OrdinalIgnoreCase);
        var gc = storage.Moat(["admin", "gc"], "--data", Path.Combine(_root, "data"), "--grace-minutes", "0", "--delete");
        Assert.True(gc.Exit == 0, gc.Output + gc.Error);
        Assert.Contains("2 orphan blobs", gc.Output);
        var again = storage.Moat(["admin", "gc"], "--data", Path.Combine(_root, "data"), "--grace-minutes", "0");
        Assert.Contains("0 orphan blobs", again.Output);
        Assert.Contains("2 referenced", again.Output); // the kept wheel and its metadata

        var reinstall = Tools.Run(Path.Combine(venv, "bin", "pip"), ["install", "--no-cache-dir", "--force-reinstall", "--index-url", server.Url + "/simple/", "moat-e2e-bucket"]);
        Assert.True(reinstall.Exit == 0, reinstall.Output + reinstall.Error + server.Log);
        Assert.Contains("moat-e2e-bucket-1.0", reinstall.Output);
    }

    [Fact]
    public void Serve_stops_with_one_line_and_exit_2_when_the_storage_endpoint_is_unreachable()
    {
        var config = Path.Combine(_root, "moat.toml");
        Directory.CreateDirectory(_root);
        File.WriteAllText(config, "[storage]\nblobs = \"s3://moat-test/index\"\ns3-path-style = true\n");
        var (exit, output, error) = Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "moat.dll"), "serve", "--config", config, "--data", Path.Combine(_root, "data"), "--urls", "http://127.0.0.1:0"],
            env: new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9", ["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE", ["AWS_SECRET_ACCESS_KEY"] = "example-secret" });
        Assert.Equal(2, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("moat: storage.blobs = \"s3://moat-test/index/\" at http://127.0.0.1:9", line);
        Assert.Contains("unreachable", line);
        Assert.DoesNotContain("   at ", output + error);
    }

    [ServerFact(TestServer.S3)]
    public void Serve_stops_with_one_line_and_exit_2_when_the_bucket_is_missing_or_the_credentials_are_refused()
    {
        string Refusal(ServerStorage storage)
        {
            var (exit, _, error) = storage.Moat(["serve"], "--data", Path.Combine(_root, "data"), "--urls", "http://127.0.0.1:0");
            Assert.Equal(2, exit);
            return Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        Assert.Contains("the credentials were refused (InvalidAccessKeyId", Refusal(ServerStorage.S3(_root, accessKeyId: "NOBODY")));
        Assert.EndsWith("the bucket moat-no-such-bucket does not exist", Refusal(ServerStorage.S3(_root, bucket: "moat-no-such-bucket")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
