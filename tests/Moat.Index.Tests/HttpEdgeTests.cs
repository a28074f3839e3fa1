using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Moat.Index.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moat.Index.Accounts;
using Moat.Index.Hosting;
using Moat.Index.Metrics;
using Moat.Testing;
using Tomlyn;
using Tomlyn.Model;

namespace Moat.Index.Tests;

/// <summary>The index's HTTP edge: failures counted as what they are, headers on raw responses, who reads /metrics and packages.</summary>
public sealed class HttpEdgeTests
{
    private const string Json = "application/vnd.pypi.simple.v1+json";

    [Fact]
    public async Task A_hosted_file_whose_content_was_lost_from_storage_is_a_500_the_server_logs_with_its_blob()
    {
        await using var index = await TestIndex.StartAsync(blobs: BlobBackend.FileSystem);
        var token = await index.TokenAsync("lost-pkg");
        var filename = TestDistributions.WheelFilename("lost-pkg", "1.0");
        using (var upload = await index.UploadAsync(token, TestDistributions.UploadForm("lost-pkg", "1.0", filename, TestDistributions.Wheel("lost-pkg", "1.0"))))
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var file = (await index.Store.GetFileAsync(filename))!;
        File.Delete(((FileSystemBlobStore)index.Blobs).PathOf(file.Sha256));

        using var response = await index.Client.GetAsync($"/files/{file.Sha256}/{filename}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains($"The content of {filename} is missing from storage.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The client is told which file; the operator's log says which blob to restore.
        Assert.Contains(index.ServerErrors.Lines, line => line.Contains("missing from storage", StringComparison.Ordinal) && line.Contains(file.Sha256, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unhandled_failure_is_answered_logged_and_counted_as_500()
    {
        var log = new CapturedLog();
        await using var index = await TestIndex.StartAsync(o => o with { LogRequests = true, LogLevel = "information" },
            host => host.Logging.AddProvider(log));
        // A real fault: the table /healthz reads is gone.
        using (var databases = IndexDatabases.Open(index.Options))
        using (var connection = databases.Index.Connect())
        {
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE index_state";
            drop.ExecuteNonQuery();
        }
        var metrics = index.App.Services.GetRequiredService<IndexMetrics>();
        Assert.Equal(0, metrics.Requests.Value("GET", "healthz", "500"));

        using var response = await index.Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("index_state", await response.Content.ReadAsStringAsync()); // no details for the client
        Assert.Equal(1, metrics.Requests.Value("GET", "healthz", "500"));
        Assert.Contains(log.Lines, line => line.Contains("GET /healthz 500", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, line => line.Contains("GET /healthz 200", StringComparison.Ordinal));
        Assert.Contains(log.Lines, line => line.Contains("index_state", StringComparison.Ordinal)); // the cause is in the server's log
    }

    [Fact]
    public async Task Simple_pages_files_and_their_refusals_say_nosniff()
    {
        await using var index = await TestIndex.StartAsync();
        await index.UploadWheelAsync(await index.TokenAsync("alpha"), "alpha", "1.0");
        var page = JsonDocument.Parse(await index.GetAsync("/simple/alpha/", Json)).RootElement;
        var file = page.GetProperty("files")[0].GetProperty("url").GetString()!;

        foreach (var path in (string[])["/simple/", "/simple/alpha/", file, file + ".metadata", "/simple/missing/", "/files/00/none.whl"])
        {
            using var response = await index.Client.GetAsync(path);
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var values), $"{path} ({(int)response.StatusCode}) has no X-Content-Type-Options");
            Assert.Equal("nosniff", Assert.Single(values));
        }
    }

    [Fact]
    public async Task A_message_in_the_query_string_is_never_shown_on_a_page()
    {
        await using var index = await TestIndex.StartAsync();
        foreach (var path in (string[])["/", "/projects", "/rules", "/account/login"])
        {
            var body = await index.Client.GetStringAsync(path + "?message=Your+account+is+suspended%3A+call+555-0100&error=Session+expired%3A+sign+in+at+evil.example");
            Assert.DoesNotContain("555-0100", body);
            Assert.DoesNotContain("evil.example", body);
        }
    }

    [Fact]
    public async Task Metrics_are_public_on_loopback_and_need_the_bearer_token_in_token_mode_and_are_gone_when_off()
    {
        await using (var local = await TestIndex.StartAsync())
            Assert.Equal(HttpStatusCode.OK, (await local.Client.GetAsync("/metrics")).StatusCode);

        var variable = "MOAT_TEST_METRICS_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "scrape-secret-1");
        try
        {
            await using var guarded = await TestIndex.StartAsync(o => o with { Urls = "http://0.0.0.0:8080", MetricsTokenEnv = variable });
            using var anonymous = await guarded.Client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
            Assert.DoesNotContain("moat_http_requests_total", await anonymous.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, (await Metrics(guarded, "scrape-secret-2")).StatusCode);
            using var scraped = await Metrics(guarded, "scrape-secret-1");
            Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
            Assert.Contains("moat_http_requests_total", await scraped.Content.ReadAsStringAsync());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        // Reachable from elsewhere with no token configured: nobody reads them (rather than everybody).
        await using (var unset = await TestIndex.StartAsync(o => o with { Urls = "http://0.0.0.0:8080", MetricsTokenEnv = variable }))
            Assert.Equal(HttpStatusCode.NotFound, (await unset.Client.GetAsync("/metrics")).StatusCode);
        await using (var off = await TestIndex.StartAsync(o => o with { Metrics = MetricsMode.Off }))
            Assert.Equal(HttpStatusCode.NotFound, (await off.Client.GetAsync("/metrics")).StatusCode);
    }

    private static async Task<HttpResponseMessage> Metrics(TestIndex index, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await index.Client.SendAsync(request);
    }

    [Fact]
    public async Task With_authenticated_reads_pages_and_files_need_a_token_or_a_session()
    {
        await using var index = await TestIndex.StartAsync(o => o with { Security = o.Security with { Read = ReadAccess.Authenticated } });
        var uploader = await index.TokenAsync("alpha");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(uploader, "alpha", "1.0")).StatusCode);

        foreach (var path in (string[])["/simple/", "/simple/alpha/", "/r/hosted/simple/alpha/"])
        {
            using var anonymous = await index.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        }
        Assert.Equal(HttpStatusCode.OK, (await index.Client.GetAsync("/healthz")).StatusCode);
        using var projects = await index.Client.GetAsync("/projects/alpha");
        Assert.Equal(HttpStatusCode.Redirect, projects.StatusCode);
        Assert.StartsWith("/account/login?next=", projects.Headers.Location!.OriginalString);

        // A token scoped to another project still reads: scopes limit publishing, not reading.
        var reader = await index.TokenAsync("other-project");
        var page = JsonDocument.Parse(await Read(index, "/simple/alpha/", reader, Json)).RootElement;
        var file = page.GetProperty("files")[0].GetProperty("url").GetString()!;
        Assert.Equal(HttpStatusCode.Unauthorized, (await index.Client.GetAsync(file)).StatusCode);
        Assert.NotEmpty(await Read(index, file, reader));

        using var forged = new HttpRequestMessage(HttpMethod.Get, "/simple/alpha/");
        forged.Headers.Authorization = TestIndex.Basic("moat-not-a-token");
        Assert.Equal(HttpStatusCode.Forbidden, (await index.Client.SendAsync(forged)).StatusCode);

        // A signed-in browser reads with its session.
        var alice = await AccountClient.RegisterAsync(index, "alice");
        using var viaSession = await alice.SendAsync(HttpMethod.Get, "/simple/alpha/");
        Assert.Equal(HttpStatusCode.OK, viaSession.StatusCode);
        using var projectPage = await alice.SendAsync(HttpMethod.Get, "/projects/alpha");
        Assert.Equal(HttpStatusCode.OK, projectPage.StatusCode);
    }

    private static async Task<string> Read(TestIndex index, string path, string token, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = TestIndex.Basic(token);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await index.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData("[server]\ntrusted-proxies = [\"10.0.0.0/8\", \"proxy.internal\"]", "server.trusted-proxies: 'proxy.internal' is not an IP address or a CIDR network")]
    [InlineData("[server]\ntrusted-proxies = \"10.0.0.1\"", "server.trusted-proxies must be an array")]
    [InlineData("[server]\nmetrics = \"open\"", "server.metrics must be public, token, off")]
    [InlineData("[security]\nread = \"staff\"", "security.read must be anyone or authenticated")]
    public void Bad_edge_settings_are_one_line_errors(string toml, string expected)
    {
        var error = Assert.Throws<IndexConfigurationException>(() => IndexOptions.Apply(new IndexOptions(), TomlSerializer.Deserialize<TomlTable>(toml)!, "moat.toml"));
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void An_https_origin_needs_an_https_listener_or_a_trusted_proxy()
    {
        var options = IndexOptions.Apply(new IndexOptions(), TomlSerializer.Deserialize<TomlTable>(
            "[server]\nurls = \"http://127.0.0.1:8080\"\n[security]\norigin = \"https://moat.example.com\"")!, "moat.toml");
        var error = Assert.Throws<IndexConfigurationException>(options.Validate);
        Assert.Contains("trusted-proxies", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        (options with { TrustedProxies = ["127.0.0.1"] }).Validate();
        (options with { Urls = "https://0.0.0.0:8443" }).Validate();
    }

    [Fact]
    public void Rfc7239_elements_become_right_aligned_forwarded_lists()
    {
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary
        {
            ["Forwarded"] = "for=198.51.100.1, for=\"[2001:db8:cafe::17]:4711\";proto=http, For=203.0.113.9;Proto=https;host=\"moat.example.com\"",
        };
        Rfc7239.CopyToXForwarded(headers);
        Assert.Equal<string>(["198.51.100.1", "[2001:db8:cafe::17]:4711", "203.0.113.9"], headers["X-Forwarded-For"].ToArray()!);
        Assert.Equal<string>(["http", "https"], headers["X-Forwarded-Proto"].ToArray()!);
        Assert.Equal<string>(["moat.example.com"], headers["X-Forwarded-Host"].ToArray()!);
    }
}
