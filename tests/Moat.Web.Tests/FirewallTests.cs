using System.Net;
using Microsoft.Playwright;

namespace Moat.Web.Tests;

public sealed class FirewallTests(FirewallFixture web) : IClassFixture<FirewallFixture>
{
    [Fact]
    public async Task An_admin_reviews_a_quarantined_file_with_its_findings_and_evidence_and_releases_it_with_a_reason()
    {
        var dist = await web.QuarantinedSampleAsync();
        await using var browser = await web.NewSessionAsync();
        await browser.SignInAsAdminAsync();

        await browser.GoAsync("/firewall");
        var queue = browser.Page.Locator("section[aria-labelledby=queue-heading] tbody tr");
        Assert.Equal(1, await queue.CountAsync());
        Assert.Equal("malicious", await queue.Locator(".badge").First.InnerTextAsync());
        Assert.True(await browser.Page.Locator("svg.chart rect.bar-bad").CountAsync() >= 1); // today's malicious verdict
        Assert.Contains("MOAT-CODE", await browser.Page.Locator("section[aria-labelledby=rules-heading]").InnerTextAsync());
        await browser.ScreenshotAsync("firewall");

        await browser.Page.ClickAndWaitForUrlAsync(queue.GetByRole(AriaRole.Link, new() { Name = dist.Filename }), $"**/firewall/files/{dist.Sha256}");
        var findings = browser.Page.Locator("ul.findings > li");
        Assert.True(await findings.CountAsync() >= 1);
        // The evidence is shown as text (decoding of base64/hex payloads is covered in RenderingTests).
        var evidence = string.Join("\n", await browser.Page.Locator("pre.evidence").AllInnerTextsAsync());
        Assert.Contains("cdn.example.net", evidence);
        await browser.ScreenshotAsync("firewall-file");

        // The rule link opens the rule's documentation.
        var ruleLink = findings.First.Locator("a[href^='/rules/']");
        var ruleId = (await ruleLink.InnerTextAsync()).Trim();
        await browser.Page.ClickAndWaitForUrlAsync(ruleLink, $"**/rules/{ruleId}");
        Assert.Contains(ruleId, await browser.Page.Locator("h1").InnerTextAsync());
        Assert.Equal(1, await browser.Page.GetByRole(AriaRole.Heading, new() { Name = "Explanation" }).CountAsync());
        await browser.Page.GoBackAsync();

        await browser.Page.GetByLabel("Reason for releasing").FillAsync("Reviewed: false positive in the test fixture");
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Release" }), "**/firewall");
        Assert.Contains("Released " + dist.Filename, await browser.Page.Locator(".notice-ok").InnerTextAsync());
        Assert.Equal(0, await browser.Page.Locator("section[aria-labelledby=queue-heading] tbody tr").CountAsync());
        browser.AssertClean();

        using var http = new HttpClient();
        Assert.Equal(dist.Content, await http.GetByteArrayAsync($"{web.Server.Url}/files/{dist.Sha256}/{dist.Filename}"));
        var events = await web.Server.Accounts.EventsAsync(null, null, 100);
        var released = Assert.Single(events, e => e.Kind == "firewall:release");
        Assert.Contains("false positive", released.Details);
    }

    [Fact]
    public async Task Firewall_pages_are_for_admins_only_and_a_post_without_the_csrf_token_is_refused()
    {
        var dist = await web.QuarantinedSampleAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var anonymous = await http.GetAsync(web.Server.Url + "/firewall");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Equal("/account/login?next=%2Ffirewall", anonymous.Headers.Location!.OriginalString);

        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("not-an-admin", totp: true);
        await browser.GoAsync("/firewall", status: 403);
        Assert.Equal("Administrators only · Moat", await browser.Page.TitleAsync());
        await browser.GoAsync("/admin", status: 403);
        Assert.Equal(0, await browser.Page.Locator("nav a[href='/firewall']").CountAsync());

        // A forged cross-site post (no antiforgery token) is refused before anything happens, even for an admin.
        await using var admin = await web.NewSessionAsync();
        await admin.SignInAsAdminAsync();
        await admin.GoAsync("/firewall"); // the browser holds the antiforgery cookie; the forged post lacks the field
        var forged = await admin.Context.APIRequest.PostAsync($"{web.Server.Url}/firewall/files/{dist.Sha256}/release",
            new() { Form = admin.Context.APIRequest.CreateFormData().Set("reason", "forged") });
        Assert.Equal(400, forged.Status);
        Assert.DoesNotContain(await web.Server.Accounts.EventsAsync(null, null, 100), e => e.Details?.Contains("forged", StringComparison.Ordinal) == true);
    }
}
