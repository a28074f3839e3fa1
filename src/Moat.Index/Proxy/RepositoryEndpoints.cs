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
        app.MapMethods("/r/{repository}/simple/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string repository, string? path, Repositories repositories) =>
        {
            if (repositories.Layout.Find(repository) is not null) return PageAsync(context, repositories, repository, $"/r/{repository}/simple/", path);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// The root or a project page of <paramref name="repository"/> served under <paramref name="basePath"/>
    /// (<c>/simple/</c> or <c>/r/NAME/simple/</c>): PEP 503's canonical URL — the normalized name with a trailing
    /// slash, else a permanent redirect that keeps the query (<c>?format=</c>) — the negotiated format, and the
    /// repository's refusal when it has no page.
    /// </summary>
    internal static async Task PageAsync(HttpContext context, Repositories repositories, string repository, string basePath, string? path)
    {
        var ct = context.RequestAborted;
        if (string.IsNullOrEmpty(path))
        {
            if (!context.Request.Path.Value!.EndsWith('/'))
            {
                context.Response.Redirect(basePath + context.Request.QueryString, permanent: true);
                return;
            }
            if (await PageResponses.NegotiateAsync(context) is not { } rootFormat) return;
            await PageResponses.WriteAsync(context, (await repositories.RootAsync(repository, ct))!, rootFormat);
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
        if (await PageResponses.NegotiateAsync(context) is not { } format) return;
        var resolution = await repositories.ProjectAsync(repository, normalized, IsPip(context.Request), ct);
        if (resolution.Page is not { } page)
        {
            await NoPageAsync(context, resolution);
            return;
        }
        await PageResponses.WriteAsync(context, page, format);
    }

    /// <summary>pip identifies itself as <c>pip/&lt;version&gt; {json}</c>.</summary>
    public static bool IsPip(HttpRequest request) => request.Headers.UserAgent.ToString().StartsWith("pip/", StringComparison.Ordinal);

    /// <summary>404, or the refusal with its reason in the status line and the body.</summary>
    public static async Task NoPageAsync(HttpContext context, Resolution resolution)
    {
        context.Response.Headers.Vary = PageResponses.VaryHeader;
        if (resolution.Reason is null)
        {
            context.Response.StatusCode = resolution.Status;
            return;
        }
        await ProxyFiles.Refuse(resolution.Status, resolution.Reason).ExecuteAsync(context);
    }
}
