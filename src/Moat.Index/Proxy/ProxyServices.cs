using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Moat.Index.Proxy;

/// <summary>Registers the proxy repository. Tests replace <see cref="UpstreamClient"/> with one whose handler reaches an in-process upstream.</summary>
public static class ProxyServices
{
    public static void Add(IServiceCollection services, IndexOptions options)
    {
        services.AddSingleton(options.Proxy);
        services.AddSingleton(ProxyStore.Open(Path.Combine(options.DataDirectory, "proxy.db")));
        services.AddSingleton(_ => new UpstreamClient(new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        { Timeout = Timeout.InfiniteTimeSpan, DefaultRequestHeaders = { { "User-Agent", "moat-proxy" } } }, options.Proxy));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ProxyRepository>();
        services.AddSingleton<ProxyFiles>();
        services.AddSingleton(sp => new ProxyAdmin(sp.GetRequiredService<ProxyStore>(), sp.GetRequiredService<Storage.IMetadataStore>(), sp.GetRequiredService<ProxyRepository>().StateChanged));
    }
}
