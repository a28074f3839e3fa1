using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Moat.Web.Tests;

/// <summary>Deleting one's account on the web: the page names what the account alone owns, then deletes on a typed confirmation.</summary>
public sealed class AccountDeletionPagesTests(WebFixture web) : IClassFixture<WebFixture>
{
    // At phone width, where the account page once scrolled sideways; the desktop layout is covered by the other account pages' tests.
    [Fact]
    public async Task The_account_page_names_the_projects_to_hand_on_and_then_deletes_the_account_on_the_typed_username()
    {
        const int width = 390, height = 844;
        var (user, heir, project) = ($"della{width}", $"hugo{width}", $"della-lib-{width}");
        await using (var other = await web.NewSessionAsync()) await other.SignUpAndInAsync(heir);
        await using var browser = await web.NewSessionAsync();
        await browser.Page.SetViewportSizeAsync(width, height);
        await browser.SignUpAndInAsync(user);
        await web.Server.Accounts.SetRoleAsync(project, (await web.Server.Accounts.UserByNameAsync(user))!.Id, "owner");
        var page = browser.Page;

        await browser.GoAsync("/account");
        var section = page.Locator("section#delete");
        Assert.Contains($"You are the only owner of project {project}", await section.InnerTextAsync());
        Assert.Equal(0, await section.GetByRole(AriaRole.Button).CountAsync());

        await web.Server.Accounts.SetRoleAsync(project, (await web.Server.Accounts.UserByNameAsync(heir))!.Id, "owner");
        await browser.GoAsync("/account");
        await section.GetByText("Delete this account").ClickAsync();
        await page.GetByLabel("Type your username to confirm").FillAsync(heir); // someone else's name confirms nothing
        await page.ClickAndWaitForPageAsync(page.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }));
        Assert.Contains($"Type your username ({user})", await page.Locator(".notice-error").InnerTextAsync());
        Assert.NotNull(await web.Server.Accounts.UserByNameAsync(user));

        await section.GetByText("Delete this account").ClickAsync();
        await page.GetByLabel("Type your username to confirm").FillAsync(user);
        await browser.ScreenshotAsync($"account-delete-{width}");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }), new Regex("done=account-deleted"));
        Assert.Contains("Your account was deleted", await page.Locator(".notice-ok").InnerTextAsync());
        Assert.Null(await web.Server.Accounts.UserByNameAsync(user));

        await AccountFlows.SubmitLogInAsync(page, web.Server.Url, user);
        Assert.Contains("Invalid username or password", await page.Locator(".notice-error").InnerTextAsync());
        browser.AssertClean();
    }
}
