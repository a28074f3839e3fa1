using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Moat.Index.Security;

/// <summary>
/// Makes the kill switches visible and enforces read-only mode: every response carries <c>Moat-Notice</c> with the
/// active switches and their reasons; in read-only mode every state-changing request except the admin API and the
/// web admin's switch form (which must stay able to switch it off) is refused with 503 and the reason. Finer switches (no uploads, no new users,
/// no new projects) are checked where those actions happen.
/// </summary>
public static class SecurityMiddleware
{
    private static readonly StringValues NoSniffValue = "nosniff";

    /// <summary>
    /// Every response says <c>X-Content-Type-Options: nosniff</c>: a browser must not guess that an uploaded file or
    /// a project page served as one type is HTML or script (an uploaded .tar.gz sniffed as HTML would run in this
    /// origin). The web pages add their other headers in <c>Web.WebPages</c>.
    /// </summary>
    public static Task NoSniff(HttpContext context, RequestDelegate next)
    {
        context.Response.Headers.XContentTypeOptions = NoSniffValue;
        return next(context);
    }

    public static Func<HttpContext, RequestDelegate, Task> KillSwitchNotice(KillSwitches switches) => (context, next) =>
    {
        // Every request passes here: no state machine and no allocation when the switches have not changed.
        var current = switches.CurrentAsync();
        return current.IsCompletedSuccessfully ? Apply(context, next, current.Result) : ApplyAsync(context, next, current);
    };

    private static async Task ApplyAsync(HttpContext context, RequestDelegate next, ValueTask<KillSwitches.Snapshot> current) =>
        await Apply(context, next, await current);

    private static Task Apply(HttpContext context, RequestDelegate next, KillSwitches.Snapshot switches)
    {
        if (switches.Notice is null) return next(context);
        context.Response.Headers["Moat-Notice"] = switches.Notice;
        if (switches.ReadOnly is { } readOnly && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
            && !context.Request.Path.StartsWithSegments("/_admin") && !context.Request.Path.StartsWithSegments("/admin/switches"))
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return context.Response.WriteAsJsonAsync(new { error = KillSwitches.Describe(readOnly) });
        }
        return next(context);
    }
}
