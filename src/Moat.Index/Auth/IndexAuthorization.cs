using Moat.Packaging;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Moat.Index.Accounts;
using Moat.Index.Errors;
using Moat.Index.Security;
using Moat.Index.Storage;

namespace Moat.Index.Auth;

/// <summary>
/// Who is asking: a verified macaroon (<see cref="Token"/>), a legacy random token (<see cref="Legacy"/>), or nobody;
/// <see cref="Refusal"/> says why presented credentials were not accepted (bad signature, revoked, expired…).
/// </summary>
public sealed record Principal(bool PresentedCredentials, ApiToken? Token = null, Macaroon? Parsed = null, TokenRecord? Legacy = null, string? Refusal = null)
{
    public bool Authenticated => Token is not null || Legacy is not null;
    public string? UserId => Token?.UserId;
    /// <summary>Who uploaded, as recorded on the file: the token id.</summary>
    public string? TokenId => Token?.Id ?? Legacy?.Id;
}

/// <summary>
/// The decision: allowed, or the kind of refusal and a message for the client. An allowed upload that would create its
/// project says so (<see cref="CreatesProject"/>), with <see cref="PublicName"/> when an admin creates a protected name.
/// </summary>
public sealed record AuthorizationDecision(bool Allowed, IndexError? Error, string? Message)
{
    public bool CreatesProject { get; init; }
    public string? PublicName { get; init; }

    public static readonly AuthorizationDecision Allow = new(true, null, null);
    public static AuthorizationDecision Forbid(string message) => new(false, IndexError.Forbidden, message);
}

/// <summary>
/// The ONE place the index decides who may upload or administer. Credentials are <c>Authorization: Basic</c> with
/// user <c>__token__</c> and the token as password (what twine sends) or <c>Authorization: Bearer &lt;token&gt;</c>.
/// Tokens are macaroons (<see cref="Macaroons"/>); random tokens created before macaroons still work from their
/// SHA-256 row. An upload is allowed when: no kill switch forbids it; the token's signature and every caveat hold
/// for this project and time; and the token is an admin token, an operator- or publisher-issued token scoped to
/// the project, or a user's token where the user is enabled, has a verified e-mail and 2FA, and is owner or
/// maintainer of the project (or the project is new and <see cref="NewProjects"/> lets them create it; then the user
/// becomes its owner). Owners of projects marked critical need a WebAuthn key (phishing-resistant 2FA).
/// </summary>
public sealed class IndexAuthorization(IMetadataStore store, AccountStore accounts, KillSwitches switches, SecurityEvents events, TimeProvider time, NewProjects newProjects, TokenPlaces places)
{
    public async Task<Principal> IdentifyAsync(HttpRequest request, CancellationToken ct)
    {
        var secret = SecretFrom(request.Headers.Authorization.ToString());
        if (secret is null) return new Principal(request.Headers.Authorization.Count > 0, Refusal: "Invalid or non-existent authentication information.");
        if (Macaroons.Parse(secret) is { } parsed)
        {
            var row = await accounts.MacaroonAsync(parsed.Id);
            if (row is null || !Macaroons.VerifySignature(parsed, row.Key))
                return new Principal(true, Refusal: "Invalid or non-existent authentication information.");
            if (row.RevokedAt is not null) return new Principal(true, Refusal: "The token has been revoked.");
            if (await RevokedAncestorAsync(row) is { } ancestor)
                return new Principal(true, Refusal: $"The token was created with token {ancestor}, which has been revoked.");
            await accounts.TouchMacaroonAsync(row.Id, time.GetUtcNow());
            await places.UsedAsync(row, request);
            return new Principal(true, row, parsed);
        }
        var legacy = await store.FindTokenAsync(Tokens.Hash(secret), ct);
        return legacy is null ? new Principal(true, Refusal: "Invalid or non-existent authentication information.") : new Principal(true, Legacy: legacy);
    }

    /// <summary>
    /// The id of the first revoked (or vanished) token in the chain this one was created from, or null. The chain is
    /// short (an admin token minting another), and bounded, so a cycle written into the table cannot loop forever.
    /// </summary>
    private async Task<string?> RevokedAncestorAsync(ApiToken row)
    {
        var parentId = row.ParentId;
        for (var depth = 0; parentId is not null; depth++)
        {
            if (depth == 32 || await accounts.MacaroonAsync(parentId) is not { RevokedAt: null } parent) return parentId;
            parentId = parent.ParentId;
        }
        return null;
    }

    /// <summary>Refusal for missing or unusable credentials; null when the principal is authenticated.</summary>
    public static AuthorizationDecision? Unauthenticated(Principal principal) => principal.Authenticated ? null
        : principal.PresentedCredentials ? AuthorizationDecision.Forbid(principal.Refusal ?? "Invalid or non-existent authentication information.")
        : new(false, IndexError.Unauthenticated, "Authentication required: use the username __token__ and an API token as the password.");

    public AuthorizationDecision AuthorizeAdmin(Principal principal)
    {
        if (Unauthenticated(principal) is { } refused) return refused;
        if (principal.Legacy is { IsAdmin: true }) return AuthorizationDecision.Allow;
        if (principal.Token is not { IsAdmin: true }) return AuthorizationDecision.Forbid("This needs an admin token.");
        // An admin token whose caveats refuse (expired, scoped to projects, unreadable) says why.
        return Macaroons.Check(principal.Parsed!.Caveats, new CaveatContext(null, time.GetUtcNow())) is { } why ? AuthorizationDecision.Forbid(why) : AuthorizationDecision.Allow;
    }

    /// <summary>
    /// Reading the index when <c>[security] read = "authenticated"</c>: any valid token (not revoked, not expired) of
    /// an enabled user, an operator or a publisher. A project caveat does not narrow reads.
    /// </summary>
    public async Task<AuthorizationDecision> AuthorizeReadAsync(Principal principal)
    {
        if (Unauthenticated(principal) is { } refused) return refused;
        if (principal.Token is not { } token) return AuthorizationDecision.Allow; // a legacy token: no caveats, no user
        if (Macaroons.Check(principal.Parsed!.Caveats, new CaveatContext(null, time.GetUtcNow(), Reading: true)) is { } why) return AuthorizationDecision.Forbid(why);
        if (token.UserId is not null && !token.IsAdmin && await accounts.UserByIdAsync(token.UserId) is not { IsDisabled: false })
            return AuthorizationDecision.Forbid("The token's user account is disabled.");
        return AuthorizationDecision.Allow;
    }

    public async Task<AuthorizationDecision> AuthorizeUploadAsync(Principal principal, string project, CancellationToken ct, HttpContext? http = null)
    {
        if (await switches.BlocksAsync(SwitchNames.NoUploads) is { } off) return new(false, IndexError.Unavailable, off);
        if (Unauthenticated(principal) is { } refused) return refused;
        var exists = await store.GetProjectAsync(NormalizedName.Of(project), ct) is not null;
        if (principal.Legacy is { } legacy)
        {
            if (!legacy.IsAdmin && legacy.Project != project)
                return AuthorizationDecision.Forbid($"The token is not allowed to upload to project '{project}': it is scoped to '{legacy.Project}'.");
            return exists ? AuthorizationDecision.Allow : await newProjects.ForAdminAsync(project, ct); // issued by an operator
        }
        var token = principal.Token!;
        if (Macaroons.Check(principal.Parsed!.Caveats, new CaveatContext(project, time.GetUtcNow())) is { } why) return AuthorizationDecision.Forbid(why);
        if (token.IsAdmin || (token.UserId is null && token.PublisherId is null))
            return exists ? AuthorizationDecision.Allow : await newProjects.ForAdminAsync(project, ct); // admin or operator-issued: caveats scoped it
        if (token.UserId is null)
        {
            // A trusted publisher's token: its project exists, or was granted (a pending publisher's first mint makes its creator owner).
            if (exists) return AuthorizationDecision.Allow;
            return await accounts.HasRolesAsync(project) ? await newProjects.ForGrantedAsync(ct) : await newProjects.ForPublisherAsync(project, ct);
        }

        var user = await accounts.UserByIdAsync(token.UserId);
        if (user is null || user.IsDisabled) return AuthorizationDecision.Forbid("The token's user account is disabled.");
        if (!user.EmailVerified) return AuthorizationDecision.Forbid("Verify your e-mail address before uploading.");
        var keys = await accounts.CredentialsAsync(user.Id);
        if (user.TotpSecret is null && keys.Count == 0)
            return AuthorizationDecision.Forbid("Two-factor authentication is required to upload: enable TOTP or a security key on your account.");
        var role = await accounts.RoleAsync(project, user.Id);
        if (role is null)
        {
            if (exists || await accounts.HasRolesAsync(project))
                return AuthorizationDecision.Forbid($"User '{user.Username}' is not an owner or maintainer of project '{project}'.");
            return await newProjects.ForUserAsync(project, user, http, ct);
        }
        if (role == "owner" && keys.Count == 0 && await accounts.IsCriticalAsync(project))
            return AuthorizationDecision.Forbid($"'{project}' is a critical project: its owners must use a security key (WebAuthn) as second factor.");
        return exists ? AuthorizationDecision.Allow : await newProjects.ForGrantedAsync(ct);
    }

    /// <summary>
    /// After a file is stored: a user's first upload of a new project makes them its owner; the upload is recorded,
    /// and so is the staging when <paramref name="stagedVersion"/> says the release awaits approval.
    /// </summary>
    public async Task UploadedAsync(HttpContext http, Principal principal, string project, string filename, string? stagedVersion = null, AuthorizationDecision? decision = null, string? uploader = null)
    {
        if (principal.UserId is { } user && !await accounts.HasRolesAsync(project)) await accounts.SetRoleAsync(project, user, "owner");
        if (decision is { CreatesProject: true })
            await events.RecordAsync("project:created", http, principal.UserId, project, new { filename, by = uploader, token = principal.TokenId, public_name = decision.PublicName });
        await events.RecordAsync("file:upload", http, principal.UserId, project, new { filename, token = principal.TokenId, publisher = principal.Token?.PublisherId });
        if (stagedVersion is not null)
            await events.RecordAsync("release:staged", http, principal.UserId, project, new { version = stagedVersion, filename, token = principal.TokenId, publisher = principal.Token?.PublisherId });
    }

    /// <summary>The token in <c>Basic __token__:&lt;token&gt;</c> or <c>Bearer &lt;token&gt;</c>; null otherwise.</summary>
    public static string? SecretFrom(string? header)
    {
        if (string.IsNullOrEmpty(header)) return null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return NonEmpty(header[7..].Trim());
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':');
        return colon > 0 && decoded[..colon] == "__token__" ? NonEmpty(decoded[(colon + 1)..]) : null;
    }

    private static string? NonEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>Adds the challenge a 401 needs so clients know to send Basic credentials.</summary>
    public static void Challenge(HttpResponse response) => response.Headers[HeaderNames.WWWAuthenticate] = "Basic realm=\"moat\"";
}
