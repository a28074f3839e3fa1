using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Moat.Index.Accounts;

/// <summary>A signed-in request: the user, the session, and whether its second factor is done.</summary>
public sealed record SignedIn(UserAccount User, UserSession Session, bool HasTwoFactor, bool TwoFactorDone);

/// <summary>
/// Session cookies and CSRF. The cookie holds 256 random bits; the database holds only their SHA-256. Cookies are
/// HttpOnly, SameSite=Strict, and Secure (with the <c>__Host-</c> prefix) whenever the configured origin is https.
/// Every state-changing request made with a session must carry <c>X-CSRF-Token</c> equal to the session's token
/// (returned at login) and, when the browser sends one, an <c>Origin</c> equal to the configured origin.
/// </summary>
public sealed class Sessions(AccountStore store, SecurityOptions options, TimeProvider time)
{
    public const string CsrfHeader = "X-CSRF-Token";
    public string CookieName => Secure ? "__Host-moat-session" : "moat-session";
    private bool Secure => options.SecureOrigin;

    /// <summary>
    /// Starts a session after the password was checked: a new random id (never one the browser brought, and the
    /// session the request carried, if any, ends), the password time, and the second-factor time carried over when
    /// the caller knows one (a password change keeps the session's standing).
    /// </summary>
    public async Task<string> StartAsync(HttpContext http, UserAccount user, bool twoFactorDone, DateTimeOffset? factorAt = null)
    {
        if (http.Request.Cookies.TryGetValue(CookieName, out var previous) && !string.IsNullOrEmpty(previous)) await store.DeleteSessionAsync(Hash(previous));
        var id = NewId();
        var csrf = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        await store.CreateSessionAsync(new UserSession(Hash(id), user.Id, csrf, now, now + options.SessionLifetime, TwoFactorAt: twoFactorDone ? now : null,
            Challenge: null, PasswordAt: now, FactorAt: factorAt));
        SetCookie(http.Response, id);
        return csrf;
    }

    /// <summary>
    /// Records a verified second factor and gives the session a new id (its CSRF token stays, so API clients and open
    /// pages keep working): an id seen while only the password was known is worth nothing afterwards. Returns the
    /// session's id hash from now on.
    /// </summary>
    public async Task<string> SecondFactorVerifiedAsync(HttpResponse response, UserSession session)
    {
        var id = NewId();
        if (!await store.RotateSessionAfterFactorAsync(session.IdHash, Hash(id), time.GetUtcNow())) return session.IdHash;
        SetCookie(response, id);
        return Hash(id);
    }

    private static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private void SetCookie(HttpResponse response, string id) => response.Cookies.Append(CookieName, id, new CookieOptions
    {
        HttpOnly = true, Secure = Secure, SameSite = SameSiteMode.Strict, Path = "/", MaxAge = options.SessionLifetime,
    });

    /// <summary>
    /// The session behind the request's cookie (null when absent, unknown or expired), CSRF-checked for
    /// state-changing methods — unless <paramref name="csrfChecked"/>: the web pages' form posts, whose antiforgery
    /// field and Origin were already checked by <c>Web.WebForm</c>.
    /// </summary>
    public async Task<(SignedIn? SignedIn, string? Error)> ReadAsync(HttpRequest request, bool csrfChecked = false)
    {
        if (!request.Cookies.TryGetValue(CookieName, out var id) || string.IsNullOrEmpty(id)) return (null, null);
        var session = await store.SessionAsync(Hash(id));
        if (session is null || session.ExpiresAt <= time.GetUtcNow()) return (null, null);
        if (!csrfChecked && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            var sent = request.Headers[CsrfHeader].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sent), Encoding.ASCII.GetBytes(session.Csrf)))
                return (null, "CSRF check failed: send the X-CSRF-Token header returned at login.");
            var origin = request.Headers.Origin.ToString();
            if (origin.Length > 0 && !string.Equals(origin, options.Origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
                return (null, $"CSRF check failed: cross-origin request from {origin}.");
        }
        var user = await store.UserByIdAsync(session.UserId);
        if (user is null || user.IsDisabled) return (null, null);
        var hasTwoFactor = user.TotpSecret is not null || (await store.CredentialsAsync(user.Id)).Count > 0;
        return (new SignedIn(user, session, hasTwoFactor, session.TwoFactorAt is not null), null);
    }

    public async Task EndAsync(HttpRequest request, HttpResponse response)
    {
        if (request.Cookies.TryGetValue(CookieName, out var id)) await store.DeleteSessionAsync(Hash(id));
        response.Cookies.Delete(CookieName);
    }

    public static string Hash(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}
