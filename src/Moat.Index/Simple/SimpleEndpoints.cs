using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Moat.Packaging;

namespace Moat.Index.Simple;

/// <summary><c>GET /simple/</c> and <c>GET /simple/&lt;project&gt;/</c>: negotiated, cached, revalidatable.</summary>
public static class SimpleEndpoints
{
    public static void Map(WebApplication app)
    {
        // One route: the trailing slash matters here (PEP 503 canonical URLs) but not to the router.
        app.MapMethods("/simple/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string? path, Proxy.Repositories repositories) =>
        {
            if (string.IsNullOrEmpty(path))
            {
                if (!context.Request.Path.Value!.EndsWith('/'))
                {
                    context.Response.Redirect("/simple/" + context.Request.QueryString, permanent: true);
                    return Task.CompletedTask;
                }
                return RootAsync(context, repositories);
            }
            var slash = path.IndexOf('/');
            return ProjectAsync(context, slash < 0 ? path : path[..slash], slash < 0 ? null : path[(slash + 1)..], repositories);
        });
    }

    private static async Task RootAsync(HttpContext context, Proxy.Repositories repositories)
    {
        if (await NegotiateAsync(context) is not { } format) return;
        var page = await repositories.RootAsync(repositories.Layout.Root, context.RequestAborted);
        await WriteAsync(context, page!, format);
    }

    private static async Task ProjectAsync(HttpContext context, string project, string? rest, Proxy.Repositories repositories)
    {
        if (!string.IsNullOrEmpty(rest) || !ProjectName.IsValid(project))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var normalized = ProjectName.Normalize(project);
        if (normalized != project || !context.Request.Path.Value!.EndsWith('/'))
        {
            // PEP 503: the canonical URL is the normalized name with a trailing slash; keep the query (?format=).
            context.Response.Redirect($"/simple/{normalized}/{context.Request.QueryString}", permanent: true);
            return;
        }
        if (await NegotiateAsync(context) is not { } format) return;
        // The repository at /simple/ (by default the group: hosted first — a hosted name stops there, an upstream never
        // shadows it — then the proxy). Resolution rules: Proxy.RepositoryLayout.
        var resolution = await repositories.ProjectAsync(repositories.Layout.Root, normalized, Proxy.RepositoryEndpoints.IsPip(context.Request), context.RequestAborted);
        if (resolution.Page is not { } page)
        {
            await Proxy.RepositoryEndpoints.NoPageAsync(context, resolution);
            return;
        }
        await WriteAsync(context, page, format);
    }

    /// <summary>Chooses the format, or answers 406 and returns null.</summary>
    internal static async Task<NegotiatedFormat?> NegotiateAsync(HttpContext context)
    {
        var request = context.Request;
        var chosen = ContentNegotiation.Choose(request.Query["format"], request.Headers.Accept);
        context.Response.Headers.Vary = VaryHeader;
        if (chosen is null)
        {
            context.Response.StatusCode = StatusCodes.Status406NotAcceptable;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"Not acceptable: this index serves {ContentNegotiation.JsonV1}, {ContentNegotiation.HtmlV1} and {ContentNegotiation.TextHtml}.\n");
        }
        return chosen;
    }

    internal const string VaryHeader = "Accept, Accept-Encoding";

    internal static Task WriteAsync(HttpContext context, RenderedPage page, NegotiatedFormat format)
    {
        // Tiny pages are not worth a compressed copy (and its bookkeeping); pip and uv send Accept-Encoding.
        var (identity, _) = page.For(format.Format);
        var coding = identity.Length < 1024 ? PageCoding.Identity : ChooseCoding(context.Request.Headers.AcceptEncoding);
        var (body, etag) = page.For(format.Format, coding);
        var response = context.Response;
        response.Headers.ETag = etag;
        if (coding != PageCoding.Identity) response.Headers.ContentEncoding = coding == PageCoding.Brotli ? "br" : "gzip";
        // Pages change (uploads, yanks, quarantine): clients may keep them but must revalidate, which is a cheap 304.
        response.Headers.CacheControl = "max-age=0, must-revalidate";
        if (IfNoneMatch(context.Request, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = format.Format == SimpleFormat.Json ? format.ContentType : format.ContentType + "; charset=utf-8";
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>Brotli, then gzip, then identity, honouring q-values (<c>q=0</c> refuses a coding).</summary>
    internal static PageCoding ChooseCoding(Microsoft.Extensions.Primitives.StringValues acceptEncoding)
    {
        if (acceptEncoding.Count == 0 || !StringWithQualityHeaderValue.TryParseList(acceptEncoding, out var codings)) return PageCoding.Identity;
        double Quality(string name) =>
            codings.Where(c => c.Value.Equals(name, StringComparison.OrdinalIgnoreCase) || c.Value == "*")
                   .OrderByDescending(c => c.Value == "*" ? 0 : 1)
                   .Select(c => c.Quality ?? 1.0)
                   .DefaultIfEmpty(0.0)
                   .First();
        var brotli = Quality("br");
        var gzip = Quality("gzip");
        if (brotli > 0 && brotli >= gzip) return PageCoding.Brotli;
        return gzip > 0 ? PageCoding.Gzip : PageCoding.Identity;
    }

    internal static bool IfNoneMatch(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0) return false;
        foreach (var value in header)
        {
            foreach (var candidate in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (candidate == "*" || candidate == etag || (candidate.StartsWith("W/", StringComparison.Ordinal) && candidate[2..] == etag)) return true;
            }
        }
        return false;
    }
}
