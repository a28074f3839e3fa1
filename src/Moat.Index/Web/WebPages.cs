using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;
using Moat.Index.Web.Pages;

namespace Moat.Index.Web;

/// <summary>
/// The web pages of <c>moat serve</c>: Razor components rendered on the server (static SSR through
/// <see cref="RazorComponentResult"/> from minimal-API endpoints; no Blazor circuit, no SignalR, no inline script).
/// Every page endpoint is mapped on <see cref="Group"/>, which adds the security headers; page areas add their own
/// <c>Map</c> call in <see cref="Map"/>.
/// </summary>
public static class WebPages
{
    /// <summary>
    /// The pages' Content-Security-Policy: only this origin's scripts, styles and images (plus data: images, for QR
    /// codes), no plugins, no &lt;base&gt;, never framed, forms post only here.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static void AddServices(IServiceCollection services, IndexOptions options)
    {
        services.AddRazorComponents();
        // Antiforgery tokens are encrypted with the data-protection keys, which live in the database
        // (Hosting.DataProtectionKeys): tokens in open pages survive a restart and work on every node.
        var secure = options.Security.SecureOrigin;
        services.AddAntiforgery(o =>
        {
            o.FormFieldName = "__csrf";
            o.HeaderName = null; // forms only; the JSON API has the session's X-CSRF-Token
            o.Cookie.Name = secure ? "__Host-moat-csrf" : "moat-csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = secure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/";
        });
    }

    public static void Map(WebApplication app)
    {
        WebAssets.Map(app);
        var web = Group(app);
        // Handlers declare their return type (async Task<IResult> (...) =>): an async lambda taking only HttpContext
        // would otherwise bind to MapGet's RequestDelegate overload and its result would be silently dropped.
        web.MapGet("/", async Task<IResult> (HttpContext http) => Render<HomePage>(new { Page = await PageContext.ForAsync(http) }));
        Browse.BrowseEndpoints.Map(web);
        Firewall.FirewallEndpoints.Map(web);
        Admin.AdminPageEndpoints.Map(web);
        AccountPages.Map(app);
    }

    /// <summary>
    /// A route group for pages: every response gets the CSP and the other security headers. With an https origin a
    /// page requested over plain http is refused with the fix, instead of failing deep in the secure-cookie checks.
    /// </summary>
    public static RouteGroupBuilder Group(IEndpointRouteBuilder app, string prefix = "") =>
        app.MapGroup(prefix).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            AddSecurityHeaders(http.Response);
            if (PlainHttpRefusal(http) is { } refusal) return refusal;
            return await next(context);
        });

    /// <summary>
    /// Null unless the origin is https and this request is not: someone reached the http listener directly, or the
    /// proxy in front is not in <c>[server] trusted-proxies</c> (so its <c>X-Forwarded-Proto</c> is ignored). Not a
    /// redirect: behind an untrusted proxy it would loop.
    /// </summary>
    private static IResult? PlainHttpRefusal(HttpContext http)
    {
        var origin = http.RequestServices.GetRequiredService<SecurityOptions>().Origin.TrimEnd('/');
        if (http.Request.IsHttps || !origin.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) return null;
        return Results.Text($"This index is served at {origin}: open it there. (Operators: a TLS-terminating proxy in front of Moat must be " +
            "listed in [server] trusted-proxies, or its X-Forwarded-Proto is ignored.)\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status421MisdirectedRequest);
    }

    public static void AddSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
    }

    /// <summary>Renders page component <typeparamref name="TPage"/> with its parameters (an anonymous object or a dictionary).</summary>
    public static IResult Render<TPage>(object parameters, int status = StatusCodes.Status200OK) where TPage : IComponent =>
        new RazorComponentResult<TPage>(parameters) { StatusCode = status };

    public static IResult Error(PageContext page, int status, string title, string message) =>
        Render<ErrorPage>(new { Page = page, Title = title, Message = message }, status);

    /// <summary>Null when the page may be shown to this user; otherwise the page to show instead (sign in first, or 403).</summary>
    public static IResult? RequireAdmin(PageContext page) =>
        page.IsAdmin ? null
        : !page.IsSignedIn ? Results.Redirect("/account/login?next=" + Uri.EscapeDataString(page.Path))
        : Error(page, StatusCodes.Status403Forbidden, "Administrators only",
            "This page is for the index's administrators: an account listed in [security] admins, signed in with its second factor.");

    /// <summary>Null when someone is signed in (second factor done); otherwise a redirect to the log-in page.</summary>
    public static IResult? RequireSignedIn(PageContext page) =>
        page.IsSignedIn ? null : Results.Redirect("/account/login?next=" + Uri.EscapeDataString(page.Path));
}
