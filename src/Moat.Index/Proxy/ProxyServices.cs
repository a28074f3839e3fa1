using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Moat.Index.Proxy;

/// <summary>Registers the configured repositories: one <see cref="ProxyRepository"/> per proxy (one shared connection pool), the group resolver (the ProxyStore is registered with the other stores), and the firewall's files.</summary>
public static class ProxyServices
{
    public static void Add(IServiceCollection services, IndexOptions options)
    {
        var layout = options.Layout;
        services.AddSingleton(layout);
        var http = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        { Timeout = Timeout.InfiniteTimeSpan, DefaultRequestHeaders = { { "User-Agent", "moat-proxy" } } };
        services.AddSingleton(sp => new LookalikeGuard(sp.GetRequiredService<ProxyStore>().Allowlist, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Repositories(layout,
            [.. layout.Proxies.Select(p => new ProxyRepository(p, new UpstreamClient(http, p), sp.GetRequiredService<ProxyStore>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Metrics.ProxyMetrics>(), sp.GetRequiredService<ILogger<ProxyRepository>>()))],
            sp.GetRequiredService<Simple.SimplePageCache>(), sp.GetRequiredService<Storage.IMetadataStore>(), sp.GetRequiredService<LookalikeGuard>()));
        services.AddSingleton<ProxyProvenance>();
        services.AddSingleton<ScanSignal>();
        services.AddSingleton<ProxyFiles>();
        services.AddHostedService<ProxyScanQueue>();
        services.AddSingleton<ProtectedNames>();
    }
}
