using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Moat.Testing;

namespace Moat.EndToEnd.Tests;

/// <summary>
/// Real pip against a real <c>moat serve</c> whose upstream is a static simple index on 127.0.0.1 (standing in for
/// pypi.org): dependencies resolved through the proxy, the firewall's quarantine as pip shows it, dependency
/// confusion, the release-age gate, tampering, an upstream outage, and a cold-cache race.
/// </summary>
public sealed class ProxyEndToEndTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-e2e-proxy", Guid.NewGuid().ToString("N"));
    private readonly StaticUpstream _upstream = StaticUpstream.Start();

    private async Task<MoatServer> StartAsync(string repositories = "")
    {
        Directory.CreateDirectory(_root);
        var config = Path.Combine(_root, "moat.toml");
        File.WriteAllText(config, $"""
            [server]
            log-requests = false

            [policy]
            malicious = "quarantine"

            [proxy]
            {(repositories.Length == 0 ? $"upstream = \"{_upstream.SimpleUrl}\"" : "")}
            page-ttl-seconds = 0
            min-release-age-hours = 48

            """ + repositories);
        return await MoatServer.StartAsync(Path.Combine(_root, "data"), config: config);
    }

    [Fact]
    public async Task Pip_resolves_through_configured_repositories_first_upstream_wins_and_each_is_at_its_own_path()
    {
        using var privateIndex = StaticUpstream.Start();
        privateIndex.AddWheel("moat-px-shared", "1.0");
        var publicHigher = _upstream.AddWheel("moat-px-shared", "9.0");
        using var server = await StartAsync($"""
            [[repository]]
            name = "hosted"
            type = "hosted"

            [[repository]]
            name = "private"
            type = "proxy"
            url = "{privateIndex.SimpleUrl}"

            [[repository]]
            name = "public"
            type = "proxy"
            url = "{_upstream.SimpleUrl}"

            [[repository]]
            name = "all"
            type = "group"
            path = "/simple/"
            members = ["hosted", "private", "public"]
            """);

        var grouped = Pip(server, "g", "download", "--no-deps", "moat-px-shared");
        Assert.True(grouped.Exit == 0, grouped.Output + grouped.Error);
        Assert.True(File.Exists(Path.Combine(_root, "g", "moat_px_shared-1.0-py3-none-any.whl")), "the private 1.0, not the public 9.0");
        Assert.Equal(0, _upstream.Count("/simple/moat-px-shared/"));

        var direct = Tools.Run(Tools.Python, ["-m", "pip", "download", "--no-deps", "--no-cache-dir", "--retries", "0", "--index-url", server.Url + "/r/public/simple/",
            "--dest", Path.Combine(_root, "p"), "moat-px-shared"]);
        Assert.True(direct.Exit == 0, direct.Output + direct.Error);
        Assert.True(File.Exists(Path.Combine(_root, "p", publicHigher.Filename)));
    }

    private (int Exit, string Output, string Error) Pip(MoatServer server, string target, params string[] args) =>
        Tools.Run(Tools.Python, ["-m", "pip", .. args, "--no-cache-dir", "--retries", "0", "--timeout", "30", "--index-url", server.Url + "/simple/",
            .. args[0] == "install" ? new[] { "--target", Path.Combine(_root, target) } : new[] { "--dest", Path.Combine(_root, target) }]);

    internal static async Task UploadAsync(MoatServer server, string token, string name, string version, params string[] requires)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url + "/legacy/")
        {
            Content = TestDistributions.UploadForm(name, version, TestDistributions.WheelFilename(name, version), TestDistributions.Wheel(name, version, requiresDist: requires)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:" + token)));
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, response.ReasonPhrase);
    }

    [Fact]
    public async Task Pip_installs_through_the_firewall_and_sees_why_a_file_is_blocked()
    {
        _upstream.AddWheel("moat-px-leaf", "1.0");
        _upstream.AddWheel("reqeusts", "2.31.0");
        _upstream.AddWheel("moat-px-mid", "1.0", ["moat-px-leaf>=1.0"]);
        _upstream.AddWheel("moat-px-app", "9.0"); // a public project squatting the internal name with a higher version
        _upstream.AddWheel("moat-px-fresh", "1.0", uploadTime: DateTimeOffset.UtcNow.AddDays(-20));
        _upstream.AddWheel("moat-px-fresh", "1.1", uploadTime: DateTimeOffset.UtcNow.AddHours(-2));
        var tampered = _upstream.AddWheel("moat-px-tampered", "1.0");
        _upstream.Tamper(tampered.Filename, TestDistributions.Wheel("moat-px-tampered", "1.0", module: "print('swapped')\n"));
        var sample = TestPaths.Fixtures("code", "corpus", "malicious", "m013-import-module-level-ssh");
        var malicious = FixturePacker.ReadSample(sample);
        var archive = FixturePacker.Pack(sample, Directory.CreateDirectory(Path.Combine(_root, "packed")).FullName);
        _upstream.Add(Moat.Packaging.ProjectName.Normalize(malicious.Name), Path.GetFileName(archive), File.ReadAllBytes(archive));

        using var server = await StartAsync();
        await UploadAsync(server, server.Admin("token", "create", "--admin"), "moat-px-app", "1.0", "moat-px-mid");

        // Internal project from the hosted repository, its dependencies from the upstream through the proxy.
        var install = Pip(server, "t1", "install", "moat-px-app");
        Assert.True(install.Exit == 0, install.Output + install.Error);
        Assert.True(Directory.Exists(Path.Combine(_root, "t1", "moat_px_app-1.0.dist-info")), "the internal 1.0, not the public 9.0");
        Assert.True(Directory.Exists(Path.Combine(_root, "t1", "moat_px_mid-1.0.dist-info")));
        Assert.True(Directory.Exists(Path.Combine(_root, "t1", "moat_px_leaf-1.0.dist-info")));
        Assert.Equal(0, _upstream.Count("/simple/moat-px-app/"));

        // The release-age gate: 1.1 is two hours old, so pip gets 1.0.
        var fresh = Pip(server, "t2", "install", "moat-px-fresh");
        Assert.True(fresh.Exit == 0, fresh.Output + fresh.Error);
        Assert.True(Directory.Exists(Path.Combine(_root, "t2", "moat_px_fresh-1.0.dist-info")));

        // A malicious upstream file: quarantined, and pip says which file and why.
        var blocked = Pip(server, "t3", "install", malicious.Name);
        Assert.NotEqual(0, blocked.Exit);
        Assert.Contains("403 Client Error: Blocked by Moat:", blocked.Error);
        Assert.Contains(Path.GetFileName(archive), blocked.Error);
        Assert.Contains("malicious", blocked.Error);
        Assert.Contains(Path.GetFileName(archive), server.Admin("proxy", "quarantine"));

        // A typosquat of a popular project is refused by the name check, and pip says so.
        var squat = Pip(server, "t6", "install", "reqeusts");
        Assert.NotEqual(0, squat.Exit);
        Assert.Contains("is blocked as a lookalike name (MOAT-NAME-", squat.Error);
        Assert.Contains("'requests'", squat.Error);

        // A tampered upstream file never reaches pip.
        var swapped = Pip(server, "t4", "install", "moat-px-tampered");
        Assert.NotEqual(0, swapped.Exit);
        Assert.Contains("does not match the sha256", swapped.Error);

        // Upstream down: what is cached still installs.
        _upstream.Down = true;
        var offline = Pip(server, "t5", "install", "moat-px-app");
        Assert.True(offline.Exit == 0, offline.Output + offline.Error);
        Assert.True(Directory.Exists(Path.Combine(_root, "t5", "moat_px_leaf-1.0.dist-info")));
        Assert.Contains("serving the cached page", server.Log);
    }

    [Fact]
    public async Task Lookalike_names_are_judged_with_their_upstream_history_and_the_allowlist_still_wins()
    {
        var now = DateTimeOffset.UtcNow;
        // A squat of requests first released three days ago: refused, and pip prints why.
        _upstream.AddWheel("reqeusts", "2.31.0", uploadTime: now.AddDays(-3));
        // The same kind of resemblance (one letter from requests) with six years of releases: an established project.
        foreach (var (version, years) in new[] { ("0.1", 6), ("0.2", 5), ("0.3", 4), ("1.0", 3), ("1.1", 2), ("1.2", 1) })
            _upstream.AddWheel("requets", version, uploadTime: now.AddYears(-years));
        // A new squat an admin reviewed and allowlisted.
        _upstream.AddWheel("requestes", "1.0", uploadTime: now.AddDays(-3));
        // A new combosquat (requests kept whole beside another word): flagged suspicious, never refused as a lookalike.
        _upstream.AddWheel("upgrade-requests", "1.0", uploadTime: now.AddDays(-3));
        using var server = await StartAsync();

        // With the default [policy] suspicious = accept it installs; the verdict and the reason are in the log.
        var combosquat = Pip(server, "h5", "install", "upgrade-requests");
        Assert.True(combosquat.Exit == 0, combosquat.Output + combosquat.Error);
        Assert.Contains("upgrade_requests-1.0-py3-none-any.whl judged suspicious; served per policy", server.Log);

        var squat = Pip(server, "h1", "install", "reqeusts");
        Assert.NotEqual(0, squat.Exit);
        Assert.Contains("is blocked as a lookalike name (first release 3 days ago, 1 release, imitates 'requests'", squat.Error);
        Assert.Equal(0, _upstream.Count("/files/" + TestDistributions.WheelFilename("reqeusts", "2.31.0")));

        var established = Pip(server, "h2", "install", "requets");
        Assert.True(established.Exit == 0, established.Output + established.Error);
        Assert.True(Directory.Exists(Path.Combine(_root, "h2", "requets-1.2.dist-info")));

        var unreviewed = Pip(server, "h3", "install", "requestes");
        Assert.NotEqual(0, unreviewed.Exit);
        Assert.Contains("first release 3 days ago", unreviewed.Error);
        server.Admin("proxy", "allow", "requestes", "--reason", "reviewed: our vendor's fork");
        var allowed = Pip(server, "h4", "install", "requestes");
        Assert.True(allowed.Exit == 0, allowed.Output + allowed.Error);
        Assert.True(Directory.Exists(Path.Combine(_root, "h4", "requestes-1.0.dist-info")));
    }

    [Fact]
    public async Task Twenty_parallel_pips_through_a_cold_cache_get_identical_verified_files_from_one_upstream_download_each()
    {
        // Twenty real pip processes, all in flight at the proxy at once: the upstream holds each file until the proxy
        // reports twenty requests waiting on that file's single download (moat_proxy_download_waiters), then lets it go.
        // (Twenty show the coalescing as well as fifty and cost the suite a minute less of pip's CPU; the fifty-pip
        // load is bench/proxy-fill.sh.)
        const int Pips = 20;
        var files = new[] { _upstream.AddWheel("moat-px-popular", "1.0"), _upstream.AddWheel("moat-px-second", "2.0") };
        var firstHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.HoldFiles = firstHold;
        using var server = await StartAsync();
        using var http = new HttpClient();
        var pips = Enumerable.Range(0, Pips).Select(i => PipAsync(server, ["download", "--no-deps", "--timeout", "150", "--dest", Path.Combine(_root, $"p{i}"),
            "moat-px-popular", "moat-px-second"])).ToList();

        // pip fetches its requirements' files one after the other: hold the first until all twenty wait on it, arm the
        // hold for the second before releasing the first, then the same for the second.
        Assert.True(await WaitForWaitersAsync(http, server, Pips, pips), "twenty pips never waited together on the first file");
        var secondHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.HoldFiles = secondHold;
        firstHold.SetResult();
        // Once the second file's one download is held upstream, the first file's waiters have all been answered.
        for (var deadline = DateTime.UtcNow.AddSeconds(60); _upstream.Count("/files/" + files[1].Filename) == 0 && DateTime.UtcNow < deadline;) await Task.Delay(50);
        Assert.True(await WaitForWaitersAsync(http, server, Pips, pips), "twenty pips never waited together on the second file");
        _upstream.HoldFiles = null;
        secondHold.SetResult();

        var runs = await Task.WhenAll(pips);
        Assert.All(runs, r => Assert.True(r.Exit == 0, r.Output + r.Error));
        foreach (var dist in files)
        {
            var hashes = Enumerable.Range(0, Pips).Select(i => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(_root, $"p{i}", dist.Filename))))).Distinct();
            Assert.Equal([dist.Sha256], hashes);
            Assert.Equal(1, _upstream.Count("/files/" + dist.Filename));
        }
        Assert.Equal(files.Length, _upstream.FileDownloads);
    }

    /// <summary>Polls <c>/metrics</c> until <paramref name="count"/> requests wait on one upstream download (false if a pip ended or 120 s passed).</summary>
    private static async Task<bool> WaitForWaitersAsync(HttpClient http, MoatServer server, int count, List<Task<(int Exit, string Output, string Error)>> pips)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline && !pips.Any(p => p.IsCompleted))
        {
            var metrics = await http.GetStringAsync(server.Url + "/metrics");
            var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("moat_proxy_download_waiters ", StringComparison.Ordinal));
            if (line is not null && long.Parse(line["moat_proxy_download_waiters ".Length..], System.Globalization.CultureInfo.InvariantCulture) >= count) return true;
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>One pip process, awaited without holding a thread (twenty of them run at once).</summary>
    private static async Task<(int Exit, string Output, string Error)> PipAsync(MoatServer server, string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Tools.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-m", "pip", .. args, "--no-cache-dir", "--retries", "0", "--index-url", server.Url + "/simple/"]) start.ArgumentList.Add(arg);
        start.Environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1";
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, await output, "pip took more than 240 s\n" + await error);
        }
        return (process.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        _upstream.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
