using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;
using Moat.Index.Security;
using Moat.Packaging;
using static Moat.Index.AccountApi.AccountEndpoints;

namespace Moat.Index.AccountApi;

/// <summary>
/// Organisations and teams (kept small): an organisation owns projects; its owners manage members and
/// teams and are owners of every project it owns; a team holds a role (owner or maintainer) on some of the
/// organisation's projects, which its members then have. Roles are resolved in one place,
/// <see cref="AccountStore.RoleAsync"/>, so uploads, role changes, publishers and release approval all see them.
/// A project joins an organisation when someone who owns both moves it. Names follow project-name rules and are
/// normalized the same way. Every write is a security-level session action and is recorded.
/// </summary>
internal static class OrganisationEndpoints
{
    public sealed record OrganisationRequest(string? Name);
    public sealed record MemberRequest(string? Role);
    public sealed record ProjectOrganisationRequest(string? Organisation);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/orgs", (JsonBody<OrganisationRequest> body, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            if (string.IsNullOrWhiteSpace(body.Value.Name) || !ProjectName.IsValid(body.Value.Name.Trim())) return Error(400, "name must be letters, digits, '.', '-' and '_' (like a project name).");
            var name = ProjectName.Normalize(body.Value.Name.Trim());
            if (!await store.CreateOrganisationAsync(name, body.Value.Name.Trim(), s.User.Id, DateTimeOffset.UtcNow)) return Error(409, $"The organisation '{name}' exists.");
            await events.RecordAsync("org:created", http, s.User.Id, details: new { organisation = name });
            return Results.Json(new { message = $"Created organisation {name}; you are its owner.", name }, statusCode: 201);
        }));

        api.MapGet("/orgs/{org}", (string org, HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
        {
            var name = ProjectName.Normalize(org);
            if (await store.OrganisationRoleAsync(name, s.User.Id) is null) return Error(404, $"No organisation {name} of which you are a member.");
            var members = new List<object>();
            foreach (var (userId, role) in await store.OrganisationMembersAsync(name)) members.Add(new { user = (await store.UserByIdAsync(userId))?.Username, role });
            var teams = new List<object>();
            foreach (var team in await store.TeamsAsync(name))
            {
                var teamMembers = new List<string?>();
                foreach (var userId in await store.TeamMembersAsync(name, team)) teamMembers.Add((await store.UserByIdAsync(userId))?.Username);
                teams.Add(new { name = team, members = teamMembers, projects = (await store.TeamRolesAsync(name, team)).Select(r => new { r.project, r.role }) });
            }
            return Results.Json(new { name, members, teams, projects = await store.OrganisationProjectsAsync(name) });
        }));

        api.MapPut("/orgs/{org}/members/{username}", (string org, string username, JsonBody<MemberRequest> body, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) =>
            AsOwnerAsync(http, sessions, store, org, async (s, name) =>
            {
                if (body.Value.Role is not ("owner" or "member")) return Error(400, "role must be owner or member.");
                if (await store.UserByNameAsync(username) is not { } user) return Error(404, $"No user {username}.");
                await store.SetOrganisationMemberAsync(name, user.Id, body.Value.Role);
                await events.RecordAsync("org:member-set", http, s.User.Id, details: new { organisation = name, user = user.Username, role = body.Value.Role });
                return Results.Json(new { message = $"{user.Username} is now {body.Value.Role} of {name}." });
            }));

        api.MapDelete("/orgs/{org}/members/{username}", (string org, string username, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) =>
            AsOwnerAsync(http, sessions, store, org, async (s, name) =>
            {
                if (await store.UserByNameAsync(username) is not { } user || await store.OrganisationRoleAsync(name, user.Id) is null) return Error(404, $"{username} is not a member of {name}.");
                if (!await store.RemoveOrganisationMemberAsync(name, user.Id)) return Error(409, "An organisation keeps at least one owner.");
                await events.RecordAsync("org:member-removed", http, s.User.Id, details: new { organisation = name, user = user.Username });
                return Results.Json(new { message = $"Removed {user.Username} from {name} and its teams." });
            }));

        api.MapPut("/orgs/{org}/teams/{team}", (string org, string team, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) =>
            AsOwnerAsync(http, sessions, store, org, async (s, name) =>
            {
                if (!ProjectName.IsValid(team)) return Error(400, "A team name is letters, digits, '.', '-' and '_'.");
                var teamName = ProjectName.Normalize(team);
                await store.AddTeamAsync(name, teamName);
                await events.RecordAsync("org:team-created", http, s.User.Id, details: new { organisation = name, team = teamName });
                return Results.Json(new { message = $"Team {name}/{teamName} exists." });
            }));

        api.MapPut("/orgs/{org}/teams/{team}/members/{username}", (string org, string team, string username, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) =>
            AsOwnerAsync(http, sessions, store, org, async (s, name) =>
            {
                var teamName = ProjectName.Normalize(team);
                if (!await store.TeamExistsAsync(name, teamName)) return Error(404, $"No team {name}/{teamName}.");
                if (await store.UserByNameAsync(username) is not { } user) return Error(404, $"No user {username}.");
                if (await store.OrganisationRoleAsync(name, user.Id) is null) return Error(409, $"{user.Username} must be a member of {name} first.");
                await store.AddTeamMemberAsync(name, teamName, user.Id);
                await events.RecordAsync("org:team-member-added", http, s.User.Id, details: new { organisation = name, team = teamName, user = user.Username });
                return Results.Json(new { message = $"{user.Username} is in team {name}/{teamName}." });
            }));

        api.MapDelete("/orgs/{org}/teams/{team}/members/{username}", (string org, string team, string username, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) =>
            AsOwnerAsync(http, sessions, store, org, async (s, name) =>
            {
                var teamName = ProjectName.Normalize(team);
                if (await store.UserByNameAsync(username) is not { } user || !await store.RemoveTeamMemberAsync(name, teamName, user.Id))
                    return Error(404, $"{username} is not in team {name}/{teamName}.");
                await events.RecordAsync("org:team-member-removed", http, s.User.Id, details: new { organisation = name, team = teamName, user = user.Username });
                return Results.Json(new { message = $"Removed {user.Username} from team {name}/{teamName}." });
            }));

        api.MapPut("/orgs/{org}/teams/{team}/projects/{project}", (string org, string team, string project, JsonBody<RoleRequest> body, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) =>
            AsOwnerAsync(http, sessions, store, org, async (s, name) =>
            {
                if (body.Value.Role is not ("owner" or "maintainer")) return Error(400, "role must be owner or maintainer.");
                var teamName = ProjectName.Normalize(team);
                var projectName = ProjectName.Normalize(project);
                if (!await store.TeamExistsAsync(name, teamName)) return Error(404, $"No team {name}/{teamName}.");
                if (await store.ProjectOrganisationAsync(projectName) != name) return Error(409, $"{projectName} does not belong to {name}: move it there first (PUT /_/projects/{projectName}/organisation).");
                await store.SetTeamRoleAsync(name, teamName, projectName, body.Value.Role);
                await events.RecordAsync("org:team-role-set", http, s.User.Id, projectName, new { organisation = name, team = teamName, role = body.Value.Role });
                return Results.Json(new { message = $"Team {name}/{teamName} is now {body.Value.Role} of {projectName}." });
            }));

        api.MapDelete("/orgs/{org}/teams/{team}/projects/{project}", (string org, string team, string project, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) =>
            AsOwnerAsync(http, sessions, store, org, async (s, name) =>
            {
                var teamName = ProjectName.Normalize(team);
                var projectName = ProjectName.Normalize(project);
                if (!await store.RemoveTeamRoleAsync(name, teamName, projectName)) return Error(404, $"Team {name}/{teamName} has no role on {projectName}.");
                await events.RecordAsync("org:team-role-removed", http, s.User.Id, projectName, new { organisation = name, team = teamName });
                return Results.Json(new { message = $"Team {name}/{teamName} no longer has a role on {projectName}." });
            }));

        api.MapPut("/projects/{project}/organisation", (string project, JsonBody<ProjectOrganisationRequest> body, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            var projectName = ProjectName.Normalize(project);
            var name = ProjectName.Normalize(body.Value.Organisation ?? "");
            if (await store.RoleAsync(projectName, s.User.Id) != "owner") return Error(403, $"Only an owner of '{projectName}' can move it to an organisation.");
            if (await store.OrganisationRoleAsync(name, s.User.Id) != "owner") return Error(403, $"Only an owner of the organisation '{name}' can move projects into it.");
            // Moving a project in makes the organisation's owners its owners: a role grant, so re-authentication as for a project role.
            http.RequestServices.GetRequiredService<AccountService>().RequireRecentAuthentication(s);
            await store.SetProjectOrganisationAsync(projectName, name);
            await events.RecordAsync("project:organisation-set", http, s.User.Id, projectName, new { organisation = name });
            return Results.Json(new { message = $"{projectName} now belongs to {name}: its owners are owners of {projectName}, its teams can be given roles on it." });
        }));
    }

    /// <summary>A security-level action by an owner of the organisation (403 for members and strangers alike).</summary>
    private static Task<IResult> AsOwnerAsync(HttpContext http, Sessions sessions, AccountStore store, string org, Func<SignedIn, string, Task<IResult>> action) =>
        WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            var name = ProjectName.Normalize(org);
            if (await store.OrganisationRoleAsync(name, s.User.Id) != "owner") return Error(403, $"Only an owner of the organisation '{name}' can change it.");
            // Org members, teams and team roles grant roles on the org's projects: re-authentication, as for a project role (was a way around it).
            http.RequestServices.GetRequiredService<AccountService>().RequireRecentAuthentication(s);
            return await action(s, name);
        });
}
