using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;
using Moat.Index.Errors;

namespace Moat.Index.Auth;

/// <summary>
/// <c>[security] read = "authenticated"</c>: the simple API (<c>/simple/</c>, <c>/r/…</c>, HTML and JSON), the JSON API (<c>/pypi/…</c>), files, provenance (<c>/integrity/</c>)
/// and project pages answer only a signed-in session or an API token. Installers get 401 with a Basic challenge,
/// which is what makes pip use the credentials in the index URL (<c>https://__token__:moat-…@host/simple/</c>),
/// <c>.netrc</c> or a keyring; the web's project pages send a browser to sign in. Installed only in that mode, so
/// the default leaves the hot path untouched.
/// </summary>
public static class ReadGate
{
    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        var api = path.StartsWithSegments("/simple") || path.StartsWithSegments("/r") || path.StartsWithSegments("/files")
            || path.StartsWithSegments("/pypi") || path.StartsWithSegments("/integrity");
        var page = path.StartsWithSegments("/projects");
        if (!api && !page)
        {
            await next(context);
            return;
        }
        var services = context.RequestServices;
        var (session, _) = await services.GetRequiredService<Sessions>().ReadAsync(context.Request);
        if (session is { } s && (!s.HasTwoFactor || s.TwoFactorDone))
        {
            await next(context);
            return;
        }
        if (page)
        {
            context.Response.Redirect("/account/login?next=" + Uri.EscapeDataString(path.Value + context.Request.QueryString));
            return;
        }
        var authorization = services.GetRequiredService<IndexAuthorization>();
        var decision = await authorization.AuthorizeReadAsync(await authorization.IdentifyAsync(context.Request, context.RequestAborted));
        if (decision.Allowed)
        {
            await next(context);
            return;
        }
        if (decision.Error == IndexError.Unauthenticated) IndexAuthorization.Challenge(context.Response);
        await decision.Error!.Result(decision.Message ?? "Authentication required.").ExecuteAsync(context);
    }
}
