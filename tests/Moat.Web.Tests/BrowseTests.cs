using Moat.Packaging.Distributions;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Web.Tests;

public sealed class BrowseTests(WebFixture web) : IClassFixture<WebFixture>
{
    private const string HostileDescription = """
        # Fancy Widgets

        Widgets for **everyone**.

        <script>window.__pwned = 1; console.error('description script ran');</script>
        <img src="x" onerror="window.__pwned = 2">

        [click me](javascript:window.__pwned=3)

        ## Usage

        ```python
        import fancy_widgets
        ```
        """;

    private async Task UploadAsync(string name, string version, string? description = null)
    {
        var (_, secret, _) = await web.Server.Admin.CreateTokenAsync(name, false, "browse test");
        var metadata = TestDistributions.Metadata(name, version);
        if (description is not null) metadata = metadata.Replace("Summary: test package", "Summary: widgets, safely") + "Description-Content-Type: text/markdown\n\n" + description;
        var wheel = TestDistributions.Wheel(name, version, metadata: metadata);
        using var form = TestDistributions.UploadForm(name, version, TestDistributions.WheelFilename(name, version), wheel);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, web.Server.Url + "/legacy/") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:" + secret)));
        using var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"upload {name} {version}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Search_finds_a_project_and_its_page_shows_files_verdicts_install_command_and_a_sanitized_description()
    {
        await UploadAsync("fancy-widgets", "1.0.0", HostileDescription);
        await UploadAsync("fancy-widgets", "1.1.0", HostileDescription);
        await UploadAsync("plain-gadgets", "0.1");
        await using var browser = await web.NewSessionAsync();

        await browser.GoAsync("/");
        await browser.Page.GetByLabel("Search projects").FillAsync("Fancy_Widg"); // normalized: fancy-widg
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Search" }), "**/projects?q=*");
        var results = browser.Page.Locator(".project-list li");
        Assert.Equal(1, await results.CountAsync());
        await browser.ScreenshotAsync("projects-search");
        await browser.Page.ClickAndWaitForUrlAsync(results.GetByRole(AriaRole.Link), "**/projects/fancy-widgets");
        Assert.Equal("fancy-widgets · Moat", await browser.Page.TitleAsync());
        var main = await browser.Page.Locator("main").InnerTextAsync();
        Assert.Contains($"pip install --index-url {web.Server.Url}/simple/ fancy-widgets", main);
        Assert.Contains("widgets, safely", main);
        // Newest release first, each file with its hash and the gate's verdict.
        var releases = await browser.Page.Locator("section.card h3").AllInnerTextsAsync();
        Assert.Equal(["fancy-widgets 1.1.0", "fancy-widgets 1.0.0"], releases);
        var wheel = await web.Server.Store.GetFileAsync(TestDistributions.WheelFilename("fancy-widgets", "1.1.0"));
        Assert.Contains(wheel!.Sha256, main);
        Assert.Equal("clean", await browser.Page.Locator("#release-1\\.1\\.0 td .badge").First.InnerTextAsync());

        // The Markdown is rendered (headings, code), its HTML sanitized: the script, the image's handler and the javascript: link are gone.
        var description = browser.Page.Locator(".description");
        Assert.Equal("Usage", await description.Locator("h4").InnerTextAsync()); // demoted below the page's own h1/h2
        Assert.Equal(0, await description.Locator("script, img, [onerror]").CountAsync());
        Assert.DoesNotContain("__pwned", await description.InnerHTMLAsync());
        Assert.Equal(0, await browser.Page.Locator("a[href^='javascript:']").CountAsync());
        Assert.True(await browser.Page.EvaluateAsync<bool>("() => window.__pwned === undefined"));
        await browser.ScreenshotAsync("project");
        browser.AssertClean();
    }

    [Fact]
    public async Task Search_results_are_paginated_and_an_unknown_project_is_a_404_page()
    {
        for (var i = 0; i < 27; i++)
        {
            var name = $"paged-{i:00}";
            var file = new FileRecord($"{name}-1.0.tar.gz", name, "1.0", PackageType.Sdist, "source", null, new string('a', 63) + (i % 10), null, "00", 10,
                DateTimeOffset.UtcNow, null, false, null, FileState.Available, null, null, null);
            Assert.Equal(AddFileOutcome.Added, (await web.Server.Store.AddFileAsync(file, name)).Outcome);
        }
        await using var browser = await web.NewSessionAsync();
        await browser.GoAsync("/projects?q=paged");
        Assert.Contains("27 projects", await browser.Page.Locator("main h2").InnerTextAsync());
        Assert.Equal(25, await browser.Page.Locator(".project-list li").CountAsync());
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.GetByRole(AriaRole.Link, new() { Name = "Next" }), "**page=2");
        Assert.Equal(["paged-25", "paged-26"], await browser.Page.Locator(".project-list li strong").AllInnerTextsAsync());

        await browser.GoAsync("/projects/no-such-project", status: 404);
        Assert.Equal("Project not found · Moat", await browser.Page.TitleAsync());
        browser.AssertClean404();
    }
}
