using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Moat.Index.Accounts;
using static Moat.Web.Tests.AccountFlows;

namespace Moat.Web.Tests;

/// <summary>
/// Security changes on the pages after the re-authentication window: the form sends the user to "Confirm it's you",
/// and back to the page once the second factor (or, without one, the password) is given. Its own server: the test
/// moves the server's clock, which other tests' TOTP codes would not follow.
/// </summary>
public sealed class ReauthenticationPagesTests(WebFixture web) : IClassFixture<WebFixture>
{
    private string Origin => web.Server.Url;

    [Fact]
    public async Task A_token_form_after_the_window_asks_for_the_second_factor_then_returns_to_the_tokens_page()
    {
        await using var browser = await web.NewSessionAsync();
        var enrolled = await browser.SignUpAndInAsync("quinn", totp: true);
        web.Server.Clock.Advance(TimeSpan.FromMinutes(16));
        var page = browser.Page;

        await page.GotoAsync(Origin + "/account/tokens");
        await page.GetByLabel("Description").FillAsync("laptop");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Create token" }), new Regex("/account/reauth\\?next=%2Faccount%2Ftokens$"));
        Assert.Contains("needs your second factor again", await page.Locator("main").InnerTextAsync());
        Assert.Empty(await web.Server.Accounts.UserMacaroonsAsync((await web.Server.Accounts.UserByNameAsync("quinn"))!.Id));
        await browser.ScreenshotAsync("account-reauth-second-factor");

        var code = Totp.Code(enrolled!.TotpKey, Totp.StepAt(web.Server.Clock.GetUtcNow()) + 1); // enrolment used the current step
        await page.GetByLabel("Six-digit code").FillAsync(code);
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Verify code" }), new Regex("/account/tokens$"));
        await page.GetByLabel("Description").FillAsync("laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        Assert.StartsWith("moat-", await page.GetByLabel("Token", new() { Exact = true }).InputValueAsync());
        browser.AssertClean();
    }

    [Fact]
    public async Task Without_a_second_factor_the_password_form_confirms_before_enrolment()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("rhea");
        web.Server.Clock.Advance(TimeSpan.FromMinutes(16));
        var page = browser.Page;

        await page.GotoAsync(Origin + "/account/security");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }), new Regex("/account/reauth\\?next=%2Faccount%2Fsecurity$"));
        await page.GetByLabel("Password").FillAsync("not the password at all");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        Assert.Contains("password is wrong", await page.GetByRole(AriaRole.Alert).InnerTextAsync());
        await page.GetByLabel("Password").FillAsync(Password);
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }), new Regex("/account/security$"));
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }), new Regex("/account/security"));
        Assert.Equal(1, await page.GetByLabel("Key for manual entry").CountAsync());
        browser.AssertClean();
    }
}
