using Moat.Packaging.Distributions;
using Moat.Analysis;

namespace Moat.Web.Tests;

/// <summary>Lighthouse-style basics on every page this branch serves, visited as an administrator with data on each.</summary>
public sealed class EveryPageTests(FirewallFixture web) : IClassFixture<FirewallFixture>
{
    [Fact]
    public async Task Every_page_has_a_title_labelled_inputs_ordered_headings_and_no_console_errors_or_csp_violations()
    {
        var dist = await web.QuarantinedSampleAsync();
        var hosted = new Moat.Index.Storage.FileRecord("hosted_demo-1.0.tar.gz", "hosted-demo", "1.0", PackageType.Sdist, "source", null, new string('c', 64), null, "00", 2048,
            DateTimeOffset.UtcNow, null, true, "broken build", Moat.Index.Storage.FileState.Available, null, null, "alice");
        await web.Server.Store.AddFileAsync(hosted, "hosted-demo");
        var held = hosted with { Filename = "hosted_demo-2.0.tar.gz", Version = "2.0", Sha256 = new string('d', 64), Yanked = false, YankedReason = null,
            State = Moat.Index.Storage.FileState.Quarantined, StateReason = "judged malicious" };
        await web.Server.Store.AddFileAsync(held, "hosted-demo");
        await using var browser = await web.NewSessionAsync();
        await browser.SignInAsAdminAsync();
        string[] pages =
        [
            "/", "/projects", "/projects?q=colo", "/projects/hosted-demo", $"/projects/{dist.Project}", "/rules", $"/rules/{RuleCatalog.All[0].Id}",
            "/firewall", $"/firewall/files/{dist.Sha256}", $"/firewall/uploads/{held.Filename}", "/admin",
        ];
        foreach (var path in pages)
        {
            await browser.GoAsync(path);
            var title = await browser.Page.TitleAsync();
            Assert.True(title.EndsWith(" · Moat", StringComparison.Ordinal) && title.Length > " · Moat".Length, $"{path}: title '{title}'");
            var unlabelled = await browser.Page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
                  .map(e => e.outerHTML)
                """);
            Assert.True(unlabelled.Length == 0, $"{path}: inputs without a label: {string.Join(", ", unlabelled)}");
            var headings = await browser.Page.EvaluateAsync<int[]>("() => [...document.querySelectorAll('main h1, main h2, main h3, main h4')].map(h => +h.tagName[1])");
            Assert.True(headings.Length > 0 && headings[0] == 1 && headings.Count(h => h == 1) == 1, $"{path}: one h1, first: {string.Join(",", headings)}");
            for (var i = 1; i < headings.Length; i++) Assert.True(headings[i] <= headings[i - 1] + 1, $"{path}: heading level skips at {i}: {string.Join(",", headings)}");
            Assert.Equal(0, await browser.Page.Locator("main [style], main script:not([src])").CountAsync());
        }
        await browser.ScreenshotAsync("rules");
        browser.AssertClean();
    }
}
