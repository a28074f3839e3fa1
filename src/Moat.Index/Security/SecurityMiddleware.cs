using Microsoft.AspNetCore.Http;

namespace Moat.Index.Security;

/// <summary>
/// Makes the kill switches visible and enforces read-only mode: every response carries <c>Moat-Notice</c> with the
/// active switches and their reasons; in read-only mode every state-changing request except the admin API and the
/// web admin's switch form (which must stay able to switch it off) is refused with 503 and the reason. Finer switches (no uploads, no new users,
/// no new projects) are checked where those actions happen.
/// </summary>
public static class SecurityMiddleware
{
    public static Func<HttpContext, RequestDelegate, Task> KillSwitchNotice(KillSwitches switches) => async (context, next) =>
    {
        var active = await switches.ActiveAsync();
        if (active.Count > 0)
        {
            context.Response.Headers["Moat-Notice"] = string.Join("; ", active.Select(s => AsciiOnly(KillSwitches.Describe(s))));
            var readOnly = active.FirstOrDefault(s => s.Name == SwitchNames.ReadOnly);
            if (readOnly is not null && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
                && !context.Request.Path.StartsWithSegments("/_admin") && !context.Request.Path.StartsWithSegments("/admin/switches"))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsJsonAsync(new { error = KillSwitches.Describe(readOnly) });
                return;
            }
        }
        await next(context);
    };

    private static string AsciiOnly(string s) => new([.. s.Select(c => c is >= ' ' and <= '~' ? c : '?')]);
}
