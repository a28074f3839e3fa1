using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Auth;
using Moat.Index.Errors;
using Moat.Index.Publishing;
using Moat.Index.Storage;
using Moat.Packaging;
using Moat.Index.Security;

namespace Moat.Index.AccountApi;

/// <summary>
/// The account JSON API under <c>/_/account/</c> and <c>/_/projects/</c>: registration with e-mail verification,
/// login (throttled, locking), sessions, TOTP and WebAuthn enrolment and verification, recovery codes, API tokens,
/// project roles, trusted publishers, release approval, and the event history. A thin front end: every account rule
/// lives in <see cref="AccountService"/>, which the web pages call too; this file maps JSON in and out.
/// </summary>
public static class AccountEndpoints
{
    public sealed record RegisterRequest(string? Username, string? Email, string? Password);
    public sealed record VerifyRequest(string? Token);
    public sealed record LoginRequest(string? Username, string? Password);
    public sealed record PasswordRequest(string? CurrentPassword, string? NewPassword);
    public sealed record CodeRequest(string? Code);
    public sealed record WebAuthnRegistration(string? ClientDataJson, string? AttestationObject, string? Name);
    public sealed record WebAuthnAssertion(string? CredentialId, string? ClientDataJson, string? AuthenticatorData, string? Signature);
    public sealed record TokenRequest(string? Description, string[]? Projects, long? ExpiresInSeconds, long? NotBefore);
    public sealed record RoleRequest(string? Username, string? Role);
    public sealed record ApprovalSetting(bool? Required);
    public sealed record ProvenanceSetting(string? Attestations, bool? Continuity);
    public sealed record RejectRequest(string? Reason);
    public sealed record ReauthRequest(string? Password, string? Code, string? RecoveryCode);
    public sealed record PasswordResetRequest(string? UsernameOrEmail);
    public sealed record PasswordResetCompletion(string? Token, string? NewPassword);
    public sealed record DeletionRequest(string? ConfirmUsername);

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/_");

        api.MapPost("/account/register", (JsonBody<RegisterRequest> body, HttpContext http, AccountService accounts) => Refusable(async () =>
        {
            var user = await accounts.RegisterAsync(body.Value.Username, body.Value.Email, body.Value.Password, http);
            return Results.Json(new { message = $"Created user {user.Username}; a verification link was sent to {user.Email}.", id = user.Id }, statusCode: 201);
        }));

        api.MapPost("/account/verify-email", (JsonBody<VerifyRequest> body, HttpContext http, AccountService accounts) => Refusable(async () =>
        {
            await accounts.VerifyEmailAsync(body.Value.Token, http);
            return Results.Json(new { message = "E-mail address verified." });
        }));

        // Password reset: the same answer whether or not the account exists; the link in the mail sets a new password once.
        api.MapPost("/account/password-reset", (JsonBody<PasswordResetRequest> body, HttpContext http, AccountService accounts) => Refusable(async () =>
        {
            await accounts.RequestPasswordResetAsync(body.Value.UsernameOrEmail, http);
            return Results.Json(new { message = AccountService.ResetRequested });
        }));

        api.MapPost("/account/password-reset/complete", (JsonBody<PasswordResetCompletion> body, HttpContext http, AccountService accounts) => Refusable(async () =>
        {
            await accounts.ResetPasswordAsync(body.Value.Token, body.Value.NewPassword, http);
            return Results.Json(new { message = "Password reset; every session of the account was signed out. Sign in with the new password." });
        }));

        api.MapPost("/account/login", (JsonBody<LoginRequest> body, HttpContext http, AccountService accounts) => Refusable(async () =>
        {
            var login = await accounts.LoginAsync(body.Value.Username, body.Value.Password, http);
            return Results.Json(new { csrf_token = login.Csrf, two_factor_required = login.TwoFactorRequired, user = login.User.Username });
        }));

        // Re-authentication for security changes: a TOTP or recovery code (a security key: the assertion endpoints
        // below), or the password for an account without a second factor.
        api.MapPost("/account/reauth", (JsonBody<ReauthRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
        {
            var request = body.Value;
            await accounts.ReauthenticateAsync(s, request.Password, request.Code, request.RecoveryCode, http);
            return Results.Json(new { message = $"Confirmed: security changes are allowed for the next {(int)accounts.ReauthenticateWithin.TotalMinutes} minutes." });
        }));

        api.MapPost("/account/logout", async (HttpContext http, Sessions sessions) =>
        {
            await sessions.EndAsync(http.Request, http.Response);
            return Results.Json(new { message = "Signed out." });
        });

        api.MapGet("/account/me", (HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
        {
            var keys = await store.CredentialsAsync(s.User.Id);
            return Results.Json(new
            {
                username = s.User.Username, email = s.User.Email, email_verified = s.User.EmailVerified, totp = s.User.TotpSecret is not null,
                webauthn = keys.Select(k => new { id = k.Id, name = k.Name, created_at = AccountStore.Text(k.CreatedAt) }),
            });
        }));

        api.MapPost("/account/password", (JsonBody<PasswordRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
        {
            var csrf = await accounts.ChangePasswordAsync(s, body.Value.CurrentPassword, body.Value.NewPassword, http);
            return Results.Json(new { message = "Password changed; every other session was signed out.", csrf_token = csrf });
        }));

        // Account deletion: after a recent re-authentication, with the username typed again; refused (409) while the
        // account is the only owner of a project or organisation.
        api.MapPost("/account/delete", (JsonBody<DeletionRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
            Results.Json(new { message = await accounts.DeleteAccountAsync(s, body.Value.ConfirmUsername, http) })));

        // TOTP enrolment: begin stores a pending secret; confirm with a first code enables it and returns recovery codes.
        api.MapPost("/account/2fa/totp/begin", (HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
        {
            var totp = await accounts.BeginTotpAsync(s);
            return Results.Json(new { secret = totp.Secret, provisioning_uri = totp.ProvisioningUri, qr_svg = Totp.QrSvg(totp.ProvisioningUri), qr_png_base64 = Convert.ToBase64String(Totp.QrPng(totp.ProvisioningUri)) });
        }));

        api.MapPost("/account/2fa/totp/confirm", (JsonBody<CodeRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
            Results.Json(new { message = "TOTP enabled. Store these recovery codes; each works once.", recovery_codes = await accounts.ConfirmTotpAsync(s, body.Value.Code, http) })));

        api.MapPost("/account/2fa/totp/verify", (JsonBody<CodeRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.TwoFactorPending, async s =>
        {
            await accounts.VerifyTotpAsync(s, body.Value.Code, http);
            return Results.Json(new { message = "Signed in." });
        }));

        api.MapPost("/account/2fa/recovery", (JsonBody<CodeRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.TwoFactorPending, async s =>
        {
            await accounts.UseRecoveryCodeAsync(s, body.Value.Code, http);
            return Results.Json(new { message = "Signed in with a recovery code." });
        }));

        api.MapDelete("/account/2fa/totp", (HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            await accounts.RemoveTotpAsync(s, http);
            return Results.Json(new { message = "TOTP removed." });
        }));

        api.MapPost("/account/2fa/webauthn/register/begin", (HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
            Results.Json(await accounts.BeginKeyRegistrationAsync(s))));

        api.MapPost("/account/2fa/webauthn/register/finish", (JsonBody<WebAuthnRegistration> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
        {
            var key = await accounts.FinishKeyRegistrationAsync(s, body.Value.ClientDataJson, body.Value.AttestationObject, body.Value.Name, http);
            return Results.Json(new { message = "Security key registered.", credential_id = key.CredentialId, recovery_codes = key.RecoveryCodes }, statusCode: 201);
        }));

        api.MapDelete("/account/2fa/webauthn/{id}", (string id, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            await accounts.RemoveKeyAsync(s, id, http);
            return Results.Json(new { message = "Security key removed." });
        }));

        api.MapPost("/account/2fa/webauthn/assert/begin", (HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.TwoFactorPending, async s =>
            Results.Json(await accounts.BeginKeyAssertionAsync(s))));

        api.MapPost("/account/2fa/webauthn/assert/finish", (JsonBody<WebAuthnAssertion> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.TwoFactorPending, async s =>
        {
            await accounts.FinishKeyAssertionAsync(s, body.Value.CredentialId, body.Value.ClientDataJson, body.Value.AuthenticatorData, body.Value.Signature, http);
            return Results.Json(new { message = "Signed in." });
        }));

        api.MapPost("/account/2fa/recovery-codes", (HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
            Results.Json(new { recovery_codes = await accounts.RegenerateRecoveryCodesAsync(s, http) })));

        // API tokens
        api.MapPost("/account/tokens", (JsonBody<TokenRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            var token = await accounts.CreateTokenAsync(s, body.Value.Description, body.Value.Projects, body.Value.ExpiresInSeconds, body.Value.NotBefore, http);
            return Results.Json(new { id = token.Token.Id, token = token.Secret, caveats = token.Caveats }, statusCode: 201);
        }));

        api.MapGet("/account/tokens", (HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
            Results.Json((await store.UserMacaroonsAsync(s.User.Id)).Select(t => new
            {
                id = t.Id, description = t.Description, caveats = t.Caveats, created_at = AccountStore.Text(t.CreatedAt),
                last_used_at = t.LastUsedAt is { } used ? AccountStore.Text(used) : null, revoked_at = t.RevokedAt is { } revoked ? AccountStore.Text(revoked) : null,
            }))));

        api.MapDelete("/account/tokens/{id}", (string id, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            await accounts.RevokeTokenAsync(s, id, http);
            return Results.Json(new { message = $"Revoked token {id}." });
        }));

        api.MapGet("/account/events", (HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
            Results.Json((await store.EventsAsync(s.User.Id, null, 500)).Select(SecurityEvents.Show))));

        // Project roles, publishers and history: owners only.
        api.MapPost("/projects/{project}/roles", (string project, JsonBody<RoleRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
            Results.Json(new { message = await accounts.SetRoleAsync(s, project, body.Value.Username, body.Value.Role, http) })));

        api.MapDelete("/projects/{project}/roles/{username}", (string project, string username, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
            Results.Json(new { message = await accounts.RemoveRoleAsync(s, project, username, http) })));

        // Publishers as listed: each with who registered it (a publisher nobody on the project remembers adding is an alarm).
        api.MapGet("/projects/{project}/publishers", (string project, HttpContext http, Sessions sessions, AccountService accounts, AccountStore store) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
        {
            var name = await accounts.RequireOwnerAsync(s, project, "list its trusted publishers");
            return Results.Json((await store.ProjectPublishersAsync(name)).Select(PublisherView));
        }));

        api.MapGet("/account/pending-publishers", (HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
            Results.Json((await store.PendingPublishersAsync(s.User.Id)).Select(PublisherView))));

        api.MapPost("/projects/{project}/publishers", (string project, JsonBody<PublisherRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            var row = await accounts.AddPublisherAsync(s, project, body.Value, http);
            return Results.Json(new { id = row.Id, message = $"Trusted publisher {row.Kind}:{row.Repository} {row.Workflow} added to {row.Project}." }, statusCode: 201);
        }));

        api.MapDelete("/projects/{project}/publishers/{id}", (string project, string id, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            await accounts.RemovePublisherAsync(s, project, id, http);
            return Results.Json(new { message = "Publisher removed." });
        }));

        api.MapPost("/account/pending-publishers", (JsonBody<PublisherRequest> body, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            var row = await accounts.AddPendingPublisherAsync(s, body.Value, http);
            return Results.Json(new { id = row.Id, message = $"Pending publisher added: the first publish from {row.Repository} creates {row.PendingProject}." }, statusCode: 201);
        }));

        // Release approval: owners require it; owners and maintainers review, never their own upload (ReleaseApprovals).
        api.MapPut("/projects/{project}/approval", (string project, JsonBody<ApprovalSetting> body, HttpContext http, Sessions sessions, AccountService accounts, ReleaseApprovals approvals) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            var name = await accounts.RequireOwnerAsync(s, project, "change its release approval setting");
            if (body.Value.Required is not { } required) return Error(400, "required must be true or false.");
            await approvals.SetRequiredAsync(name, required, http, s.User.Id);
            return Results.Json(new { message = required ? $"Releases of {name} now need a second maintainer's approval before they are installable." : $"Releases of {name} no longer need approval; already staged ones still do." });
        }));

        // Provenance policy: owners require attestations on uploads and may turn provenance continuity off.
        api.MapPut("/projects/{project}/provenance", (string project, JsonBody<ProvenanceSetting> body, HttpContext http, Sessions sessions, AccountService accounts, Provenance.ProvenanceService provenance) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            var name = await accounts.RequireOwnerAsync(s, project, "change its provenance policy");
            if (await provenance.SetProjectPolicyAsync(name, body.Value.Attestations, body.Value.Continuity, http, s.User.Id, s.User.Username) is { } refusal) return Error(400, refusal);
            return Results.Json(new { message = $"Provenance policy of {name} updated." });
        }));

        api.MapGet("/projects/{project}/staged", (string project, HttpContext http, Sessions sessions, AccountService accounts, ReleaseApprovals approvals, CancellationToken ct) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
        {
            var name = await accounts.RequireMaintainerAsync(s, project, "see its staged releases");
            var shown = new List<StagedReleaseView>();
            foreach (var release in await approvals.StagedAsync(name, ct)) shown.Add(await approvals.ShowAsync(release, ct));
            return Results.Json(new { project = name, approval_required = await approvals.RequiredAsync(name), staged = shown });
        }));

        // Reviewers download what they are asked to approve: the public file route answers 404 for staged files.
        api.MapGet("/projects/{project}/staged/{version}/files/{filename}", (string project, string version, string filename, HttpContext http, Sessions sessions, AccountService accounts,
            IMetadataStore metadata, IBlobStore blobs, CancellationToken ct) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
        {
            var name = await accounts.RequireMaintainerAsync(s, project, "download its staged releases");
            var file = await metadata.GetFileAsync(filename, ct);
            if (file is null || file.Project != name || file.State != FileState.Staged || !SameVersion(file.Version, version)) return Error(404, $"No staged file {filename} in {name} {version}.");
            var stream = await blobs.OpenReadAsync(file.Sha256, ct);
            if (stream is null)
            {
                Storage.BlobDownloads.LogMissing(http, filename, file.Sha256);
                return Error(500, $"The content of {filename} is missing from storage.");
            }
            http.Response.Headers.CacheControl = "private, no-store";
            return Results.Stream(stream, Storage.BlobHeaders.ContentTypeOf(filename), fileDownloadName: filename);
        }));

        api.MapPost("/projects/{project}/staged/{version}/approve", (string project, string version, HttpContext http, Sessions sessions, ReleaseApprovals approvals, CancellationToken ct) => WithAsync(http, sessions, AccessLevel.Security, async s =>
            (await approvals.ApproveAsync(project, version, s.User, http, ct)).Result()));

        api.MapPost("/projects/{project}/staged/{version}/reject", (string project, string version, JsonBody<RejectRequest> body, HttpContext http, Sessions sessions, ReleaseApprovals approvals, CancellationToken ct) => WithAsync(http, sessions, AccessLevel.Security, async s =>
            (await approvals.RejectAsync(project, version, body.Value.Reason, s.User, http, ct)).Result()));

        OrganisationEndpoints.Map(api);

        api.MapDelete("/account/pending-publishers/{id}", (string id, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.Security, async s =>
        {
            await accounts.RemovePendingPublisherAsync(s, id, http);
            return Results.Json(new { message = "Pending publisher removed." });
        }));

        api.MapGet("/projects/{project}/events", (string project, HttpContext http, Sessions sessions, AccountService accounts) => WithAsync(http, sessions, AccessLevel.SignedIn, async s =>
            Results.Json((await accounts.ProjectEventsAsync(s, project)).Select(SecurityEvents.Show))));
    }

    private static object PublisherView(TrustedPublisher p) => new
    {
        id = p.Id, kind = p.Kind, repository = p.Repository, owner_id = p.OwnerId, workflow = p.Workflow, environment = p.Environment,
        project = p.Project, pending_project = p.PendingProject, registered_by = p.RegisteredBy, registered_at = AccountStore.Text(p.CreatedAt),
    };

    internal static async Task<IResult> WithAsync(HttpContext http, Sessions sessions, AccessLevel level, Func<SignedIn, Task<IResult>> action)
    {
        var (signedIn, error) = await sessions.ReadAsync(http.Request);
        if (error is not null) return Error(403, error);
        if (signedIn is null) return Error(401, "Sign in first (POST /_/account/login).");
        if (AccountService.Check(signedIn, level) is { } refusal) return Error(refusal.Error.Status, refusal.Message);
        return await Refusable(() => action(signedIn));
    }

    /// <summary>Runs an account operation, turning its refusal into the JSON error the API has always returned.</summary>
    private static async Task<IResult> Refusable(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (AccountRefusal refusal) when (refusal.Reauthenticate)
        {
            return Results.Json(new { error = refusal.Message, reauthenticate = "/_/account/reauth" }, statusCode: refusal.Error.Status);
        }
        catch (AccountRefusal refusal)
        {
            return Error(refusal.Error.Status, refusal.Message);
        }
    }

    private static bool SameVersion(string stored, string typed) =>
        stored == typed || (Moat.Packaging.Versions.PackageVersion.TryParse(typed, out var parsed) && parsed.ToString() == stored);

    public static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}
