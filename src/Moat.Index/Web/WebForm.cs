using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;

namespace Moat.Index.Web;

/// <summary>
/// A posted web form, CSRF-checked. Every form renders <c>&lt;CsrfField Page="Page" /&gt;</c> (ASP.NET Core
/// antiforgery: a token in a hidden field paired with an HttpOnly SameSite=Strict cookie); every POST handler starts
/// with <see cref="ReadAsync"/>, which checks that pair and, when the browser sends one, that <c>Origin</c> is the
/// configured origin — and only then reads the session, so a forged post never acts as the signed-in user.
/// </summary>
public sealed record WebForm(PageContext Page, IFormCollection Fields)
{
    public string Field(string name) => Fields[name].ToString().Trim();

    /// <summary>The form, or a 400 page (<see cref="Refusal"/>) when the CSRF check fails.</summary>
    public static async Task<(WebForm? Form, IResult? Refusal)> ReadAsync(HttpContext http)
    {
        var origin = http.Request.Headers.Origin.ToString();
        var security = http.RequestServices.GetRequiredService<SecurityOptions>();
        var expected = security.Origin.TrimEnd('/');
        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        if (origin.Length > 0 && !string.Equals(origin, expected, StringComparison.OrdinalIgnoreCase))
        {
            // The usual cause is not an attack but a server reached at another name than its origin: say which one.
            var page = await PageContext.ForAsync(http);
            return (null, WebPages.Error(page, StatusCodes.Status400BadRequest, "The form came from another origin",
                $"This form was sent from {origin}, but this server's origin is {expected}" +
                (security.OriginConfigured ? " ([security] origin in moat.toml)." : " (where it listens; set [security] origin in moat.toml if it is reached at another address).") +
                $" Open {expected} and submit the form again."));
        }
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
        {
            var page = await PageContext.ForAsync(http);
            return (null, WebPages.Error(page, StatusCodes.Status400BadRequest, "The form expired or came from another site",
                "Go back, reload the page and submit the form again."));
        }
        var fields = await http.Request.ReadFormAsync();
        return (new WebForm(await PageContext.ForAsync(http, csrfChecked: true), fields), null);
    }
}
