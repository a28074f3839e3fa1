using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Moat.Index.Accounts;
using Moat.Index.Admin;
using Moat.Index.Security;
using Moat.Index.Storage;
using Moat.Index.Web.Firewall;

namespace Moat.Index.Web.Admin;

/// <summary>A user as the admin page lists them.</summary>
public sealed record UserView(string Username, string Email, bool Disabled, bool TwoFactor, DateTimeOffset CreatedAt);

/// <summary>
/// The admin pages (administrators only): <c>/admin</c> with kill switches, users, project status and roles, and a
/// configuration read-out. Every action runs the same <see cref="IndexAdmin"/> operation as <c>moat admin</c> and
/// the admin API, which records its security event with the signed-in administrator as <see cref="AdminActor"/>
/// (name, IP address, browser) and the reason given.
/// </summary>
public static class AdminPageEndpoints
{
    public static void Map(RouteGroupBuilder web)
    {
        web.MapGet("/admin", async Task<IResult> (HttpContext http, AccountStore accounts, IMetadataStore store, IndexOptions options, CancellationToken ct) =>
        {
            var page = await PageContext.ForAsync(http);
            if (WebPages.RequireAdmin(page) is { } refusal) return refusal;
            var users = (await accounts.ListUsersAsync()).Take(500)
                .Select(u => new UserView(u.Username, u.Email, u.IsDisabled, u.TotpSecret is not null, u.CreatedAt)).ToList();
            var switches = (await accounts.SwitchesAsync()).ToDictionary(s => s.Name, s => s, StringComparer.Ordinal);
            var projects = (await store.SearchProjectsAsync("", 0, 200, ct)).Projects;
            return WebPages.Render<AdminPage>(new { Page = page, Users = users, Switches = switches, Projects = projects, Options = options });
        });

        web.MapPost("/admin/switches", (HttpContext http, IndexAdmin admin) => ActAsync(http, async (form, by) =>
        {
            var name = form.Field("name");
            var enabled = form.Field("enabled") == "on";
            var reason = form.Field("reason");
            if (enabled && reason.Length == 0) return new AdminResult(false, $"Give a reason to switch on {name}: users see it.");
            return await admin.SetSwitchAsync(name, enabled, reason, by);
        }));

        web.MapPost("/admin/users/disabled", (HttpContext http, IndexAdmin admin) => ActAsync(http, async (form, by) =>
        {
            var username = form.Field("username");
            var disable = form.Field("disabled") == "on";
            if (disable && username == form.Page.Username) return new AdminResult(false, "You cannot disable your own account here.");
            return await admin.SetUserDisabledAsync(username, disable, by, form.Field("reason"));
        }));

        web.MapPost("/admin/projects/status", (HttpContext http, IndexAdmin admin) => ActAsync(http, async (form, by) =>
        {
            var project = form.Field("project");
            var status = form.Field("status");
            var reason = form.Field("reason");
            if (status.Length == 0) return new AdminResult(false, $"Choose a status for {project}.");
            if (status != "active" && reason.Length == 0) return new AdminResult(false, $"Give a reason to mark {project} {status}.");
            return await admin.SetStatusAsync(project, status, reason, by: by);
        }));

        web.MapPost("/admin/projects/roles", (HttpContext http, IndexAdmin admin) => ActAsync(http, async (form, by) =>
            await admin.SetRoleAsync(form.Field("project"), form.Field("username"), form.Field("role"), by, form.Field("reason"))));
    }

    /// <summary>CSRF check, admin check, the action (as the signed-in administrator), then post/redirect/get back to <c>/admin</c> with its message.</summary>
    private static async Task<IResult> ActAsync(HttpContext http, Func<WebForm, AdminActor, Task<AdminResult>> action)
    {
        var (form, refusal) = await WebForm.ReadAsync(http);
        if (refusal is not null) return refusal;
        if (WebPages.RequireAdmin(form!.Page) is { } notAdmin) return notAdmin;
        return FirewallEndpoints.SeeOther(http, "/admin", await action(form, AdminActor.Web(form.Page.SignedIn!.User, http)));
    }
}
