using Microsoft.Playwright;

namespace Moat.Web.Tests;

/// <summary>
/// The test process's one Chromium, launched on first use and closed when the process exits. Launching the driver
/// and a browser per test class cost seconds each on a loaded two-core machine; isolation between tests comes from
/// the fresh browser context every <see cref="BrowserSession"/> opens, not from separate browsers.
/// </summary>
internal static class SharedBrowser
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IPlaywright? _playwright;
    private static IBrowser? _browser;

    public static async Task<IBrowser> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            // A browser that crashed is replaced rather than failing every later test class.
            if (_browser is { IsConnected: true }) return _browser;
            if (_playwright is null)
            {
                _playwright = await Playwright.CreateAsync();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Close();
            }
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = WebFixture.ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            });
            return _browser;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static void Close()
    {
        try { _browser?.CloseAsync().Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { } catch (PlaywrightException) { }
        _playwright?.Dispose();
    }
}
