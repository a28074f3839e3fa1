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
public sealed record UserView(string Username, string Email, bool Disabled, bool TwoFactor, string CreatedAt);

/// <summary>
/// The admin pages (administrators only): <c>/admin</c> with kill switches, users, project status and roles, and a
/// configuration read-out. Every action runs the same <see cref="IndexAdmin"/> operation as <c>moat admin</c> and
/// the admin API (which record their events) and records who did it from the web.
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
                .Select(u => new UserView(u.username, u.email, u.is_disabled != 0, u.totp_secret is not null, u.created_at)).ToList();
            var switches = (await accounts.SwitchesAsync()).ToDictionary(s => s.name, s => s, StringComparer.Ordinal);
            var projects = (await store.SearchProjectsAsync("", 0, 200, ct)).Projects;
            return WebPages.Render<AdminPage>(new { Page = page, Users = users, Switches = switches, Projects = projects, Options = options });
        });

        web.MapPost("/admin/switches", (HttpContext http, IndexAdmin admin) => ActAsync(http, async (form, events) =>
        {
            var name = form.Field("name");
            var enabled = form.Field("enabled") == "on";
            var reason = form.Field("reason");
            if (enabled && reason.Length == 0) return new AdminResult(false, $"Give a reason to switch on {name}: users see it.");
            var result = await admin.SetSwitchAsync(name, enabled, reason);
            if (result.Ok) await events.RecordAsync("admin:web-switch", http, form.Page.SignedIn!.User.id, details: new { name, enabled, reason });
            return result;
        }));

        web.MapPost("/admin/users/disabled", (HttpContext http, IndexAdmin admin) => ActAsync(http, async (form, events) =>
        {
            var username = form.Field("username");
            var disable = form.Field("disabled") == "on";
            if (disable && username == form.Page.Username) return new AdminResult(false, "You cannot disable your own account here.");
            var result = await admin.SetUserDisabledAsync(username, disable);
            if (result.Ok) await events.RecordAsync("admin:web-user", http, form.Page.SignedIn!.User.id, details: new { username, disabled = disable });
            return result;
        }));

        web.MapPost("/admin/projects/status", (HttpContext http, IndexAdmin admin) => ActAsync(http, async (form, events) =>
        {
            var project = form.Field("project");
            var status = form.Field("status");
            var reason = form.Field("reason");
            if (status != "active" && reason.Length == 0) return new AdminResult(false, $"Give a reason to mark {project} {status}.");
            var result = await admin.SetStatusAsync(project, status, reason);
            if (result.Ok) await events.RecordAsync("admin:web-status", http, form.Page.SignedIn!.User.id, Moat.Packaging.ProjectName.Normalize(project), new { status, reason });
            return result;
        }));

        web.MapPost("/admin/projects/roles", (HttpContext http, IndexAdmin admin) => ActAsync(http, async (form, _) =>
            await admin.SetRoleAsync(form.Field("project"), form.Field("username"), form.Field("role"))));
    }

    /// <summary>CSRF check, admin check, the action, then post/redirect/get back to <c>/admin</c> with its message.</summary>
    private static async Task<IResult> ActAsync(HttpContext http, Func<WebForm, SecurityEvents, Task<AdminResult>> action)
    {
        var (form, refusal) = await WebForm.ReadAsync(http);
        if (refusal is not null) return refusal;
        if (WebPages.RequireAdmin(form!.Page) is { } notAdmin) return notAdmin;
        var events = (SecurityEvents)http.RequestServices.GetService(typeof(SecurityEvents))!;
        return FirewallEndpoints.SeeOther("/admin", await action(form, events));
    }
}
