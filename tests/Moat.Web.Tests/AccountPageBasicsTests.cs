using static Moat.Web.Tests.AccountFlows;

namespace Moat.Web.Tests;

/// <summary>
/// Lighthouse-style basics on every account page, signed out and signed in with a second factor: a title, one h1,
/// labelled controls, no console errors or CSP violations. A rendering check: the PostgreSQL twin leaves it out.
/// </summary>
public sealed class AccountPageBasicsTests(OpenProjectsFixture web) : IClassFixture<OpenProjectsFixture>
{
    [Fact]
    public async Task Every_account_page_has_a_title_labelled_controls_no_console_errors_and_no_csp_violations()
    {
        await using var anonymous = await web.NewSessionAsync();
        foreach (var path in new[] { "/account/register", "/account/login", "/account/verify-email?token=abc" })
        {
            await anonymous.GoAsync(path);
            await CheckPageAsync(anonymous, path);
        }
        anonymous.AssertClean();

        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("clara", totp: true);
        await web.Server.Accounts.SetRoleAsync("clara-lib", (await web.Server.Accounts.UserByNameAsync("clara"))!.Id, "owner");
        // A pending TOTP enrolment is not possible with TOTP on; the QR code page is covered by the sign-up flow.
        foreach (var path in new[] { "/account", "/account/security", "/account/tokens", "/account/publishing", "/account/history", "/account/password", "/account/reauth" })
        {
            await browser.GoAsync(path);
            await CheckPageAsync(browser, path);
        }
        browser.AssertClean();
    }

    private static async Task CheckPageAsync(BrowserSession browser, string path)
    {
        var title = await browser.Page.TitleAsync();
        Assert.Matches(@"^\S.* · Moat$", title);
        Assert.Equal(1, await browser.Page.Locator("h1").CountAsync());
        Assert.Empty(await UnlabelledControlsAsync(browser.Page));
        await browser.ScreenshotAsync("account" + path.Split('?')[0].Replace('/', '-'));
    }
}
