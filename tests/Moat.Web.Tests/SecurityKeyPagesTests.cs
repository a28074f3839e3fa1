using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Moat.Index;
using static Moat.Web.Tests.AccountFlows;

namespace Moat.Web.Tests;

/// <summary>
/// The server with its origin at <c>http://localhost:PORT</c>: WebAuthn refuses IP addresses as relying-party ids,
/// so security-key tests browse by name (Kestrel still listens on 127.0.0.1; Chromium resolves localhost itself).
/// </summary>
public sealed class LocalhostWebFixture : WebFixture
{
    protected override IndexOptions Configure(IndexOptions options) =>
        options with { Security = options.Security with { Origin = options.Urls.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) } };
}

/// <summary>Security keys on the account pages, with Chromium's virtual authenticator (DevTools protocol, WebAuthn domain) as the key.</summary>
public sealed class SecurityKeyPagesTests(LocalhostWebFixture web) : IClassFixture<LocalhostWebFixture>
{
    private string Origin => web.Server.Options.Security.Origin;

    /// <summary>A virtual CTAP2 USB key with user verification, answering without a touch; lives as long as the CDP session.</summary>
    private static async Task<(ICDPSession Cdp, string AuthenticatorId)> AddVirtualAuthenticatorAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable", new() { ["enableUI"] = false });
        var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new()
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "usb", ["hasResidentKey"] = true, ["hasUserVerification"] = true,
                ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });
        return (cdp, added!.Value.GetProperty("authenticatorId").GetString()!);
    }

    [Fact]
    public async Task A_security_key_enrolled_on_the_security_page_signs_in_as_second_factor_and_is_removed_there()
    {
        await using var browser = await web.NewSessionAsync();
        var page = browser.Page;
        var (cdp, authenticatorId) = await AddVirtualAuthenticatorAsync(page);

        await SignUpAsync(page, Origin, "kim");
        await SubmitLogInAsync(page, Origin, "kim");
        Assert.Equal(Origin + "/account", page.Url);

        // Enrol: name the key, the browser asks the (virtual) key, the server verifies the attestation.
        await page.GotoAsync(Origin + "/account/security");
        await page.GetByLabel("Name of the new key").FillAsync("virtual key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add security key" }).ClickAsync();
        // The first second factor comes with recovery codes, shown once by the script.
        var codes = page.Locator("[data-webauthn-codes] ol.recovery-codes code");
        await codes.First.WaitForAsync();
        Assert.Equal(8, await codes.CountAsync());
        await browser.ScreenshotAsync("account-security-key-recovery-codes");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Link, new() { Name = "I saved them" }), new Regex("done=key-added"));
        Assert.Contains("virtual key", await page.Locator("#keys table").InnerTextAsync());
        var credentials = await cdp.SendAsync("WebAuthn.getCredentials", new() { ["authenticatorId"] = authenticatorId });
        Assert.Equal(1, credentials!.Value.GetProperty("credentials").GetArrayLength());
        await browser.ScreenshotAsync("account-security");

        // Sign in again: password, then the key answers the server's challenge.
        await LogOutAsync(page);
        await SubmitLogInAsync(page, Origin, "kim");
        Assert.Contains("/account/login/second-factor", page.Url);
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Use security key" }), new Regex("/account$"));
        Assert.Contains("1 security key", await page.Locator("dl.facts").InnerTextAsync());
        var user = (await web.Server.Accounts.UserByNameAsync("kim"))!;
        var key = Assert.Single(await web.Server.Accounts.CredentialsAsync(user.Id));
        Assert.True(key.SignCount > 0, "the sign counter advanced");
        Assert.Contains(await web.Server.Accounts.EventsAsync(user.Id, null, 50), e => e.Kind == "login:2fa" && e.Details!.Contains("webauthn", StringComparison.Ordinal));

        // Remove it: the account is back to a password alone.
        await page.GotoAsync(Origin + "/account/security");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Remove security key virtual key" }), new Regex("done=key-removed"));
        Assert.Empty(await web.Server.Accounts.CredentialsAsync(user.Id));
        browser.AssertClean();
    }

    [Fact]
    public async Task Without_javascript_the_key_forms_explain_that_they_need_it()
    {
        var context = await web.Browser.NewContextAsync(new() { JavaScriptEnabled = false });
        try
        {
            var page = await context.NewPageAsync();
            await SignUpAsync(page, Origin, "jon");
            await SubmitLogInAsync(page, Origin, "jon");
            await page.GotoAsync(Origin + "/account/security");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add security key" }).ClickAsync();
            Assert.Contains("needs JavaScript", await page.GetByRole(AriaRole.Alert).InnerTextAsync());
            // Everything else on the page still works without it: TOTP set-up shows its QR code.
            await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
            Assert.Equal(1, await page.GetByRole(AriaRole.Img, new() { Name = "QR code for adding Moat to your authenticator app" }).CountAsync());
        }
        finally
        {
            await context.DisposeAsync();
        }
    }
}
