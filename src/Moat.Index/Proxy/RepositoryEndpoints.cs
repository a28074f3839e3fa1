using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Simple;
using Moat.Packaging;

namespace Moat.Index.Proxy;

/// <summary>
/// <c>GET /r/&lt;repository&gt;/simple/[&lt;project&gt;/]</c>: every configured repository at its own path, with the same
/// negotiation, caching and redirects as <c>/simple/</c> (which serves the root repository, see <see cref="SimpleEndpoints"/>).
/// </summary>
public static class RepositoryEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapMethods("/r/{repository}/simple/{**path}", [HttpMethods.Get, HttpMethods.Head], async (HttpContext context, string repository, string? path, Repositories repositories) =>
        {
            var ct = context.RequestAborted;
            var basePath = $"/r/{repository}/simple/";
            if (repositories.Layout.Find(repository) is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            if (string.IsNullOrEmpty(path))
            {
                if (!context.Request.Path.Value!.EndsWith('/'))
                {
                    context.Response.Redirect(basePath + context.Request.QueryString, permanent: true);
                    return;
                }
                if (await SimpleEndpoints.NegotiateAsync(context) is not { } rootFormat) return;
                await SimpleEndpoints.WriteAsync(context, (await repositories.RootAsync(repository, ct))!, rootFormat);
                return;
            }
            var slash = path.IndexOf('/');
            var project = slash < 0 ? path : path[..slash];
            if ((slash >= 0 && slash < path.Length - 1) || !ProjectName.IsValid(project))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            var normalized = ProjectName.Normalize(project);
            if (normalized != project || !context.Request.Path.Value!.EndsWith('/'))
            {
                context.Response.Redirect($"{basePath}{normalized}/{context.Request.QueryString}", permanent: true);
                return;
            }
            if (await SimpleEndpoints.NegotiateAsync(context) is not { } format) return;
            var resolution = await repositories.ProjectAsync(repository, normalized, IsPip(context.Request), ct);
            if (resolution.Page is not { } page)
            {
                await NoPageAsync(context, resolution);
                return;
            }
            await SimpleEndpoints.WriteAsync(context, page, format);
        });
    }

    /// <summary>pip identifies itself as <c>pip/&lt;version&gt; {json}</c>.</summary>
    public static bool IsPip(HttpRequest request) => request.Headers.UserAgent.ToString().StartsWith("pip/", StringComparison.Ordinal);

    /// <summary>404, or the refusal with its reason in the status line and the body.</summary>
    public static async Task NoPageAsync(HttpContext context, Resolution resolution)
    {
        context.Response.Headers.Vary = SimpleEndpoints.VaryHeader;
        if (resolution.Reason is null)
        {
            context.Response.StatusCode = resolution.Status;
            return;
        }
        await ProxyFiles.Refuse(resolution.Status, resolution.Reason).ExecuteAsync(context);
    }
}
