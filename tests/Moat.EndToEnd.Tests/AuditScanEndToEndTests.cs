using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Moat.Testing;

namespace Moat.EndToEnd.Tests;

/// <summary>
/// <c>moat audit --scan</c> as a user runs it: a real <c>moat serve</c> hosting a benign wheel and a malicious-shaped
/// sdist (from the code corpus; the index's gate is set to accept it, so the audit, not the gate, must catch it), and a
/// real <c>moat audit</c> process reading the project's requirements against the index's simple API.
/// </summary>
public sealed partial class AuditScanEndToEndTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-e2e-audit", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static async Task UploadAsync(MoatServer server, string token, string archive)
    {
        var filename = Path.GetFileName(archive);
        var wheel = filename.EndsWith(".whl", StringComparison.Ordinal);
        var (name, version) = wheel ? (filename.Split('-')[0], filename.Split('-')[1]) : (filename[..filename.LastIndexOf('-')], filename[(filename.LastIndexOf('-') + 1)..^".tar.gz".Length]);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url + "/legacy/")
        {
            Content = TestDistributions.UploadForm(name, version, filename, File.ReadAllBytes(archive), wheel),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:" + token)));
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{filename}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{server.Log}");
    }

    private (int Exit, JsonElement Results, string Error) Audit(params string[] args)
    {
        using var process = MoatServer.Moat(["audit", .. args]);
        process.Start();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("moat audit took more than 120 s");
        }
        Assert.True(process.ExitCode is 0 or 1, $"exit {process.ExitCode}: {error.Result}");
        return (process.ExitCode, JsonDocument.Parse(output.Result).RootElement.GetProperty("results").Clone(), error.Result);
    }

    private static JsonElement Result(JsonElement results, string target) =>
        results.EnumerateArray().Single(r => r.GetProperty("target").GetString() == target);

    private static List<string> Rules(JsonElement result) =>
        [.. result.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("rule").GetString()!)];

    [GeneratedRegex(@"GET /files/[0-9a-f]{64}/\S+ 200")]
    private static partial Regex FileDownload();

    [Fact]
    public async Task Audit_scans_pinned_packages_on_a_running_index_and_caches_the_scans()
    {
        Directory.CreateDirectory(_root);
        var config = Path.Combine(_root, "moat.toml");
        File.WriteAllText(config, """
            [server]
            log-requests = true

            [policy]
            malicious = "accept"
            suspicious = "accept"
            """);
        using var server = await MoatServer.StartAsync(Path.Combine(_root, "data"), config: config);
        var token = server.Admin("token", "create", "--admin");
        var packed = Path.Combine(_root, "packed");
        var malicious = FixturePacker.Pack(TestPaths.Fixtures("code", "corpus", "malicious", "m012-import-init-b64-exec"), packed);
        var benign = FixturePacker.Pack(TestPaths.Fixtures("code", "corpus", "benign", "b014-api-client-bearer-env"), packed);
        await UploadAsync(server, token, malicious);
        await UploadAsync(server, token, benign);

        var project = Path.Combine(_root, "project");
        Directory.CreateDirectory(project);
        var requirements = Path.Combine(project, "requirements.txt");
        File.WriteAllText(requirements, """
            # the app's pins
            pycolorz==1.0.0
            acme-cloud-sdk==2.14.0
            """);
        var cache = Path.Combine(_root, "cache");
        var index = server.Url + "/simple/";

        var (exit, results, error) = Audit(requirements, "--scan", index, "--format", "json", "--cache-dir", cache);

        Assert.Equal(1, exit);
        var bad = Result(results, "pycolorz==1.0.0");
        Assert.Equal("dependency", bad.GetProperty("kind").GetString());
        Assert.Equal("malicious", bad.GetProperty("verdict").GetString());
        Assert.Contains("MOAT-CODE-001", Rules(bad));   // exec of decoded data
        Assert.Contains(bad.GetProperty("findings").EnumerateArray(), f => f.GetProperty("path").GetString()!.StartsWith("pycolorz-1.0.0.tar.gz/", StringComparison.Ordinal));
        var good = Result(results, "acme-cloud-sdk==2.14.0");
        Assert.Equal("clean", good.GetProperty("verdict").GetString());
        Assert.DoesNotContain(Rules(good), r => r.StartsWith("MOAT-CODE-", StringComparison.Ordinal));
        Assert.Contains("2 files of 2 pinned dependencies, 0 from cache, 2 downloaded", error);
        var downloads = FileDownload().Matches(server.Log).Count;
        Assert.Equal(2, downloads);

        // Second run: every scan comes from the cache; the index serves pages, no files.
        var (_, again, secondError) = Audit(requirements, "--scan", index, "--format", "json", "--cache-dir", cache);
        Assert.Contains("2 files of 2 pinned dependencies, 2 from cache, 0 downloaded", secondError);
        Assert.Equal(downloads, FileDownload().Matches(server.Log).Count);
        Assert.Equal("malicious", Result(again, "pycolorz==1.0.0").GetProperty("verdict").GetString());

        // A hash the index's file does not have is reported, and that file is never downloaded.
        File.WriteAllText(requirements, $"""
            pycolorz==1.0.0 --hash=sha256:{new string('e', 64)}
            acme-cloud-sdk==2.14.0 --hash=sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(benign)))}
            """);
        var (_, hashed, _) = Audit(requirements, "--scan", index, "--format", "json", "--cache-dir", cache);
        var mismatch = Result(hashed, $"pycolorz==1.0.0").GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "MOAT-DEP-012");
        Assert.Contains("no file on the index has a hash the requirement lists (1 file checked against 1 hash)", mismatch.GetProperty("message").GetString());
        Assert.DoesNotContain("MOAT-DEP-012", Rules(hashed.EnumerateArray().Single(r => r.GetProperty("target").GetString()!.StartsWith("acme-cloud-sdk", StringComparison.Ordinal))));
        Assert.Equal(downloads, FileDownload().Matches(server.Log).Count);
    }
}
