using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Moat.Index;
using Moat.Index.Admin;
using Moat.Index.Proxy;
using Moat.Testing;

namespace Moat.Web.Tests;

/// <summary>
/// A server proxying a local static upstream (tests/Shared StaticUpstream) with the malicious verdict quarantining
/// and a 24-hour release-age gate, for the proxied project pages.
/// </summary>
public sealed class ProxyPagesFixture : WebFixture
{
    internal StaticUpstream Upstream { get; } = StaticUpstream.Start();
    private readonly DirectoryInfo _packed = Directory.CreateTempSubdirectory("moat-web-proxied-");

    protected override IndexOptions Configure(IndexOptions options) => options with
    {
        Proxy = options.Proxy with { Upstream = Upstream.SimpleUrl, MinReleaseAge = TimeSpan.FromHours(24) },
        OnMalicious = GatePolicyAction.Quarantine,
    };

    /// <summary>A defanged malicious sample (tests/fixtures/code/corpus/malicious/m093…) published upstream.</summary>
    internal StaticUpstream.Dist PublishMaliciousSample()
    {
        var packed = FixturePacker.PackCorpusSample("malicious", "m093-miner-obfuscated-pool", _packed.FullName);
        return Upstream.Add(packed.Project, packed.Filename, packed.Content);
    }

    /// <summary>What pip does through Moat: the project page, then the file (the proxy downloads and judges it).</summary>
    internal async Task<HttpStatusCode> InstallAsync(StaticUpstream.Dist dist)
    {
        using var http = new HttpClient();
        using var page = await http.GetAsync($"{Server.Url}/simple/{dist.Project}/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var file = await http.GetAsync($"{Server.Url}/files/{dist.Sha256}/{dist.Filename}");
        return file.StatusCode;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Upstream.Dispose();
        _packed.Delete(recursive: true);
    }
}

public sealed class ProxiedProjectTests(ProxyPagesFixture web) : IClassFixture<ProxyPagesFixture>
{
    private static ILocator Row(BrowserSession browser, StaticUpstream.Dist dist) => browser.Page.Locator($"tr[data-file='{dist.Filename}']");

    [Fact]
    public async Task A_proxied_project_page_shows_each_files_firewall_state_and_age_gate_without_asking_the_upstream()
    {
        var passed = web.Upstream.AddWheel("tidy-widgets", "1.0");
        var untouched = web.Upstream.AddWheel("tidy-widgets", "1.1");
        var young = web.Upstream.AddWheel("tidy-widgets", "2.0", uploadTime: DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(HttpStatusCode.OK, await web.InstallAsync(passed));
        var pageFetches = web.Upstream.Count("/simple/tidy-widgets/");

        await using var browser = await web.NewSessionAsync();
        await browser.GoAsync("/projects/tidy-widgets");
        Assert.Equal("tidy-widgets · Moat", await browser.Page.TitleAsync());
        var main = await browser.Page.Locator("main").InnerTextAsync();
        Assert.Contains($"Proxied from {web.Upstream.SimpleUrl}", main);
        Assert.Contains($"pip install --index-url {web.Server.Url}/simple/ tidy-widgets", main);
        Assert.Equal(["tidy-widgets 2.0", "tidy-widgets 1.1", "tidy-widgets 1.0"], await browser.Page.Locator("section.card h3").AllInnerTextsAsync());

        Assert.Equal("passed", await Row(browser, passed).Locator(".firewall-state").InnerTextAsync());
        Assert.Equal("clean", await Row(browser, passed).Locator(".badge", new() { HasText = "clean" }).InnerTextAsync());
        Assert.Contains(passed.Sha256, await Row(browser, passed).InnerTextAsync());
        Assert.Equal("not yet downloaded", await Row(browser, untouched).Locator(".firewall-state").InnerTextAsync());
        Assert.Equal(0, await Row(browser, untouched).Locator(".findings, .badge-ok").CountAsync()); // never judged: no verdict
        var held = await Row(browser, young).InnerTextAsync();
        Assert.Contains("held by release-age gate", held);
        Assert.Contains("younger than the release-age gate (24 hours)", held);
        Assert.DoesNotContain("held by release-age gate", await Row(browser, passed).InnerTextAsync());

        // Browsing shows what Moat holds: it never sent the upstream another request for the page.
        Assert.Equal(pageFetches, web.Upstream.Count("/simple/tidy-widgets/"));
        await browser.ScreenshotAsync("proxied-project");
        browser.AssertClean();
    }

    [Fact]
    public async Task A_quarantined_proxied_file_shows_its_verdict_and_findings_and_then_an_admins_release()
    {
        var sample = web.PublishMaliciousSample();
        Assert.Equal(HttpStatusCode.Forbidden, await web.InstallAsync(sample));

        await using var browser = await web.NewSessionAsync();
        await browser.GoAsync($"/projects/{sample.Project}");
        var row = Row(browser, sample);
        Assert.Equal("quarantined", await row.Locator(".firewall-state").InnerTextAsync());
        Assert.Equal("malicious", await row.Locator(".badge", new() { HasText = "malicious" }).First.InnerTextAsync());
        Assert.True(await row.Locator(".findings a[href^='/rules/MOAT-']").CountAsync() > 0);
        await browser.ScreenshotAsync("proxied-project-quarantined");

        var admin = web.Server.App.Services.GetRequiredService<ProxyAdmin>();
        Assert.True((await admin.ReleaseAsync(sample.Sha256, "reviewed: false positive")).Ok);
        await browser.GoAsync($"/projects/{sample.Project}");
        Assert.Equal("released by an admin", await row.Locator(".firewall-state").InnerTextAsync());
        Assert.Contains("reviewed: false positive", await row.InnerTextAsync());
        browser.AssertClean();
    }

    [Fact]
    public async Task A_lookalike_name_shows_the_proxys_refusal_and_an_unseen_name_is_a_404()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.GoAsync("/projects/reqeusts", status: 403);
        Assert.Equal("reqeusts · Moat", await browser.Page.TitleAsync());
        var refusal = await browser.Page.Locator(".notice-error").InnerTextAsync();
        Assert.Contains("lookalike", refusal);
        Assert.Contains("requests", refusal);
        Assert.Equal(0, web.Upstream.Count("/simple/reqeusts/")); // refused at the door: nothing asked upstream
        await browser.ScreenshotAsync("proxied-lookalike-refused");
        browser.AssertCleanExcept("403 (Forbidden)");

        await using var other = await web.NewSessionAsync();
        await other.GoAsync("/projects/never-fetched-thing", status: 404);
        Assert.Contains("has not fetched it from an upstream yet", await other.Page.Locator("main").InnerTextAsync());
        Assert.Equal(0, web.Upstream.Count("/simple/never-fetched-thing/"));
        other.AssertClean404();
    }

    [Fact]
    public async Task Search_lists_cached_proxied_projects_apart_and_a_hosted_name_wins()
    {
        var gadget = web.Upstream.AddWheel("shared-gadget", "1.0");
        Assert.Equal(HttpStatusCode.OK, await web.InstallAsync(web.Upstream.AddWheel("proxied-gadget", "3.0")));
        Assert.Equal(HttpStatusCode.OK, await web.InstallAsync(gadget));

        await using var browser = await web.NewSessionAsync();
        await browser.GoAsync("/projects?q=gadget");
        Assert.Equal(["proxied-gadget", "shared-gadget"], await browser.Page.Locator(".proxied-list li strong").AllInnerTextsAsync());
        Assert.Contains("proxied", await browser.Page.Locator(".proxied-list li").First.InnerTextAsync());
        Assert.Equal(0, await browser.Page.Locator(".project-list li").CountAsync());
        await browser.ScreenshotAsync("projects-search-proxied");

        // The same name uploaded here: the hosted project is the one shown, searched and installed.
        var (_, secret, token) = await web.Server.Admin.CreateTokenAsync(null, true, "hosted wins");
        var wheel = TestDistributions.Wheel("shared-gadget", "0.5");
        using var form = TestDistributions.UploadForm("shared-gadget", "0.5", TestDistributions.WheelFilename("shared-gadget", "0.5"), wheel);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, web.Server.Url + "/legacy/") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:" + secret)));
        using var uploaded = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);

        await browser.GoAsync("/projects?q=gadget");
        Assert.Equal(["proxied-gadget"], await browser.Page.Locator(".proxied-list li strong").AllInnerTextsAsync());
        Assert.Equal(["shared-gadget"], await browser.Page.Locator(".project-list li strong").AllInnerTextsAsync());
        await browser.GoAsync("/projects/shared-gadget");
        Assert.Equal(0, await browser.Page.Locator("h1 .badge").CountAsync()); // not marked proxied
        var main = await browser.Page.Locator("main").InnerTextAsync();
        Assert.Contains("shared-gadget 0.5", main);
        Assert.DoesNotContain(gadget.Filename, main);
        Assert.Contains($"by admin token {token!.Id}", main); // an admin token has no owner: named as the token
        browser.AssertClean();
    }
}
