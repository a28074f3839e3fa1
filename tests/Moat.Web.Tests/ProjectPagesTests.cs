using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using Moat.Testing;

namespace Moat.Web.Tests;

/// <summary>
/// The pages pypi.org users expect, in Chromium at phone (390 px) and desktop (1280 px) widths: the project sidebar
/// from the stored core metadata, release pages, search summaries, a rendered reStructuredText description, the
/// uploader by token owner and name, a files table that keeps filenames readable on a phone; and the JSON API read
/// by a real Python client.
/// </summary>
public sealed class ProjectPagesTests(WebFixture web) : IClassFixture<WebFixture>
{
    private const string Project = "widgetry-enterprise-connectors";

    private static string Metadata(string version) => $"""
        Metadata-Version: 2.4
        Name: widgetry-enterprise-connectors
        Version: {version}
        Summary: Connectors for widgets, safely
        Home-page: https://widgetry.example.com
        Author: Ada Lovelace
        Maintainer-email: Grace Hopper <grace@example.com>
        License-Expression: MIT OR Apache-2.0
        Classifier: Programming Language :: Python :: 3
        Classifier: Programming Language :: Python :: 3.12
        Classifier: Operating System :: OS Independent
        Requires-Python: >=3.9
        Requires-Dist: requests>=2
        Project-URL: Source, https://git.example.com/widgetry
        Project-URL: Evil, javascript:alert(1)
        Description-Content-Type: text/x-rst

        Widgetry
        ========

        **Connectors** for ``widgets``. See `the docs <https://widgetry.example.com/docs>`_.

        Install::

            pip install widgetry-enterprise-connectors

        - fast
        - safe

        """.Replace("\r\n", "\n");

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<WebServer, Task> Published = new();

    /// <summary>Signs alice up and uploads each version with her token "ci-release", once per server.</summary>
    private Task PublishAsync()
    {
        lock (Published) return Published.GetValue(web.Server, _ => PublishOnceAsync());
    }

    private async Task PublishOnceAsync()
    {
        await using var alice = await web.NewSessionAsync();
        await alice.SignUpAndInAsync("alice", totp: true);
        var link = AccountFlows.VerificationLink(web.Server, "alice");
        var (verified, answer) = await alice.ApiAsync("POST", "/_/account/verify-email", new { token = link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..] });
        Assert.True(verified == 200, $"verify: {verified} {answer}");
        Assert.True((await web.Server.Admin.GrantClaimAsync(Project, "alice", "alice's project")).Ok);
        var (status, body) = await alice.ApiAsync("POST", "/_/account/tokens", new { description = "ci-release", projects = new[] { Project } });
        Assert.True(status == 201, $"token: {status} {body}");
        var token = body.GetProperty("token").GetString()!;
        using var http = new HttpClient { BaseAddress = new Uri(web.Server.Url) };
        foreach (var version in new[] { "1.0", "2.0" })
        {
            var wheel = TestDistributions.Wheel(Project, version, metadata: Metadata(version));
            using var request = new HttpRequestMessage(HttpMethod.Post, "/legacy/")
            {
                Content = TestDistributions.UploadForm(Project, version, TestDistributions.WheelFilename(Project, version), wheel),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:" + token)));
            using var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"upload {version}: {response.StatusCode} {response.ReasonPhrase}");
        }
        Assert.True((await web.Server.Admin.YankAsync(Project, "1.0", true, "wrong licence")).Ok);
    }

    [Theory]
    [MemberData(nameof(PageWidths.Each), MemberType = typeof(PageWidths))]
    public async Task Project_page_has_the_sidebar_release_history_rendered_description_and_readable_files(int width, int height)
    {
        await PublishAsync();
        await using var browser = await web.NewSessionAsync();
        await browser.Page.SetViewportSizeAsync(width, height);
        await browser.GoAsync($"/projects/{Project}");
        var page = browser.Page;

        var sidebar = page.Locator("aside.sidebar");
        Assert.Equal("https://widgetry.example.com", await sidebar.GetByRole(AriaRole.Link, new() { Name = "Homepage" }).GetAttributeAsync("href"));
        Assert.Equal("https://git.example.com/widgetry", await sidebar.GetByRole(AriaRole.Link, new() { Name = "Source" }).GetAttributeAsync("href"));
        Assert.Equal(0, await sidebar.GetByRole(AriaRole.Link, new() { Name = "Evil" }).CountAsync()); // a javascript: URL is text, never a link
        var meta = await sidebar.Locator("dl.meta").InnerTextAsync();
        Assert.Contains("MIT OR Apache-2.0", meta);
        Assert.Contains("Ada Lovelace", meta);
        Assert.Contains("Grace Hopper", meta);
        Assert.DoesNotContain("grace@example.com", meta);
        Assert.Contains("Python >=3.9", meta);
        Assert.Contains("alice", await sidebar.Locator(".collaborators").InnerTextAsync());
        Assert.Contains("3.12", await sidebar.Locator(".classifiers").InnerTextAsync());

        // The latest release is described; the history lists both with dates and links to their pages.
        Assert.Contains("2.0", await page.Locator("h1 .version").InnerTextAsync());
        var history = await page.Locator("ul.releases li").AllInnerTextsAsync();
        Assert.Equal(2, history.Count);
        Assert.Matches(@"^2\.0\s+\d{4}-\d\d-\d\d", history[0]);
        Assert.Contains("yanked", history[1]);

        // The reStructuredText description is rendered, not shown as text.
        var description = page.Locator(".description");
        Assert.Equal("Widgetry", await description.Locator("h3").InnerTextAsync());
        Assert.Equal("Connectors", await description.Locator("strong").InnerTextAsync());
        Assert.Equal("https://widgetry.example.com/docs", await description.GetByRole(AriaRole.Link, new() { Name = "the docs" }).GetAttributeAsync("href"));
        Assert.Contains("pip install widgetry-enterprise-connectors", await description.Locator("pre").InnerTextAsync());

        // Who uploaded: alice's token by its name, never its id.
        Assert.Contains("by token of alice (ci-release)", await page.Locator("#release-2\\.0").InnerTextAsync());

        // The filename wraps at most at its punctuation: many characters per line, and the page never scrolls sideways.
        var perLine = await page.EvaluateAsync<double>("""
            () => { const a = document.querySelector('#release-2\\.0 a.filename'); return a.textContent.length / a.getClientRects().length; }
            """);
        Assert.True(perLine >= 12, $"the filename shows {perLine:0.#} characters per line at {width} px");
        await browser.ScreenshotAsync($"project-sidebar-{width}");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        browser.AssertClean();
    }

    [Theory]
    [MemberData(nameof(PageWidths.Each), MemberType = typeof(PageWidths))]
    public async Task Release_page_shows_its_date_yank_and_only_its_files_and_search_shows_summaries(int width, int height)
    {
        await PublishAsync();
        await using var browser = await web.NewSessionAsync();
        await browser.Page.SetViewportSizeAsync(width, height);
        var page = browser.Page;

        await browser.GoAsync($"/projects/{Project}/1.0");
        Assert.Equal($"{Project} 1.0 · Moat", await page.TitleAsync());
        var main = await page.Locator("main").InnerTextAsync();
        Assert.Matches(@"Released \d{4}-\d\d-\d\d \d\d:\d\d UTC", main);
        Assert.Contains("yanked: wrong licence", main);
        Assert.Contains($"pip install --index-url {web.Server.Url}/simple/ {Project}==1.0", main);
        Assert.Equal([$"{Project} 1.0"], await page.Locator("section.card h3").AllInnerTextsAsync());
        Assert.DoesNotContain(TestDistributions.WheelFilename(Project, "2.0"), main);
        await browser.ScreenshotAsync($"release-page-{width}");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        await browser.GoAsync($"/projects/{Project}/9.9", status: 404);
        browser.AssertClean404();

        await browser.GoAsync("/projects?q=widgetry");
        Assert.Equal("Connectors for widgets, safely", await page.Locator(".project-list li .summary").InnerTextAsync());
        // Name and date apart: "widgetry-enterprise-connectors created 2026-…", never "connectorscreated".
        Assert.Matches($@"^{Project}\s+created \d{{4}}-\d\d-\d\d\s", await page.Locator(".project-list li").InnerTextAsync());
        await browser.ScreenshotAsync($"search-summaries-{width}");
    }

    [Fact]
    public async Task The_json_api_serves_a_real_python_client()
    {
        await PublishAsync();
        // What a licence checker or updater does with urllib: read the JSON, then download the file and check its digest.
        const string client = """
            import hashlib, json, sys, urllib.request
            base, project = sys.argv[1], sys.argv[2]
            with urllib.request.urlopen(f"{base}/pypi/{project}/json") as r:
                doc = json.load(r)
            info = doc["info"]
            f = doc["urls"][0]
            with urllib.request.urlopen(f["url"]) as r:
                data = r.read()
            assert hashlib.sha256(data).hexdigest() == f["digests"]["sha256"], "digest mismatch"
            assert len(data) == f["size"], "size mismatch"
            print(info["name"], info["version"], info["license_expression"], info["requires_python"], sorted(doc["releases"]), doc["releases"]["1.0"][0]["yanked"], f["filename"])
            """;
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-c", client, web.Server.Url, Project }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, await error);
        Assert.Equal($"{Project} 2.0 MIT OR Apache-2.0 >=3.9 ['1.0', '2.0'] True {TestDistributions.WheelFilename(Project, "2.0")}", (await output).Trim());
    }
}
