using Moat.Index.Accounts;
using Moat.Index.Auth;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.Admin;

/// <summary>The result of an admin operation: success, or why not (no such project, file, release…); <see cref="Forbidden"/>: refused because of who asked.</summary>
public sealed record AdminResult(bool Ok, string Message, bool Forbidden = false)
{
    public static AdminResult Of(Publishing.ReviewOutcome outcome) => new(outcome.Ok, outcome.Message);
}

/// <summary>
/// Admin operations shared by the <c>moat admin</c> commands (run against the data directory), the admin JSON API
/// and the admin web page (run by the server): yank/unyank, project status, file deletion, tokens, switches, users,
/// roles. Every change is recorded as a security event naming who did it (<see cref="AdminActor"/>, the command line
/// when not given) and the reason when one was given; an event about a user is filed under that user, so it shows
/// in their own security history.
/// </summary>
public sealed class IndexAdmin(IMetadataStore store, AccountStore accounts, Action<string>? invalidate = null)
{
    private readonly Security.SecurityEvents _events = new(accounts, TimeProvider.System);

    /// <summary>Records an admin action: <c>by</c> (the actor's name) first in the details, then <paramref name="details"/>.</summary>
    private Task RecordAsync(string kind, AdminActor? by, string? userId, string? project, params (string Key, object? Value)[] details)
    {
        var actor = by ?? AdminActor.CommandLine;
        return _events.RecordAsync(kind, actor.Http, userId ?? actor.UserId, project, actor.Details(details));
    }

    private static string? Reason(string? reason) => string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();

    public async Task<AdminResult> YankAsync(string project, string version, bool yank, string? reason, CancellationToken ct = default, AdminActor? by = null)
    {
        var name = NormalizedName.Of(project);
        // Files store the normalized version (1.0 and 1.0.0 differ as text): normalize what the admin typed too.
        if (Moat.Packaging.Versions.PackageVersion.TryParse(version, out var parsed)) version = parsed.ToString();
        var changed = await store.SetYankedAsync(name, version, yank, reason, ct);
        if (changed == 0) return new(false, $"No files of {name} {version}.");
        invalidate?.Invoke(name);
        await RecordAsync(yank ? "admin:yank" : "admin:unyank", by, null, name, ("version", version), ("reason", Reason(reason)));
        return new(true, $"{(yank ? "Yanked" : "Unyanked")} {name} {version} ({changed} file{(changed == 1 ? "" : "s")}).");
    }

    public async Task<AdminResult> SetStatusAsync(string project, string status, string? reason, CancellationToken ct = default, AdminActor? by = null)
    {
        if (!ProjectStatusNames.TryParse(status, out var parsed)) return new(false, $"Unknown status '{status}': active, archived, quarantined or deprecated.");
        var name = NormalizedName.Of(project);
        if (!await store.SetProjectStatusAsync(name, parsed, string.IsNullOrWhiteSpace(reason) ? null : reason, ct)) return new(false, $"No project {name}.");
        invalidate?.Invoke(name);
        await RecordAsync("admin:status", by, null, name, ("status", ProjectStatusNames.Of(parsed)), ("reason", Reason(reason)));
        return new(true, $"{name} is now {ProjectStatusNames.Of(parsed)}.");
    }

    public async Task<AdminResult> DeleteFileAsync(string filename, CancellationToken ct = default, AdminActor? by = null)
    {
        var file = await store.GetFileAsync(filename, ct);
        if (file is null || !await store.DeleteFileAsync(filename, ct)) return new(false, $"No file {filename}.");
        invalidate?.Invoke(file.Project);
        await RecordAsync("admin:file-deleted", by, null, file.Project, ("file", filename), ("sha256", file.Sha256));
        return new(true, $"Deleted {filename}; the filename cannot be reused.");
    }

    public async Task<(AdminResult Result, string? Secret, TokenRecord? Token)> CreateTokenAsync(string? project, bool admin, string? description, CancellationToken ct = default, AdminActor? by = null)
    {
        if (project is null && !admin) return (new(false, "Give --project NAME for an upload token, or --admin for an admin token."), null, null);
        if (project is not null && !ProjectName.IsValid(project)) return (new(false, $"'{project}' is not a valid project name."), null, null);
        var normalized = project is null ? null : ProjectName.Normalize(project);
        var now = DateTimeOffset.UtcNow;
        // Created with a token (the admin API): never stronger than that token, whose caveats carry over.
        var issuer = by?.Token;
        if (issuer?.Refusal(admin, normalized, now) is { } tooStrong) return (new(false, tooStrong, Forbidden: true), null, null);
        var caveats = new List<string>(issuer?.Inherited ?? []);
        if (normalized is not null) caveats.Add(Macaroons.ProjectsCaveat([normalized]));
        var (row, secret) = await Tokens.IssueAsync(accounts, null, admin, description, caveats, null, now, issuer?.MacaroonId);
        var token = new TokenRecord(row.Id, normalized, admin, description, DateTimeOffset.UtcNow, null);
        var scope = admin ? "admin (all projects)" : $"project {token.Project}";
        await RecordAsync("admin:token-created", by, null, normalized, ("token", token.Id), ("admin", admin), ("description", description),
            ("parent", issuer?.MacaroonId), ("caveats", caveats.Count > 0 ? caveats : null));
        return (new(true, $"Created token {token.Id} for {scope}."), secret, token);
    }

    /// <summary>Revokes a macaroon token, or a legacy random token by its id.</summary>
    public async Task<AdminResult> RevokeTokenAsync(string id, CancellationToken ct = default, AdminActor? by = null)
    {
        var macaroon = await accounts.MacaroonAsync(id);
        if (!(await accounts.RevokeMacaroonAsync(id, DateTimeOffset.UtcNow) || await store.RevokeTokenAsync(id, ct))) return new(false, $"No live token {id}.");
        // A user's token is revoked in their history too.
        await RecordAsync("admin:token-revoked", by, macaroon?.UserId, null, ("token", id));
        return new(true, $"Revoked token {id}.");
    }

    public async Task<AdminResult> SetSwitchAsync(string name, bool enabled, string? reason, AdminActor? by = null)
    {
        if (!Security.SwitchNames.All.Contains(name)) return new(false, $"Unknown switch '{name}': {string.Join(", ", Security.SwitchNames.All)}.");
        await accounts.SetSwitchAsync(name, enabled, Reason(reason));
        await RecordAsync(enabled ? "admin:switch-on" : "admin:switch-off", by, null, null, ("name", name), ("reason", Reason(reason)));
        return new(true, $"{name} is now {(enabled ? "on" : "off")}.");
    }

    public async Task<AdminResult> SetUserDisabledAsync(string username, bool disabled, AdminActor? by = null, string? reason = null)
    {
        var user = await accounts.UserByNameAsync(username);
        if (user is null) return new(false, $"No user {username}.");
        await accounts.SetDisabledAsync(user.Id, disabled);
        if (!disabled)
        {
            await RecordAsync("admin:user-enabled", by, user.Id, null, ("reason", Reason(reason)));
            return new(true, $"{user.Username} is now enabled.");
        }
        // Disabling ends everything the account held: enabling it again must not bring old (perhaps stolen) tokens back.
        var sessions = await accounts.DeleteUserSessionsAsync(user.Id);
        var tokens = await accounts.RevokeUserMacaroonsAsync(user.Id, DateTimeOffset.UtcNow);
        await RecordAsync("admin:user-disabled", by, user.Id, null, ("reason", Reason(reason)), ("sessions_ended", sessions), ("tokens_revoked", tokens));
        return new(true, $"{user.Username} is now disabled: {sessions} session(s) ended, {tokens} token(s) revoked.");
    }

    /// <summary>Marks a project critical: its owners then need a WebAuthn security key to upload.</summary>
    public async Task<AdminResult> SetCriticalAsync(string project, bool critical, AdminActor? by = null)
    {
        var name = NormalizedName.Of(project);
        await accounts.SetCriticalAsync(name, critical);
        await RecordAsync("admin:critical", by, null, name, ("critical", critical));
        return new(true, critical ? $"{name} is critical: owners need a security key (WebAuthn) to upload." : $"{name} is no longer critical.");
    }

    public async Task<AdminResult> SetRoleAsync(string project, string username, string role, AdminActor? by = null, string? reason = null)
    {
        if (role is not ("owner" or "maintainer")) return new(false, "role must be owner or maintainer.");
        var user = await accounts.UserByNameAsync(username);
        if (user is null) return new(false, $"No user {username}.");
        var name = NormalizedName.Of(project);
        await accounts.SetRoleAsync(name, user.Id, role);
        await RecordAsync("admin:role-set", by, user.Id, name, ("role", role), ("reason", Reason(reason)));
        return new(true, $"{user.Username} is now {role} of {name}.");
    }

    /// <summary>A claim on a new project name as the admin sees it.</summary>
    public sealed record Claim(string Project, string Username, DateTimeOffset RequestedAt, ClaimState State, string? Conflict, string? DecidedBy, string? Reason);

    /// <summary>Claims on new project names in <paramref name="state"/> (pending ones by default; all when null), oldest first.</summary>
    public async Task<IReadOnlyList<Claim>> ClaimsAsync(ClaimState? state = ClaimState.Pending)
    {
        var claims = new List<Claim>();
        foreach (var claim in await accounts.ClaimsAsync(state))
        {
            var user = await accounts.UserByIdAsync(claim.UserId);
            claims.Add(new(claim.Project, user?.Username ?? claim.UserId, claim.RequestedAt, claim.State, claim.Conflict, claim.DecidedBy, claim.Reason));
        }
        return claims;
    }

    /// <summary>
    /// Grants a new project name to a user: they become its owner, so their next upload creates it whatever
    /// <c>[policy] new-projects</c> says — also for a name an upstream has, which the hosted project then replaces
    /// on every group (the grant is the administrator's explicit decision, recorded with the conflict the claim noted).
    /// </summary>
    public async Task<AdminResult> GrantClaimAsync(string project, string username, string? reason, CancellationToken ct = default, AdminActor? by = null)
    {
        if (!ProjectName.IsValid(project)) return new(false, $"'{project}' is not a valid project name.");
        var user = await accounts.UserByNameAsync(username);
        if (user is null) return new(false, $"No user {username}.");
        var name = NormalizedName.Of(project);
        if (await store.GetProjectAsync(name, ct) is not null) return new(false, $"{name} already exists: give roles on it with 'moat admin role'.");
        if (await accounts.HasRolesAsync(name) && await accounts.RoleAsync(name, user.Id) is null)
            return new(false, $"{name} is already granted to someone else: give roles on it with 'moat admin role'.");
        var claim = await accounts.ClaimOfAsync(name, user.Id);
        var actor = by ?? AdminActor.CommandLine;
        await accounts.SetRoleAsync(name, user.Id, "owner");
        await accounts.DecideClaimAsync(name, user.Id, ClaimState.Granted, actor.Name, Reason(reason), DateTimeOffset.UtcNow);
        await RecordAsync("admin:claim-granted", by, user.Id, name, ("conflict", claim?.Conflict), ("reason", Reason(reason)));
        return new(true, $"Granted {name} to {user.Username}: their next upload creates it."
            + (claim?.Conflict is { } conflict ? $" Note: {conflict}; the hosted project will replace it on this index." : ""));
    }

    /// <summary>Refuses a pending claim: the user's uploads of the name keep being refused, with this reason.</summary>
    public async Task<AdminResult> RefuseClaimAsync(string project, string username, string? reason, AdminActor? by = null)
    {
        var user = await accounts.UserByNameAsync(username);
        if (user is null) return new(false, $"No user {username}.");
        var name = NormalizedName.Of(project);
        if (await accounts.ClaimOfAsync(name, user.Id) is not { State: ClaimState.Pending }) return new(false, $"{user.Username} has no pending claim on {name}.");
        if (Reason(reason) is null) return new(false, "Give a reason: the user is shown it.");
        await accounts.DecideClaimAsync(name, user.Id, ClaimState.Refused, (by ?? AdminActor.CommandLine).Name, Reason(reason), DateTimeOffset.UtcNow);
        await RecordAsync("admin:claim-refused", by, user.Id, name, ("reason", Reason(reason)));
        return new(true, $"Refused {user.Username}'s claim on {name}.");
    }

    private Publishing.ReleaseApprovals Approvals => new(store, accounts, _events, invalidate);

    /// <summary>Requires (or stops requiring) a second person's approval before a release of the project is installable.</summary>
    public async Task<AdminResult> SetApprovalRequiredAsync(string project, bool required)
    {
        if (!ProjectName.IsValid(project)) return new(false, $"'{project}' is not a valid project name.");
        await Approvals.SetRequiredAsync(project, required, null, null);
        var name = NormalizedName.Of(project);
        return new(true, required ? $"Releases of {name} now need approval before they are installable." : $"Releases of {name} no longer need approval; already staged ones still do.");
    }

    public async Task<IReadOnlyList<(Publishing.StagedRelease Release, Publishing.StagedReleaseView Shown)>> StagedAsync(string project, CancellationToken ct = default)
    {
        var approvals = Approvals;
        var result = new List<(Publishing.StagedRelease, Publishing.StagedReleaseView)>();
        foreach (var release in await approvals.StagedAsync(project, ct)) result.Add((release, await approvals.ShowAsync(release, ct)));
        return result;
    }

    /// <summary>An admin's approval: allowed whoever uploaded (a project with one maintainer has no one else).</summary>
    public async Task<AdminResult> ApproveAsync(string project, string version, CancellationToken ct = default, AdminActor? by = null) =>
        AdminResult.Of(await Approvals.ApproveAsync(project, version, null, null, ct, (by ?? AdminActor.CommandLine).Name));

    public async Task<AdminResult> RejectAsync(string project, string version, string? reason, CancellationToken ct = default, AdminActor? by = null) =>
        AdminResult.Of(await Approvals.RejectAsync(project, version, reason, null, null, ct, (by ?? AdminActor.CommandLine).Name));

    /// <summary>
    /// Sets a user's role in an organisation (owner or member); an owner given to an organisation that does not
    /// exist yet creates it. The operator's way to set one up, or to recover one whose owners are gone.
    /// </summary>
    public async Task<AdminResult> SetOrganisationMemberAsync(string organisation, string username, string role, AdminActor? by = null)
    {
        if (role is not ("owner" or "member")) return new(false, "role must be owner or member.");
        if (!ProjectName.IsValid(organisation)) return new(false, $"'{organisation}' is not a valid organisation name.");
        var user = await accounts.UserByNameAsync(username);
        if (user is null) return new(false, $"No user {username}.");
        var name = ProjectName.Normalize(organisation);
        if (!await accounts.OrganisationExistsAsync(name))
        {
            if (role != "owner") return new(false, $"No organisation {name}: give it an owner first.");
            await accounts.CreateOrganisationAsync(name, organisation, user.Id, DateTimeOffset.UtcNow);
        }
        await accounts.SetOrganisationMemberAsync(name, user.Id, role);
        await RecordAsync("admin:org-member-set", by, user.Id, null, ("organisation", name), ("role", role));
        return new(true, $"{user.Username} is now {role} of organisation {name}.");
    }

    public async Task<IReadOnlyList<SecurityEvent>> EventsAsync(string? username, string? project, int limit)
    {
        string? userId = null;
        if (username is not null) userId = (await accounts.UserByNameAsync(username))?.Id ?? "-";
        return await accounts.EventsAsync(userId, project is null ? null : ProjectName.Normalize(project), limit);
    }
}
