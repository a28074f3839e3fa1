using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Moat.Web.Tests;

/// <summary>An owner manages a project on the web: collaborators and roles, yank and un-yank, release approval.</summary>
public sealed class ProjectManagementTests(WebFixture web) : IClassFixture<WebFixture>
{
    [Theory]
    [MemberData(nameof(PageWidths.Each), MemberType = typeof(PageWidths))]
    public async Task An_owner_adds_and_removes_a_collaborator_yanks_and_unyanks_and_requires_approval(int width, int height)
    {
        var owner = $"olive{width}";
        var project = $"olive-lib-{width}";
        await using (var other = await web.NewSessionAsync()) await other.SignUpAndInAsync($"bert{width}");
        await using var browser = await web.NewSessionAsync();
        await browser.Page.SetViewportSizeAsync(width, height);
        await browser.SignUpAndInAsync(owner, totp: true);
        var (_, secret, _) = await web.Server.Admin.CreateTokenAsync(project, true, "seed");
        using (var http = new HttpClient { BaseAddress = new Uri(web.Server.Url) })
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/legacy/")
        {
            Content = Moat.Testing.TestDistributions.UploadForm(project, "1.0", Moat.Testing.TestDistributions.WheelFilename(project, "1.0"), Moat.Testing.TestDistributions.Wheel(project, "1.0")),
        })
        {
            request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("__token__:" + secret)));
            Assert.True((await http.SendAsync(request)).IsSuccessStatusCode);
        }
        await web.Server.Accounts.SetRoleAsync(project, (await web.Server.Accounts.UserByNameAsync(owner))!.Id, "owner");
        var page = browser.Page;

        await browser.GoAsync("/account");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Link, new() { Name = "manage" }), $"**/account/projects/{project}");

        await page.GetByLabel("Username").FillAsync($"bert{width}");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Add collaborator" }), $"**/account/projects/{project}");
        Assert.Contains($"bert{width} is now maintainer of {project}", await page.Locator(".notice-ok").InnerTextAsync());
        Assert.Contains($"bert{width}", await page.Locator("section[aria-labelledby=collaborators-heading] tbody").InnerTextAsync());

        await page.GetByLabel("Reason for yanking 1.0").FillAsync("broken wheel");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Yank 1.0" }), $"**/account/projects/{project}");
        Assert.Contains("Yanked", await page.Locator(".notice-ok").InnerTextAsync());
        Assert.True((await web.Server.Store.GetFileAsync(Moat.Testing.TestDistributions.WheelFilename(project, "1.0")))!.Yanked);
        Assert.Contains("broken wheel", await page.Locator("section[aria-labelledby=releases-heading]").InnerTextAsync());
        var events = await web.Server.Accounts.EventsAsync(null, project, 20);
        Assert.Contains(events, e => e.Kind == "release:yank" && e.Details!.Contains("broken wheel", StringComparison.Ordinal));
        await browser.ScreenshotAsync($"manage-project-{width}");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");

        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Un-yank 1.0" }), $"**/account/projects/{project}");
        Assert.False((await web.Server.Store.GetFileAsync(Moat.Testing.TestDistributions.WheelFilename(project, "1.0")))!.Yanked);

        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = $"Remove bert{width}" }), $"**/account/projects/{project}");
        Assert.DoesNotContain($"bert{width}", await page.Locator("section[aria-labelledby=collaborators-heading] tbody").InnerTextAsync());
        // The sole owner cannot leave: the page says so.
        await page.ClickAndWaitForPageAsync(page.GetByRole(AriaRole.Button, new() { Name = $"Remove {owner}" }));
        Assert.Contains("A project keeps at least one owner.", await page.Locator(".notice-error").InnerTextAsync());

        await page.GetByLabel("Releases need a second maintainer's approval").CheckAsync();
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }), $"**/account/projects/{project}");
        Assert.True(await web.Server.Accounts.ApprovalRequiredAsync(project));
        Assert.True(await page.GetByLabel("Releases need a second maintainer's approval").IsCheckedAsync());
        browser.AssertClean();
    }

    [Fact]
    public async Task Someone_who_is_not_an_owner_gets_a_403_page()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("nosy");
        await browser.GoAsync("/account/projects/someone-elses", status: 403);
        Assert.Contains("Only an owner of 'someone-elses' can manage it.", await browser.Page.Locator("main").InnerTextAsync());
        browser.AssertCleanExcept("403 (Forbidden)");
    }
}
