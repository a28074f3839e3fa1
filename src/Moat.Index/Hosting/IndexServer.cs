using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moat.Index.Metrics;
using Moat.Index.Accounts;
using Moat.Index.Admin;
using Moat.Index.Auth;
using Moat.Index.Files;
using Moat.Index.Mail;
using Moat.Index.Policy;
using Moat.Index.Publishing;
using Moat.Index.Security;
using Moat.Index.Simple;
using Moat.Index.Storage;
using Moat.Index.Upload;
using Moat.Index.AccountApi;

namespace Moat.Index.Hosting;

/// <summary>
/// Builds the <c>moat serve</c> application: one Kestrel process with the simple API, files, upload, admin API,
/// <c>/healthz</c>, <c>/metrics</c> and the web pages (Web/). Tests call <see cref="Build"/> with their own host tweaks (a test server).
/// </summary>
public static class IndexServer
{
    /// <param name="time">The clock of every service and store (tests pass one they can move); the system clock by default.</param>
    public static WebApplication Build(IndexOptions options, Action<WebApplicationBuilder>? configure = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        options = options with { Security = options.Security with { ListenOrigin = Accounts.SecurityOptions.OriginOf(options.Listeners) } };
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "moat", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls([.. options.Listeners]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024; // raised per request by the upload endpoint only
        });
        ConfigureLogging(builder.Logging, options);

        // Opened and migrated now, so a database that cannot be reached or is too new stops the start with one line.
        var databases = IndexDatabases.Open(options);
        var store = SqlMetadataStore.Open(databases.Index, time);
        var accounts = AccountStore.Open(databases.Index, time);
        var proxyStore = Proxy.ProxyStore.Open(databases.Proxy, time);
        var blobs = BlobStores.Open(options);
        var cache = new SimplePageCache(store, time, options.PageRevalidateAfter,
            databases.Index.Engine == DatabaseEngine.PostgreSql ? databases.Index.ChangeVersion : null);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton<IndexMetrics>();
        // A factory, so the container disposes the connection pools (and PostgreSQL's listener) with the app.
        builder.Services.AddSingleton(_ => databases);
        builder.Services.AddSingleton(proxyStore);
        builder.Services.AddSingleton(proxyStore.Allowlist);
        DataProtectionKeys.Add(builder.Services, options, databases.Index, time);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IMetadataStore>(store);
        builder.Services.AddSingleton<IBlobStore>(_ => blobs); // created by a factory: the container disposes it (an S3 client)
        builder.Services.AddSingleton(cache);
        builder.Services.AddSingleton(accounts);
        AddAccounts(builder.Services, options);
        builder.Services.AddSingleton(new IndexAdmin(store, accounts, cache.Invalidate));
        builder.Services.AddSingleton(sp => new HostedQuarantine(store, accounts, sp.GetRequiredService<SecurityEvents>(), cache.Invalidate));
        builder.Services.AddSingleton(sp => new ReleaseApprovals(store, accounts, sp.GetRequiredService<SecurityEvents>(), cache.Invalidate, sp.GetRequiredService<IMailSender>()));
        builder.Services.AddSingleton(sp => new Projects.OwnerYanks(store, sp.GetRequiredService<SecurityEvents>(), cache));
        builder.Services.AddSingleton<ProjectStatusCheck>();
        builder.Services.AddSingleton<DistributionConsistencyCheck>();
        builder.Services.AddSingleton<CodeScanCheck>();
        builder.Services.AddSingleton<NameCheck>();
        builder.Services.AddSingleton<PolicyGate>();
        Proxy.ProxyServices.Add(builder.Services, options);
        builder.Services.AddSingleton(sp => new ProxyAdmin(proxyStore, store, sp.GetRequiredService<Proxy.Repositories>().StateChanged));
        Web.WebPages.AddServices(builder.Services, options);
        builder.Services.AddSingleton(sp => new BlobSweep(store, proxyStore, blobs, time));
        builder.Services.AddHostedService<BlobSweepService>();
        builder.Services.AddSingleton(new Advisories.AdvisoryDatabase(new Moat.Analysis.Dependencies.Advisories.AdvisoryStore(options.AdvisoryDirectory)));
        builder.Services.AddSingleton(sp => new Advisories.AdvisoryUpdater(
            new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 3 }) { Timeout = TimeSpan.FromMinutes(5) }, time));
        builder.Services.AddHostedService<Advisories.AdvisoryRefreshService>();
        builder.Services.AddSingleton<VulnerabilityPolicy>();
        builder.Services.AddSingleton(new Provenance.AttestationVerifier(options.Provenance.TrustRoot()));
        builder.Services.AddSingleton<Provenance.ProvenanceService>();
        configure?.Invoke(builder);

        var app = builder.Build();
        // Created now, so the container owns it and disposes the pools with the app (nothing else asks for it).
        app.Services.GetRequiredService<IndexDatabases>();
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Moat.Index.Repositories").LogInformation("Repositories: {Layout}", options.Layout.Describe());
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Moat.Index.Storage").LogInformation("Database: {Database}", databases.Describe());
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Moat.Index.Storage").LogInformation("Blobs: {Location}", BlobStores.Describe(options));
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Moat.Index.Mail").LogInformation("Mail: {Destination}", options.Mail.Describe(options.DataDirectory));
        // First: everything after it sees the client's scheme and address, not the proxy's.
        TrustedProxies.Use(app, options.TrustedProxies);
        app.Use(ObserveRequests(app.Services.GetRequiredService<IndexMetrics>(), options.LogRequests ? app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Moat.Index.Requests") : null));
        // Inside the request log, so a failure is logged and counted as the 500 it is answered with.
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = InternalErrorAsync });
        app.Use(SecurityMiddleware.NoSniff);
        if (options.Security.Read == ReadAccess.Authenticated) app.Use(ReadGate.Middleware);
        app.Use(SecurityMiddleware.KillSwitchNotice(app.Services.GetRequiredService<KillSwitches>()));

        app.MapGet("/healthz", async (IMetadataStore s, CancellationToken ct) =>
        {
            var serial = await s.GetGlobalSerialAsync(ct);
            return Results.Json(new { status = "ok", serial });
        });
        MetricsAccess.Map(app, options, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Moat.Index.Metrics"));
        Proxy.SimpleEndpoints.Map(app);
        Proxy.RepositoryEndpoints.Map(app);
        FileEndpoints.Map(app);
        JsonApi.JsonApiEndpoints.Map(app);
        IntegrityEndpoints.Map(app);
        UploadEndpoint.Map(app);
        AdminEndpoints.Map(app);
        AccountEndpoints.Map(app);
        OidcEndpoints.Map(app);
        DisclosureEndpoint.Map(app);
        Web.WebPages.Map(app);
        return app;
    }

    /// <summary>The answer to an unhandled exception (the exception handler middleware logs it and sets 500): no details for the client.</summary>
    private static Task InternalErrorAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("Internal server error: the failure is in the server's log.\n");
    }

    /// <summary>Accounts, sessions, tokens, Trusted Publishing, kill switches and the event log.</summary>
    private static void AddAccounts(IServiceCollection services, IndexOptions options)
    {
        var security = options.Security;
        services.AddSingleton(security);
        services.AddSingleton<IndexAuthorization>();
        services.AddSingleton<TokenPlaces>();
        services.AddSingleton<NewProjects>();
        services.AddSingleton<KillSwitches>();
        services.AddSingleton<SecurityEvents>();
        services.AddSingleton<Sessions>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<AccountService>();
        services.AddSingleton(new GitHubOwnerLookup(security, new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false })));
        services.AddSingleton<AccountMail>();
        AddMail(services, options);
        // Identity-provider and partner key fetches: short timeouts, no redirects to elsewhere.
        services.AddSingleton(sp => new OidcVerifier(new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DisclosureKeys(new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) }, security, sp.GetRequiredService<TimeProvider>()));
    }

    /// <summary>The directory sink unless <c>[mail] host</c> names an SMTP server (then a background sender).</summary>
    private static void AddMail(IServiceCollection services, IndexOptions options)
    {
        if (!options.Mail.SendsOverSmtp)
        {
            services.AddSingleton<IMailSender>(new FileMailSender(options.Mail.DirectoryIn(options.DataDirectory), options.Mail.FromAddress));
            return;
        }
        services.AddSingleton(sp => new SmtpMailSender(options.Mail, sp.GetRequiredService<ILogger<SmtpMailSender>>()));
        services.AddSingleton<IMailSender>(sp => sp.GetRequiredService<SmtpMailSender>());
        services.AddHostedService(sp => sp.GetRequiredService<SmtpMailSender>());
    }

    private static void ConfigureLogging(ILoggingBuilder logging, IndexOptions options)
    {
        logging.ClearProviders();
        if (options.LogFormat == "json") logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        else logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff "; o.UseUtcTimestamp = true; });
        logging.SetMinimumLevel(Enum.TryParse<LogLevel>(options.LogLevel, ignoreCase: true, out var level) ? level : LogLevel.Information);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        // A failure to start (a port in use) is thrown to the caller, which says it in one line: no stack trace here.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
    }

    /// <summary>Counts and times every request; with a logger, one structured line per request: method, path, status, milliseconds.</summary>
    private static Func<HttpContext, RequestDelegate, Task> ObserveRequests(IndexMetrics metrics, ILogger? log) => (context, next) =>
    {
        // Every request passes here: requests that complete synchronously (cached pages) need no state machine.
        var started = Stopwatch.GetTimestamp();
        Task pending;
        try
        {
            pending = next(context);
        }
        catch
        {
            Record(metrics, context, started, log, failed: true);
            throw;
        }
        if (!pending.IsCompleted) return AwaitAndRecord(metrics, pending, context, started, log);
        Record(metrics, context, started, log, failed: !pending.IsCompletedSuccessfully);
        return pending;
    };

    private static async Task AwaitAndRecord(IndexMetrics metrics, Task pending, HttpContext context, long started, ILogger? log)
    {
        try
        {
            await pending;
        }
        catch
        {
            Record(metrics, context, started, log, failed: true);
            throw;
        }
        Record(metrics, context, started, log, failed: false);
    }

    /// <param name="failed">
    /// An exception escaped: the server will answer 500 once it reaches Kestrel, but the response still says 200
    /// here unless it had started.
    /// </param>
    private static void Record(IndexMetrics metrics, HttpContext context, long started, ILogger? log, bool failed)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        var status = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
        metrics.ObserveRequest(context.Request.Method, IndexMetrics.RouteGroup(context.Request.Path.Value), status, elapsed.TotalSeconds);
        log?.LogInformation("{Method} {Path}{Query} {Status} {ElapsedMs:0.0}ms", context.Request.Method, context.Request.Path.Value,
            context.Request.QueryString.Value, status, elapsed.TotalMilliseconds);
    }
}
