using Moat.Packaging.Distributions;
using Microsoft.Playwright;
using Moat.Packaging;

namespace Moat.Web.Tests;

public sealed class AdminTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task Switching_on_no_new_users_with_a_reason_shows_the_banner_and_refuses_sign_up_until_switched_off()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.SignInAsAdminAsync();
        await browser.GoAsync("/admin");
        await browser.ScreenshotAsync("admin");

        await browser.Page.GetByLabel("Reason").First.FillAsync("Spam wave: sign-ups paused");
        // The first switch row is no-new-users (SwitchNames.All order).
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.Locator("tr", new() { HasText = "no-new-users" }).GetByRole(AriaRole.Button, new() { Name = "Switch on" }), "**/admin");
        Assert.Contains("no-new-users is now on", await browser.Page.Locator(".notice-ok").InnerTextAsync());
        Assert.Contains("Spam wave: sign-ups paused", await browser.Page.Locator(".banner").InnerTextAsync());

        await using var visitor = await web.NewSessionAsync();
        var (status, body) = await visitor.ApiAsync("POST", "/_/account/register", new { username = "latecomer", email = "latecomer@example.com", password = BrowserSession.TestPassword });
        Assert.Equal(503, status);
        Assert.Contains("Spam wave", body.GetProperty("error").GetString());
        await visitor.GoAsync("/");
        Assert.Contains("Spam wave: sign-ups paused", await visitor.Page.Locator(".banner").InnerTextAsync());

        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.Locator("tr", new() { HasText = "no-new-users" }).GetByRole(AriaRole.Button, new() { Name = "Switch off" }), "**/admin");
        Assert.Equal(0, await browser.Page.Locator(".banner").CountAsync());
        (status, _) = await visitor.ApiAsync("POST", "/_/account/register", new { username = "latecomer", email = "latecomer@example.com", password = BrowserSession.TestPassword });
        Assert.Equal(201, status);
        browser.AssertClean();
        visitor.AssertClean();
    }

    [Fact]
    public async Task An_admin_disables_a_user_and_quarantines_a_project_from_the_admin_page()
    {
        await using var user = await web.NewSessionAsync();
        await user.SignUpAndInAsync("mallory");
        var file = new Moat.Index.Storage.FileRecord("evil_thing-1.0.tar.gz", "evil-thing", "1.0", PackageType.Sdist, "source", null, new string('b', 64), null, "00", 10,
            DateTimeOffset.UtcNow, null, false, null, Moat.Index.Storage.FileState.Available, null, null, null);
        await web.Server.Store.AddFileAsync(file, "evil-thing");

        await using var browser = await web.NewSessionAsync();
        await browser.SignInAsAdminAsync();
        await browser.GoAsync("/admin");
        await browser.Page.GetByLabel("Reason to disable mallory").FillAsync("phishing reports");
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Disable mallory" }), "**/admin");
        Assert.Contains("mallory is now disabled", await browser.Page.Locator(".notice-ok").InnerTextAsync());
        var mallory = (await web.Server.Accounts.UserByNameAsync("mallory"))!;
        var disabled = Assert.Single(await web.Server.Accounts.EventsAsync(mallory.Id, null, 100), e => e.Kind == "admin:user-disabled");
        Assert.Contains("phishing reports", disabled.Details);
        Assert.Contains("\"by\":\"admin", disabled.Details);
        var (status, _) = await user.ApiAsync("GET", "/_/account/me");
        Assert.Equal(401, status); // sessions ended

        await browser.Page.GetByLabel("Project", new() { Exact = true }).First.FillAsync("evil-thing");
        Assert.Equal("", await browser.Page.GetByLabel("Status").InputValueAsync()); // no status chosen until the admin chooses one
        await browser.Page.GetByLabel("Status").SelectOptionAsync("quarantined");
        await browser.Page.Locator("#status-reason").FillAsync("Reported malware");
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Set status" }), "**/admin");
        Assert.Equal(Moat.Index.Storage.ProjectStatus.Quarantined, (await web.Server.Store.GetProjectAsync(NormalizedName.Of("evil-thing")))!.Status);
        Assert.Contains("Reported malware", await browser.Page.Locator("table", new() { HasText = "Projects not active" }).InnerTextAsync());

        // Without a reason the status change is refused with a message, not applied.
        await browser.Page.GetByLabel("Project", new() { Exact = true }).First.FillAsync("evil-thing");
        await browser.Page.GetByLabel("Status").SelectOptionAsync("archived");
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Set status" }), "**/admin");
        Assert.Equal(Moat.Index.Storage.ProjectStatus.Quarantined, (await web.Server.Store.GetProjectAsync(NormalizedName.Of("evil-thing")))!.Status);
        Assert.Equal(1, await browser.Page.Locator(".notice-error").CountAsync());
        Assert.EndsWith("/admin", browser.Page.Url); // the message never travels in the URL

        // The message is shown once; and text in the query string is never shown as one.
        await browser.Page.ReloadAsync();
        Assert.Equal(0, await browser.Page.Locator(".notice").CountAsync());
        await browser.GoAsync("/admin?message=Your+account+is+suspended&error=Call+555-0100");
        Assert.Equal(0, await browser.Page.Locator(".notice").CountAsync());
        browser.AssertClean();
    }

    [Fact]
    public async Task A_role_granted_on_the_admin_page_shows_in_the_users_history_naming_the_administrator()
    {
        await using var user = await web.NewSessionAsync();
        await user.SignUpAndInAsync("rosa");
        await using var browser = await web.NewSessionAsync();
        await browser.SignInAsAdminAsync();
        await browser.GoAsync("/admin");
        await browser.Page.Locator("#role-project").FillAsync("rosa-lib");
        await browser.Page.Locator("#role-user").FillAsync("rosa");
        await browser.Page.Locator("#role-role").SelectOptionAsync("maintainer");
        await browser.Page.Locator("#role-reason").FillAsync("covering releases while Ola is away");
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Grant role" }), "**/admin");
        Assert.Contains("rosa is now maintainer of rosa-lib", await browser.Page.Locator(".notice-ok").InnerTextAsync());

        await user.GoAsync("/account/history");
        var row = user.Page.Locator("tr", new() { HasText = "admin:role-set" });
        Assert.Equal(1, await row.CountAsync());
        var text = await row.InnerTextAsync();
        Assert.Contains("rosa-lib", text);
        Assert.Contains($"by: {WebServer.AdminName}; role: maintainer; reason: covering releases while Ola is away", text);
        Assert.Contains("127.0.0.1", text); // the administrator's request, not the command line
        await user.ScreenshotAsync("history-admin-role");
        browser.AssertClean();
        user.AssertClean();
    }
}
