using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index;
using Moat.Index.Accounts;
using Moat.Index.Admin;
using Moat.Index.Hosting;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Web.Tests;

/// <summary>
/// A real <c>moat serve</c> for browser tests: <see cref="IndexServer"/> on Kestrel at 127.0.0.1 on a free port,
/// with its own temporary data directory (deleted afterwards). The configured origin is the server's own URL so
/// Origin checks and cookies behave as in production. <c>admin</c> is the configured web administrator.
/// </summary>
public sealed class WebServer : IAsyncDisposable
{
    public const string AdminName = "admin";

    public string Url { get; }
    public string DataDirectory { get; }
    public WebApplication App { get; }
    public IndexOptions Options { get; }
    public IMetadataStore Store => App.Services.GetRequiredService<IMetadataStore>();
    public AccountStore Accounts => App.Services.GetRequiredService<AccountStore>();
    public IndexAdmin Admin => App.Services.GetRequiredService<IndexAdmin>();
    /// <summary>The server's clock: real time until a test advances it (then TOTP codes must come from it too).</summary>
    public ShiftableClock Clock { get; }

    /// <summary>The web admin's unused recovery codes once registered (see <see cref="BrowserSession.SignInAsAdminAsync"/>).</summary>
    internal Queue<string>? AdminRecoveryCodes { get; set; }
    internal SemaphoreSlim AdminLock { get; } = new(1, 1);

    private WebServer(string url, string data, WebApplication app, IndexOptions options, ShiftableClock clock)
    {
        Clock = clock;
        Url = url;
        DataDirectory = data;
        App = app;
        Options = options;
    }

    public static async Task<WebServer> StartAsync(Func<IndexOptions, IndexOptions>? configure = null)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var data = Path.Combine(Path.GetTempPath(), "moat-web-tests", Guid.NewGuid().ToString("N"));
        var options = new IndexOptions
        {
            Urls = url, DataDirectory = data, LogRequests = false, LogLevel = "error",
            // A low PBKDF2 work factor keeps sign-ups fast; the default is checked in the index tests.
            // The first back-off is longer than the 2 s default: one browser step can take that long on a loaded machine,
            // and a page test must still meet the back-off it caused. (Its timing is tested in the index tests, with a moved clock.)
            Security = new SecurityOptions { PasswordIterations = 1000, Origin = url, Admins = [AdminName], BackoffFirst = TimeSpan.FromMinutes(5) },
            Proxy = new Moat.Index.Proxy.ProxyOptions { Upstream = "" }, // pypi.org is not reachable from tests
            Database = TestStorage.NewDatabase(), KeyEncryptionKey = TestStorage.KeyEncryptionKey,
            Blobs = TestStorage.NewBlobs(),
        };
        if (configure is not null) options = configure(options);
        var clock = new ShiftableClock();
        var app = IndexServer.Build(options, time: clock);
        await app.StartAsync();
        return new WebServer(url, data, app, options, clock);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        TestStorage.Drop(Options.Database);
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
