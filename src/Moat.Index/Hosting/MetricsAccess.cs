using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Metrics;
using Microsoft.Extensions.Logging;

namespace Moat.Index.Hosting;

/// <summary><c>[server] metrics</c>: anyone may read <c>/metrics</c>, only a bearer of the metrics token, or nobody (404).</summary>
public enum MetricsMode { Public, Token, Off }

/// <summary>
/// <c>/metrics</c> and who may read it. The series name routes, statuses and upload counts: harmless on a laptop,
/// but a public index should not hand them to anyone who asks. Prometheus sends a bearer token
/// (<c>authorization: { credentials_file: … }</c> in a scrape config), so token mode takes
/// <c>Authorization: Bearer &lt;token&gt;</c> with the token from an environment variable, never from moat.toml.
/// </summary>
public static class MetricsAccess
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static MetricsMode Parse(string value) => value switch
    {
        "public" => MetricsMode.Public,
        "token" => MetricsMode.Token,
        _ => MetricsMode.Off,
    };

    /// <summary>
    /// Unset: public only when nothing but this machine can reach the server (every listener on loopback and no
    /// trusted proxy in front), otherwise token.
    /// </summary>
    public static MetricsMode DefaultFor(IndexOptions options) =>
        options.TrustedProxies.Count == 0 && options.Listeners.All(IsLoopback)
            ? MetricsMode.Public : MetricsMode.Token;

    private static bool IsLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Host == "localhost");

    public static void Map(WebApplication app, IndexOptions options, ILogger log)
    {
        var mode = options.Metrics ?? DefaultFor(options);
        var token = mode == MetricsMode.Token ? Environment.GetEnvironmentVariable(options.MetricsTokenEnv) : null;
        if (mode == MetricsMode.Token && string.IsNullOrEmpty(token))
        {
            // Only reachable with the default mode: an explicit "token" without its variable is refused at start.
            log.LogWarning("/metrics is off: the server is reachable from other machines and {Variable} is not set; set it (or [server] metrics = \"public\") to scrape", options.MetricsTokenEnv);
            mode = MetricsMode.Off;
        }
        if (mode == MetricsMode.Off) return;
        var expected = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        app.MapGet("/metrics", (HttpContext http, IndexMetrics metrics) =>
        {
            if (expected is not null && !Bears(http.Request, expected))
            {
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"moat-metrics\"";
                return Results.Text("/metrics needs the metrics token: Authorization: Bearer <token>.\n", statusCode: StatusCodes.Status401Unauthorized);
            }
            return Results.Text(metrics.Render(), ContentType);
        });
    }

    private static bool Bears(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        // Hashes compared in constant time: the token's length is not revealed either.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim())), expected);
    }
}
