using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;

namespace Moat.Index.Web;

/// <summary>The outcome a form post leaves for the next page: one message, good news or an error.</summary>
public sealed record FlashMessage(string Text, bool IsError);

/// <summary>
/// Post/redirect/get messages without putting text in the URL (a link to <c>/admin?message=…</c> would let anyone
/// put their words on this site's pages). The message travels in a cookie sealed with the data-protection keys
/// (encrypted and authenticated: nobody can write one), addressed to the page the post redirects to, valid for a
/// few minutes and deleted by the page that shows it — so only the next page of that browser shows it, once.
/// </summary>
public static class Flash
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private const string Purpose = "moat.flash.v1";

    private sealed record Sealed(string Path, string Text, bool IsError, long Expires);

    /// <summary>A 302 to <paramref name="path"/> (a local path without query) that shows <paramref name="message"/> there.</summary>
    public static IResult Redirect(HttpContext http, string path, FlashMessage message)
    {
        var sealedMessage = new Sealed(path, message.Text.Length > 1000 ? message.Text[..1000] : message.Text, message.IsError,
            DateTimeOffset.UtcNow.Add(Lifetime).ToUnixTimeSeconds());
        http.Response.Cookies.Append(CookieName(http), Protector(http).Protect(JsonSerializer.Serialize(sealedMessage)), Options(http, Lifetime));
        return Results.Redirect(path);
    }

    /// <summary>The message left for this page, if any; it is deleted as it is read. Only GETs read it (a redirect's target).</summary>
    public static FlashMessage? Take(HttpContext http)
    {
        if (!HttpMethods.IsGet(http.Request.Method) || !http.Request.Cookies.TryGetValue(CookieName(http), out var cookie) || cookie.Length == 0) return null;
        http.Response.Cookies.Delete(CookieName(http), Options(http, null));
        Sealed? message;
        try
        {
            message = JsonSerializer.Deserialize<Sealed>(Protector(http).Unprotect(cookie));
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or JsonException)
        {
            return null; // forged, or sealed with keys this node no longer has
        }
        if (message is null || message.Path != http.Request.Path.Value || DateTimeOffset.UtcNow.ToUnixTimeSeconds() > message.Expires) return null;
        return new FlashMessage(message.Text, message.IsError);
    }

    private static IDataProtector Protector(HttpContext http) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);

    private static bool Secure(HttpContext http) => http.RequestServices.GetRequiredService<SecurityOptions>().SecureOrigin;

    private static string CookieName(HttpContext http) => Secure(http) ? "__Host-moat-flash" : "moat-flash";

    private static CookieOptions Options(HttpContext http, TimeSpan? maxAge) => new()
    {
        HttpOnly = true, Secure = Secure(http), SameSite = SameSiteMode.Strict, Path = "/", MaxAge = maxAge, IsEssential = true,
    };
}
