using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Moat.Web.Tests;

/// <summary>Changing the account's e-mail address: re-verification at the new address, a notice to the old one.</summary>
public sealed partial class AccountEmailTests(WebFixture web) : IClassFixture<WebFixture>
{
    private string[] MailTo(string address) => Directory.Exists(Path.Combine(web.Server.DataDirectory, "mail"))
        ? [.. Directory.GetFiles(Path.Combine(web.Server.DataDirectory, "mail"), "*.eml").Order(StringComparer.Ordinal).Select(File.ReadAllText).Where(m => m.Contains($"To: {address}", StringComparison.Ordinal))]
        : [];

    [Fact]
    public async Task A_new_address_is_unverified_until_its_link_is_opened_and_the_old_address_is_told()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("ellen", totp: true);
        var oldLink = AccountFlows.VerificationLink(web.Server, "ellen");
        var page = browser.Page;
        await browser.GoAsync("/account");
        await page.GetByText("Change e-mail address").First.ClickAsync();
        await page.GetByLabel("New e-mail address").FillAsync("ellen.new@example.com");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Change e-mail address" }), new Regex("/account$"));
        Assert.Contains("Your e-mail address is now ellen.new@example.com", await page.Locator(".notice-ok").InnerTextAsync());
        var facts = await page.Locator("dl.facts").InnerTextAsync();
        Assert.Contains("ellen.new@example.com", facts);
        Assert.Contains("not verified", facts);
        Assert.Contains(MailTo("ellen@example.com"), m => m.Contains("was changed from ellen@example.com to ellen.new@example.com", StringComparison.Ordinal));
        Assert.Contains((await web.Server.Accounts.EventsAsync((await web.Server.Accounts.UserByNameAsync("ellen"))!.Id, null, 20)), e => e.Kind == "account:email-changed");

        // The link mailed to the old address no longer verifies anything; the new one does.
        var (status, _) = await browser.ApiAsync("POST", "/_/account/verify-email", new { token = Token(oldLink) });
        Assert.Equal(400, status);
        var newLink = MailTo("ellen.new@example.com").Select(m => VerifyLink().Match(m)).Last(m => m.Success).Value;
        await page.GotoAsync(newLink);
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Verify address" }), new Regex("done=verified"));
        Assert.True((await web.Server.Accounts.UserByNameAsync("ellen"))!.EmailVerified);
        await browser.ScreenshotAsync("account-email-changed");
        browser.AssertClean();
    }

    private static string Token(string link) => link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..];

    [GeneratedRegex(@"http://\S+/account/verify-email\?token=\S+")]
    private static partial Regex VerifyLink();
}
