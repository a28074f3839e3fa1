using Microsoft.Playwright;
using Moat.Index;

namespace Moat.Web.Tests;

/// <summary>
/// One real <c>moat serve</c> per test class (<c>IClassFixture&lt;WebFixture&gt;</c>), and the test process's one
/// headless Chromium (<see cref="SharedBrowser"/>); each test opens its own <see cref="BrowserSession"/> (a fresh
/// browser context: its own cookies and storage, so tests never see each other's state). Subclass and override
/// <see cref="Configure"/> for a differently configured server.
/// </summary>
public class WebFixture : IAsyncLifetime
{
    /// <summary>The machine's Chromium (Debian package <c>chromium</c>); Playwright's own browser download is never used.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IBrowser? _browser;
    private WebServer? _server;

    public WebServer Server => _server ?? throw new InvalidOperationException("The fixture is not started.");
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The fixture is not started.");

    protected virtual IndexOptions Configure(IndexOptions options) => options;

    public async Task InitializeAsync()
    {
        var server = WebServer.StartAsync(Configure);
        _browser = await SharedBrowser.GetAsync();
        _server = await server;
    }

    public virtual async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    /// <summary>A fresh browser context and page against this server, recording console errors and CSP violations.</summary>
    public Task<BrowserSession> NewSessionAsync() => BrowserSession.OpenAsync(Browser, Server);
}
