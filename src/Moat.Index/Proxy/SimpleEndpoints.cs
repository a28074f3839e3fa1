using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Simple;

namespace Moat.Index.Proxy;

/// <summary>
/// <c>GET /simple/</c> and <c>GET /simple/&lt;project&gt;/</c>: negotiated, cached, revalidatable. The cached hosted
/// page is the hot path of the whole index (every install asks for every dependency's page), so it does no database
/// work, parses nothing it has parsed before and writes bytes and header values made once per page version.
/// </summary>
public static class SimpleEndpoints
{
    public static void Map(WebApplication app)
    {
        var repositories = app.Services.GetRequiredService<Repositories>();
        var cache = app.Services.GetRequiredService<SimplePageCache>();
        // A hosted page answers first when the repository at /simple/ includes the hosted one (the default group).
        var hostedFirst = repositories.Layout.IncludesHosted(repositories.Layout.Root);
        // One route: the trailing slash matters here (PEP 503 canonical URLs) but not to the router. A plain
        // RequestDelegate: no parameter binding or service lookups per request.
        app.MapMethods("/simple/{**path}", [HttpMethods.Get, HttpMethods.Head], (RequestDelegate)(context =>
        {
            var path = context.Request.RouteValues["path"] as string;
            // The common case: a canonical URL ("name/") of a hosted page cached and fresh.
            if (hostedFirst && path is { Length: > 0 } && path.EndsWith('/') && cache.TryGetFresh(path.AsSpan(0, path.Length - 1), out var fresh))
                return PageResponses.Negotiate(context) is { } format ? PageResponses.WriteAsync(context, fresh, format) : PageResponses.NotAcceptableAsync(context);
            // The repository at /simple/ (by default the group: hosted first — a hosted name stops there, an upstream
            // never shadows it — then the proxy). Resolution rules: RepositoryLayout.
            return RepositoryEndpoints.PageAsync(context, repositories, repositories.Layout.Root, "/simple/", path);
        }));
    }
}
