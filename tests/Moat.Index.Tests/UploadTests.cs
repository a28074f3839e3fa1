using System.Net;
using System.Text.Json;
using Moat.Testing;

namespace Moat.Index.Tests;

public sealed class UploadTests
{
    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task Identical_reupload_is_ok_other_content_is_refused_and_deleted_names_stay_used(BlobBackend backend)
    {
        await using var index = await TestIndex.StartAsync(blobs: backend);
        var token = await index.TokenAsync("alpha");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "1.0")).StatusCode);

        var other = TestDistributions.Wheel("alpha", "1.0", module: "CHANGED = True\n");
        using var conflict = await index.UploadAsync(token, TestDistributions.UploadForm("alpha", "1.0", "alpha-1.0-py3-none-any.whl", other));
        Assert.Equal(HttpStatusCode.BadRequest, conflict.StatusCode);
        Assert.StartsWith("File already exists", conflict.ReasonPhrase);
        Assert.Contains("File already exists", await conflict.Content.ReadAsStringAsync());

        Assert.True((await index.Admin.DeleteFileAsync("alpha-1.0-py3-none-any.whl")).Ok);
        using var reuse = await index.UploadWheelAsync(token, "alpha", "1.0");
        Assert.Equal(HttpStatusCode.BadRequest, reuse.StatusCode);
        Assert.Contains("already been used", reuse.ReasonPhrase);
    }

    [Fact]
    public async Task Credentials_are_required_and_tokens_are_scoped_to_their_project()
    {
        await using var index = await TestIndex.StartAsync();
        var form = () => TestDistributions.UploadForm("alpha", "1.0", "alpha-1.0-py3-none-any.whl", TestDistributions.Wheel("alpha", "1.0"));

        using var anonymous = await index.Client.PostAsync("/legacy/", form());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString());

        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadAsync("moat-not-a-real-token", form())).StatusCode);
        using var wrong = await index.UploadAsync(await index.TokenAsync("beta"), form());
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Contains("scoped to 'beta'", wrong.ReasonPhrase);

        var bearer = new HttpRequestMessage(HttpMethod.Post, "/legacy") { Content = form() };
        bearer.Headers.Authorization = new("Bearer", await index.TokenAsync("alpha"));
        Assert.Equal(HttpStatusCode.OK, (await index.Client.SendAsync(bearer)).StatusCode);

        var revokedId = (await index.Admin.CreateTokenAsync("alpha", false, null));
        Assert.True((await index.Admin.RevokeTokenAsync(revokedId.Token!.Id)).Ok);
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadAsync(revokedId.Secret!, form())).StatusCode);
    }

    [Theory]
    [InlineData("sha256", "The digest supplied does not match")]
    [InlineData("name", "names project 'other'")]
    [InlineData("version", "says version '2.0'")]
    [InlineData("filename", "Invalid file extension")]
    [InlineData("wheel-name", "Invalid wheel filename")]
    [InlineData("filetype", "does not match the file")]
    public async Task Uploads_that_disagree_with_their_file_are_refused(string defect, string message)
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("alpha");
        var wheel = defect switch
        {
            "name" => TestDistributions.Wheel("alpha", "1.0", metadata: TestDistributions.Metadata("other", "1.0")),
            "version" => TestDistributions.Wheel("alpha", "1.0", metadata: TestDistributions.Metadata("alpha", "2.0")),
            _ => TestDistributions.Wheel("alpha", "1.0"),
        };
        var filename = defect switch { "filename" => "alpha-1.0.exe", "wheel-name" => "alpha-1.0-py3-none.whl", _ => "alpha-1.0-py3-none-any.whl" };
        var extra = defect == "filetype" ? new Dictionary<string, string>() : null;
        var form = TestDistributions.UploadForm("alpha", "1.0", filename, wheel, wheel: defect != "filetype", sha256: defect == "sha256" ? new string('a', 64) : null, extra: extra);

        using var response = await index.UploadAsync(token, form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, response.ReasonPhrase);
        Assert.Null(await index.Store.GetFileAsync(filename));
        // The refusal is a stored verdict when the gate made it (sha256 known, file inspected).
        if (defect is "name" or "version" or "filetype")
        {
            var verdict = await index.Store.GetVerdictAsync(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(wheel)));
            Assert.Equal("reject", verdict!.Action);
        }
    }

    [Fact]
    public async Task Sdists_are_accepted_without_advertised_metadata()
    {
        await using var index = await TestIndex.StartAsync();
        var sdist = TestDistributions.Sdist("alpha", "1.0", ">=3.9");
        using var response = await index.UploadAsync(await index.TokenAsync("alpha"), TestDistributions.UploadForm("alpha", "1.0", "alpha-1.0.tar.gz", sdist, wheel: false));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = JsonDocument.Parse(await index.GetAsync("/simple/alpha/", "application/vnd.pypi.simple.v1+json")).RootElement.GetProperty("files")[0];
        Assert.Equal(">=3.9", file.GetProperty("requires-python").GetString());
        Assert.False(file.GetProperty("core-metadata").GetBoolean());
        Assert.Equal("application/gzip", (await index.Client.GetAsync(file.GetProperty("url").GetString())).Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Archived_projects_refuse_uploads()
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("alpha");
        await index.UploadWheelAsync(token, "alpha", "1.0");
        Assert.True((await index.Admin.SetStatusAsync("alpha", "archived", "moved to beta")).Ok);
        using var response = await index.UploadWheelAsync(token, "alpha", "1.1");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("archived", response.ReasonPhrase);
        // Existing files stay downloadable (PEP 792).
        var file = JsonDocument.Parse(await index.GetAsync("/simple/alpha/", "application/vnd.pypi.simple.v1+json")).RootElement.GetProperty("files")[0];
        Assert.Equal(HttpStatusCode.OK, (await index.Client.GetAsync(file.GetProperty("url").GetString())).StatusCode);
    }

    [Fact]
    public async Task Admin_api_needs_an_admin_token()
    {
        await using var index = await TestIndex.StartAsync();
        using var anonymous = await index.Client.PostAsync("/_admin/tokens", SimpleApiTests.JsonContent("{\"project\":\"alpha\"}"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var scoped = new HttpRequestMessage(HttpMethod.Post, "/_admin/tokens") { Content = SimpleApiTests.JsonContent("{\"project\":\"alpha\"}") };
        scoped.Headers.Authorization = new("Bearer", await index.TokenAsync("alpha"));
        Assert.Equal(HttpStatusCode.Forbidden, (await index.Client.SendAsync(scoped)).StatusCode);

        var admin = new HttpRequestMessage(HttpMethod.Post, "/_admin/tokens") { Content = SimpleApiTests.JsonContent("{\"project\":\"alpha\"}") };
        admin.Headers.Authorization = new("Bearer", await index.TokenAsync(null, admin: true));
        using var created = await index.Client.SendAsync(admin);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        Assert.StartsWith("moat-", secret);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(secret, "alpha", "1.0")).StatusCode);
    }

    [Fact]
    public async Task Metrics_and_health_report_uploads()
    {
        await using var index = await TestIndex.StartAsync();
        await index.UploadWheelAsync(await index.TokenAsync("alpha"), "alpha", "1.0");
        var metrics = await index.Client.GetStringAsync("/metrics");
        Assert.Matches(@"moat_uploads_total\{result=""accepted""\} [1-9]", metrics);
        Assert.Matches(@"moat_gate_verdicts_total\{verdict=""clean"",action=""accept""\} [1-9]", metrics);
        Assert.Contains("moat_http_request_duration_seconds_bucket{route=\"upload\",le=\"+Inf\"}", metrics);
        Assert.Contains("\"status\":\"ok\"", await index.Client.GetStringAsync("/healthz"));
    }
}
