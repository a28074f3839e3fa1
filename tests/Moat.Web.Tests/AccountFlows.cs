using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Moat.Index.Accounts;

namespace Moat.Web.Tests;

/// <summary>
/// What a person does on the account pages, step by step through the browser (typing into labelled fields and
/// pressing buttons, never calling the API behind them), for the account page tests. <c>origin</c> is where the
/// browser goes: the server's URL, or its <c>localhost</c> name where WebAuthn needs a domain.
/// </summary>
internal static partial class AccountFlows
{
    public const string Password = BrowserSession.TestPassword;

    public static async Task SignUpAsync(IPage page, string origin, string username, string password = Password)
    {
        await page.GotoAsync(origin + "/account/register");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("E-mail address").FillAsync($"{username}@example.com");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Create account" }), new Regex("/account/login\\?done=registered"));
    }

    /// <summary>The verification link in the last mail the index wrote to <paramref name="username"/> (the default file mail sender).</summary>
    public static string VerificationLink(WebServer server, string username)
    {
        // The last verification mail: security notices (a second factor added…) may have come after it.
        return Directory.GetFiles(Path.Combine(server.DataDirectory, "mail"), "*.eml").Order(StringComparer.Ordinal)
            .Select(File.ReadAllText).Where(m => m.Contains($"To: {username}@example.com", StringComparison.Ordinal))
            .Select(m => VerifyLink().Match(m)).Last(m => m.Success).Value;
    }

    public static async Task VerifyEmailAsync(IPage page, WebServer server, string username)
    {
        var link = VerificationLink(server, username);
        Assert.StartsWith(server.Options.Security.Origin + "/account/verify-email?token=", link);
        await page.GotoAsync(link);
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Verify address" }), new Regex("done=verified"));
    }

    /// <summary>Fills the log-in form; the caller checks where it lands (the account, the second step, or an error).</summary>
    public static async Task SubmitLogInAsync(IPage page, string origin, string username, string password = Password)
    {
        await page.GotoAsync(origin + "/account/login");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.ClickAndWaitForPageAsync(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).Last);
    }

    public static async Task LogOutAsync(IPage page)
    {
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }), new Regex("/$"));
    }

    /// <summary>An enrolled authenticator app, as the test's "phone" holds it: the key, and the last step used (steps are single-use).</summary>
    public sealed class Authenticator(byte[] key, long lastStep)
    {
        public byte[] Key { get; } = key;
        private long _lastStep = lastStep;

        public string NextCode()
        {
            _lastStep = Math.Max(Totp.StepAt(DateTimeOffset.UtcNow), _lastStep + 1); // the server accepts one step ahead
            return Totp.Code(Key, _lastStep);
        }
    }

    /// <summary>Sets up TOTP on the security page: reads the key shown beside the QR code and confirms with a code computed here.</summary>
    public static async Task<(Authenticator App, string[] RecoveryCodes)> EnrollTotpAsync(IPage page, string origin)
    {
        await page.GotoAsync(origin + "/account/security");
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }), new Regex("/account/security"));
        var qr = await page.GetByRole(AriaRole.Img, new() { Name = "QR code for adding Moat to your authenticator app" }).GetAttributeAsync("src");
        Assert.StartsWith("data:image/png;base64,", qr);
        var secret = await page.GetByLabel("Key for manual entry").InputValueAsync();
        var app = new Authenticator(Base32.Decode(secret) ?? throw new InvalidOperationException("not base32: " + secret), 0);
        await page.GetByLabel("Code from the app").FillAsync(app.NextCode());
        await page.ClickAndWaitForUrlAsync(page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }), new Regex("/account/security/totp/confirm"));
        var codes = await page.Locator("ol.recovery-codes code").AllInnerTextsAsync();
        return (app, [.. codes]);
    }

    /// <summary>Form controls a screen reader could not name: no &lt;label&gt;, aria-label or aria-labelledby.</summary>
    public static async Task<string[]> UnlabelledControlsAsync(IPage page) => await page.EvaluateAsync<string[]>("""
        () => Array.from(document.querySelectorAll('input, select, textarea'))
          .filter(e => e.type !== 'hidden')
          .filter(e => !(e.labels && e.labels.length > 0) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
          .map(e => e.outerHTML)
        """);

    /// <summary>Runs the real <c>twine upload</c> (apt package <c>twine</c>) with an API token; returns exit code and output.</summary>
    public static (int Exit, string Output) TwineUpload(string indexUrl, string token, string file)
    {
        var start = new ProcessStartInfo("twine") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", indexUrl + "/legacy/", "-u", "__token__", "-p", token, file })
            start.ArgumentList.Add(arg);
        start.Environment["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"; // never wait on a desktop keyring
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("twine upload took more than 120 s");
        }
        return (process.ExitCode, output.Result + error.Result);
    }

    [GeneratedRegex(@"http://\S+/account/verify-email\?token=[A-Za-z0-9_-]+")]
    private static partial Regex VerifyLink();
}
