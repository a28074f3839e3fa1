using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Moat.Index.Simple;

/// <summary>
/// How a rendered simple page is answered, on <c>/simple/</c> and on every repository's <c>/r/…/simple/</c>: the
/// negotiated format, a revalidatable ETag, Brotli or gzip when the client takes it, and header values made once.
/// </summary>
public static class PageResponses
{
    /// <summary>Chooses the format, or answers 406 and returns null.</summary>
    public static async Task<NegotiatedFormat?> NegotiateAsync(HttpContext context)
    {
        if (Negotiate(context) is { } format) return format;
        await NotAcceptableAsync(context);
        return null;
    }

    /// <summary>Chooses the format (null: nothing acceptable). Sets <c>Vary</c>, which every answer here carries.</summary>
    public static NegotiatedFormat? Negotiate(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers.Vary = VaryHeaderValue;
        return ContentNegotiation.ChooseRemembered(request.QueryString.HasValue ? request.Query["format"] : default(string), request.Headers.Accept);
    }

    public static Task NotAcceptableAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status406NotAcceptable;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync($"Not acceptable: this index serves {ContentNegotiation.JsonV1}, {ContentNegotiation.HtmlV1} and {ContentNegotiation.TextHtml}.\n");
    }

    public const string VaryHeader = "Accept, Accept-Encoding";
    private static readonly StringValues VaryHeaderValue = VaryHeader;
    // Pages change (uploads, yanks, quarantine): clients may keep them but must revalidate, which is a cheap 304.
    private static readonly StringValues CacheControlHeader = "max-age=0, must-revalidate";
    private static readonly StringValues JsonContentType = ContentNegotiation.JsonV1;
    private static readonly StringValues HtmlV1ContentType = ContentNegotiation.HtmlV1 + "; charset=utf-8";
    private static readonly StringValues TextHtmlContentType = ContentNegotiation.TextHtml + "; charset=utf-8";

    public static Task WriteAsync(HttpContext context, RenderedPage page, NegotiatedFormat format)
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
