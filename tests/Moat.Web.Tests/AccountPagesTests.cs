using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Moat.Index.Accounts;
using Moat.Index.Security;
using Moat.Testing;
using static Moat.Web.Tests.AccountFlows;
using Moat.Index.AccountApi;

namespace Moat.Web.Tests;

/// <summary>
/// A server where any user may create a project (<c>[policy] new-projects = "anyone"</c>): pending trusted publishers —
/// a publisher for a project its first publish creates — exist for such an index; under the default ("approved") a
/// new name is granted by an administrator first, and a publisher is then added to the granted project.
/// </summary>
public sealed class OpenProjectsFixture : WebFixture
{
    protected override Moat.Index.IndexOptions Configure(Moat.Index.IndexOptions options) => options with { NewProjects = Moat.Index.Auth.NewProjectPolicy.Anyone };
}

/// <summary>The account pages through a real browser: sign-up to twine upload, second factors, tokens, publishers, refusals.</summary>
public sealed class AccountPagesTests(OpenProjectsFixture web) : IClassFixture<OpenProjectsFixture>
{
    private string Origin => web.Server.Url;

    [Fact]
    public async Task Sign_up_verify_enroll_totp_sign_in_again_with_it_then_upload_with_twine_using_a_token_made_on_the_tokens_page()
    {
        await using var browser = await web.NewSessionAsync();
        var page = browser.Page;
        await SignUpAsync(page, Origin, "wendy");
        Assert.Contains("verification link", await page.Locator("[role=status]").First.InnerTextAsync());
        await VerifyEmailAsync(page, web.Server, "wendy");
        Assert.Contains("is verified", await page.Locator("main [role=status]").InnerTextAsync());

        await SubmitLogInAsync(page, Origin, "wendy");
        Assert.EndsWith("/account", page.Url);
        Assert.Equal("wendy", await page.Locator(".account-nav a[href='/account']").InnerTextAsync());
        Assert.Contains("verified", await page.Locator("dl.facts").InnerTextAsync());

        var (app, codes) = await EnrollTotpAsync(page, Origin);
        Assert.Equal(8, codes.Length);
        Assert.All(codes, c => Assert.Matches("^[0-9a-f]{16}$", c));
        await browser.ScreenshotAsync("account-recovery-codes");

        // Out and back in: the password alone now stops at the second step; the app's next code completes it.
        await LogOutAsync(page);
        await SubmitLogInAsync(page, Origin, "wendy");
        Assert.Contains("/account/login/second-factor", page.Url);
        Assert.Equal(0, await page.Locator(".account-nav a[href='/account']").CountAsync()); // not signed in yet
        await browser.ScreenshotAsync("account-second-factor");
        await page.GetByLabel("Six-digit code").FillAsync(app.NextCode());
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Verify code" }), new Regex("/account$"));
        Assert.Contains("authenticator app", await page.Locator("dl.facts").InnerTextAsync());

        // A token for one project, shown once, used by twine.
        await page.GotoAsync(Origin + "/account/tokens");
        await page.GetByLabel("Description").FillAsync("laptop");
        await page.GetByLabel("Projects").FillAsync("wendy-tools");
        await page.GetByLabel("Expires after").SelectOptionAsync("7d");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var token = await page.GetByLabel("Token", new() { Exact = true }).InputValueAsync();
        Assert.StartsWith("moat-", token);
        Assert.Contains("wendy-tools", await page.Locator("dl.facts").InnerTextAsync());
        await browser.ScreenshotAsync("account-token-created");

        // An administrator's grant of the name, as the default policy ("approved") needs: it works under any policy.
        Assert.True((await web.Server.Admin.GrantClaimAsync("wendy-tools", "wendy", "her team's tools")).Ok);
        var dist = Directory.CreateTempSubdirectory("moat-web-twine-");
        try
        {
            var wheel = Path.Combine(dist.FullName, TestDistributions.WheelFilename("wendy-tools", "1.0"));
            await File.WriteAllBytesAsync(wheel, TestDistributions.Wheel("wendy-tools", "1.0"));
            var (exit, output) = TwineUpload(web.Server.Url, token, wheel);
            Assert.True(exit == 0, "twine upload failed:\n" + output);
        }
        finally
        {
            dist.Delete(recursive: true);
        }
        Assert.NotNull(await web.Server.Store.GetProjectAsync("wendy-tools"));

        // The token list shows it used; the overview lists the project wendy now owns; the history has it all.
        await page.GotoAsync(Origin + "/account/tokens");
        var row = page.Locator("tbody tr", new() { HasText = "laptop" });
        Assert.DoesNotContain("never", await row.Locator("td").Nth(3).InnerTextAsync());
        Assert.Contains("active until", await row.InnerTextAsync());
        Assert.DoesNotContain(token, await page.ContentAsync()); // never shown again
        await page.GotoAsync(Origin + "/account");
        Assert.Contains("wendy-tools", await page.Locator("main").InnerTextAsync());
        await page.GotoAsync(Origin + "/account/history");
        var history = await page.Locator("table.events").InnerTextAsync();
        foreach (var kind in new[] { "account:created", "account:email-verified", "2fa:totp-added", "login:2fa", "token:created", "file:upload" })
            Assert.Contains(kind, history);
        Assert.Contains("127.0.0.1", history);
        Assert.Contains("HeadlessChrome", history); // the user agent of the browser's own events

        // The project page names the uploader as the token's owner and name (stored with the file), never by the token's id.
        var uploaded = await web.Server.Store.GetFileAsync(TestDistributions.WheelFilename("wendy-tools", "1.0"));
        Assert.Equal("token of wendy (laptop)", uploaded!.Uploader);
        await page.GotoAsync(Origin + "/projects/wendy-tools");
        var uploadedCell = await page.Locator("#release-1\\.0 tbody tr td").Nth(2).InnerTextAsync();
        Assert.Contains("by token of wendy (laptop)", uploadedCell);
        Assert.DoesNotContain(uploaded.UploadedBy!, await page.Locator("main").InnerTextAsync());
        browser.AssertClean();
    }

    [Fact]
    public async Task A_recovery_code_completes_the_log_in_once()
    {
        await using var setup = await web.NewSessionAsync();
        var enrolled = await setup.SignUpAndInAsync("rita", totp: true);

        await using var browser = await web.NewSessionAsync();
        var page = browser.Page;
        await SubmitLogInAsync(page, Origin, "rita");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Recovery code" }).FillAsync(enrolled!.RecoveryCodes[0]);
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Use recovery code" }), new Regex("/account$"));
        await LogOutAsync(page);

        await SubmitLogInAsync(page, Origin, "rita");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Recovery code" }).FillAsync(enrolled.RecoveryCodes[0]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Use recovery code" }).ClickAsync();
        Assert.Contains("wrong or was already used", await page.GetByRole(AriaRole.Alert).InnerTextAsync());
        Assert.Contains("/account/login/recovery", page.Url);
        browser.AssertClean();
    }

    [Fact]
    public async Task A_forgotten_password_is_reset_from_the_log_in_page_with_the_mailed_link_and_other_browsers_are_signed_out()
    {
        await using var other = await web.NewSessionAsync();
        await other.SignUpAndInAsync("rhea");
        await other.Page.GotoAsync(Origin + "/account");
        Assert.EndsWith("/account", other.Page.Url);

        await using var browser = await web.NewSessionAsync();
        var page = browser.Page;
        await page.GotoAsync(Origin + "/account/login");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Link, new() { Name = "Reset it" }), "**/account/password-reset");
        await page.GetByLabel("Username or e-mail address").FillAsync("rhea@example.com");
        await page.ClickAndWaitForPageAsync(page.GetByRole(AriaRole.Button, new() { Name = "Send the reset link" }));
        Assert.Equal(AccountService.ResetRequested, await page.Locator("main [role=status]").InnerTextAsync());

        var mail = Directory.GetFiles(Path.Combine(web.Server.DataDirectory, "mail"), "*.eml").Order(StringComparer.Ordinal).Select(File.ReadAllText)
            .Last(m => m.Contains("To: rhea@example.com", StringComparison.Ordinal) && m.Contains("Subject: Reset your Moat password", StringComparison.Ordinal));
        var link = Regex.Match(mail, @"http://\S+/account/password-reset/complete\?token=[A-Za-z0-9_-]+").Value;
        Assert.StartsWith(web.Server.Options.Security.Origin + "/account/password-reset/complete?token=", link);
        await page.GotoAsync(link);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("quiet-Meadow-violin-77");
        await page.GetByLabel("New password again").FillAsync("quiet-Meadow-violin-77");
        await browser.ScreenshotAsync("account-password-reset");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Set the new password" }), new Regex("/account/login\\?done=password-reset"));
        Assert.Contains("Password reset", await page.Locator("main [role=status]").InnerTextAsync());

        await SubmitLogInAsync(page, Origin, "rhea", "quiet-Meadow-violin-77");
        Assert.EndsWith("/account", page.Url);
        await other.Page.GotoAsync(Origin + "/account");
        Assert.Contains("/account/login", other.Page.Url); // the other browser's session ended with the reset

        // The link worked once: opened again, the page says so and offers a new one.
        await page.GotoAsync(link);
        Assert.Contains("unknown, used or expired", await page.GetByRole(AriaRole.Alert).InnerTextAsync());
        Assert.Equal(0, await page.GetByLabel("New password", new() { Exact = true }).CountAsync());
    }

    [Fact]
    public async Task Repeated_wrong_passwords_back_off_and_then_the_right_one_gets_the_same_answer()
    {
        await using var setup = await web.NewSessionAsync();
        await setup.SignUpAndInAsync("larry");

        await using var browser = await web.NewSessionAsync();
        for (var i = 0; i < 5; i++)
        {
            await SubmitLogInAsync(browser.Page, Origin, "larry", "not the password " + i);
            Assert.Contains("Invalid username or password", await browser.Page.GetByRole(AriaRole.Alert).InnerTextAsync());
            Assert.Equal("larry", await browser.Page.GetByLabel("Username").InputValueAsync()); // kept for the next try
        }
        // Backing off: the right password now gets exactly the wrong-password answer (nothing tells a guesser apart).
        await SubmitLogInAsync(browser.Page, Origin, "larry");
        Assert.Contains("Invalid username or password", await browser.Page.GetByRole(AriaRole.Alert).InnerTextAsync());
        Assert.Contains("/account/login", browser.Page.Url);
        await browser.ScreenshotAsync("account-login-backing-off");
    }

    [Fact]
    public async Task Sign_up_is_refused_with_the_reason_while_the_kill_switch_is_on()
    {
        await web.Server.Accounts.SetSwitchAsync(SwitchNames.NoNewUsers, true, "registration flood under investigation");
        try
        {
            await using var browser = await web.NewSessionAsync();
            await browser.GoAsync("/account/register");
            var alert = await browser.Page.GetByRole(AriaRole.Alert).InnerTextAsync();
            Assert.Contains("Sign-up is closed", alert);
            Assert.Contains("registration flood under investigation", alert);
            Assert.Equal(0, await browser.Page.Locator("form[action='/account/register']").CountAsync());
            await browser.ScreenshotAsync("account-sign-up-closed");
            Assert.Null(await web.Server.Accounts.UserByNameAsync("flooder"));
        }
        finally
        {
            await web.Server.Accounts.SetSwitchAsync(SwitchNames.NoNewUsers, false, null);
        }
    }

    [Fact]
    public async Task Password_change_needs_the_current_password_and_the_new_one_then_signs_in()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("paula");
        var page = browser.Page;
        await browser.GoAsync("/account/password");
        await page.GetByLabel("Current password").FillAsync("wrong current password");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new passphrase 7");
        await page.GetByLabel("New password again").FillAsync("a brand new passphrase 7");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        Assert.Contains("current password is wrong", await page.GetByRole(AriaRole.Alert).InnerTextAsync());

        await page.GetByLabel("Current password").FillAsync(Password);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new passphrase 7");
        await page.GetByLabel("New password again").FillAsync("a brand new passphrase 7");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Change password" }), new Regex("done=password-changed"));
        Assert.Contains("Password changed", await page.Locator("main [role=status]").InnerTextAsync());

        await LogOutAsync(page);
        await SubmitLogInAsync(page, Origin, "paula");
        Assert.Contains("Invalid username or password", await page.GetByRole(AriaRole.Alert).InnerTextAsync());
        await SubmitLogInAsync(page, Origin, "paula", "a brand new passphrase 7");
        Assert.EndsWith("/account", page.Url);
        browser.AssertClean();
    }

    [Fact]
    public async Task Tokens_are_revoked_from_the_list_and_publishers_are_added_and_removed_per_project()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("olga", totp: true);
        var user = (await web.Server.Accounts.UserByNameAsync("olga"))!;
        await web.Server.Accounts.SetRoleAsync("olga-lib", user.Id, "owner");
        var page = browser.Page;

        await browser.GoAsync("/account/tokens");
        await page.GetByLabel("Description").FillAsync("ci");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to your tokens" }).ClickAsync();
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Revoke token ci" }), new Regex("done=token-revoked"));
        Assert.Contains("revoked", await page.Locator("tbody tr", new() { HasText = "ci" }).InnerTextAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Revoke token ci" }).CountAsync());

        await browser.GoAsync("/account/publishing");
        var add = page.Locator("form[action='/account/publishing']");
        await add.GetByLabel("Project").SelectOptionAsync("olga-lib");
        await add.GetByLabel("Repository").FillAsync("olga/olga-lib");
        await add.GetByLabel("Owner or namespace id").FillAsync("4242");
        await add.GetByLabel("Workflow").FillAsync("release.yml");
        await page.ClickAndWaitForUrlAsync(add.GetByRole(AriaRole.Button, new() { Name = "Add publisher" }), new Regex("done=publisher-added"));
        Assert.Single(await web.Server.Accounts.ProjectPublishersAsync("olga-lib"));
        Assert.Contains("olga/olga-lib", await page.Locator("section.card", new() { HasText = "olga-lib" }).First.InnerTextAsync());

        // A refusal is shown on the page with the reason (a workflow path instead of a file name).
        var pending = page.Locator("form[action='/account/publishing/pending']");
        await pending.GetByLabel("New project name").FillAsync("olga-next");
        await pending.GetByLabel("GitLab CI").CheckAsync();
        await pending.GetByLabel("Repository").FillAsync("olga/olga-next");
        await pending.GetByLabel("Owner or namespace id").FillAsync("77");
        await pending.GetByLabel("Workflow").FillAsync(".gitlab-ci.yml");
        await page.ClickAndWaitForUrlAsync(pending.GetByRole(AriaRole.Button, new() { Name = "Add pending publisher" }), new Regex("done=pending-added"));
        Assert.Contains("olga-next", await page.Locator("section", new() { HasText = "Pending publishers" }).Last.InnerTextAsync());
        await browser.ScreenshotAsync("account-publishing");

        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Remove publisher olga/olga-lib release.yml" }), new Regex("done=publisher-removed"));
        Assert.Empty(await web.Server.Accounts.ProjectPublishersAsync("olga-lib"));
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Remove publisher olga/olga-next .gitlab-ci.yml" }), new Regex("done=pending-removed"));
        Assert.Empty(await web.Server.Accounts.PendingPublishersAsync(user.Id));

        await page.Locator("form[action='/account/publishing']").GetByLabel("Workflow").FillAsync(".github/workflows/release.yml");
        await page.Locator("form[action='/account/publishing']").GetByLabel("Repository").FillAsync("olga/olga-lib");
        await page.Locator("form[action='/account/publishing']").GetByLabel("Owner or namespace id").FillAsync("4242");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add publisher" }).ClickAsync();
        Assert.Contains("workflow must be the workflow file name", await page.GetByRole(AriaRole.Alert).InnerTextAsync());
        browser.AssertClean();
    }

    [Fact]
    public async Task Recovery_codes_are_renewed_the_app_removed_and_the_verification_mail_resent_from_the_pages()
    {
        await using var browser = await web.NewSessionAsync();
        var enrolled = await browser.SignUpAndInAsync("uma", totp: true);
        var page = browser.Page;

        await browser.GoAsync("/account");
        Assert.Contains("not verified", await page.Locator("dl.facts").InnerTextAsync());
        var mails = Directory.GetFiles(Path.Combine(web.Server.DataDirectory, "mail")).Length;
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Send the verification link again" }), new Regex("done=verification-sent"));
        Assert.Equal(mails + 1, Directory.GetFiles(Path.Combine(web.Server.DataDirectory, "mail")).Length);
        await VerifyEmailAsync(page, web.Server, "uma"); // the new link works
        Assert.True((await web.Server.Accounts.UserByNameAsync("uma"))!.EmailVerified);

        await browser.GoAsync("/account/security");
        await page.GetByRole(AriaRole.Button, new() { Name = "Make new recovery codes" }).ClickAsync();
        var fresh = await page.Locator("ol.recovery-codes code").AllInnerTextsAsync();
        Assert.Equal(8, fresh.Count);
        Assert.Empty(fresh.Intersect(enrolled!.RecoveryCodes)); // the old ones were replaced

        await browser.GoAsync("/account/security");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Remove authenticator app" }), new Regex("done=totp-removed"));
        Assert.Null((await web.Server.Accounts.UserByNameAsync("uma"))!.TotpSecret);
        Assert.Equal(1, await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).CountAsync());
        browser.AssertClean();
    }

    [Fact]
    public async Task Security_settings_pages_refuse_changes_without_a_second_factor()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("nora");
        await browser.GoAsync("/account/tokens");
        Assert.Contains("needs two-factor authentication", await browser.Page.Locator(".notice-warn").InnerTextAsync());
        Assert.Equal(0, await browser.Page.Locator("form[action='/account/tokens']").CountAsync());
        await browser.GoAsync("/account/publishing");
        Assert.Contains("needs two-factor authentication", await browser.Page.Locator(".notice-warn").InnerTextAsync());
        Assert.Equal(0, await browser.Page.Locator("form[action='/account/publishing/pending']").CountAsync());
        browser.AssertClean();
    }

    [Fact]
    public async Task Signed_out_visitors_are_sent_to_log_in_and_come_back_afterwards()
    {
        await using var setup = await web.NewSessionAsync();
        await setup.SignUpAndInAsync("sven");
        await using var browser = await web.NewSessionAsync();
        await browser.GoAsync("/account/history");
        Assert.Contains("/account/login?next=%2Faccount%2Fhistory", browser.Page.Url);
        await browser.Page.GetByLabel("Username").FillAsync("sven");
        await browser.Page.GetByLabel("Password").FillAsync(Password);
        await browser.Page.ClickAndWaitForUrlAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).Last, new Regex("/account/history$"));
        // Only local paths: a crafted next= never leaves the site.
        Assert.Equal("/account", Moat.Index.Web.AccountPages.LocalPath("//evil.example.com/x"));
        Assert.Equal("/account", Moat.Index.Web.AccountPages.LocalPath("https://evil.example.com/"));
        Assert.Equal("/account", Moat.Index.Web.AccountPages.LocalPath("/\\evil.example.com"));
        Assert.Equal("/account/tokens", Moat.Index.Web.AccountPages.LocalPath("/account/tokens"));
    }

    [Fact]
    public async Task A_form_posted_without_the_csrf_token_is_refused_and_changes_nothing()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("tess", totp: true);
        var response = await browser.Context.APIRequest.PostAsync(Origin + "/account/tokens", new()
        {
            Form = browser.Context.APIRequest.CreateFormData().Set("description", "forged"), FailOnStatusCode = false,
        });
        Assert.Equal(400, response.Status);
        Assert.Empty(await web.Server.Accounts.UserMacaroonsAsync((await web.Server.Accounts.UserByNameAsync("tess"))!.Id));
    }
}
