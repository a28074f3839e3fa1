using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moat.Index;
using Moat.Index.Admin;
using Moat.Index.Hosting;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>A whole index in process on a test server, with its own data directory, deleted afterwards.</summary>
internal sealed class TestIndex : IAsyncDisposable
{
    public string DataDirectory { get; }
    public WebApplication App { get; }
    public HttpClient Client { get; }
    public IMetadataStore Store => App.Services.GetRequiredService<IMetadataStore>();
    public IndexAdmin Admin => App.Services.GetRequiredService<IndexAdmin>();
    public IBlobStore Blobs => App.Services.GetRequiredService<IBlobStore>();
    /// <summary>The index's configuration as started (its <see cref="IndexOptions.Database"/> is the test's own).</summary>
    public IndexOptions Options { get; }
    /// <summary>The server's clock: real time until a test advances it.</summary>
    public ShiftableClock Clock { get; }
    /// <summary>What the server logged at Error or above (an unhandled exception behind a 500, with its stack trace).</summary>
    public CapturedLog ServerErrors { get; }

    private TestIndex(string data, WebApplication app, ShiftableClock clock, CapturedLog serverErrors)
    {
        ServerErrors = serverErrors;
        Options = app.Services.GetRequiredService<IndexOptions>();
        DataDirectory = data;
        App = app;
        Clock = clock;
        Client = app.GetTestClient();
    }

    /// <param name="host">Further host tweaks (a test's logger, say), applied after the server's own.</param>
    /// <param name="blobs">Where the distribution files go: the data directory, or a fresh prefix of the test S3 bucket;
    /// null: this assembly's layout (<see cref="TestStorage.NewBlobs"/>).</param>
    public static async Task<TestIndex> StartAsync(Func<IndexOptions, IndexOptions>? configure = null, Action<WebApplicationBuilder>? host = null,
        BlobBackend? blobs = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "moat-index-tests", Guid.NewGuid().ToString("N"));
        // A low PBKDF2 work factor keeps the account tests fast; the default (600,000) is checked in PasswordTests.
        // No upstream unless a test asks for one: pypi.org is not reachable from tests.
        var options = new IndexOptions
        {
            DataDirectory = data, LogRequests = false, LogLevel = "warning",
            Security = new Moat.Index.Accounts.SecurityOptions { PasswordIterations = 1000, Origin = "http://localhost" },
            Proxy = new Proxy.ProxyOptions { Upstream = "" },
            // Most tests are about something other than who may create a project, and let their users create one;
            // NewProjectTests start with the real default ("approved") and the other policies.
            NewProjects = Auth.NewProjectPolicy.Anyone,
            Database = TestStorage.NewDatabase(), KeyEncryptionKey = TestStorage.KeyEncryptionKey,
        };
        options = options with
        {
            Blobs = blobs switch { BlobBackend.S3 => TestStorage.S3Blobs(), BlobBackend.FileSystem => new(), _ => TestStorage.NewBlobs() },
        };
        if (configure is not null) options = configure(options);
        var clock = new ShiftableClock();
        var errors = new CapturedLog(LogLevel.Error);
        var app = IndexServer.Build(options, builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Logging.AddProvider(errors);
            host?.Invoke(builder);
        }, clock);
        await app.StartAsync();
        return new TestIndex(data, app, clock, errors);
    }

    public async Task<string> TokenAsync(string? project, bool admin = false)
    {
        var (_, secret, _) = await Admin.CreateTokenAsync(project, admin, "test");
        return secret!;
    }

    public Moat.Index.Accounts.AccountStore Accounts => App.Services.GetRequiredService<Moat.Index.Accounts.AccountStore>();

    /// <summary>The bodies of the mails the index wrote to <paramref name="address"/>, oldest first.</summary>
    public IEnumerable<string> MailTo(string address)
    {
        var directory = Path.Combine(DataDirectory, "mail");
        if (!Directory.Exists(directory)) return [];
        return Directory.GetFiles(directory, "*.eml").Order(StringComparer.Ordinal).Select(File.ReadAllText).Where(m => m.Contains($"To: {address}", StringComparison.Ordinal)).ToList();
    }

    public static AuthenticationHeaderValue Basic(string token) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:" + token)));

    public async Task<HttpResponseMessage> UploadAsync(string token, MultipartFormDataContent form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/legacy/") { Content = form };
        request.Headers.Authorization = Basic(token);
        return await Client.SendAsync(request);
    }

    public async Task<HttpResponseMessage> UploadWheelAsync(string token, string name, string version, string? requiresPython = null, string[]? requiresDist = null)
    {
        var wheel = TestDistributions.Wheel(name, version, requiresPython, requiresDist);
        return await UploadAsync(token, TestDistributions.UploadForm(name, version, TestDistributions.WheelFilename(name, version), wheel));
    }

    public async Task<string> GetAsync(string path, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await Client.SendAsync(request);
        // The client sees only "500"; the cause is in the server's log, so a failure says it.
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {response.ReasonPhrase}" +
                (ServerErrors.Lines.Count == 0 ? "" : "; the server logged:\n" + string.Join("\n", ServerErrors.Lines)), null, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStorage.Drop(Options.Database);
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}
