using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Moat.Packaging;

namespace Moat.Index.Simple;

/// <summary>
/// <c>GET /simple/</c> and <c>GET /simple/&lt;project&gt;/</c>: negotiated, cached, revalidatable. The cached hosted
/// page is the hot path of the whole index (every install asks for every dependency's page), so it does no database
/// work, parses nothing it has parsed before and writes bytes and header values made once per page version.
/// </summary>
public static class SimpleEndpoints
{
    public static void Map(WebApplication app)
    {
        var repositories = app.Services.GetRequiredService<Proxy.Repositories>();
        var cache = app.Services.GetRequiredService<SimplePageCache>();
        // A hosted page answers first when the repository at /simple/ includes the hosted one (the default group).
        var hostedFirst = repositories.Layout.IncludesHosted(repositories.Layout.Root);
        // One route: the trailing slash matters here (PEP 503 canonical URLs) but not to the router. A plain
        // RequestDelegate: no parameter binding or service lookups per request.
        app.MapMethods("/simple/{**path}", [HttpMethods.Get, HttpMethods.Head], (RequestDelegate)(context =>
        {
            var path = context.Request.RouteValues["path"] as string;
            if (string.IsNullOrEmpty(path))
            {
                if (!context.Request.Path.Value!.EndsWith('/'))
                {
                    context.Response.Redirect("/simple/" + context.Request.QueryString, permanent: true);
                    return Task.CompletedTask;
                }
                return RootAsync(context, repositories);
            }
            // The common case: a canonical URL ("name/") of a hosted page cached and fresh.
            if (hostedFirst && path.EndsWith('/') && cache.TryGetFresh(path.AsSpan(0, path.Length - 1), out var fresh))
                return Negotiate(context) is { } format ? WriteAsync(context, fresh, format) : NotAcceptableAsync(context);
            var slash = path.IndexOf('/');
            return ProjectAsync(context, slash < 0 ? path : path[..slash], slash < 0 ? null : path[(slash + 1)..], repositories);
        }));
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
        if (Negotiate(context) is { } format) return format;
        await NotAcceptableAsync(context);
        return null;
    }

    /// <summary>Chooses the format (null: nothing acceptable). Sets <c>Vary</c>, which every answer here carries.</summary>
    private static NegotiatedFormat? Negotiate(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers.Vary = VaryHeaderValue;
        return ContentNegotiation.ChooseRemembered(request.QueryString.HasValue ? request.Query["format"] : default(string), request.Headers.Accept);
    }

    private static Task NotAcceptableAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status406NotAcceptable;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync($"Not acceptable: this index serves {ContentNegotiation.JsonV1}, {ContentNegotiation.HtmlV1} and {ContentNegotiation.TextHtml}.\n");
    }

    internal const string VaryHeader = "Accept, Accept-Encoding";
    private static readonly StringValues VaryHeaderValue = VaryHeader;
    // Pages change (uploads, yanks, quarantine): clients may keep them but must revalidate, which is a cheap 304.
    private static readonly StringValues CacheControlHeader = "max-age=0, must-revalidate";
    private static readonly StringValues JsonContentType = ContentNegotiation.JsonV1;
    private static readonly StringValues HtmlV1ContentType = ContentNegotiation.HtmlV1 + "; charset=utf-8";
    private static readonly StringValues TextHtmlContentType = ContentNegotiation.TextHtml + "; charset=utf-8";

    internal static Task WriteAsync(HttpContext context, RenderedPage page, NegotiatedFormat format)
    {
        // Tiny pages are not worth a compressed copy (and its bookkeeping); pip and uv send Accept-Encoding.
        var (identity, _) = page.For(format.Format);
        var coding = identity.Length < 1024 ? PageCoding.Identity : ChooseCoding(context.Request.Headers.AcceptEncoding);
        var representation = page.Representation(format.Format, coding);
        var response = context.Response;
        var headers = response.Headers;
        headers.ETag = representation.ETag;
        if (coding != PageCoding.Identity) headers.ContentEncoding = representation.ContentEncoding;
        headers.CacheControl = CacheControlHeader;
        if (IfNoneMatch(context.Request, representation.ETagText))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        headers.ContentType = format.ContentType switch
        {
            ContentNegotiation.JsonV1 => JsonContentType,
            ContentNegotiation.HtmlV1 => HtmlV1ContentType,
            _ => TextHtmlContentType,
        };
        response.ContentLength = representation.Body.Length;
        if (HttpMethods.IsHead(context.Request.Method)) return Task.CompletedTask;
        var written = response.BodyWriter.WriteAsync(representation.Body, context.RequestAborted);
        return written.IsCompletedSuccessfully ? Task.CompletedTask : written.AsTask();
    }

    private static readonly HeaderMemo<PageCoding> CodingByHeader = new(ParseCoding);

    /// <summary>Brotli, then gzip, then identity, honouring q-values (<c>q=0</c> refuses a coding).</summary>
    internal static PageCoding ChooseCoding(StringValues acceptEncoding) => acceptEncoding.Count switch
    {
        0 => PageCoding.Identity,
        1 => CodingByHeader.Get(acceptEncoding[0] ?? ""),
        _ => ParseCoding(acceptEncoding.ToString()),
    };

    private static PageCoding ParseCoding(string acceptEncoding)
    {
        if (!StringWithQualityHeaderValue.TryParseList([acceptEncoding], out var codings)) return PageCoding.Identity;
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

    /// <summary>Whether any entity tag in <c>If-None-Match</c> matches (weakly, as RFC 9110 says for GET), without splitting strings.</summary>
    internal static bool IfNoneMatch(HttpRequest request, string etag)
    {
        foreach (var value in request.Headers.IfNoneMatch)
        {
            var rest = (value ?? "").AsSpan();
            while (!rest.IsEmpty)
            {
                var comma = rest.IndexOf(',');
                var candidate = (comma < 0 ? rest : rest[..comma]).Trim();
                rest = comma < 0 ? default : rest[(comma + 1)..];
                if (candidate is "*" || candidate.SequenceEqual(etag)
                    || (candidate.StartsWith("W/", StringComparison.Ordinal) && candidate[2..].SequenceEqual(etag))) return true;
            }
        }
        return false;
    }
}
