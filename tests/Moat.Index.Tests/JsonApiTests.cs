using Moat.Packaging;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>The JSON API (<c>/pypi/&lt;project&gt;/json</c>) in Warehouse's shape, with the simple API's visibility.</summary>
public sealed class JsonApiTests
{
    /// <summary>Core metadata 2.4 with the fields tools read from the JSON API.</summary>
    private static string RichMetadata(string version) => $"""
        Metadata-Version: 2.4
        Name: Alpha_Pkg
        Version: {version}
        Summary: Alpha does things
        Home-page: https://alpha.example.com
        Author: Ada Lovelace
        Author-email: ada@example.com
        Maintainer: Bob Maintainer
        License-Expression: MIT OR Apache-2.0
        License-File: LICENSE
        Keywords: alpha,things
        Classifier: Programming Language :: Python :: 3
        Classifier: Operating System :: OS Independent
        Requires-Python: >=3.9
        Requires-Dist: requests>=2
        Requires-Dist: rich; extra == "pretty"
        Provides-Extra: pretty
        Project-URL: Source, https://git.example.com/alpha
        Project-URL: Issues, https://git.example.com/alpha/issues
        Description-Content-Type: text/markdown

        # Alpha

        Does things.

        """.Replace("\r\n", "\n");

    private static async Task UploadAsync(TestIndex index, string token, string version, string? metadata = null)
    {
        var wheel = TestDistributions.Wheel("alpha-pkg", version, metadata: metadata ?? RichMetadata(version));
        using var response = await index.UploadAsync(token, TestDistributions.UploadForm("alpha-pkg", version, TestDistributions.WheelFilename("alpha-pkg", version), wheel));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{version}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> GetJsonAsync(TestIndex index, string path)
    {
        var response = await index.Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement.Clone() : default, response);
    }

    [Fact]
    public async Task Project_json_describes_the_latest_stable_release_with_its_metadata_files_and_every_release()
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("alpha-pkg");
        await UploadAsync(index, token, "1.0");
        var sdist = TestDistributions.Sdist("alpha-pkg", "1.0");
        using (var r = await index.UploadAsync(token, TestDistributions.UploadForm("alpha-pkg", "1.0", TestDistributions.SdistFilename("alpha-pkg", "1.0"), sdist, wheel: false)))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        await UploadAsync(index, token, "1.1");
        await UploadAsync(index, token, "2.0rc1");
        Assert.True((await index.Admin.YankAsync("alpha-pkg", "1.1", true, "broken build")).Ok);

        var (status, json, response) = await GetJsonAsync(index, "/pypi/alpha-pkg/json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var info = json.GetProperty("info");
        // 1.1 is yanked and 2.0rc1 a pre-release: the project is described by 1.0, as on PyPI.
        Assert.Equal("1.0", info.GetProperty("version").GetString());
        Assert.Equal("alpha-pkg", info.GetProperty("name").GetString());
        Assert.Equal("Alpha does things", info.GetProperty("summary").GetString());
        Assert.Equal("text/markdown", info.GetProperty("description_content_type").GetString());
        Assert.Contains("Does things.", info.GetProperty("description").GetString());
        Assert.Equal("MIT OR Apache-2.0", info.GetProperty("license_expression").GetString());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("license").ValueKind);
        Assert.Equal(["LICENSE"], info.GetProperty("license_files").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Ada Lovelace", info.GetProperty("author").GetString());
        Assert.Equal("ada@example.com", info.GetProperty("author_email").GetString());
        Assert.Equal("Bob Maintainer", info.GetProperty("maintainer").GetString());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("maintainer_email").ValueKind);
        Assert.Equal("alpha,things", info.GetProperty("keywords").GetString());
        Assert.Equal(["Programming Language :: Python :: 3", "Operating System :: OS Independent"], info.GetProperty("classifiers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(">=3.9", info.GetProperty("requires_python").GetString());
        Assert.Equal(["requests>=2", "rich; extra == \"pretty\""], info.GetProperty("requires_dist").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["pretty"], info.GetProperty("provides_extra").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("https://alpha.example.com", info.GetProperty("home_page").GetString());
        var urls = info.GetProperty("project_urls");
        Assert.Equal(["Homepage", "Source", "Issues"], urls.EnumerateObject().Select(p => p.Name));
        Assert.Equal("https://git.example.com/alpha/issues", urls.GetProperty("Issues").GetString());
        Assert.Equal("http://localhost/projects/alpha-pkg", info.GetProperty("package_url").GetString());
        Assert.Equal("http://localhost/projects/alpha-pkg/1.0", info.GetProperty("release_url").GetString());
        Assert.False(info.GetProperty("yanked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("yanked_reason").ValueKind);
        Assert.Equal(-1, info.GetProperty("downloads").GetProperty("last_month").GetInt32());

        // urls: the release's files, sdist and wheel, with Warehouse's keys.
        var files = json.GetProperty("urls").EnumerateArray().ToList();
        Assert.Equal([TestDistributions.WheelFilename("alpha-pkg", "1.0"), TestDistributions.SdistFilename("alpha-pkg", "1.0")],
            files.Select(f => f.GetProperty("filename").GetString())); // by filename, as Warehouse lists them
        var sdistJson = files.Single(f => f.GetProperty("packagetype").GetString() == "sdist");
        var sha = Convert.ToHexStringLower(SHA256.HashData(sdist));
        Assert.Equal(sha, sdistJson.GetProperty("digests").GetProperty("sha256").GetString());
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(sdist)), sdistJson.GetProperty("digests").GetProperty("md5").GetString());
        Assert.Equal(sdistJson.GetProperty("digests").GetProperty("md5").GetString(), sdistJson.GetProperty("md5_digest").GetString());
        Assert.Matches("^[0-9a-f]{64}$", sdistJson.GetProperty("digests").GetProperty("blake2b_256").GetString());
        Assert.Equal(sdist.Length, sdistJson.GetProperty("size").GetInt64());
        Assert.Equal("source", sdistJson.GetProperty("python_version").GetString());
        Assert.Equal($"http://localhost/files/{sha}/{TestDistributions.SdistFilename("alpha-pkg", "1.0")}", sdistJson.GetProperty("url").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$", sdistJson.GetProperty("upload_time").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", sdistJson.GetProperty("upload_time_iso_8601").GetString());
        Assert.StartsWith(sdistJson.GetProperty("upload_time").GetString()!, sdistJson.GetProperty("upload_time_iso_8601").GetString());
        Assert.False(sdistJson.GetProperty("yanked").GetBoolean());
        Assert.Equal("py3", files.Single(f => f.GetProperty("packagetype").GetString() == "bdist_wheel").GetProperty("python_version").GetString());

        // Every release, yanked ones included (marked), newest first; no vulnerabilities; the serial in body and header.
        var releases = json.GetProperty("releases");
        Assert.Equal(["2.0rc1", "1.1", "1.0"], releases.EnumerateObject().Select(p => p.Name));
        var yanked = releases.GetProperty("1.1").EnumerateArray().Single();
        Assert.True(yanked.GetProperty("yanked").GetBoolean());
        Assert.Equal("broken build", yanked.GetProperty("yanked_reason").GetString());
        Assert.Equal(0, json.GetProperty("vulnerabilities").GetArrayLength());
        var serial = json.GetProperty("last_serial").GetInt64();
        Assert.Equal((await index.Store.GetProjectAsync(NormalizedName.Of("alpha-pkg")))!.LastSerial, serial);
        Assert.Equal(serial.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-PyPI-Last-Serial").Single());
    }

    [Fact]
    public async Task Release_json_names_one_release_and_held_files_never_appear()
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("alpha-pkg");
        await UploadAsync(index, token, "1.0");
        await UploadAsync(index, token, "1.1");
        await UploadAsync(index, token, "1.2");
        Assert.True((await index.Admin.YankAsync("alpha-pkg", "1.1", true, "broken build")).Ok);
        Assert.True(await index.Store.ChangeFileStateAsync(TestDistributions.WheelFilename("alpha-pkg", "1.2"), FileState.Available, FileState.Quarantined, "held for review"));

        var (status, json, _) = await GetJsonAsync(index, "/pypi/alpha-pkg/1.1/json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("1.1", json.GetProperty("info").GetProperty("version").GetString());
        Assert.True(json.GetProperty("info").GetProperty("yanked").GetBoolean());
        Assert.Equal("broken build", json.GetProperty("info").GetProperty("yanked_reason").GetString());
        Assert.False(json.TryGetProperty("releases", out _)); // as on PyPI: only the project endpoint lists every release
        Assert.Equal(TestDistributions.WheelFilename("alpha-pkg", "1.1"), json.GetProperty("urls")[0].GetProperty("filename").GetString());
        // 1.0 spelled 1.0.0 is the same release (PEP 440).
        Assert.Equal("1.0", (await GetJsonAsync(index, "/pypi/alpha-pkg/1.0.0/json")).Body.GetProperty("info").GetProperty("version").GetString());

        // The quarantined file's release does not exist for clients, nor is it the latest.
        var (held, body, _) = await GetJsonAsync(index, "/pypi/alpha-pkg/1.2/json");
        Assert.Equal(HttpStatusCode.NotFound, held);
        Assert.Equal("Not Found", body.GetProperty("message").GetString());
        var project = (await GetJsonAsync(index, "/pypi/alpha-pkg/json")).Body;
        Assert.Equal("1.0", project.GetProperty("info").GetProperty("version").GetString());
        Assert.Equal(["1.1", "1.0"], project.GetProperty("releases").EnumerateObject().Select(p => p.Name));
        // Not under another release either (a bare "1.2" would also match upload times such as ...:41.29Z).
        var heldFile = TestDistributions.WheelFilename("alpha-pkg", "1.2");
        Assert.DoesNotContain(heldFile, JsonSerializer.Serialize(project));

        // A quarantined project shows nothing, like its simple page; unknown projects and versions are 404.
        Assert.True(await index.Store.SetProjectStatusAsync(NormalizedName.Of("alpha-pkg"), ProjectStatus.Quarantined, "under review"));
        Assert.Equal(HttpStatusCode.NotFound, (await GetJsonAsync(index, "/pypi/alpha-pkg/json")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetJsonAsync(index, "/pypi/no-such/json")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetJsonAsync(index, "/pypi/alpha-pkg/9.9/json")).Status);
    }

    [Theory]
    [InlineData("/pypi/Alpha_Pkg/json", "/pypi/alpha-pkg/json")]
    [InlineData("/pypi/Alpha.Pkg/1.0/json", "/pypi/alpha-pkg/1.0/json")]
    public async Task Non_normalized_names_redirect(string path, string location)
    {
        await using var index = await TestIndex.StartAsync();
        await UploadAsync(index, await index.TokenAsync("alpha-pkg"), "1.0");
        var (status, _, response) = await GetJsonAsync(index, path);
        Assert.Equal(HttpStatusCode.MovedPermanently, status);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Authenticated_reads_cover_the_json_api()
    {
        await using var index = await TestIndex.StartAsync(o => o with { Security = o.Security with { Read = Accounts.ReadAccess.Authenticated } });
        var token = await index.TokenAsync("alpha-pkg");
        await UploadAsync(index, token, "1.0");
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetJsonAsync(index, "/pypi/alpha-pkg/json")).Status);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/pypi/alpha-pkg/json");
        request.Headers.Authorization = TestIndex.Basic(token);
        using var response = await index.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
