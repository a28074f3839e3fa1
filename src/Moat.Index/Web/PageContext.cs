using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;
using Moat.Index.Security;

namespace Moat.Index.Web;

/// <summary>
/// What every page needs to render its layout: who is signed in (the SAME session cookie as the JSON account API,
/// read by <see cref="Sessions"/>), whether they may use the admin pages, the active kill switches for the banner,
/// and the CSRF token for the page's forms. Built once per request by <see cref="ForAsync"/>.
/// </summary>
public sealed record PageContext(SignedIn? SignedIn, bool IsAdmin, IReadOnlyList<KillSwitches.Active> Switches, string CsrfToken, string Path)
{
    /// <summary>
    /// The outcome of the previous form post (post/redirect/get through <see cref="Flash"/>, never the query string),
    /// shown by the layout above the page, escaped like all output.
    /// </summary>
    public string? Notice { get; init; }
    public string? NoticeError { get; init; }

    public bool IsSignedIn => SignedIn is { } s && (!s.HasTwoFactor || s.TwoFactorDone);
    /// <summary>The signed-in user's name, or null (also null while the second factor is still pending).</summary>
    public string? Username => IsSignedIn ? SignedIn!.User.Username : null;

    /// <param name="csrfChecked">True only from <see cref="WebForm.ReadAsync"/>, after the form's antiforgery token and Origin passed.</param>
    public static async Task<PageContext> ForAsync(HttpContext http, bool csrfChecked = false)
    {
        var services = http.RequestServices;
        var (signedIn, _) = await services.GetRequiredService<Sessions>().ReadAsync(http.Request, csrfChecked);
        var switches = await services.GetRequiredService<KillSwitches>().ActiveAsync();
        var csrf = services.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http).RequestToken ?? "";
        var flash = Flash.Take(http);
        return new PageContext(signedIn, IsAdminSession(signedIn, services.GetRequiredService<SecurityOptions>()), switches, csrf, http.Request.Path.Value ?? "/")
        {
            Notice = flash is { IsError: false } ? flash.Text : null,
            NoticeError = flash is { IsError: true } ? flash.Text : null,
        };
    }

    /// <summary>
    /// The web admin: a user listed in <c>[security] admins</c>, not disabled (Sessions drops disabled users), with a
    /// second factor enrolled AND passed in this session. A password alone never opens the Firewall or Admin pages.
    /// </summary>
    public static bool IsAdminSession(SignedIn? signedIn, SecurityOptions options) =>
        signedIn is { HasTwoFactor: true, TwoFactorDone: true } s && options.Admins.Contains(s.User.Username, StringComparer.Ordinal);
}
