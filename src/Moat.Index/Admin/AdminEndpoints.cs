using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Auth;
using Moat.Index.Errors;
using Moat.Index.Publishing;
using Moat.Index.Simple;
using Moat.Index.Storage;
using Microsoft.Extensions.DependencyInjection;
using Moat.Packaging;

namespace Moat.Index.Admin;

/// <summary>The admin JSON API under <c>/_admin/</c>; every call needs an admin token (decided in <see cref="IndexAuthorization"/>).</summary>
public static class AdminEndpoints
{
    public sealed record YankRequest(string? Reason);
    public sealed record StatusRequest(string Status, string? Reason);
    public sealed record TokenRequest(string? Project, bool Admin, string? Description);
    public sealed record SwitchRequest(bool Enabled, string? Reason);
    public sealed record FlagRequest(bool Value, string? Reason = null);
    public sealed record ProvenanceRequest(string? Attestations, bool? Continuity);
    public sealed record RoleRequest(string Username, string Role, string? Reason = null);
    public sealed record OrgMemberRequest(string Role);
    public sealed record ClaimDecision(string Username, string? Reason);

    public static void Map(WebApplication app)
    {
        var admin = app.MapGroup("/_admin").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var authorization = http.RequestServices.GetRequiredService<IndexAuthorization>();
            var principal = await authorization.IdentifyAsync(http.Request, http.RequestAborted);
            var decision = authorization.AuthorizeAdmin(principal);
            if (decision.Allowed)
            {
                // Who is acting, for the security events the operations record.
                var owner = principal.UserId is { } id ? await http.RequestServices.GetRequiredService<Moat.Index.Accounts.AccountStore>().UserByIdAsync(id) : null;
                http.Items[typeof(AdminActor)] = AdminActor.ApiToken(principal, owner, http);
                return await next(context);
            }
            if (decision.Error == IndexError.Unauthenticated) IndexAuthorization.Challenge(http.Response);
            return Results.Json(new { error = decision.Message }, statusCode: decision.Error!.Status);
        });

        admin.MapPost("/projects/{project}/releases/{version}/yank", (string project, string version, YankRequest? body, HttpContext http, IndexAdmin ops, CancellationToken ct) =>
            Run(ops.YankAsync(project, version, true, body?.Reason, ct, AdminActor.Of(http))));
        admin.MapPost("/projects/{project}/releases/{version}/unyank", (string project, string version, HttpContext http, IndexAdmin ops, CancellationToken ct) =>
            Run(ops.YankAsync(project, version, false, null, ct, AdminActor.Of(http))));
        admin.MapPut("/projects/{project}/status", (string project, StatusRequest body, HttpContext http, IndexAdmin ops, CancellationToken ct) =>
            Run(ops.SetStatusAsync(project, body.Status, body.Reason, ct, AdminActor.Of(http))));
        admin.MapDelete("/files/{filename}", (string filename, HttpContext http, IndexAdmin ops, CancellationToken ct) => Run(ops.DeleteFileAsync(filename, ct, AdminActor.Of(http))));
        admin.MapPost("/tokens", async (TokenRequest body, HttpContext http, IndexAdmin ops, CancellationToken ct) =>
        {
            var (result, secret, token) = await ops.CreateTokenAsync(body.Project, body.Admin, body.Description, ct, AdminActor.Of(http));
            return result.Ok
                ? Results.Json(new { message = result.Message, id = token!.Id, project = token.Project, admin = token.IsAdmin, token = secret }, statusCode: StatusCodes.Status201Created)
                : Results.Json(new { error = result.Message }, statusCode: result.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest);
        });
        admin.MapDelete("/tokens/{id}", (string id, HttpContext http, IndexAdmin ops, CancellationToken ct) => Run(ops.RevokeTokenAsync(id, ct, AdminActor.Of(http))));
        admin.MapPut("/switches/{name}", (string name, SwitchRequest body, HttpContext http, IndexAdmin ops) => Run(ops.SetSwitchAsync(name, body.Enabled, body.Reason, AdminActor.Of(http))));
        admin.MapGet("/switches", async (Moat.Index.Security.KillSwitches switches) => Results.Json((await switches.ActiveAsync()).Select(s => new { name = s.Name, reason = s.Reason })));
        admin.MapPut("/users/{username}/disabled", (string username, FlagRequest body, HttpContext http, IndexAdmin ops) => Run(ops.SetUserDisabledAsync(username, body.Value, AdminActor.Of(http), body.Reason)));
        admin.MapPut("/projects/{project}/critical", (string project, FlagRequest body, HttpContext http, IndexAdmin ops) => Run(ops.SetCriticalAsync(project, body.Value, AdminActor.Of(http))));
        admin.MapPut("/projects/{project}/roles", (string project, RoleRequest body, HttpContext http, IndexAdmin ops) => Run(ops.SetRoleAsync(project, body.Username, body.Role, AdminActor.Of(http), body.Reason)));
        // Claims on new project names: list, grant (the user becomes owner; their next upload creates it), refuse.
        admin.MapGet("/claims", async (string? state, IndexAdmin ops) =>
            Results.Json((state is "all" ? await ops.ClaimsAsync(null) : ClaimStateNames.Parse(state ?? "pending") is { } wanted ? await ops.ClaimsAsync(wanted) : []).Select(ClaimJson)));
        admin.MapPost("/claims/{project}/grant", (string project, ClaimDecision body, HttpContext http, IndexAdmin ops, CancellationToken ct) =>
            Run(ops.GrantClaimAsync(project, body.Username, body.Reason, ct, AdminActor.Of(http))));
        admin.MapPost("/claims/{project}/refuse", (string project, ClaimDecision body, HttpContext http, IndexAdmin ops) =>
            Run(ops.RefuseClaimAsync(project, body.Username, body.Reason, AdminActor.Of(http))));
        admin.MapGet("/events", async (string? user, string? project, int? limit, IndexAdmin ops) =>
            Results.Json((await ops.EventsAsync(user, project, Math.Clamp(limit ?? 200, 1, 5000))).Select(Moat.Index.Security.SecurityEvents.Show)));
        admin.MapGet("/projects/{project}", async (string project, IMetadataStore store, CancellationToken ct) =>
        {
            var listing = await store.GetListingAsync(NormalizedName.Of(project), ct);
            if (listing is null) return Results.Json(new { error = $"No project {project}." }, statusCode: StatusCodes.Status404NotFound);
            var files = new List<object>();
            foreach (var f in listing.Files)
            {
                var verdict = await store.GetVerdictAsync(f.Sha256, ct);
                files.Add(new
                {
                    filename = f.Filename, version = f.Version, sha256 = f.Sha256, size = f.Size, yanked = f.Yanked, yanked_reason = f.YankedReason,
                    state = FileStateNames.Of(f.State), state_reason = f.StateReason, url = SimplePages.FileUrl(f), uploaded_by = f.UploadedBy, uploader = f.Uploader,
                    verdict = verdict is null ? null : new { verdict.Verdict, verdict.Action, verdict.Score, verdict.Message, findings = System.Text.Json.JsonDocument.Parse(verdict.FindingsJson).RootElement },
                });
            }
            var p = listing.Project;
            return Results.Json(new { name = p.Name, display_name = p.DisplayName, status = ProjectStatusNames.Of(p.Status), status_reason = p.StatusReason, serial = p.LastSerial, files });
        });
        // Release approval: an admin may require it and review any staged release (the way out for a single-maintainer project).
        admin.MapPut("/projects/{project}/approval", async (string project, FlagRequest body, HttpContext http, ReleaseApprovals approvals) =>
        {
            await approvals.SetRequiredAsync(project, body.Value, http, AdminActor.Of(http).UserId);
            return Results.Json(new { message = $"{ProjectName.Normalize(project)}: release approval {(body.Value ? "required" : "not required")}." });
        });
        admin.MapPut("/projects/{project}/provenance", async (string project, ProvenanceRequest body, HttpContext http, Provenance.ProvenanceService provenance) =>
        {
            var actor = AdminActor.Of(http);
            var name = ProjectName.Normalize(project);
            if (await provenance.SetProjectPolicyAsync(name, body.Attestations, body.Continuity, http, actor.UserId, actor.Name) is { } refusal)
                return Results.Json(new { error = refusal }, statusCode: 400);
            return Results.Json(new { message = $"{name}: provenance policy updated." });
        });
        admin.MapGet("/projects/{project}/staged", async (string project, ReleaseApprovals approvals, CancellationToken ct) =>
        {
            var shown = new List<Publishing.StagedReleaseView>();
            foreach (var release in await approvals.StagedAsync(project, ct)) shown.Add(await approvals.ShowAsync(release, ct));
            return Results.Json(new { project = ProjectName.Normalize(project), approval_required = await approvals.RequiredAsync(project), staged = shown });
        });
        admin.MapPost("/projects/{project}/staged/{version}/approve", async (string project, string version, HttpContext http, ReleaseApprovals approvals, CancellationToken ct) =>
            (await approvals.ApproveAsync(project, version, null, http, ct, AdminActor.Of(http).Name)).Result());
        admin.MapPost("/projects/{project}/staged/{version}/reject", async (string project, string version, YankRequest? body, HttpContext http, ReleaseApprovals approvals, CancellationToken ct) =>
            (await approvals.RejectAsync(project, version, body?.Reason, null, http, ct, AdminActor.Of(http).Name)).Result());
        admin.MapPut("/orgs/{org}/members/{username}", (string org, string username, OrgMemberRequest body, HttpContext http, IndexAdmin ops) => Run(ops.SetOrganisationMemberAsync(org, username, body.Role, AdminActor.Of(http))));
        HostedQuarantine.Map(admin);
        ProxyAdmin.Map(admin);
    }

    /// <summary>A claim as the admin API and <c>moat admin claims list</c> show it.</summary>
    public static object ClaimJson(IndexAdmin.Claim c) => new
    {
        project = c.Project, user = c.Username, requested_at = c.RequestedAt, state = ClaimStateNames.Of(c.State), conflict = c.Conflict, decided_by = c.DecidedBy, reason = c.Reason,
    };

    internal static async Task<IResult> Run(Task<AdminResult> operation)
    {
        var result = await operation;
        return result.Ok ? Results.Json(new { message = result.Message }) : Results.Json(new { error = result.Message }, statusCode: StatusCodes.Status404NotFound);
    }
}
