using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Moat.Testing;
using Npgsql;

namespace Moat.EndToEnd.Tests;

/// <summary>
/// Three real <c>moat serve</c> processes on one PostgreSQL database and one bucket prefix, behind HAProxy (round
/// robin), driven at once by the real clients: twine uploads landing on different nodes, a cold-cache proxy fill by
/// fifty concurrent clients and a few real pips (one upstream download per file across the cluster), an admin's yank
/// and quarantine release on one node served by the others at once, and a node killed with SIGKILL in the middle of an
/// upload while the others keep serving and every upload twine was told succeeded stays downloadable.
/// </summary>
public sealed class ClusterEndToEndTests : IDisposable
{
    private const int Nodes = 3;
    private const int FillClients = 50;
    private const int FillPips = 4;
    private const string Json = "application/vnd.pypi.simple.v1+json";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-e2e-cluster", Guid.NewGuid().ToString("N"));
    private readonly StaticUpstream _upstream = StaticUpstream.Start();
    private readonly List<IDisposable> _started = [];
    private string? _database;

    [ClusterFact]
    public async Task Three_nodes_behind_haproxy_share_uploads_the_proxy_fill_admin_decisions_and_survive_a_node_killed_mid_upload()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var popular = _upstream.AddWheel("moat-cl-popular", "1.0");
        var second = _upstream.AddWheel("moat-cl-second", "2.0");
        var sample = TestPaths.Fixtures("code", "corpus", "malicious", "m013-import-module-level-ssh");
        var malicious = FixturePacker.ReadSample(sample);
        var archive = FixturePacker.Pack(sample, Directory.CreateDirectory(Path.Combine(_root, "packed")).FullName);
        var quarantined = _upstream.Add(Moat.Packaging.ProjectName.Normalize(malicious.Name), Path.GetFileName(archive), File.ReadAllBytes(archive));

        var (config, environment) = ClusterConfiguration();
        var nodes = await Task.WhenAll(Enumerable.Range(0, Nodes).Select(i =>
            MoatServer.StartAsync(Path.Combine(_root, $"node{i}"), config: config, environment: environment)));
        foreach (var node in nodes) _started.Add(node);
        var balancer = HAProxy.Start(Path.Combine(_root, "haproxy"), nodes.Select(n => n.Port));
        _started.Add(balancer);
        var token = RunMoat(config, environment, "admin", "--data", nodes[0].DataDirectory, "token", "create", "--admin");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };

        // Twine uploads through the balancer for the whole test, two at a time.
        var uploads = new TwineUploads(_root, balancer.Url, token);
        var uploading = Task.WhenAll(uploads.RunAsync(0, budget.Token), uploads.RunAsync(1, budget.Token));

        // The cold-cache fill: the upstream holds every file until all fifty clients (each fetching both files at once)
        // and the pips wait on the cluster's downloads, counted by each node's moat_proxy_download_waiters.
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.HoldFiles = hold;
        var clients = Enumerable.Range(0, FillClients).Select(_ => FetchBothAsync(http, balancer.Url, budget.Token)).ToList();
        var pips = Enumerable.Range(0, FillPips).Select(i => PipAsync(["download", "--no-deps", "--dest", Path.Combine(_root, $"pip{i}"),
            "--index-url", balancer.Url + "/simple/", "moat-cl-popular", "moat-cl-second"], budget.Token)).ToList();
        // At least half of the clients' hundred file requests must be waiting on the held downloads at once, spread over
        // the nodes. Not all of them: on a loaded CI machine the first waiters can time out before the last arrive.
        // Late clients and the pips (slower to start) find the files stored: still one upstream download per file.
        var waiting = await WaitForWaitersAsync(http, nodes, FillClients, budget.Token);
        _upstream.HoldFiles = null;
        hold.SetResult();
        Assert.True(waiting, $"the fill never had {FillClients} requests waiting on the cluster's downloads at once");
        var fetched = await Task.WhenAll(clients);
        foreach (var (popularSha, secondSha) in fetched)
        {
            Assert.True(popularSha == popular.Sha256 && secondSha == second.Sha256,
                $"a fill client got {popularSha} / {secondSha}; the nodes logged:\n{NodeErrors(nodes)}");
        }
        foreach (var pip in await Task.WhenAll(pips))
            Assert.True(pip.Exit == 0, pip.Output + pip.Error);
        for (var i = 0; i < FillPips; i++)
            foreach (var dist in new[] { popular, second })
                Assert.Equal(dist.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(_root, $"pip{i}", dist.Filename)))));
        Assert.Equal(1, _upstream.Count("/files/" + popular.Filename));
        Assert.Equal(1, _upstream.Count("/files/" + second.Filename));

        // An admin's yank on the first node: the others' cached pages show it at once (LISTEN/NOTIFY, not a page TTL).
        var yanked = await uploads.FirstAcknowledgedAsync(budget.Token);
        var admin = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:" + token)));
        foreach (var node in nodes) Assert.False(YankedOn(await PageAsync(http, node.Url, yanked.Project)), "not yanked yet");
        await SendAsync(http, HttpMethod.Post, $"{nodes[0].Url}/_admin/projects/{yanked.Project}/releases/{yanked.Version}/yank", admin, new { reason = "broken build" });
        foreach (var node in nodes.Skip(1))
            Assert.True(await SoonAsync(async () => YankedOn(await PageAsync(http, node.Url, yanked.Project))), $"the yank on node 0 is not served by {node.Url}");

        // A quarantined proxied file released on the first node is served by the others at once.
        var blockedUrl = $"/files/{quarantined.Sha256}/{quarantined.Filename}";
        using (var refused = await http.GetAsync(nodes[1].Url + blockedUrl, budget.Token))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        await SendAsync(http, HttpMethod.Post, $"{nodes[0].Url}/_admin/proxy/files/{quarantined.Filename}/release", admin, new { reason = "reviewed" });
        foreach (var node in nodes)
            Assert.True(await SoonAsync(async () => await ShaOfAsync(http, node.Url + blockedUrl) == quarantined.Sha256), $"the release on node 0 is not served by {node.Url}");
        Assert.Equal(1, _upstream.Count("/files/" + quarantined.Filename));

        // A node killed with SIGKILL in the middle of an upload it is receiving; twine keeps uploading through the balancer.
        var victim = nodes[2];
        var interrupted = new InterruptedUpload(victim.Url, token);
        var interruptedTask = interrupted.SendAsync(budget.Token);
        await interrupted.HalfSent.Task.WaitAsync(budget.Token);
        var acknowledgedBeforeKill = uploads.Acknowledged.Count;
        victim.Kill();
        interrupted.Abandon.TrySetResult();
        await Assert.ThrowsAnyAsync<Exception>(() => interruptedTask);
        Assert.True(await SoonAsync(() => Task.FromResult(uploads.Acknowledged.Count >= acknowledgedBeforeKill + 2), seconds: 60),
            "twine uploads through the balancer stopped succeeding after a node was killed");
        uploads.Stop();
        await uploading;

        // Uploads landed on every node; each one twine was told succeeded is downloadable with its sha256, from both survivors.
        var uploadsPerNode = nodes.Select(n => CountOf(n.Log, "POST /legacy/ 200")).ToArray();
        Assert.True(uploadsPerNode.Count(n => n > 0) >= 2, "uploads did not spread over the nodes: " + string.Join(", ", uploadsPerNode));
        Assert.True(uploads.Acknowledged.Count >= 4, $"only {uploads.Acknowledged.Count} uploads succeeded:\n{uploads.Failures}");
        foreach (var upload in uploads.Acknowledged)
            foreach (var node in nodes.Take(2))
            {
                var page = await PageAsync(http, node.Url, upload.Project);
                var file = page.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("filename").GetString() == upload.Filename);
                Assert.Equal(upload.Sha256, file.GetProperty("hashes").GetProperty("sha256").GetString());
                Assert.Equal(upload.Sha256, await ShaOfAsync(http, new Uri(new Uri(node.Url + $"/simple/{upload.Project}/"), file.GetProperty("url").GetString()!).ToString()));
            }
        // The upload cut off by the kill left nothing visible.
        using var missing = await http.GetAsync($"{balancer.Url}/simple/{InterruptedUpload.Project}/", budget.Token);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>One <c>moat.toml</c> and environment for every node: the test's PostgreSQL (a fresh schema), a fresh bucket prefix, the fake upstream.</summary>
    private (string Config, Dictionary<string, string> Environment) ClusterConfiguration()
    {
        var s3 = TestServers.RequireS3();
        _database = NewSchema(TestServers.RequirePostgreSql());
        Directory.CreateDirectory(_root);
        var config = Path.Combine(_root, "moat.toml");
        File.WriteAllText(config, $"""
            [storage]
            blobs = "{s3.NewLocation()}"
            s3-path-style = true

            [policy]
            malicious = "quarantine"

            [proxy]
            upstream = "{_upstream.SimpleUrl}"
            page-ttl-seconds = 0
            """);
        return (config, new Dictionary<string, string>
        {
            ["MOAT_DATABASE_URL"] = _database,
            ["MOAT_KEY_ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["AWS_ENDPOINT_URL"] = s3.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = s3.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = s3.SecretAccessKey,
            ["AWS_REGION"] = "us-east-1",
        });
    }

    private static string NewSchema(string server)
    {
        var schema = "e2e_" + Guid.NewGuid().ToString("N");
        using var connection = new NpgsqlConnection(Moat.Index.Storage.Database.PostgreSqlConnectionString(server).ConnectionString);
        connection.Open();
        using (var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection)) create.ExecuteNonQuery();
        return server + (server.Contains('?') ? "&" : "?") + "search_path=" + schema;
    }

    private static string RunMoat(string config, Dictionary<string, string> environment, params string[] args)
    {
        var (exit, output, error) = Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "moat.dll"), .. args[..1], "--config", config, .. args[1..]], env: environment);
        Assert.True(exit == 0, $"moat {string.Join(' ', args)} failed ({exit}): {output}{error}");
        return output.Trim();
    }

    /// <summary>One fill client: both projects' pages through the balancer, then both files at once; returns their sha256s.</summary>
    private static async Task<(string Popular, string Second)> FetchBothAsync(HttpClient http, string balancer, CancellationToken ct)
    {
        async Task<string> FileAsync(string project)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{balancer}/simple/{project}/");
            request.Headers.Accept.ParseAdd(Json);
            using var response = await http.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
            var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
            var url = new Uri(new Uri($"{balancer}/simple/{project}/"), page.GetProperty("files")[0].GetProperty("url").GetString()!).ToString();
            // As pip does: a 503 ("being checked", or a node the balancer has no room on) is retried after its Retry-After.
            for (var attempt = 1; ; attempt++)
            {
                using var file = await http.GetAsync(url, ct);
                if (file.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 10)
                    return file.IsSuccessStatusCode ? Convert.ToHexStringLower(SHA256.HashData(await file.Content.ReadAsByteArrayAsync(ct)))
                        : $"HTTP {(int)file.StatusCode} {file.ReasonPhrase}";
                await Task.Delay(file.Headers.RetryAfter?.Delta is { } after && after < TimeSpan.FromSeconds(5) ? after : TimeSpan.FromSeconds(2), ct);
            }
        }
        var results = await Task.WhenAll(FileAsync("moat-cl-popular"), FileAsync("moat-cl-second"));
        return (results[0], results[1]);
    }

    private static async Task<string> ShaOfAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        if (!response.IsSuccessStatusCode) return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        return Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
    }

    private static async Task<JsonElement> PageAsync(HttpClient http, string node, string project)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{node}/simple/{project}/");
        request.Headers.Accept.ParseAdd(Json);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{node}/simple/{project}/: {(int)response.StatusCode}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static bool YankedOn(JsonElement page) => page.GetProperty("files").EnumerateArray().Any(f => f.TryGetProperty("yanked", out var y) && y.ValueKind != JsonValueKind.False);

    private static async Task SendAsync(HttpClient http, HttpMethod method, string url, AuthenticationHeaderValue authorization, object body)
    {
        using var request = new HttpRequestMessage(method, url) { Content = JsonContent(body) };
        request.Headers.Authorization = authorization;
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>Polls <paramref name="condition"/> every 20 ms for up to <paramref name="seconds"/> (a notification's round trip is milliseconds).</summary>
    private static async Task<bool> SoonAsync(Func<Task<bool>> condition, int seconds = 3)
    {
        var deadline = Stopwatch.StartNew();
        do
        {
            if (await condition()) return true;
            await Task.Delay(20);
        } while (deadline.Elapsed < TimeSpan.FromSeconds(seconds));
        return false;
    }

    /// <summary>Polls every node's <c>/metrics</c> until the requests waiting on upstream downloads add up to <paramref name="count"/> (false after 80 s).</summary>
    private static async Task<bool> WaitForWaitersAsync(HttpClient http, MoatServer[] nodes, int count, CancellationToken ct)
    {
        for (var deadline = Stopwatch.StartNew(); deadline.Elapsed < TimeSpan.FromSeconds(80); await Task.Delay(100, ct))
        {
            long waiting = 0;
            foreach (var node in nodes)
            {
                var line = (await http.GetStringAsync(node.Url + "/metrics", ct)).Split('\n').FirstOrDefault(l => l.StartsWith("moat_proxy_download_waiters ", StringComparison.Ordinal));
                if (line is not null) waiting += long.Parse(line["moat_proxy_download_waiters ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
            if (waiting >= count) return true;
        }
        return false;
    }

    /// <summary>The nodes' failure lines (and what follows each), for a message that says why a request failed.</summary>
    private static string NodeErrors(IEnumerable<MoatServer> nodes) => string.Join("\n", nodes.SelectMany((node, i) =>
    {
        var lines = node.Log.Split('\n');
        return lines.Select((line, at) => (line, at)).Where(l => l.line.Contains("fail:", StringComparison.Ordinal) || l.line.Contains("Exception", StringComparison.Ordinal))
            .Take(3).SelectMany(l => lines.Skip(l.at).Take(8).Select(x => $"node{i}: {x}"));
    }));

    private static int CountOf(string log, string text)
    {
        var count = 0;
        for (var at = log.IndexOf(text, StringComparison.Ordinal); at >= 0; at = log.IndexOf(text, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    private static async Task<(int Exit, string Output, string Error)> PipAsync(string[] args, CancellationToken ct)
    {
        // pip's own retries (5, on 503 among others) stay on: the scan queue answers 503 + Retry-After while a file is checked.
        var start = new ProcessStartInfo(Tools.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-m", "pip", .. args, "--no-cache-dir", "--retries", "5", "--timeout", "90"]) start.ArgumentList.Add(arg);
        start.Environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, await output, "pip outlived the test's time budget\n" + await error);
        }
        return (process.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        for (var i = _started.Count - 1; i >= 0; i--) _started[i].Dispose();
        _upstream.Dispose();
        if (_database is not null)
        {
            var builder = Moat.Index.Storage.Database.PostgreSqlConnectionString(_database);
            var schema = builder.SearchPath!;
            builder.SearchPath = null;
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
            drop.ExecuteNonQuery();
        }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>Uploads one fresh wheel after another with twine through the balancer until stopped; keeps what twine reported.</summary>
    private sealed class TwineUploads(string root, string balancer, string token)
    {
        public sealed record Upload(string Project, string Version, string Filename, string Sha256);

        private int _stopped;
        private readonly ConcurrentQueue<string> _failures = new();
        private readonly TaskCompletionSource<Upload> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentQueue<Upload> Acknowledged { get; } = new();
        public string Failures => string.Join("\n", _failures);

        public void Stop() => Interlocked.Exchange(ref _stopped, 1);

        public Task<Upload> FirstAcknowledgedAsync(CancellationToken ct) => _first.Task.WaitAsync(ct);

        public Task RunAsync(int worker, CancellationToken ct) => Task.Run(() =>
        {
            for (var i = 0; Volatile.Read(ref _stopped) == 0 && !ct.IsCancellationRequested && i < 40; i++)
            {
                var project = $"moat-cl-up{worker}";
                var version = $"1.{i}";
                var filename = TestDistributions.WheelFilename(project, version);
                var path = Path.Combine(root, "uploads", filename);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, TestDistributions.Wheel(project, version));
                var (exit, output, error) = Tools.Run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", balancer + "/legacy/",
                    "-u", "__token__", "-p", token, path], timeoutSeconds: 60);
                if (exit != 0)
                {
                    // A refusal is not an acknowledgement: only what twine reported as uploaded must survive.
                    _failures.Enqueue($"{filename}: {output}{error}");
                    continue;
                }
                var upload = new Upload(project, version, filename, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
                Acknowledged.Enqueue(upload);
                _first.TrySetResult(upload);
            }
        }, CancellationToken.None);
    }

    /// <summary>An upload sent straight to one node that sends half its body, says so, and never sends the rest.</summary>
    private sealed class InterruptedUpload(string node, string token)
    {
        public const string Project = "moat-cl-interrupted";
        public TaskCompletionSource HalfSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Set once the node is dead: the client gives up on the rest of the body.</summary>
        public TaskCompletionSource Abandon { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task SendAsync(CancellationToken ct)
        {
            var form = TestDistributions.UploadForm(Project, "1.0", TestDistributions.WheelFilename(Project, "1.0"),
                TestDistributions.Wheel(Project, "1.0", module: "DATA = '" + new string('x', 256 * 1024) + "'\n"));
            var bytes = await form.ReadAsByteArrayAsync(ct);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            using var request = new HttpRequestMessage(HttpMethod.Post, node + "/legacy/") { Content = new HalfContent(bytes, form.Headers.ContentType!, HalfSent, Abandon.Task) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:" + token)));
            using var response = await http.SendAsync(request, ct);
            throw new InvalidOperationException($"the node answered an upload it never fully received: {(int)response.StatusCode}");
        }

        private sealed class HalfContent : HttpContent
        {
            private readonly byte[] _bytes;
            private readonly TaskCompletionSource _halfSent;
            private readonly Task _abandon;

            public HalfContent(byte[] bytes, MediaTypeHeaderValue type, TaskCompletionSource halfSent, Task abandon)
            {
                _bytes = bytes;
                _halfSent = halfSent;
                _abandon = abandon;
                Headers.ContentType = type;
                Headers.ContentLength = bytes.Length;
            }

            protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            {
                await stream.WriteAsync(_bytes.AsMemory(0, _bytes.Length / 2));
                await stream.FlushAsync();
                _halfSent.TrySetResult();
                await _abandon.WaitAsync(TimeSpan.FromSeconds(60)); // the rest never comes: the node dies first
                throw new IOException("the upload was abandoned half-way");
            }

            protected override bool TryComputeLength(out long length)
            {
                length = _bytes.Length;
                return true;
            }
        }
    }
}

/// <summary>HAProxy (Debian's <c>haproxy</c>) in the foreground on a free 127.0.0.1 port, round robin over the nodes with health checks.</summary>
internal sealed class HAProxy : IDisposable
{
    public const string Binary = "/usr/sbin/haproxy";
    public const string Missing = $"needs HAProxy ({Binary}: apt-get install haproxy; .ci/run installs it)";
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    public string Url { get; }

    private HAProxy(Process process, int port)
    {
        _process = process;
        Url = $"http://127.0.0.1:{port}";
    }

    public static HAProxy Start(string directory, IEnumerable<int> nodes)
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException($"{TestServers.RequireVariable}=1 but the cluster test {Missing}");
        Directory.CreateDirectory(directory);
        var port = MoatServer.FreePort();
        var config = Path.Combine(directory, "haproxy.cfg");
        // A killed node's connections are refused: retried on another server (redispatch); the health check takes it out.
        File.WriteAllText(config, $"""
            global
                maxconn 2000

            defaults
                mode http
                timeout connect 2s
                timeout client 120s
                timeout server 120s
                retries 3
                option redispatch

            frontend moat
                bind 127.0.0.1:{port}
                default_backend nodes

            backend nodes
                balance roundrobin
                option httpchk GET /healthz
                default-server check inter 200ms fall 2 rise 1
            {string.Join("\n", nodes.Select((p, i) => $"    server node{i} 127.0.0.1:{p}"))}

            """);
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-db", "-f", config]) start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var haproxy = new HAProxy(process, port);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (haproxy._log) haproxy._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (haproxy._log) haproxy._log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var deadline = Stopwatch.StartNew(); deadline.Elapsed < TimeSpan.FromSeconds(15); Thread.Sleep(100))
        {
            if (process.HasExited) throw new InvalidOperationException("haproxy exited: " + haproxy.Log);
            try
            {
                if (http.GetAsync(haproxy.Url + "/healthz").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK) return haproxy;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
        }
        haproxy.Dispose();
        throw new TimeoutException("haproxy did not forward to the nodes: " + haproxy.Log);
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}

/// <summary>
/// A [Fact] that needs PostgreSQL, the S3 server and HAProxy: skipped with the reason when one is missing, a failure
/// instead when <c>MOAT_TEST_REQUIRE_SERVERS=1</c> (CI), like <see cref="ServerFactAttribute"/>.
/// </summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        var missing = new[] { TestServers.SkipReason(TestServer.PostgreSql), TestServers.SkipReason(TestServer.S3),
            File.Exists(HAProxy.Binary) || TestServers.Required ? null : HAProxy.Missing }.Where(r => r is not null).ToList();
        if (missing.Count > 0) Skip = string.Join("; ", missing);
    }
}
