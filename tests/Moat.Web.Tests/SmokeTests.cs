namespace Moat.Web.Tests;

public sealed class SmokeTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task Home_page_renders_with_title_layout_and_no_console_errors_or_csp_violations()
    {
        await using var browser = await web.NewSessionAsync();
        var response = await browser.GoAsync("/");

        Assert.Equal("Home · Moat", await browser.Page.TitleAsync());
        Assert.Equal("Moat package index", await browser.Page.Locator("h1").InnerTextAsync());
        Assert.Contains($"pip install --index-url {web.Server.Url}/simple/", await browser.Page.Locator("main").InnerTextAsync());
        Assert.Equal("Search projects", await browser.Page.Locator("label[for=q]").InnerTextAsync());
        // The stylesheet loaded and applied (fingerprinted URL, long cache): the header has its background.
        var css = await browser.Page.Locator("link[rel=stylesheet]").GetAttributeAsync("href");
        Assert.Matches(@"^/static/moat\.[0-9a-f]{12}\.css$", css);
        Assert.Equal("rgb(255, 255, 255)", await browser.Page.Locator("header.site-header").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        var headers = response.Headers;
        Assert.Equal(Moat.Index.Web.WebPages.ContentSecurityPolicy, headers["content-security-policy"]);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
        await browser.ScreenshotAsync("home");
        browser.AssertClean();
    }

    [Fact]
    public async Task An_inline_script_is_reported_as_a_csp_violation()
    {
        // The collector itself must be able to fail: a page injecting an inline script under our CSP is caught.
        await using var browser = await web.NewSessionAsync();
        await browser.GoAsync("/");
        await browser.Page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.appendChild(s); }");
        await browser.Page.WaitForTimeoutAsync(200);
        Assert.Contains(browser.Problems, p => p.Contains("script-src", StringComparison.Ordinal));
    }
}
