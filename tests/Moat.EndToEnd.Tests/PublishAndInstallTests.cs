using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Moat.Testing;

namespace Moat.EndToEnd.Tests;

/// <summary>The real clients against a real <c>moat serve</c>: python3 -m build, twine upload, pip install in a fresh venv.</summary>
public sealed class PublishAndInstallTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-e2e", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Twine_publishes_and_pip_resolves_across_hosted_projects_skipping_yanked_and_incompatible_releases()
    {
        using var server = await MoatServer.StartAsync(Path.Combine(_root, "data"));
        var builds = Path.Combine(_root, "builds");
        var dists = new List<string>();
        dists.AddRange(Tools.Build(builds, "moat-e2e-util", "1.0"));
        dists.AddRange(Tools.Build(builds, "moat-e2e-util", "1.1")); // yanked below: pip must take 1.0
        dists.AddRange(Tools.Build(builds, "moat-e2e-core", "1.0"));
        dists.AddRange(Tools.Build(builds, "moat-e2e-core", "2.0", requiresPython: ">=3.99")); // no Python can install it
        dists.AddRange(Tools.Build(builds, "moat-e2e-app", "1.0", null, "moat-e2e-util>=1.0", "moat-e2e-core"));

        var token = server.Admin("token", "create", "--admin");
        Assert.StartsWith("moat-", token);
        var upload = Tools.Run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/",
            "-u", "__token__", "-p", token, .. dists]);
        Assert.True(upload.Exit == 0, upload.Output + upload.Error);

        // Identical re-upload is fine; --skip-existing is not even needed.
        Assert.Equal(0, Tools.Run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/",
            "-u", "__token__", "-p", token, dists[0]]).Exit);

        Assert.Contains("Yanked moat-e2e-util 1.1", server.Admin("yank", "moat-e2e-util", "1.1", "--reason", "broken"));
        await Task.Delay(1200); // the running server re-reads the serial of a page older than a second

        var venv = Path.Combine(_root, "venv");
        Tools.Check(Tools.Python, ["-m", "venv", venv]);
        var pip = Path.Combine(venv, "bin", "pip");
        var install = Tools.Run(pip, ["install", "--no-cache-dir", "--index-url", server.Url + "/simple/", "moat-e2e-app"]);
        Assert.True(install.Exit == 0, install.Output + install.Error + server.Log);

        var installed = JsonDocument.Parse(Tools.Check(pip, ["list", "--format=json"])).RootElement.EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("version").GetString()!);
        Assert.Equal("1.0", installed["moat-e2e-app"]);
        Assert.Equal("1.0", installed["moat-e2e-util"]); // 1.1 is yanked
        Assert.Equal("1.0", installed["moat-e2e-core"]); // 2.0 requires Python >= 3.99
        Assert.Contains("GET /simple/moat-e2e-util/ 200", server.Log);

        // Twine's errors carry the server's reason: a different file under a taken name.
        var other = Tools.Build(Path.Combine(_root, "other"), "moat-e2e-util", "1.0", null, "moat-e2e-core");
        var conflict = Tools.Run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/",
            "-u", "__token__", "-p", token, other.Single(f => f.EndsWith(".whl"))]);
        Assert.NotEqual(0, conflict.Exit);
        Assert.Contains("File already exists", conflict.Output + conflict.Error);
    }

    [Fact]
    public async Task Pip_reads_the_pep_658_metadata_file()
    {
        using var server = await MoatServer.StartAsync(Path.Combine(_root, "data"));
        var token = server.Admin("token", "create", "--project", "moat-e2e-meta");
        var wheel = TestDistributions.Wheel("moat-e2e-meta", "1.0");
        var path = Path.Combine(_root, TestDistributions.WheelFilename("moat-e2e-meta", "1.0"));
        Directory.CreateDirectory(_root);
        File.WriteAllBytes(path, wheel);
        Assert.Equal(0, Tools.Run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/",
            "-u", "__token__", "-p", token, path]).Exit);

        // Debian's pip 23.0 reads PEP 658 metadata only from HTML (data-dist-info-metadata): per PEP 714 the JSON
        // carries just `core-metadata`, which pip learned later. A loopback relay asks for HTML, as HTML-only
        // installers do; everything else is pip's own behaviour.
        using var relay = HtmlRelay.Start(server.Url);
        var venv = Path.Combine(_root, "venv");
        Tools.Check(Tools.Python, ["-m", "venv", venv]);
        var report = Path.Combine(_root, "report.json");
        var resolve = Tools.Run(Path.Combine(venv, "bin", "pip"), ["install", "--no-cache-dir", "--dry-run", "--report", report, "--index-url", relay.Url + "/simple/", "moat-e2e-meta"]);
        Assert.True(resolve.Exit == 0, resolve.Output + resolve.Error + server.Log);

        var sha = Convert.ToHexStringLower(SHA256.HashData(wheel));
        // pip resolved from the metadata file (pip 23.0's --report still fetches the wheel afterwards for its hash).
        Assert.Contains($"GET /files/{sha}/moat_e2e_meta-1.0-py3-none-any.whl.metadata 200", server.Log);
    }

    [Theory]
    [InlineData("files")]
    [ServerData(TestServer.S3, "s3")]
    public async Task A_server_killed_during_uploads_restarts_with_a_consistent_store(string blobs)
    {
        var data = Path.Combine(_root, "data");
        var storage = ServerStorage.For(blobs, _root);
        var server = await storage.StartAsync(data);
        var token = server.Admin("token", "create", "--admin");
        var wheels = Enumerable.Range(0, 40).Select(i => (Name: $"crash-{i}", Bytes: TestDistributions.Wheel($"crash-{i}", "1.0", module: new string('x', 200_000 + i)))).ToList();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        async Task<HttpStatusCode?> Upload((string Name, byte[] Bytes) wheel, string url)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url + "/legacy/")
            {
                Content = TestDistributions.UploadForm(wheel.Name, "1.0", TestDistributions.WheelFilename(wheel.Name, "1.0"), wheel.Bytes),
            };
            request.Headers.Authorization = new("Bearer", token);
            try { return (await http.SendAsync(request)).StatusCode; }
            catch (HttpRequestException) { return null; } // the server died under us
            catch (TaskCanceledException) { return null; }
        }

        var uploads = wheels.Select(w => Task.Run(() => Upload(w, server.Url))).ToList();
        while (uploads.Count(u => u.IsCompleted) < 5) await Task.Delay(5);
        server.Kill(); // mid-flight: some uploads done, some half-sent, some not started
        var results = await Task.WhenAll(uploads);
        server.Dispose();
        Assert.Contains(HttpStatusCode.OK, results.OfType<HttpStatusCode>());

        using var restarted = await storage.StartAsync(data);
        var root = JsonDocument.Parse(await Get(http, restarted.Url + "/simple/")).RootElement.GetProperty("projects").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()!).ToList();
        // Every upload that was acknowledged is there…
        for (var i = 0; i < wheels.Count; i++)
            if (results[i] == HttpStatusCode.OK) Assert.Contains(wheels[i].Name, root);
        // …and everything listed is whole: its bytes match its advertised hash and the original file.
        foreach (var name in root)
        {
            var file = JsonDocument.Parse(await Get(http, $"{restarted.Url}/simple/{name}/")).RootElement.GetProperty("files").EnumerateArray().Single();
            var bytes = await http.GetByteArrayAsync(restarted.Url + file.GetProperty("url").GetString());
            Assert.Equal(file.GetProperty("hashes").GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
            Assert.Equal(wheels.Single(w => w.Name == name).Bytes, bytes);
        }
        // The interrupted uploads can simply be sent again.
        var retried = await Task.WhenAll(wheels.Select(w => Upload(w, restarted.Url)));
        Assert.All(retried, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    private static async Task<string> Get(HttpClient http, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.pypi.simple.v1+json");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
