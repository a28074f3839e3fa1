using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;
using Moat.Index.Accounts;

namespace Moat.Web.Tests;

/// <summary>
/// One browser context (its own cookies) and page, with everything the page reports collected: console errors,
/// uncaught exceptions, and Content-Security-Policy violations (a <c>securitypolicyviolation</c> listener installed
/// before any page script, reporting through a Playwright binding, so it works under the strict CSP).
/// <see cref="AssertClean"/> fails the test if any were seen. <see cref="ApiAsync"/> calls the JSON API sharing the
/// browser's cookies (so a session made there is the browser's session).
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _problems = new();
    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public WebServer Server { get; }
    /// <summary>The session's CSRF token for the JSON API (from the last log-in through <see cref="ApiAsync"/>).</summary>
    public string? ApiCsrf { get; private set; }

    private BrowserSession(IBrowserContext context, IPage page, WebServer server)
    {
        Context = context;
        Page = page;
        Server = server;
    }

    public IReadOnlyCollection<string> Problems => [.. _problems];

    internal static async Task<BrowserSession> OpenAsync(IBrowser browser, WebServer server)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.Url, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        // Generous: CI runs the test assemblies in parallel on two cores, and a page wait is a bound, not a speed check.
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(30_000);
        var page = await context.NewPageAsync();
        var session = new BrowserSession(context, page, server);
        await context.ExposeFunctionAsync("__moatCspViolation", (string report) => session._problems.Enqueue("CSP violation: " + report));
        await context.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', e =>
              window.__moatCspViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + (e.sourceFile || '') + ':' + e.lineNumber));
            """);
        page.Console += (_, message) =>
        {
            if (message.Type == "error") session._problems.Enqueue($"console {message.Type}: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => session._problems.Enqueue("page error: " + error);
        return session;
    }

    /// <summary>Opens <paramref name="path"/> and checks the response status (200 unless told).</summary>
    public async Task<IResponse> GoAsync(string path, int status = 200)
    {
        var response = await Page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Load }) ?? throw new InvalidOperationException("No response for " + path);
        Assert.True(response.Status == status, $"GET {path}: expected {status}, got {response.Status}");
        return response;
    }

    /// <summary>Like <see cref="AssertClean"/>, allowing the console's report of the page's own 404 status (expected).</summary>
    public void AssertClean404() => Assert.True(_problems.All(p => p.Contains("404 (Not Found)", StringComparison.Ordinal)),
        "The page reported problems:\n" + string.Join("\n", _problems));

    /// <summary>Like <see cref="AssertClean"/>, allowing the console's report of the page's own expected error status (e.g. "403 (Forbidden)").</summary>
    public void AssertCleanExcept(string expectedStatus) => Assert.True(_problems.All(p => p.Contains(expectedStatus, StringComparison.Ordinal)),
        "The page reported problems:\n" + string.Join("\n", _problems));

    /// <summary>No console errors, uncaught exceptions or CSP violations so far.</summary>
    public void AssertClean() => Assert.True(_problems.IsEmpty, "The page reported problems:\n" + string.Join("\n", _problems));

    /// <summary>Saves a full-page PNG under the test output's <c>TestResults/screenshots/</c> (an artifact, never committed).</summary>
    public Task<byte[]> ScreenshotAsync(string name) => Page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor(name), FullPage = true });

    /// <summary>Calls the JSON API with the browser's cookies; sends the session's CSRF token on state-changing calls.</summary>
    public async Task<(int Status, JsonElement Body)> ApiAsync(string method, string path, object? body = null)
    {
        var options = new APIRequestContextOptions { Method = method, FailOnStatusCode = false };
        if (body is not null) options.DataObject = body;
        if (ApiCsrf is not null) options.Headers = new Dictionary<string, string> { [Sessions.CsrfHeader] = ApiCsrf };
        var response = await Context.APIRequest.FetchAsync(Server.Url + path, options);
        var text = await response.TextAsync();
        var json = text.Length > 0 && text[0] is '{' or '[' ? JsonDocument.Parse(text).RootElement.Clone() : default;
        if (path == "/_/account/login" && response.Status == 200) ApiCsrf = json.GetProperty("csrf_token").GetString();
        return (response.Status, json);
    }

    /// <summary>What <see cref="SignUpAndInAsync"/> enrolled: the TOTP key and the recovery codes (null without TOTP).</summary>
    public sealed record Enrolled(byte[] TotpKey, string[] RecoveryCodes);

    /// <summary>
    /// Registers <paramref name="username"/> and signs this browser in through the JSON API (the same session cookie
    /// the pages read). With <paramref name="totp"/> the account also enrolls TOTP (the code computed here), which
    /// completes the session's second factor too.
    /// </summary>
    public async Task<Enrolled?> SignUpAndInAsync(string username, string password = TestPassword, bool totp = false)
    {
        var (status, body) = await ApiAsync("POST", "/_/account/register", new { username, email = $"{username}@example.com", password });
        Assert.True(status == 201, $"register {username}: {status} {body}");
        await LogInAsync(username, password);
        if (!totp) return null;
        (status, body) = await ApiAsync("POST", "/_/account/2fa/totp/begin");
        Assert.True(status == 200, $"totp begin: {status} {body}");
        var key = Base32.Decode(body.GetProperty("secret").GetString()!)!;
        (status, body) = await ApiAsync("POST", "/_/account/2fa/totp/confirm", new { code = Totp.Code(key, Totp.StepAt(DateTimeOffset.UtcNow)) });
        Assert.True(status == 200, $"totp confirm: {status} {body}");
        return new Enrolled(key, [.. body.GetProperty("recovery_codes").EnumerateArray().Select(c => c.GetString()!)]);
    }

    public const string TestPassword = "correct horse battery staple 42";

    /// <summary>Password log-in through the JSON API (second factor, if any, still pending).</summary>
    public async Task LogInAsync(string username, string password = TestPassword)
    {
        var (status, body) = await ApiAsync("POST", "/_/account/login", new { username, password });
        Assert.True(status == 200, $"login {username}: {status} {body}");
    }

    /// <summary>
    /// Signs this browser in as the configured web administrator (<see cref="WebServer.AdminName"/>, with TOTP):
    /// the first call per server registers and enrolls it; later calls log in and pass the second factor with one
    /// of its recovery codes (a TOTP step cannot be replayed within 30 seconds).
    /// </summary>
    public async Task SignInAsAdminAsync()
    {
        await Server.AdminLock.WaitAsync();
        try
        {
            if (Server.AdminRecoveryCodes is null)
            {
                var enrolled = await SignUpAndInAsync(WebServer.AdminName, totp: true);
                Server.AdminRecoveryCodes = new Queue<string>(enrolled!.RecoveryCodes);
                return;
            }
            await LogInAsync(WebServer.AdminName);
            var (status, body) = await ApiAsync("POST", "/_/account/2fa/recovery", new { code = Server.AdminRecoveryCodes.Dequeue() });
            Assert.True(status == 200, $"admin recovery code: {status} {body}");
        }
        finally
        {
            Server.AdminLock.Release();
        }
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}

/// <summary>Where screenshots go: <c>TestResults/screenshots/</c> beside the test assembly (or <c>MOAT_SCREENSHOTS</c>).</summary>
public static class Screenshots
{
    public static string Directory { get; } = System.IO.Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("MOAT_SCREENSHOTS") is { Length: > 0 } configured ? configured
        : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots")).FullName;

    public static string PathFor(string name) => Path.Combine(Directory, string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')) + ".png");
}

/// <summary>
/// Form submissions in browser tests. A click followed by a plain <c>WaitForURLAsync</c> races: it returns at once when
/// the page is already on a matching URL (a second admin action after <c>/admin?message=…</c>), and it can miss a
/// navigation that committed before it started listening, then wait for one that never comes. A click followed by
/// <c>WaitForLoadStateAsync</c> has the same two races, and a third: under load the client at times never saw the new
/// document's "load" (its waiter logged "networkidle" fired, then timed out after 30 s with the page long loaded).
/// These helpers listen for the main frame's navigation BEFORE clicking, and then ask the new document itself whether
/// it has finished loading.
/// </summary>
public static class Navigation
{
    public static Task ClickAndWaitForUrlAsync(this IPage page, ILocator button, System.Text.RegularExpressions.Regex url) =>
        ClickAndWaitAsync(page, button, url.IsMatch, url.ToString());

    /// <summary>Playwright's glob: <c>**</c> any characters, <c>*</c> any but <c>/</c>, everything else literal.</summary>
    public static Task ClickAndWaitForUrlAsync(this IPage page, ILocator button, string glob)
    {
        var pattern = new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(glob).Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*") + "$");
        return ClickAndWaitAsync(page, button, pattern.IsMatch, glob);
    }

    /// <summary>A form whose answer may stay on the same URL (a refusal re-rendered): waits for the next document, wherever it is.</summary>
    public static Task ClickAndWaitForPageAsync(this IPage page, ILocator button) => ClickAndWaitAsync(page, button, _ => true, "any page");

    private static async Task ClickAndWaitAsync(IPage page, ILocator button, Func<string, bool> matches, string expected)
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnNavigated(object? sender, IFrame frame)
        {
            if (frame == page.MainFrame && matches(frame.Url)) arrived.TrySetResult();
        }
        var before = page.Url;
        page.FrameNavigated += OnNavigated;
        try
        {
            await button.ClickAsync();
            if (await Task.WhenAny(arrived.Task, Task.Delay(TimeSpan.FromSeconds(30))) != arrived.Task)
            {
                var main = await page.Locator("main").InnerTextAsync(new() { Timeout = 2000 }).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "(no main)");
                throw new TimeoutException($"after the click, waited 30 s for a navigation to {expected}; the page is at {page.Url} (was {before}): {main[..Math.Min(main.Length, 500)]}");
            }
        }
        finally
        {
            page.FrameNavigated -= OnNavigated;
        }
        await page.WaitForFunctionAsync("() => document.readyState === 'complete'", null, new() { PollingInterval = 50 });
    }
}
