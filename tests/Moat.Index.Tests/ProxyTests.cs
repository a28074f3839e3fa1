using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Metrics;
using Moat.Index.Admin;
using Moat.Index.Proxy;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>The proxy repository against a real loopback upstream: pages, verified files, the firewall gate, dependency confusion, the release-age gate, outages, tampering, single-flight.</summary>
public sealed class ProxyTests : IDisposable
{
    private readonly StaticUpstream _upstream = StaticUpstream.Start();
    private readonly DirectoryInfo _packed = Directory.CreateTempSubdirectory("moat-proxy-");

    // Malicious code under a name that imitates nothing: lookalike names are refused before any download (see the typosquat tests).
    private const string MaliciousSample = "m013-import-module-level-ssh";

    private Task<TestIndex> StartAsync(Func<ProxyOptions, ProxyOptions>? proxy = null, BlobBackend? blobs = null) =>
        TestIndex.StartAsync(o => o with { Proxy = (proxy ?? (p => p))(new ProxyOptions { Upstream = _upstream.SimpleUrl }), OnMalicious = GatePolicyAction.Quarantine }, blobs: blobs);

    private static async Task<JsonElement> JsonPageAsync(TestIndex index, string project) =>
        JsonDocument.Parse(await index.GetAsync($"/simple/{project}/", "application/vnd.pypi.simple.v1+json")).RootElement;

    private static string[] Filenames(JsonElement page) => [.. page.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("filename").GetString()!)];

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task An_upstream_project_is_served_with_moat_file_urls_metadata_and_requires_python(BlobBackend backend)
    {
        var dist = _upstream.AddWheel("metalite-client", "2.0");
        await using var index = await StartAsync(blobs: backend);

        var file = (await JsonPageAsync(index, "metalite-client")).GetProperty("files")[0];
        Assert.Equal(dist.Filename, file.GetProperty("filename").GetString());
        Assert.Equal($"/files/{dist.Sha256}/{dist.Filename}", file.GetProperty("url").GetString());
        Assert.Equal(dist.Sha256, file.GetProperty("hashes").GetProperty("sha256").GetString());
        Assert.Equal(JsonValueKind.Object, file.GetProperty("core-metadata").ValueKind);
        Assert.Contains("upload-time", file.EnumerateObject().Select(p => p.Name));

        var metadata = await index.Client.GetStringAsync($"/files/{dist.Sha256}/{dist.Filename}.metadata");
        Assert.Equal(System.Text.Encoding.UTF8.GetString(dist.Metadata!), metadata);
        Assert.Equal(0, _upstream.FileDownloads); // metadata alone downloads no distribution
    }

    [Fact]
    public async Task Html_only_upstreams_are_parsed_and_pages_revalidate_with_etags_after_the_ttl()
    {
        _upstream.HtmlOnly = true;
        var dist = _upstream.Add("oldindex", "oldindex-1.0.tar.gz", TestDistributions.Sdist("oldindex", "1.0"), requiresPython: ">=3.8");
        await using var index = await StartAsync(p => p with { PageTtl = TimeSpan.Zero });

        var html = await index.GetAsync("/simple/oldindex/", "text/html");
        Assert.Contains($"/files/{dist.Sha256}/oldindex-1.0.tar.gz#sha256={dist.Sha256}", html);
        Assert.Contains("data-requires-python=\"&gt;=3.8\"", html);
        var again = await index.GetAsync("/simple/oldindex/", "text/html");
        Assert.Equal(html, again);
        Assert.Equal(2, _upstream.Count("/simple/oldindex/")); // TTL zero: every request revalidates (a 304 the second time)
        Assert.Equal(1, index.App.Services.GetRequiredService<ProxyMetrics>().Pages.Value("revalidated"));
    }

    [Fact]
    public async Task Within_the_ttl_the_upstream_is_asked_once()
    {
        _upstream.AddWheel("cached", "1.0");
        await using var index = await StartAsync();
        for (var i = 0; i < 5; i++) await index.GetAsync("/simple/cached/", "text/html");
        Assert.Equal(1, _upstream.Count("/simple/cached/"));
    }

    [Fact]
    public async Task A_proxied_file_is_downloaded_once_verified_judged_and_then_served_from_storage()
    {
        var dist = _upstream.AddWheel("plainpkg", "1.0");
        await using var index = await StartAsync();
        await index.GetAsync("/simple/plainpkg/", "text/html");

        var first = await index.Client.GetByteArrayAsync($"/files/{dist.Sha256}/{dist.Filename}");
        var second = await index.Client.GetByteArrayAsync($"/files/{dist.Sha256}/{dist.Filename}");
        Assert.Equal(dist.Content, first);
        Assert.Equal(dist.Content, second);
        Assert.Equal(1, _upstream.FileDownloads);
        var verdict = await index.Store.GetVerdictAsync(dist.Sha256);
        Assert.Equal("accept", verdict!.Action);
        Assert.Equal(ProxiedFileState.Available, (await index.App.Services.GetRequiredService<ProxyStore>().GetAsync(dist.Sha256))!.State);
    }

    [Fact]
    public async Task A_wrong_sha256_in_the_url_is_not_found_and_never_reaches_the_upstream()
    {
        var dist = _upstream.AddWheel("plainpkg", "1.0");
        await using var index = await StartAsync();
        using var response = await index.Client.GetAsync($"/files/{new string('a', 64)}/{dist.Filename}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, _upstream.FileDownloads);
    }

    [Fact]
    public async Task A_malicious_upstream_file_is_quarantined_with_the_reason_in_the_status_line_hidden_and_releasable()
    {
        var packed = FixturePacker.PackCorpusSample("malicious", MaliciousSample, _packed.FullName);
        var dist = _upstream.Add(packed.Project, packed.Filename, packed.Content);
        await using var index = await StartAsync();
        Assert.Contains(dist.Filename, await index.GetAsync($"/simple/{dist.Project}/", "text/html")); // not judged yet: listed

        using var blocked = await index.Client.GetAsync($"/files/{dist.Sha256}/{dist.Filename}");
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Contains("Blocked by Moat", blocked.ReasonPhrase);
        Assert.Contains(dist.Filename, blocked.ReasonPhrase);
        Assert.Contains("malicious", blocked.ReasonPhrase);
        Assert.Contains("MOAT-CODE", blocked.ReasonPhrase);
        Assert.DoesNotContain(dist.Filename, await index.GetAsync($"/simple/{dist.Project}/", "text/html"));

        var admin = index.App.Services.GetRequiredService<ProxyAdmin>();
        var entry = Assert.Single(await admin.ListAsync());
        Assert.Equal(dist.Sha256, entry.File.Sha256);
        Assert.Contains("MOAT-CODE", entry.Verdict!.FindingsJson);
        Assert.True((await admin.ReleaseAsync(dist.Filename, "reviewed")).Ok);
        Assert.Equal(dist.Content, await index.Client.GetByteArrayAsync($"/files/{dist.Sha256}/{dist.Filename}"));
        Assert.Contains(dist.Filename, await index.GetAsync($"/simple/{dist.Project}/", "text/html"));
        Assert.Empty(await admin.ListAsync());
        Assert.True((await admin.BlockAsync(dist.Sha256, "policy")).Ok);
        using var again = await index.Client.GetAsync($"/files/{dist.Sha256}/{dist.Filename}");
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Assert.Contains("an admin blocked it", again.ReasonPhrase);
        Assert.Equal(1, _upstream.FileDownloads);
    }

    [Fact]
    public async Task A_typosquat_page_is_refused_with_the_reason_and_its_files_are_never_downloaded_until_allowlisted()
    {
        var squat = _upstream.AddWheel("reqeusts", "2.31.0");
        var genuine = _upstream.AddWheel("requests", "2.31.0");
        await using var index = await StartAsync();

        using var page = await index.Client.GetAsync("/simple/reqeusts/");
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("Blocked by Moat: project reqeusts is blocked as a lookalike name (MOAT-NAME-", page.ReasonPhrase);
        Assert.Contains("'requests'", await page.Content.ReadAsStringAsync());
        // The upstream page is read for the project's history (an established project would pass); no file is fetched.
        Assert.Equal(1, _upstream.Count("/simple/reqeusts/"));
        Assert.Equal(0, _upstream.FileDownloads);
        using var viaGroup = await index.Client.GetAsync("/r/pypi/simple/reqeusts/");
        Assert.Equal(HttpStatusCode.Forbidden, viaGroup.StatusCode);

        // pip logs an index page's error only at debug level, so pip gets the listing and the reason on the download.
        using var pipPage = new HttpRequestMessage(HttpMethod.Get, "/simple/reqeusts/");
        pipPage.Headers.TryAddWithoutValidation("User-Agent", "pip/24.0 {\"installer\":{\"name\":\"pip\"}}");
        using var listed = await index.Client.SendAsync(pipPage);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Contains(squat.Filename, await listed.Content.ReadAsStringAsync());
        using var blocked = await index.Client.GetAsync($"/files/{squat.Sha256}/{squat.Filename}");
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Contains($"Blocked by Moat: {squat.Filename} is blocked as a lookalike name (MOAT-NAME-", blocked.ReasonPhrase);
        Assert.Contains("requests", blocked.ReasonPhrase);
        Assert.Equal(0, _upstream.FileDownloads);

        await index.GetAsync("/simple/requests/", "text/html");
        Assert.Equal(genuine.Content, await index.Client.GetByteArrayAsync($"/files/{genuine.Sha256}/{genuine.Filename}"));

        Assert.True((await index.App.Services.GetRequiredService<ProxyAdmin>().AllowAsync("reqeusts", "our fork")).Ok);
        Assert.Contains(squat.Filename, await index.GetAsync("/simple/reqeusts/", "text/html"));
        Assert.Equal(squat.Content, await index.Client.GetByteArrayAsync($"/files/{squat.Sha256}/{squat.Filename}"));
    }

    [Fact]
    public async Task An_allowlisted_project_is_served_whatever_the_verdict()
    {
        var (project, _, filename, content) = FixturePacker.PackCorpusSample("malicious", MaliciousSample, _packed.FullName);
        var dist = _upstream.Add(project, filename, content);
        await using var index = await StartAsync();
        Assert.True((await index.App.Services.GetRequiredService<ProxyAdmin>().AllowAsync(project, "vendored test")).Ok);
        await index.GetAsync($"/simple/{project}/", "text/html");
        Assert.Equal(dist.Content, await index.Client.GetByteArrayAsync($"/files/{dist.Sha256}/{dist.Filename}"));
        Assert.Equal("malicious", (await index.Store.GetVerdictAsync(dist.Sha256))!.Verdict);
    }

    [Fact]
    public async Task A_hosted_name_never_resolves_upstream_even_with_higher_versions()
    {
        var publicDist = _upstream.AddWheel("acme-internal", "99.0");
        await using var index = await StartAsync();
        Assert.True((await index.UploadWheelAsync(await index.TokenAsync(null, admin: true), "acme-internal", "1.0")).IsSuccessStatusCode);

        Assert.Equal(["acme_internal-1.0-py3-none-any.whl"], Filenames(await JsonPageAsync(index, "acme-internal")));
        using var file = await index.Client.GetAsync($"/files/{publicDist.Sha256}/{publicDist.Filename}");
        Assert.Equal(HttpStatusCode.NotFound, file.StatusCode);
        Assert.Equal(0, _upstream.Count("/simple/acme-internal/"));
    }

    [Fact]
    public async Task A_reserved_name_pattern_is_never_looked_up_upstream()
    {
        _upstream.AddWheel("corp-tools", "5.0");
        await using var index = await StartAsync(p => p with { Reserved = ["corp-*", "Exact_Name"] });
        using var page = await index.Client.GetAsync("/simple/corp-tools/");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(0, _upstream.Count("/simple/corp-tools/"));
        Assert.True(new ProxyOptions { Reserved = ["corp-*", "Exact_Name"] }.IsReserved("exact-name"));
        Assert.False(new ProxyOptions { Reserved = ["corp-*"] }.IsReserved("corporate"));
    }

    [Fact]
    public async Task The_release_age_gate_hides_fresh_files_and_refuses_their_direct_download()
    {
        var old = _upstream.AddWheel("agepkg", "1.0", uploadTime: DateTimeOffset.UtcNow.AddDays(-10));
        var fresh = _upstream.AddWheel("agepkg", "1.1", uploadTime: DateTimeOffset.UtcNow.AddHours(-1));
        await using var index = await StartAsync(p => p with { MinReleaseAge = TimeSpan.FromHours(48) });

        Assert.Equal([old.Filename], Filenames(await JsonPageAsync(index, "agepkg")));
        using var response = await index.Client.GetAsync($"/files/{fresh.Sha256}/{fresh.Filename}");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("release-age gate", response.ReasonPhrase);
        Assert.Equal(0, _upstream.FileDownloads);
    }

    [Fact]
    public async Task When_the_upstream_is_down_cached_pages_and_files_are_still_served()
    {
        var dist = _upstream.AddWheel("steady", "1.0");
        await using var index = await StartAsync(p => p with { PageTtl = TimeSpan.Zero });
        var page = await index.GetAsync("/simple/steady/", "text/html");
        var content = await index.Client.GetByteArrayAsync($"/files/{dist.Sha256}/{dist.Filename}");

        _upstream.Down = true;
        var metrics = index.App.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(0, metrics.Pages.Value("stale"));
        Assert.Equal(page, await index.GetAsync("/simple/steady/", "text/html"));
        Assert.Equal(content, await index.Client.GetByteArrayAsync($"/files/{dist.Sha256}/{dist.Filename}"));
        Assert.True(metrics.Pages.Value("stale") > 0);
        // Nothing cached and the upstream down: 502 with the reason, not a 404 (a group must not fall through to a later upstream).
        using var unknown = await index.Client.GetAsync("/simple/never-seen/");
        Assert.Equal(HttpStatusCode.BadGateway, unknown.StatusCode);
        Assert.Contains("cannot reach upstream 'pypi'", unknown.ReasonPhrase);
    }

    [Fact]
    public async Task An_upstream_page_over_max_page_mb_is_refused_with_a_502_naming_the_limit()
    {
        // About 3 MB of JSON or 1.3 MB of HTML, sent chunked (no Content-Length to refuse it by): the limit is counted as it is read.
        for (var i = 0; i < 9000; i++) _upstream.Add("sprawling", $"sprawling-{i}.0.tar.gz", BitConverter.GetBytes(i));
        _upstream.AddWheel("compact", "1.0");
        var configured = IndexOptions.Apply(new IndexOptions(), Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>("[proxy]\nmax-page-mb = 1\n")!, "moat.toml");
        Assert.Equal(1024 * 1024, configured.Proxy.MaxPageBytes);
        Assert.Equal(64L * 1024 * 1024, new ProxyOptions().MaxPageBytes);
        Assert.Contains("max-page-mb", Assert.Throws<IndexConfigurationException>(() =>
            IndexOptions.Apply(new IndexOptions(), Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>("[proxy]\nmax-page-mb = 0\n")!, "moat.toml")).Message);

        foreach (var htmlOnly in new[] { false, true })
        {
            _upstream.HtmlOnly = htmlOnly;
            await using var index = await StartAsync(p => p with { MaxPageBytes = configured.Proxy.MaxPageBytes });
            using var refused = await index.Client.GetAsync("/simple/sprawling/");
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
            var reason = refused.ReasonPhrase + " " + await refused.Content.ReadAsStringAsync();
            Assert.Contains("larger than Moat's limit of 1 MB ([proxy] max-page-mb)", reason);
            Assert.Contains("sprawling", reason);
            // The limit is per page: a small page of the same upstream is served.
            Assert.Single(Filenames(await JsonPageAsync(index, "compact")));
        }
    }

    [Fact]
    public async Task A_tampered_upstream_file_is_refused_and_never_stored()
    {
        var dist = _upstream.AddWheel("tampered", "1.0");
        _upstream.Tamper(dist.Filename, TestDistributions.Wheel("tampered", "1.0", module: "import os\n"));
        await using var index = await StartAsync();
        await index.GetAsync("/simple/tampered/", "text/html");

        for (var i = 0; i < 2; i++)
        {
            using var response = await index.Client.GetAsync($"/files/{dist.Sha256}/{dist.Filename}");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("does not match the sha256", response.ReasonPhrase);
        }
        Assert.Null(await index.App.Services.GetRequiredService<ProxyStore>().GetAsync(dist.Sha256));
        Assert.False(await index.App.Services.GetRequiredService<Moat.Index.Storage.IBlobStore>().ExistsAsync(dist.Sha256, default));
    }

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task Fifty_concurrent_requests_through_a_cold_cache_cause_one_upstream_download(BlobBackend backend)
    {
        var dist = _upstream.AddWheel("popular", "1.0");
        _upstream.FileDelayMs = 300;
        await using var index = await StartAsync(blobs: backend);
        var bodies = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            await index.GetAsync("/simple/popular/", "text/html");
            return await index.Client.GetByteArrayAsync($"/files/{dist.Sha256}/{dist.Filename}");
        }));
        Assert.All(bodies, b => Assert.Equal(dist.Sha256, Convert.ToHexStringLower(SHA256.HashData(b))));
        Assert.Equal(1, _upstream.FileDownloads);
        Assert.Equal(1, _upstream.Count("/simple/popular/"));
    }

    [Fact]
    public async Task A_client_that_gives_up_on_a_cold_page_leaves_its_upstream_refresh_to_the_clients_after_it()
    {
        var dist = _upstream.AddWheel("popular", "1.0");
        var upstreamAnswers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.HoldPages = upstreamAnswers;
        await using var index = await StartAsync();
        using (var impatient = new CancellationTokenSource())
        {
            var first = index.Client.GetAsync("/simple/popular/", impatient.Token);
            for (var deadline = DateTime.UtcNow.AddSeconds(30); _upstream.Count("/simple/popular/") == 0 && DateTime.UtcNow < deadline;) await Task.Delay(10);
            Assert.Equal(1, _upstream.Count("/simple/popular/")); // its refresh is at the upstream, held
            impatient.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        }
        // The refresh it started is still in flight: later clients share it. Had the first client's abort cancelled it,
        // they would be answered 500 (a cancelled shared task) or ask the upstream again.
        var later = Enumerable.Range(0, 5).Select(_ => index.GetAsync("/simple/popular/", "text/html")).ToList();
        upstreamAnswers.SetResult();
        Assert.All(await Task.WhenAll(later), page => Assert.Contains(dist.Filename, page));
        Assert.Equal(1, _upstream.Count("/simple/popular/"));
    }

#if MOAT_TEST_POSTGRESQL
    [Fact]
    public async Task Two_nodes_on_one_database_and_one_blob_store_download_a_cold_file_once_between_them()
    {
        var dist = _upstream.AddWheel("popular", "1.0");
        _upstream.FileDelayMs = 300;
        await using var first = await StartAsync();
        await using var second = await TestIndex.StartAsync(o => o with
        {
            Database = first.Options.Database, DataDirectory = first.DataDirectory, Blobs = first.Options.Blobs,
            Proxy = new ProxyOptions { Upstream = _upstream.SimpleUrl }, OnMalicious = GatePolicyAction.Quarantine,
        });
        var bodies = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var node = i % 2 == 0 ? first : second;
            await node.GetAsync("/simple/popular/", "text/html");
            return await node.Client.GetByteArrayAsync($"/files/{dist.Sha256}/{dist.Filename}");
        }));
        Assert.All(bodies, b => Assert.Equal(dist.Sha256, Convert.ToHexStringLower(SHA256.HashData(b))));
        Assert.Equal(1, _upstream.FileDownloads);
    }
#endif

    [Fact]
    public void Proxy_configuration_reads_from_moat_toml_and_rejects_bad_values()
    {
        var table = Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>("""
            [proxy]
            upstream = "http://127.0.0.1:9/simple"
            page-ttl-seconds = 60
            min-release-age-hours = 48
            reserved = ["acme-*"]
            fail-closed = false
            """)!;
        var proxy = IndexOptions.Apply(new IndexOptions(), table, "moat.toml").Proxy;
        Assert.Equal("http://127.0.0.1:9/simple/", proxy.Upstream);
        Assert.Equal(TimeSpan.FromSeconds(60), proxy.PageTtl);
        Assert.Equal(TimeSpan.FromHours(48), proxy.MinReleaseAge);
        Assert.True(proxy.IsReserved("acme-billing"));
        Assert.False(proxy.FailClosed);
        Assert.Equal(ProxyOptions.PyPI, new IndexOptions().Proxy.Upstream);

        var bad = Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>("[proxy]\nupstream = \"ftp://x\"\n")!;
        Assert.Contains("proxy.upstream", Assert.Throws<IndexConfigurationException>(() => IndexOptions.Apply(new IndexOptions(), bad, "moat.toml")).Message);
        var off = Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>("[proxy]\nupstream = \"\"\n")!;
        Assert.False(IndexOptions.Apply(new IndexOptions(), off, "moat.toml").Proxy.Enabled);
    }

    public void Dispose()
    {
        _upstream.Dispose();
        _packed.Delete(recursive: true);
    }
}
