using Moat.Index.Accounts;
using Moat.Index.Proxy;
using Moat.Index.Security;

namespace Moat.Index.Auth;

/// <summary>Who may create a hosted project by uploading its first file (<c>[policy] new-projects</c>).</summary>
public enum NewProjectPolicy
{
    /// <summary>Any user who may upload — except public, popular and reserved names, which always need a grant.</summary>
    Anyone,
    /// <summary>A user's new name is held as a pending claim until an administrator grants it (the default).</summary>
    Approved,
    /// <summary>Only administrators (admin and operator tokens, or a grant) create projects.</summary>
    Admins,
}

/// <summary>
/// The one rule for creating a hosted project. A hosted project replaces every upstream project of its name for
/// everyone installing through this index (groups serve hosted names only), so a new name is an act of trust:
/// <list type="bullet">
/// <item>admin and operator tokens (<c>moat admin token create</c>) create any project — the administrator's explicit
/// act; a name known to be public (from pages Moat already holds: the upstream is not told about internal names),
/// popular or reserved is recorded as such in the <c>project:created</c> event;</item>
/// <item>a user holding a role on a name that does not exist yet (an administrator's grant, <c>moat admin claims grant</c>)
/// creates it;</item>
/// <item>anyone else's new name is refused with the reason, and recorded as a pending claim an administrator can grant:
/// always for a public, popular or reserved name (<see cref="ProtectedNames"/>), otherwise as
/// <c>[policy] new-projects</c> says.</item>
/// </list>
/// The <c>no-new-projects</c> kill switch stops all of them.
/// </summary>
public sealed class NewProjects(IndexOptions options, ProtectedNames protectedNames, AccountStore accounts, KillSwitches switches, SecurityEvents events, TimeProvider time)
{
    public NewProjectPolicy Policy => options.NewProjects;

    /// <summary>An admin or operator token creating <paramref name="project"/>: allowed unless switched off; a protected name is noted for the event.</summary>
    public async Task<AuthorizationDecision> ForAdminAsync(string project, CancellationToken ct)
    {
        if (await SwitchedOffAsync() is { } off) return off;
        var why = await protectedNames.WhyAsync(project, ct, askUpstream: false);
        return AuthorizationDecision.Allow with { CreatesProject = true, PublicName = why?.Reason };
    }

    /// <summary>A user who already holds a role on a name nobody has uploaded to yet: an administrator granted it.</summary>
    public async Task<AuthorizationDecision> ForGrantedAsync(CancellationToken ct) =>
        await SwitchedOffAsync() ?? AuthorizationDecision.Allow with { CreatesProject = true };

    /// <summary>
    /// A user (uploading, or setting up a pending trusted publisher) asking for a new name: allowed, or refused with a
    /// pending claim recorded for an administrator.
    /// </summary>
    public async Task<AuthorizationDecision> ForUserAsync(string project, UserAccount user, Microsoft.AspNetCore.Http.HttpContext? http, CancellationToken ct)
    {
        if (await SwitchedOffAsync() is { } off) return off;
        var why = await protectedNames.WhyAsync(project, ct);
        if (why is null && Policy == NewProjectPolicy.Anyone) return AuthorizationDecision.Allow with { CreatesProject = true };

        var claim = await accounts.ClaimOfAsync(project, user.Id);
        if (claim is { State: ClaimState.Refused })
            return AuthorizationDecision.Forbid($"An administrator refused your claim on '{project}'{(claim.Reason is { Length: > 0 } r ? $": {r}" : "")}.");
        if (claim is null)
        {
            claim = await accounts.ClaimAsync(project, user.Id, why?.Reason, time.GetUtcNow());
            await events.RecordAsync("project:claim-requested", http, user.Id, project, new { conflict = why?.Reason, policy = PolicyName(Policy) });
        }
        var grant = $"an administrator can grant it: moat admin claims grant {project} {user.Username}";
        return AuthorizationDecision.Forbid(why is not null
            ? $"{why.Reason}, so it does not become a project here by upload: it would replace that project for everyone installing through this index. Your claim is recorded; {grant}."
            : Policy == NewProjectPolicy.Admins
                ? $"Only administrators create projects on this index ([policy] new-projects = \"admins\"). Your claim on '{project}' is recorded; {grant}."
                : $"New projects need an administrator's approval on this index ([policy] new-projects = \"approved\"). Your claim on '{project}' is pending; upload again once {grant}.");
    }

    /// <summary>A trusted publisher's token for a project nobody holds a role on: it speaks for no user, so only an open policy lets it create one.</summary>
    public async Task<AuthorizationDecision> ForPublisherAsync(string project, CancellationToken ct)
    {
        if (await SwitchedOffAsync() is { } off) return off;
        if (await protectedNames.WhyAsync(project, ct) is { } why) return AuthorizationDecision.Forbid($"{why.Reason}: an administrator must grant it before a first upload creates it.");
        return Policy == NewProjectPolicy.Anyone ? AuthorizationDecision.Allow with { CreatesProject = true }
            : AuthorizationDecision.Forbid($"'{project}' does not exist here and new projects need an administrator's grant ([policy] new-projects = \"{PolicyName(Policy)}\").");
    }

    private async Task<AuthorizationDecision?> SwitchedOffAsync() =>
        await switches.BlocksAsync(SwitchNames.NoNewProjects) is { } off ? new(false, Errors.IndexError.Unavailable, off) : null;

    public static string PolicyName(NewProjectPolicy policy) => policy switch
    {
        NewProjectPolicy.Anyone => "anyone",
        NewProjectPolicy.Admins => "admins",
        _ => "approved",
    };
}
