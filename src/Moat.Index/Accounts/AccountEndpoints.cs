using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Auth;
using Moat.Index.Publishing;
using Moat.Index.Security;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.Accounts;

/// <summary>
/// The account JSON API under <c>/_/account/</c> and <c>/_/projects/</c>: registration with e-mail verification,
/// login (throttled, locking), sessions, TOTP and WebAuthn enrolment and verification, recovery codes, API tokens,
/// project roles, trusted publishers, release approval, and the event history. Three levels of access: a session whose second
/// factor may still be pending (only the 2FA steps), a signed-in session (2FA done when the user has any), and
/// security settings, which additionally need the user to have 2FA at all.
/// </summary>
public static class AccountEndpoints
{
    public sealed record RegisterRequest(string? Username, string? Email, string? Password);
    public sealed record VerifyRequest(string? Token);
    public sealed record LoginRequest(string? Username, string? Password);
    public sealed record CodeRequest(string? Code);
    public sealed record WebAuthnRegistration(string? ClientDataJson, string? AttestationObject, string? Name);
    public sealed record WebAuthnAssertion(string? CredentialId, string? ClientDataJson, string? AuthenticatorData, string? Signature);
    public sealed record TokenRequest(string? Description, string[]? Projects, long? ExpiresInSeconds, long? NotBefore);
    public sealed record RoleRequest(string? Username, string? Role);
    public sealed record ApprovalSetting(bool? Required);
    public sealed record RejectRequest(string? Reason);
    public sealed record PublisherRequest(string? Kind, string? Repository, string? OwnerId, string? Workflow, string? Environment, string? ProjectName);

    internal enum Level { TwoFactorPending, SignedIn, Security }

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/_");

        api.MapPost("/account/register", async (RegisterRequest body, HttpContext http, AccountStore store, SecurityOptions options, KillSwitches switches, IMailSender mail, SecurityEvents events) =>
        {
            if (await switches.BlocksAsync(SwitchNames.NoNewUsers) is { } off) return Error(503, off);
            var username = body.Username?.Trim().ToLowerInvariant() ?? "";
            if (username.Length is < 2 or > 50 || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                return Error(400, "Usernames are 2-50 characters: letters, digits, '-', '_' and '.'.");
            if (!MailAddress.TryCreate(body.Email ?? "", out var email) || email.Address != body.Email!.Trim()) return Error(400, "A valid e-mail address is required.");
            if (Passwords.Weakness(body.Password ?? "", username) is { } weak) return Error(400, weak);
            var user = new UserRow
            {
                id = Tokens.NewId(), username = username, email = email.Address, password_hash = Passwords.Hash(body.Password!, options.PasswordIterations),
                created_at = AccountStore.Text(DateTimeOffset.UtcNow),
            };
            if (!await store.CreateUserAsync(user)) return Error(409, $"The username '{username}' is taken.");
            await SendVerificationAsync(store, mail, options, user);
            await events.RecordAsync("account:created", http, user.id);
            return Results.Json(new { message = $"Created user {username}; a verification link was sent to {email.Address}.", id = user.id }, statusCode: 201);
        });

        api.MapPost("/account/verify-email", async (VerifyRequest body, HttpContext http, AccountStore store, SecurityEvents events) =>
        {
            var userId = await store.ConsumeEmailVerificationAsync(Sessions.Hash(body.Token ?? ""), DateTimeOffset.UtcNow);
            if (userId is null) return Error(400, "The verification token is unknown, used or expired.");
            await events.RecordAsync("account:email-verified", http, userId);
            return Results.Json(new { message = "E-mail address verified." });
        });

        api.MapPost("/account/login", async (LoginRequest body, HttpContext http, AccountStore store, SecurityOptions options, Sessions sessions, LoginThrottle throttle, SecurityEvents events) =>
        {
            var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            if (throttle.AddressBlocked(address)) return Error(429, "Too many failed logins from this address; try again later.");
            var user = await store.UserByNameAsync(body.Username?.Trim() ?? "");
            var now = DateTimeOffset.UtcNow;
            if (user is not null && user.locked_until is { } locked && AccountStore.Time(locked) > now)
            {
                await events.RecordAsync("login:locked", http, user.id);
                return Error(429, "The account is locked after repeated failed logins; try again later.");
            }
            // Hash even for unknown users so response time does not reveal which usernames exist.
            var ok = Passwords.Verify(body.Password ?? "", user?.password_hash ?? DummyHash(options), out var rehash, options.PasswordIterations) && user is not null;
            if (!ok || user!.is_disabled != 0)
            {
                throttle.Failed(address);
                if (user is not null)
                {
                    var failures = user.failed_logins + 1;
                    await store.RecordLoginFailureAsync(user.id, failures, failures >= options.LockoutAfterFailures ? now + options.LockoutFor : null);
                    await events.RecordAsync("login:failed", http, user.id, details: new { failures });
                }
                return Error(401, "Invalid username or password.");
            }
            await store.ResetLoginFailuresAsync(user.id);
            if (rehash) await store.SetPasswordHashAsync(user.id, Passwords.Hash(body.Password!, options.PasswordIterations));
            var hasTwoFactor = user.totp_secret is not null || (await store.CredentialsAsync(user.id)).Count > 0;
            var csrf = await sessions.StartAsync(http.Response, user, twoFactorDone: !hasTwoFactor);
            await events.RecordAsync(hasTwoFactor ? "login:password" : "login", http, user.id);
            return Results.Json(new { csrf_token = csrf, two_factor_required = hasTwoFactor, user = user.username });
        });

        api.MapPost("/account/logout", async (HttpContext http, Sessions sessions) =>
        {
            await sessions.EndAsync(http.Request, http.Response);
            return Results.Json(new { message = "Signed out." });
        });

        api.MapGet("/account/me", (HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, Level.SignedIn, async s =>
        {
            var keys = await store.CredentialsAsync(s.User.id);
            return Results.Json(new
            {
                s.User.username, s.User.email, email_verified = s.User.email_verified != 0, totp = s.User.totp_secret is not null,
                webauthn = keys.Select(k => new { id = k.id, k.name, k.created_at }),
            });
        }));

        // TOTP enrolment: begin stores a pending secret; confirm with a first code enables it and returns recovery codes.
        api.MapPost("/account/2fa/totp/begin", (HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, Level.SignedIn, async s =>
        {
            if (s.User.totp_secret is not null) return Error(409, "TOTP is already enabled.");
            var key = Totp.NewKey();
            await store.SetPendingTotpAsync(s.User.id, Base32.Encode(key));
            var uri = Totp.ProvisioningUri(key, s.User.username, "Moat");
            return Results.Json(new { secret = Base32.Encode(key), provisioning_uri = uri, qr_svg = Totp.QrSvg(uri), qr_png_base64 = Convert.ToBase64String(Totp.QrPng(uri)) });
        }));

        api.MapPost("/account/2fa/totp/confirm", (CodeRequest body, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.SignedIn, async s =>
        {
            if (s.User.totp_pending_secret is not { } pending || Base32.Decode(pending) is not { } key) return Error(409, "Begin TOTP enrolment first.");
            if (Totp.Match(key, body.Code ?? "", DateTimeOffset.UtcNow) is not { } step) return Error(400, "The code does not match: check the authenticator's clock.");
            await store.EnableTotpAsync(s.User.id, pending, step);
            await store.MarkSessionTwoFactorAsync(s.Session.id_hash, DateTimeOffset.UtcNow);
            var codes = await NewRecoveryCodesAsync(store, s.User.id);
            await events.RecordAsync("2fa:totp-added", http, s.User.id);
            return Results.Json(new { message = "TOTP enabled. Store these recovery codes; each works once.", recovery_codes = codes });
        }));

        api.MapPost("/account/2fa/totp/verify", (CodeRequest body, HttpContext http, Sessions sessions, AccountStore store, SecurityOptions options, SecurityEvents events) => WithAsync(http, sessions, Level.TwoFactorPending, async s =>
        {
            if (s.User.totp_secret is null || Base32.Decode(s.User.totp_secret) is not { } key) return Error(409, "TOTP is not enabled.");
            if (s.User.locked_until is { } locked && AccountStore.Time(locked) > DateTimeOffset.UtcNow) return Error(429, "The account is locked after repeated failures; try again later.");
            if (Totp.Match(key, body.Code ?? "", DateTimeOffset.UtcNow) is not { } step || !await store.ConsumeTotpStepAsync(s.User.id, step))
            {
                var failures = s.User.failed_logins + 1;
                await store.RecordLoginFailureAsync(s.User.id, failures, failures >= options.LockoutAfterFailures ? DateTimeOffset.UtcNow + options.LockoutFor : null);
                await events.RecordAsync("2fa:failed", http, s.User.id, details: new { method = "totp" });
                return Error(401, "The code is wrong or was already used.");
            }
            await store.ResetLoginFailuresAsync(s.User.id);
            await store.MarkSessionTwoFactorAsync(s.Session.id_hash, DateTimeOffset.UtcNow);
            await events.RecordAsync("login:2fa", http, s.User.id, details: new { method = "totp" });
            return Results.Json(new { message = "Signed in." });
        }));

        api.MapPost("/account/2fa/recovery", (CodeRequest body, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.TwoFactorPending, async s =>
        {
            if (!await store.UseRecoveryCodeAsync(s.User.id, Sessions.Hash(NormalizeRecovery(body.Code)), DateTimeOffset.UtcNow))
            {
                await events.RecordAsync("2fa:failed", http, s.User.id, details: new { method = "recovery-code" });
                return Error(401, "The recovery code is wrong or was already used.");
            }
            await store.MarkSessionTwoFactorAsync(s.Session.id_hash, DateTimeOffset.UtcNow);
            await events.RecordAsync("login:recovery-code", http, s.User.id);
            return Results.Json(new { message = "Signed in with a recovery code." });
        }));

        api.MapDelete("/account/2fa/totp", (HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.Security, async s =>
        {
            await store.DisableTotpAsync(s.User.id);
            await events.RecordAsync("2fa:totp-removed", http, s.User.id);
            return Results.Json(new { message = "TOTP removed." });
        }));

        // WebAuthn: the challenge lives in the session row (one outstanding ceremony per session).
        api.MapPost("/account/2fa/webauthn/register/begin", (HttpContext http, Sessions sessions, AccountStore store, SecurityOptions options) => WithAsync(http, sessions, Level.SignedIn, async s =>
        {
            var challenge = WebAuthn.NewChallenge();
            await store.SetSessionChallengeAsync(s.Session.id_hash, "create:" + challenge);
            var existing = await store.CredentialsAsync(s.User.id);
            return Results.Json(new
            {
                challenge, rp = new { id = options.EffectiveRpId, name = "Moat" },
                user = new { id = Macaroons.Base64Url(Encoding.UTF8.GetBytes(s.User.id)), name = s.User.username, displayName = s.User.username },
                pubKeyCredParams = new[] { new { type = "public-key", alg = -7 }, new { type = "public-key", alg = -257 } },
                excludeCredentials = existing.Select(c => new { type = "public-key", id = c.id }),
                attestation = "none", authenticatorSelection = new { userVerification = "preferred" },
            });
        }));

        api.MapPost("/account/2fa/webauthn/register/finish", (WebAuthnRegistration body, HttpContext http, Sessions sessions, AccountStore store, SecurityOptions options, SecurityEvents events) => WithAsync(http, sessions, Level.SignedIn, async s =>
        {
            if (s.Session.challenge is not { } c || !c.StartsWith("create:", StringComparison.Ordinal)) return Error(409, "Begin the registration first.");
            await store.SetSessionChallengeAsync(s.Session.id_hash, null); // one attempt per challenge
            try
            {
                var credential = WebAuthn.VerifyRegistration(Bytes(body.ClientDataJson), Bytes(body.AttestationObject), c["create:".Length..], options.Origin.TrimEnd('/'), options.EffectiveRpId);
                var id = Macaroons.Base64Url(credential.Id);
                if (await store.CredentialAsync(id) is not null) return Error(409, "This security key is already registered.");
                await store.AddCredentialAsync(new CredentialRow
                {
                    id = id, user_id = s.User.id, public_key = Convert.ToBase64String(credential.CosePublicKey), sign_count = credential.SignCount,
                    name = string.IsNullOrWhiteSpace(body.Name) ? "security key" : body.Name.Trim(), created_at = AccountStore.Text(DateTimeOffset.UtcNow),
                });
                await store.MarkSessionTwoFactorAsync(s.Session.id_hash, DateTimeOffset.UtcNow);
                var codes = s.HasTwoFactor ? null : await NewRecoveryCodesAsync(store, s.User.id);
                await events.RecordAsync("2fa:webauthn-added", http, s.User.id, details: new { credential = id });
                return Results.Json(new { message = "Security key registered.", credential_id = id, recovery_codes = codes }, statusCode: 201);
            }
            catch (WebAuthnException ex)
            {
                return Error(400, ex.Message);
            }
        }));

        api.MapPost("/account/2fa/webauthn/assert/begin", (HttpContext http, Sessions sessions, AccountStore store, SecurityOptions options) => WithAsync(http, sessions, Level.TwoFactorPending, async s =>
        {
            var challenge = WebAuthn.NewChallenge();
            await store.SetSessionChallengeAsync(s.Session.id_hash, "get:" + challenge);
            var keys = await store.CredentialsAsync(s.User.id);
            return Results.Json(new { challenge, rpId = options.EffectiveRpId, allowCredentials = keys.Select(k => new { type = "public-key", id = k.id }), userVerification = "preferred" });
        }));

        api.MapPost("/account/2fa/webauthn/assert/finish", (WebAuthnAssertion body, HttpContext http, Sessions sessions, AccountStore store, SecurityOptions options, SecurityEvents events) => WithAsync(http, sessions, Level.TwoFactorPending, async s =>
        {
            if (s.Session.challenge is not { } c || !c.StartsWith("get:", StringComparison.Ordinal)) return Error(409, "Begin the assertion first.");
            await store.SetSessionChallengeAsync(s.Session.id_hash, null);
            var credential = await store.CredentialAsync(body.CredentialId ?? "");
            if (credential is null || credential.user_id != s.User.id) return Error(401, "Unknown security key.");
            try
            {
                var count = WebAuthn.VerifyAssertion(Bytes(body.ClientDataJson), Bytes(body.AuthenticatorData), Bytes(body.Signature),
                    Convert.FromBase64String(credential.public_key), (uint)credential.sign_count, c["get:".Length..], options.Origin.TrimEnd('/'), options.EffectiveRpId);
                if (!await store.AdvanceSignCountAsync(credential.id, credential.sign_count, count)) return Error(401, "The assertion raced another one; try again.");
            }
            catch (WebAuthnException ex)
            {
                await events.RecordAsync("2fa:failed", http, s.User.id, details: new { method = "webauthn", reason = ex.Message });
                return Error(401, ex.Message);
            }
            await store.MarkSessionTwoFactorAsync(s.Session.id_hash, DateTimeOffset.UtcNow);
            await events.RecordAsync("login:2fa", http, s.User.id, details: new { method = "webauthn", credential = credential.id });
            return Results.Json(new { message = "Signed in." });
        }));

        api.MapPost("/account/2fa/recovery-codes", (HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.Security, async s =>
        {
            var codes = await NewRecoveryCodesAsync(store, s.User.id);
            await events.RecordAsync("2fa:recovery-codes-regenerated", http, s.User.id);
            return Results.Json(new { recovery_codes = codes });
        }));

        // API tokens
        api.MapPost("/account/tokens", (TokenRequest body, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.Security, async s =>
        {
            var caveats = new List<string>();
            if (body.Projects is { Length: > 0 } projects)
            {
                if (projects.FirstOrDefault(p => !ProjectName.IsValid(p)) is { } bad) return Error(400, $"'{bad}' is not a valid project name.");
                caveats.Add(Macaroons.ProjectsCaveat(projects.Select(ProjectName.Normalize).Distinct()));
            }
            if (body.ExpiresInSeconds is { } seconds)
            {
                if (seconds <= 0) return Error(400, "expires_in_seconds must be positive.");
                caveats.Add(Macaroons.ExpiresCaveat(DateTimeOffset.UtcNow.AddSeconds(seconds)));
            }
            if (body.NotBefore is { } nbf) caveats.Add(Macaroons.NotBeforeCaveat(DateTimeOffset.FromUnixTimeSeconds(nbf)));
            var (row, secret) = await Tokens.IssueAsync(store, s.User.id, false, body.Description, caveats, null, DateTimeOffset.UtcNow);
            await events.RecordAsync("token:created", http, s.User.id, details: new { token = row.id, caveats });
            return Results.Json(new { id = row.id, token = secret, caveats }, statusCode: 201);
        }));

        api.MapGet("/account/tokens", (HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, Level.SignedIn, async s =>
            Results.Json((await store.UserMacaroonsAsync(s.User.id)).Select(t => new
            {
                t.id, t.description, caveats = System.Text.Json.JsonDocument.Parse(t.caveats).RootElement, t.created_at, t.last_used_at, t.revoked_at,
            }))));

        api.MapDelete("/account/tokens/{id}", (string id, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.Security, async s =>
        {
            var token = await store.MacaroonAsync(id);
            if (token is null || token.user_id != s.User.id || !await store.RevokeMacaroonAsync(id, DateTimeOffset.UtcNow)) return Error(404, $"No live token {id} of yours.");
            await events.RecordAsync("token:revoked", http, s.User.id, details: new { token = id });
            return Results.Json(new { message = $"Revoked token {id}." });
        }));

        api.MapGet("/account/events", (HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, Level.SignedIn, async s =>
            Results.Json((await store.EventsAsync(s.User.id, null, 500)).Select(SecurityEvents.Show))));

        // Project roles, publishers and history: owners only.
        api.MapPost("/projects/{project}/roles", (string project, RoleRequest body, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.Security, async s =>
        {
            var name = ProjectName.Normalize(project);
            if (await store.RoleAsync(name, s.User.id) != "owner") return Error(403, $"Only an owner of '{name}' can change its roles.");
            if (body.Role is not ("owner" or "maintainer")) return Error(400, "role must be owner or maintainer.");
            var other = await store.UserByNameAsync(body.Username ?? "");
            if (other is null) return Error(404, $"No user {body.Username}.");
            await store.SetRoleAsync(name, other.id, body.Role);
            await events.RecordAsync("project:role-added", http, s.User.id, name, new { user = other.username, role = body.Role });
            return Results.Json(new { message = $"{other.username} is now {body.Role} of {name}." });
        }));

        api.MapDelete("/projects/{project}/roles/{username}", (string project, string username, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.Security, async s =>
        {
            var name = ProjectName.Normalize(project);
            if (await store.RoleAsync(name, s.User.id) != "owner") return Error(403, $"Only an owner of '{name}' can change its roles.");
            var other = await store.UserByNameAsync(username);
            if (other is null || !await store.RemoveRoleAsync(name, other.id)) return Error(404, $"{username} has no role in {name}.");
            if ((await store.RolesAsync(name)).All(r => r.role != "owner")) { await store.SetRoleAsync(name, other.id, "owner"); return Error(409, "A project keeps at least one owner."); }
            await events.RecordAsync("project:role-removed", http, s.User.id, name, new { user = other.username });
            return Results.Json(new { message = $"Removed {other.username} from {name}." });
        }));

        api.MapPost("/projects/{project}/publishers", (string project, PublisherRequest body, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.Security, async s =>
        {
            var name = ProjectName.Normalize(project);
            if (await store.RoleAsync(name, s.User.id) != "owner") return Error(403, $"Only an owner of '{name}' can add trusted publishers.");
            if (ValidatePublisher(body) is { } invalid) return Error(400, invalid);
            var row = NewPublisher(body, s.User.id, name, null);
            await store.AddPublisherAsync(row);
            await events.RecordAsync("project:publisher-added", http, s.User.id, name, new { row.kind, row.repository, row.workflow, row.environment });
            return Results.Json(new { id = row.id, message = $"Trusted publisher {row.kind}:{row.repository} {row.workflow} added to {name}." }, statusCode: 201);
        }));

        api.MapDelete("/projects/{project}/publishers/{id}", (string project, string id, HttpContext http, Sessions sessions, AccountStore store, SecurityEvents events) => WithAsync(http, sessions, Level.Security, async s =>
        {
            var name = ProjectName.Normalize(project);
            if (await store.RoleAsync(name, s.User.id) != "owner") return Error(403, $"Only an owner of '{name}' can remove trusted publishers.");
            if (!await store.RemovePublisherAsync(id, name)) return Error(404, $"No publisher {id} on {name}.");
            await events.RecordAsync("project:publisher-removed", http, s.User.id, name, new { publisher = id });
            return Results.Json(new { message = "Publisher removed." });
        }));

        api.MapPost("/account/pending-publishers", (PublisherRequest body, HttpContext http, Sessions sessions, AccountStore store, IMetadataStore metadata, KillSwitches switches, SecurityEvents events) => WithAsync(http, sessions, Level.Security, async s =>
        {
            if (string.IsNullOrWhiteSpace(body.ProjectName) || !ProjectName.IsValid(body.ProjectName)) return Error(400, "project_name must be a valid project name.");
            if (await switches.BlocksAsync(SwitchNames.NoNewProjects) is { } off) return Error(503, off);
            var name = ProjectName.Normalize(body.ProjectName);
            if (await metadata.GetProjectAsync(name) is not null || await store.HasRolesAsync(name)) return Error(409, $"The project '{name}' already exists: add the publisher to it instead.");
            if (ValidatePublisher(body) is { } invalid) return Error(400, invalid);
            var row = NewPublisher(body, s.User.id, null, name);
            await store.AddPublisherAsync(row);
            await events.RecordAsync("account:pending-publisher-added", http, s.User.id, name, new { row.kind, row.repository, row.workflow });
            return Results.Json(new { id = row.id, message = $"Pending publisher added: the first publish from {row.repository} creates {name}." }, statusCode: 201);
        }));

        // Release approval: owners require it; owners and maintainers review, never their own upload (ReleaseApprovals).
        api.MapPut("/projects/{project}/approval", (string project, ApprovalSetting body, HttpContext http, Sessions sessions, AccountStore store, ReleaseApprovals approvals) => WithAsync(http, sessions, Level.Security, async s =>
        {
            var name = ProjectName.Normalize(project);
            if (await store.RoleAsync(name, s.User.id) != "owner") return Error(403, $"Only an owner of '{name}' can change its release approval setting.");
            if (body.Required is not { } required) return Error(400, "required must be true or false.");
            await approvals.SetRequiredAsync(name, required, http, s.User.id);
            return Results.Json(new { message = required ? $"Releases of {name} now need a second maintainer's approval before they are installable." : $"Releases of {name} no longer need approval; already staged ones still do." });
        }));

        api.MapGet("/projects/{project}/staged", (string project, HttpContext http, Sessions sessions, AccountStore store, ReleaseApprovals approvals, CancellationToken ct) => WithAsync(http, sessions, Level.SignedIn, async s =>
        {
            var name = ProjectName.Normalize(project);
            if (await store.RoleAsync(name, s.User.id) is not ("owner" or "maintainer")) return Error(403, $"Only an owner or maintainer of '{name}' can see its staged releases.");
            var shown = new List<object>();
            foreach (var release in await approvals.StagedAsync(name, ct)) shown.Add(await approvals.ShowAsync(release, ct));
            return Results.Json(new { project = name, approval_required = await approvals.RequiredAsync(name), staged = shown });
        }));

        // Reviewers download what they are asked to approve: the public file route answers 404 for staged files.
        api.MapGet("/projects/{project}/staged/{version}/files/{filename}", (string project, string version, string filename, HttpContext http, Sessions sessions, AccountStore store,
            IMetadataStore metadata, IBlobStore blobs, CancellationToken ct) => WithAsync(http, sessions, Level.SignedIn, async s =>
        {
            var name = ProjectName.Normalize(project);
            if (await store.RoleAsync(name, s.User.id) is not ("owner" or "maintainer")) return Error(403, $"Only an owner or maintainer of '{name}' can download its staged releases.");
            var file = await metadata.GetFileAsync(filename, ct);
            if (file is null || file.Project != name || file.State != FileState.Staged || !SameVersion(file.Version, version)) return Error(404, $"No staged file {filename} in {name} {version}.");
            var stream = blobs.OpenRead(file.Sha256);
            if (stream is null) return Error(500, $"The content of {filename} is missing from storage.");
            http.Response.Headers.CacheControl = "private, no-store";
            return Results.Stream(stream, Files.FileEndpoints.ContentTypeOf(filename), fileDownloadName: filename);
        }));

        api.MapPost("/projects/{project}/staged/{version}/approve", (string project, string version, HttpContext http, Sessions sessions, ReleaseApprovals approvals, CancellationToken ct) => WithAsync(http, sessions, Level.Security, async s =>
            Reviewed(await approvals.ApproveAsync(project, version, s.User, http, ct))));

        api.MapPost("/projects/{project}/staged/{version}/reject", (string project, string version, RejectRequest body, HttpContext http, Sessions sessions, ReleaseApprovals approvals, CancellationToken ct) => WithAsync(http, sessions, Level.Security, async s =>
            Reviewed(await approvals.RejectAsync(project, version, body.Reason, s.User, http, ct))));

        OrganisationEndpoints.Map(api);

        api.MapGet("/projects/{project}/events", (string project, HttpContext http, Sessions sessions, AccountStore store) => WithAsync(http, sessions, Level.SignedIn, async s =>
        {
            var name = ProjectName.Normalize(project);
            if (await store.RoleAsync(name, s.User.id) != "owner") return Error(403, $"Only an owner of '{name}' can read its history.");
            return Results.Json((await store.EventsAsync(null, name, 500)).Select(SecurityEvents.Show));
        }));
    }

    internal static async Task<IResult> WithAsync(HttpContext http, Sessions sessions, Level level, Func<SignedIn, Task<IResult>> action)
    {
        var (signedIn, error) = await sessions.ReadAsync(http.Request);
        if (error is not null) return Error(403, error);
        if (signedIn is null) return Error(401, "Sign in first (POST /_/account/login).");
        if (level != Level.TwoFactorPending && signedIn.HasTwoFactor && !signedIn.TwoFactorDone)
            return Error(401, "Finish signing in with your second factor (TOTP, security key or recovery code).");
        if (level == Level.Security && !signedIn.HasTwoFactor)
            return Error(403, "Changing security settings requires two-factor authentication: enable TOTP or a security key first.");
        return await action(signedIn);
    }

    private static bool SameVersion(string stored, string typed) =>
        stored == typed || (Moat.Packaging.Versions.PackageVersion.TryParse(typed, out var parsed) && parsed.ToString() == stored);

    public static IResult Reviewed(ReviewOutcome outcome) => outcome.Ok ? Results.Json(new { message = outcome.Message }) : Error(outcome.Status, outcome.Message);

    public static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static byte[] Bytes(string? base64Url) => Macaroons.FromBase64Url(base64Url ?? "") ?? throw new WebAuthnException("A field is not base64url.");

    private static string? _dummyHash;
    private static string DummyHash(SecurityOptions options) => _dummyHash ??= Passwords.Hash(Guid.NewGuid().ToString(), options.PasswordIterations);

    private static async Task SendVerificationAsync(AccountStore store, IMailSender mail, SecurityOptions options, UserRow user)
    {
        var token = Macaroons.Base64Url(RandomNumberGenerator.GetBytes(32));
        await store.AddEmailVerificationAsync(Sessions.Hash(token), user.id, DateTimeOffset.UtcNow.AddDays(2));
        await mail.SendAsync(user.email, "Verify your Moat account",
            $"Hello {user.username},\n\nconfirm your e-mail address with this token (valid 48 hours):\n\nverification-token: {token}\n\n" +
            $"POST {options.Origin.TrimEnd('/')}/_/account/verify-email with {{\"token\": \"{token}\"}}\n");
    }

    private static async Task<string[]> NewRecoveryCodesAsync(AccountStore store, string userId)
    {
        var codes = Enumerable.Range(0, 8).Select(_ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))).ToArray();
        await store.ReplaceRecoveryCodesAsync(userId, codes.Select(Sessions.Hash));
        return codes;
    }

    private static string NormalizeRecovery(string? code) => (code ?? "").Trim().Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();

    private static string? ValidatePublisher(PublisherRequest body)
    {
        if (body.Kind is not ("github" or "gitlab")) return "kind must be github or gitlab.";
        if (string.IsNullOrWhiteSpace(body.Repository) || body.Repository.Count(c => c == '/') < 1) return "repository must be OWNER/NAME (GitLab: NAMESPACE/PROJECT).";
        if (string.IsNullOrWhiteSpace(body.OwnerId) || !body.OwnerId.All(char.IsAsciiDigit)) return "owner_id must be the numeric owner (GitHub) or namespace (GitLab) id: it survives renames.";
        if (string.IsNullOrWhiteSpace(body.Workflow) || (body.Kind == "github" && (body.Workflow.Contains('/') || !(body.Workflow.EndsWith(".yml") || body.Workflow.EndsWith(".yaml")))))
            return "workflow must be the workflow file name (GitHub: release.yml) or CI file path (GitLab).";
        return null;
    }

    private static PublisherRow NewPublisher(PublisherRequest body, string userId, string? project, string? pending) => new()
    {
        id = Tokens.NewId(), project = project, pending_project = pending, kind = body.Kind!, repository = body.Repository!.Trim(), owner_id = body.OwnerId!.Trim(),
        workflow = body.Workflow!.Trim(), environment = (body.Environment ?? "").Trim().ToLowerInvariant(), created_by = userId, created_at = AccountStore.Text(DateTimeOffset.UtcNow),
    };
}
