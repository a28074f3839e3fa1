using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Moat.Index.Simple;
using Moat.Testing;

namespace Moat.Index.Tests;

public sealed class SimpleApiTests
{
    private const string Json = "application/vnd.pypi.simple.v1+json";

    [Theory]
    [InlineData(null, null, "text/html")]
    [InlineData(null, "*/*", "text/html")]
    [InlineData(null, "application/vnd.pypi.simple.v1+json", Json)]
    [InlineData(null, "application/vnd.pypi.simple.latest+json", Json)]
    [InlineData(null, "application/vnd.pypi.simple.latest+html", "application/vnd.pypi.simple.v1+html")]
    [InlineData(null, "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01", Json)] // pip
    [InlineData(null, "text/html;q=0.9, application/vnd.pypi.simple.v1+json;q=0.5", "text/html")]
    [InlineData(null, "application/vnd.pypi.simple.v1+json;q=0, text/html;q=0.2", "text/html")]
    [InlineData("application/vnd.pypi.simple.v1+json", "text/html", Json)]
    public void Negotiation_picks_the_highest_quality_offer(string? format, string? accept, string expected) =>
        Assert.Equal(expected, ContentNegotiation.Choose(format, accept)?.ContentType);

    [Theory]
    [InlineData(null, "application/json")]
    [InlineData(null, "application/vnd.pypi.simple.v2+json")]
    [InlineData(null, "text/html;q=0")]
    [InlineData("application/xml", null)]
    public void Negotiation_finds_nothing_acceptable(string? format, string? accept) => Assert.Null(ContentNegotiation.Choose(format, accept));

    [Fact]
    public async Task Project_page_has_hashes_metadata_requires_python_size_time_and_versions()
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("alpha");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "1.0", ">=3.8")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "1.10")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "1.9")).StatusCode);

        var json = JsonDocument.Parse(await index.GetAsync("/simple/alpha/", Json)).RootElement;
        Assert.Equal("1.4", json.GetProperty("meta").GetProperty("api-version").GetString());
        Assert.Equal("alpha", json.GetProperty("name").GetString());
        Assert.Equal("active", json.GetProperty("project-status").GetProperty("status").GetString());
        Assert.Equal(["1.0", "1.9", "1.10"], json.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        var file = json.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("filename").GetString() == "alpha-1.0-py3-none-any.whl");
        var wheel = TestDistributions.Wheel("alpha", "1.0", ">=3.8");
        var sha = Convert.ToHexStringLower(SHA256.HashData(wheel));
        Assert.Equal(sha, file.GetProperty("hashes").GetProperty("sha256").GetString());
        Assert.Equal($"/files/{sha}/alpha-1.0-py3-none-any.whl", file.GetProperty("url").GetString());
        Assert.Equal(">=3.8", file.GetProperty("requires-python").GetString());
        Assert.Equal(wheel.Length, file.GetProperty("size").GetInt64());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", file.GetProperty("upload-time").GetString());
        Assert.False(file.GetProperty("yanked").GetBoolean());
        Assert.False(file.TryGetProperty("dist-info-metadata", out _)); // PEP 714: never the old JSON key
        var metadataSha = file.GetProperty("core-metadata").GetProperty("sha256").GetString();

        // The metadata file is the wheel's METADATA, byte for byte, and matches its advertised hash.
        var metadata = await index.Client.GetByteArrayAsync(file.GetProperty("url").GetString() + ".metadata");
        Assert.Equal(TestDistributions.Metadata("alpha", "1.0", ">=3.8"), System.Text.Encoding.UTF8.GetString(metadata));
        Assert.Equal(metadataSha, Convert.ToHexStringLower(SHA256.HashData(metadata)));

        var html = await index.GetAsync("/simple/alpha/", "text/html");
        Assert.Contains("<meta name=\"pypi:repository-version\" content=\"1.4\">", html);
        Assert.Contains($"href=\"/files/{sha}/alpha-1.0-py3-none-any.whl#sha256={sha}\" data-requires-python=\"&gt;=3.8\" " +
            $"data-dist-info-metadata=\"sha256={metadataSha}\" data-core-metadata=\"sha256={metadataSha}\">alpha-1.0-py3-none-any.whl</a>", html);

        var root = JsonDocument.Parse(await index.GetAsync("/simple/", Json)).RootElement;
        Assert.Equal(["alpha"], root.GetProperty("projects").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Contains("<a href=\"/simple/alpha/\">alpha</a>", await index.GetAsync("/simple/", "text/html"));
    }

    [Fact]
    public async Task Responses_vary_on_accept_revalidate_with_etags_and_refuse_unknown_types()
    {
        await using var index = await TestIndex.StartAsync();
        await index.UploadWheelAsync(await index.TokenAsync("alpha"), "alpha", "1.0");

        using var first = await index.Client.SendAsync(Get("/simple/alpha/", Json));
        Assert.Equal(Json, first.Content.Headers.ContentType!.MediaType);
        Assert.Contains("Accept", first.Headers.Vary);
        var etag = first.Headers.ETag!;
        Assert.False(etag.IsWeak);

        var conditional = Get("/simple/alpha/", Json);
        conditional.Headers.TryAddWithoutValidation("If-None-Match", etag.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await index.Client.SendAsync(conditional)).StatusCode);

        using var html = await index.Client.SendAsync(Get("/simple/alpha/", "text/html"));
        Assert.NotEqual(etag, html.Headers.ETag); // each representation has its own tag

        // A new upload changes the page and its tag.
        await index.UploadWheelAsync(await index.TokenAsync("alpha"), "alpha", "2.0");
        var stale = Get("/simple/alpha/", Json);
        stale.Headers.TryAddWithoutValidation("If-None-Match", etag.Tag);
        Assert.Equal(HttpStatusCode.OK, (await index.Client.SendAsync(stale)).StatusCode);

        using var refused = await index.Client.SendAsync(Get("/simple/alpha/", "application/json"));
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.StatusCode);
        using var viaQuery = await index.Client.SendAsync(Get("/simple/alpha/?format=" + Uri.EscapeDataString(Json), "text/html"));
        Assert.Equal(Json, viaQuery.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("/simple/Alpha_Pkg/", "/simple/alpha-pkg/")]
    [InlineData("/simple/alpha.pkg", "/simple/alpha-pkg/")]
    [InlineData("/simple/alpha-pkg", "/simple/alpha-pkg/")]
    [InlineData("/simple", "/simple/")]
    public async Task Non_canonical_urls_redirect_to_the_normalized_name(string path, string location)
    {
        await using var index = await TestIndex.StartAsync();
        using var response = await index.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal(location, response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Unknown_projects_are_404()
    {
        await using var index = await TestIndex.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await index.Client.GetAsync("/simple/nothing-here/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await index.Client.GetAsync("/simple/-bad-/")).StatusCode);
    }

    [Fact]
    public async Task Yanked_release_shows_its_reason_and_unyank_clears_it()
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("alpha");
        await index.UploadWheelAsync(token, "alpha", "1.0");
        await index.UploadWheelAsync(token, "alpha", "1.1");
        var admin = await index.TokenAsync(null, admin: true);

        using var yank = new HttpRequestMessage(HttpMethod.Post, "/_admin/projects/alpha/releases/1.1/yank") { Content = JsonContent("{\"reason\":\"broken <build>\"}") };
        yank.Headers.Authorization = new("Bearer", admin);
        Assert.Equal(HttpStatusCode.OK, (await index.Client.SendAsync(yank)).StatusCode);

        var json = JsonDocument.Parse(await index.GetAsync("/simple/alpha/", Json)).RootElement;
        var yanked = json.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("filename").GetString()!.Contains("1.1"));
        Assert.Equal("broken <build>", yanked.GetProperty("yanked").GetString());
        Assert.Contains("data-yanked=\"broken &lt;build&gt;\">alpha-1.1-py3-none-any.whl", await index.GetAsync("/simple/alpha/", "text/html"));

        Assert.True((await index.Admin.YankAsync("alpha", "1.1", false, null)).Ok);
        json = JsonDocument.Parse(await index.GetAsync("/simple/alpha/", Json)).RootElement;
        Assert.All(json.GetProperty("files").EnumerateArray(), f => Assert.False(f.GetProperty("yanked").GetBoolean()));
    }

    [Fact]
    public async Task Quarantined_project_lists_no_files_and_refuses_downloads()
    {
        await using var index = await TestIndex.StartAsync();
        await index.UploadWheelAsync(await index.TokenAsync("alpha"), "alpha", "1.0");
        var url = JsonDocument.Parse(await index.GetAsync("/simple/alpha/", Json)).RootElement.GetProperty("files")[0].GetProperty("url").GetString()!;
        Assert.True((await index.Admin.SetStatusAsync("alpha", "quarantined", "malware reported")).Ok);

        var json = JsonDocument.Parse(await index.GetAsync("/simple/alpha/", Json)).RootElement;
        Assert.Equal("quarantined", json.GetProperty("project-status").GetProperty("status").GetString());
        Assert.Equal("malware reported", json.GetProperty("project-status").GetProperty("reason").GetString());
        Assert.Empty(json.GetProperty("files").EnumerateArray());
        var html = await index.GetAsync("/simple/alpha/", "text/html");
        Assert.Contains("<meta name=\"pypi:project-status\" content=\"quarantined\">", html);
        Assert.Contains("<meta name=\"pypi:project-status-reason\" content=\"malware reported\">", html);
        Assert.DoesNotContain("<a ", html);

        using var download = await index.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.Forbidden, download.StatusCode);
        Assert.Contains("malware reported", await download.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task Files_are_immutable_with_strong_etags_and_ranges(BlobBackend backend)
    {
        await using var index = await TestIndex.StartAsync(blobs: backend);
        await index.UploadWheelAsync(await index.TokenAsync("alpha"), "alpha", "1.0");
        var wheel = TestDistributions.Wheel("alpha", "1.0");
        var sha = Convert.ToHexStringLower(SHA256.HashData(wheel));
        var url = $"/files/{sha}/alpha-1.0-py3-none-any.whl";

        using var whole = await index.Client.GetAsync(url);
        Assert.Equal(wheel, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/zip", whole.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"\"{sha}\"", whole.Headers.ETag!.Tag);
        Assert.False(whole.Headers.ETag.IsWeak);
        Assert.Contains("immutable", whole.Headers.CacheControl!.ToString());

        var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(wheel.Length - 22, null); // the zip's end-of-central-directory
        using var tail = await index.Client.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        Assert.Equal(wheel[^22..], await tail.Content.ReadAsByteArrayAsync());
        var middle = new HttpRequestMessage(HttpMethod.Get, url);
        middle.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(30, 129); // a member, as lazy-wheel readers ask
        using var member = await index.Client.SendAsync(middle);
        Assert.Equal(HttpStatusCode.PartialContent, member.StatusCode);
        Assert.Equal(wheel[30..130], await member.Content.ReadAsByteArrayAsync());

        var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.TryAddWithoutValidation("If-None-Match", $"\"{sha}\"");
        Assert.Equal(HttpStatusCode.NotModified, (await index.Client.SendAsync(conditional)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await index.Client.GetAsync($"/files/{new string('0', 64)}/alpha-1.0-py3-none-any.whl")).StatusCode);
    }

    private static HttpRequestMessage Get(string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return request;
    }

    internal static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
