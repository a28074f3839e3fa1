namespace Moat.Index.Accounts;

// What AccountStore hands out and takes in: immutable, typed (flags as bool, times as DateTimeOffset, states as
// enums). The column-shaped rows Dapper fills stay inside AccountStore, which maps them at the storage edge.

/// <summary>A kill switch as last set: on or off, why, and when.</summary>
public sealed record KillSwitchSetting(string Name, bool Enabled, string? Reason, DateTimeOffset ChangedAt);

/// <summary>One entry of the append-only security event history; <see cref="Details"/> is a JSON object or null.</summary>
public sealed record SecurityEvent(
    string Id, DateTimeOffset At, string Kind, string? UserId, string? Project, string? Ip, string? UserAgent, string? Details);

/// <summary>A registered WebAuthn security key: its COSE public key (base64url) and the last sign count seen.</summary>
public sealed record SecurityKey(string Id, string UserId, string PublicKey, long SignCount, string Name, DateTimeOffset CreatedAt);

public enum ClaimState { Pending, Granted, Refused }

/// <summary>Names of <see cref="ClaimState"/> as stored and shown ("pending", "granted", "refused").</summary>
public static class ClaimStateNames
{
    public static string Of(ClaimState state) => state switch
    {
        ClaimState.Granted => "granted",
        ClaimState.Refused => "refused",
        _ => "pending",
    };

    public static ClaimState? Parse(string? text) => text switch
    {
        "pending" => ClaimState.Pending,
        "granted" => ClaimState.Granted,
        "refused" => ClaimState.Refused,
        _ => null,
    };
}

/// <summary>A user's claim on a new project name: pending, granted or refused by an administrator.</summary>
/// <param name="Conflict">Why the name was protected when claimed (exists upstream, popular, reserved); null for an ordinary new name.</param>
public sealed record ProjectClaim(
    string Project, string UserId, DateTimeOffset RequestedAt, string? Conflict, ClaimState State, string? DecidedBy, DateTimeOffset? DecidedAt, string? Reason);

/// <summary>
/// A trusted publisher: the CI identity (kind, repository, owner id, workflow, environment) allowed to publish a
/// project — or, while <see cref="PendingProject"/> is set, to create it with its first upload.
/// </summary>
/// <param name="RegisteredBy">The username of <see cref="CreatedBy"/>, when read from the store (null while unknown).</param>
public sealed record TrustedPublisher(
    string Id, string? Project, string? PendingProject, string Kind, string Repository, string OwnerId, string Workflow, string Environment,
    string CreatedBy, DateTimeOffset CreatedAt, string? RegisteredBy = null);

/// <summary>
/// An API token as stored: its signing key (the macaroon root), whether it is an admin token, its caveats in wire
/// form as minted (for display; what a request may do is decided by the caveats the presented token carries), who
/// holds it (a user or a trusted publisher), and its life: created, last used, revoked.
/// </summary>
/// <param name="ParentId">The token this one was created with (admin API), whose revocation revokes it too; null for the rest.</param>
public sealed record ApiToken(
    string Id, string? UserId, byte[] Key, bool IsAdmin, string? Description, IReadOnlyList<string> Caveats, string? PublisherId,
    DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt, string? ParentId);

/// <summary>What keeps an account from being deleted: the projects and organisations it is the only owner of.</summary>
public sealed record DeletionBlockers(IReadOnlyList<string> Projects, IReadOnlyList<string> Organisations)
{
    public bool None => Projects.Count == 0 && Organisations.Count == 0;
}
