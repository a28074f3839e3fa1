using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;
using Moat.Index.Auth;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// The authorization matrix: EVERY endpoint the index registers × every kind of caller, with the status each gets,
/// from one declaration (<see cref="Rows"/>). <see cref="Every_registered_endpoint_has_a_row_and_every_row_an_endpoint"/>
/// fails for an endpoint without a row, so a new endpoint cannot ship without saying who may call it.
///
/// Callers (<see cref="P"/>), each presenting what such a caller has — sessions a cookie and the CSRF header (plus the
/// form token on web forms), tokens <c>Authorization</c> (Basic <c>__token__</c> on <c>/legacy/</c>, Bearer elsewhere):
/// anon nothing; no2fa nina's password-only session (no second factor enrolled); user alice's session with TOTP (owner
/// of proj, of org acme); other bob's session with TOTP (no role anywhere); webadmin root's session with TOTP, listed in
/// <c>[security] admins</c> (the web Firewall/Admin pages' admin); disabled dave (maintainer of proj) disabled by an
/// admin after signing in: his old cookie, CSRF token and his old proj token all sent; ptok alice's token for proj;
/// otok alice's token for project "elsewhere"; atok alice's unscoped token ATTENUATED by its holder to projects
/// ["proj"] and an expiry an hour ahead (so it must act exactly like ptok); exp alice's proj token attenuated with an
/// expiry a minute ago; rev alice's proj token, revoked; admin an admin token; aadmin the admin token attenuated with
/// an expiry an hour ahead (still admin; its expired variant is <c>exp</c>'s case, covered for the admin API by
/// <see cref="AuthorizationMatrixTests"/>); tp a Trusted Publisher token minted from a GitHub identity for proj.
///
/// Expectations are written as "group=status" words applied left to right over the kind's default (<see cref="Defaults"/>):
/// groups are the caller names, <c>*</c>, <c>sessions</c> and <c>tokens</c>. In each row the callers expected to
/// succeed (status &lt; 400) go last, so every refusal is checked against unchanged state; rows that mutate get their
/// own resources, and a second succeeding caller on a mutating row may see the first one's effect (said per row).
/// The read rows run a second time on an index with <c>[security] read = "authenticated"</c>.
/// </summary>
public sealed partial class EndpointMatrixTests
{
    internal enum P { anon, no2fa, user, other, webadmin, disabled, ptok, otok, atok, exp, rev, admin, aadmin, tp }

    private static readonly P[] Sessions = [P.no2fa, P.user, P.other, P.webadmin, P.disabled];
    private static readonly P[] Tokens = [P.ptok, P.otok, P.atok, P.exp, P.rev, P.admin, P.aadmin, P.tp];

    /// <summary>What a kind of endpoint answers by default; rows override per caller.</summary>
    private static readonly Dictionary<string, string> Defaults = new()
    {
        // Open to everyone: health, metrics on loopback, static assets, rule docs, the sign-in pages.
        ["public"] = "*=200",
        // simple, files, repository pages, project pages: anonymous with the default read = anyone.
        ["read"] = "*=200",
        // The upload API: a token for the project; a session is no upload credential.
        ["upload"] = "*=403 anon=401 sessions=401 disabled=403 ptok=200 atok=200 tp=200 admin=200 aadmin=200", // admin tokens are operators' (IndexAuthorization: "admin or operator-issued")
        // The admin API: an admin token only.
        ["admin"] = "*=403 anon=401 sessions=401 disabled=403 admin=200 aadmin=200",
        // The account API: a signed-in session (a token is not a session: 401); a user without 2FA may not act.
        ["account"] = "*=401 no2fa=403 user=200 other=403 webadmin=403",
        // Signed-in pages: others are sent to the log-in page.
        ["page"] = "*=302 no2fa=200 user=200 other=200 webadmin=200",
        // Web admin pages and forms: a [security] admins session with its second factor.
        ["adminpage"] = "*=302 no2fa=403 user=403 other=403 webadmin=200",
        // Signed-in forms (sent with a valid form token); others go to the log-in page. A refusal by the operation re-renders
        // the form's page with the reason, deliberately as 200 (AccountPages.FormStatus); success is a redirect (302) or
        // a page showing a secret once (200). So 200 here means "past the sign-in gate", and rows whose right caller
        // gets a redirect say so.
        ["form"] = "*=302 no2fa=200 user=200 other=200 webadmin=200",
    };

    /// <param name="Method">As registered.</param>
    /// <param name="Pattern">The route pattern as registered (RouteEndpoint.RoutePattern.RawText).</param>
    /// <param name="Path">A concrete path for it, with {x} filled in from the fixture.</param>
    /// <param name="Body">JSON body (n: a counter, for bodies that must differ per request); "form:" bodies are form fields.</param>
    internal sealed record Row(string Kind, string Method, string Pattern, string? Path, string Expect = "", Func<Fixture, int, object?>? Body = null,
        string? AuthenticatedReads = null, string? Excluded = null);

    private static Row R(string kind, string method, string pattern, string? path = null, string expect = "", Func<Fixture, int, object?>? body = null, string? authReads = null) =>
        new(kind, method, pattern, path ?? pattern, expect, body, authReads);

    /// <summary>An endpoint the matrix does not call, with the reason; still a row, so it is never silent.</summary>
    private static Row X(string method, string pattern, string reason) => new("excluded", method, pattern, null, Excluded: reason);

    private static Func<Fixture, int, object?> J(object body) => (_, _) => body;
    private static Func<Fixture, int, object?> Form(params (string, string)[] fields) => (_, _) => new FormFields(fields);
    internal sealed record FormFields((string Name, string Value)[] Fields);

    internal static Row[] Rows(Fixture f) =>
    [
        // ---- Health, metrics, static files, payload-authenticated endpoints
        R("public", "GET", "/healthz"),
        R("public", "GET", "/metrics"),
        R("public", "GET", "/static/{file}", f.StaticAsset),
        R("public", "GET", "/_/oidc/audience"),
        // Authenticated by the payload (a signed CI identity / a signed partner report), not the caller: the same answer for everyone
        // (disclosure is off without a partner key list: 404; both are tested with valid payloads in TrustedPublishingTests, DisclosureTests).
        R("public", "POST", "/_/oidc/mint-token", expect: "*=422", body: J(new { token = "not-a-jwt" })),
        R("public", "POST", "/_/secrets/disclose-token", expect: "*=404", body: J(new[] { new { token = "x", type = "t", url = "u" } })),

        // ---- Reads (simple, files, repositories)
        R("read", "GET", "/simple/{**path}", "/simple/"),
        R("read", "HEAD", "/simple/{**path}", "/simple/proj/"),
        R("read", "GET", "/simple/{**path}", "/simple/proj/"),
        R("read", "GET", "/r/{repository}/simple/{**path}", "/r/hosted/simple/proj/"),
        R("read", "HEAD", "/r/{repository}/simple/{**path}", "/r/hosted/simple/proj/"),
        R("read", "GET", "/files/{sha256}/{filename}", f.FilePath),
        R("read", "HEAD", "/files/{sha256}/{filename}", f.FilePath),
        R("read", "GET", "/pypi/{project}/json", "/pypi/proj/json"),
        R("read", "HEAD", "/pypi/{project}/json", "/pypi/proj/json"),
        R("read", "GET", "/pypi/{project}/{version}/json", "/pypi/proj/0.1/json"),
        R("read", "HEAD", "/pypi/{project}/{version}/json", "/pypi/proj/0.1/json"),
        // proj's files carry no attestation: past the read gate, the Integrity API answers 404 for them.
        R("read", "GET", "/integrity/{project}/{version}/{filename}/provenance", $"/integrity/proj/0.1/{TestDistributions.WheelFilename("proj", "0.1")}/provenance", "*=404",
            authReads: "*=404 anon=401 exp=403 rev=403 disabled=403"),

        // ---- Upload (a fresh version per request)
        R("upload", "POST", "/legacy/"),

        // ---- Admin API
        R("admin", "GET", "/_admin/switches"),
        R("admin", "PUT", "/_admin/switches/{name}", "/_admin/switches/no-new-users", body: J(new { enabled = false })),
        R("admin", "GET", "/_admin/claims"),
        R("admin", "POST", "/_admin/claims/{project}/grant", "/_admin/claims/noclaim/grant", "", J(new { username = "carl", reason = "x" })),
        R("admin", "POST", "/_admin/claims/{project}/refuse", "/_admin/claims/noclaim/refuse", "admin=404 aadmin=404", J(new { username = "carl", reason = "x" })),
        R("admin", "GET", "/_admin/events"),
        R("admin", "GET", "/_admin/projects/{project}", "/_admin/projects/proj"),
        R("admin", "GET", "/_admin/projects/{project}/staged", "/_admin/projects/proj/staged"),
        R("admin", "POST", "/_admin/projects/{project}/releases/{version}/yank", "/_admin/projects/proj/releases/0.1/yank", body: J(new { reason = "x" })),
        R("admin", "POST", "/_admin/projects/{project}/releases/{version}/unyank", "/_admin/projects/proj/releases/0.1/unyank"),
        R("admin", "PUT", "/_admin/projects/{project}/status", "/_admin/projects/proj/status", body: J(new { status = "active" })),
        R("admin", "PUT", "/_admin/projects/{project}/critical", "/_admin/projects/proj/critical", body: J(new { value = false })),
        R("admin", "PUT", "/_admin/projects/{project}/roles", "/_admin/projects/proj/roles", body: J(new { username = "carl", role = "maintainer" })),
        R("admin", "PUT", "/_admin/projects/{project}/approval", "/_admin/projects/proj/approval", body: J(new { value = true })),
        R("admin", "PUT", "/_admin/projects/{project}/provenance", "/_admin/projects/proj/provenance", body: J(new { attestations = "optional" })),
        R("admin", "POST", "/_admin/projects/{project}/staged/{version}/approve", "/_admin/projects/proj/staged/0.5/approve", "aadmin=404"),
        R("admin", "POST", "/_admin/projects/{project}/staged/{version}/reject", "/_admin/projects/proj/staged/0.6/reject", "aadmin=404", J(new { reason = "x" })),
        R("admin", "PUT", "/_admin/orgs/{org}/members/{username}", "/_admin/orgs/acme/members/carl", body: J(new { role = "member" })),
        R("admin", "PUT", "/_admin/users/{username}/disabled", "/_admin/users/carl/disabled", body: J(new { value = false })),
        R("admin", "POST", "/_admin/tokens", body: J(new { project = "proj" }), expect: "admin=201 aadmin=201"),
        R("admin", "DELETE", "/_admin/tokens/{id}", $"/_admin/tokens/{f.SpareLegacyTokenId}", "aadmin=404"),
        R("admin", "GET", "/_admin/quarantine"),
        R("admin", "GET", "/_admin/files/{filename}", $"/_admin/files/{f.Filename02}", "admin=404 aadmin=404"), // not quarantined
        R("admin", "POST", "/_admin/files/{filename}/release", "/_admin/files/nothing-1.0-py3-none-any.whl/release", "admin=404 aadmin=404", J(new { reason = "x" })),
        R("admin", "POST", "/_admin/files/{filename}/block", "/_admin/files/nothing-1.0-py3-none-any.whl/block", "admin=404 aadmin=404", J(new { reason = "x" })),
        R("admin", "DELETE", "/_admin/files/{filename}", $"/_admin/files/{f.Filename02}", "aadmin=404"),
        R("admin", "GET", "/_admin/proxy/quarantine"),
        R("admin", "GET", "/_admin/proxy/files/{file}", "/_admin/proxy/files/leftpad-1.0-py3-none-any.whl", "admin=404 aadmin=404"),
        R("admin", "POST", "/_admin/proxy/files/{file}/release", "/_admin/proxy/files/leftpad-1.0-py3-none-any.whl/release", "admin=404 aadmin=404", J(new { reason = "x" })),
        R("admin", "POST", "/_admin/proxy/files/{file}/block", "/_admin/proxy/files/leftpad-1.0-py3-none-any.whl/block", "admin=404 aadmin=404", J(new { reason = "x" })),
        R("admin", "PUT", "/_admin/proxy/allowlist/{project}", "/_admin/proxy/allowlist/leftpad", body: J(new { reason = "x" })),
        R("admin", "DELETE", "/_admin/proxy/allowlist/{project}", "/_admin/proxy/allowlist/leftpad", "aadmin=404"),

        // ---- Account API: sign-in steps (no session needed)
        R("public", "POST", "/_/account/register", null, "*=201", body: (_, n) => new { username = $"reg{n}", email = $"reg{n}@example.com", password = "blue-Harbor-lantern-42" }),
        R("public", "POST", "/_/account/verify-email", null, "*=400", body: J(new { token = "wrong" })),
        R("public", "POST", "/_/account/login", null, "*=401", body: J(new { username = "alice", password = "wrong-password" })),
        // Password reset: the same answer for everyone (no account named here, so no mail); a wrong link is refused alike.
        R("public", "POST", "/_/account/password-reset", null, "*=200", body: J(new { usernameOrEmail = "nobody@example.com" })),
        R("public", "POST", "/_/account/password-reset/complete", null, "*=400", body: J(new { token = "wrong", newPassword = "another-Harbor-lantern-43" })),
        // Second steps need a session whose password step passed and whose factor is pending: nobody here (AccountTests,
        // WebAuthnTests drive them); a full session may assert a key again (re-authentication).
        R("account", "POST", "/_/account/2fa/totp/verify", null, "no2fa=409 user=401 other=401 webadmin=401", J(new { code = "000000" })),
        R("account", "POST", "/_/account/2fa/recovery", null, "no2fa=401 user=401 other=401 webadmin=401", J(new { code = "wrong" })),
        R("account", "POST", "/_/account/2fa/webauthn/assert/begin", null, "no2fa=200 other=200 webadmin=200"),
        R("account", "POST", "/_/account/2fa/webauthn/assert/finish", null, "no2fa=401 user=401 other=401 webadmin=401", J(new { })),
        // ---- Account API: the account
        R("account", "GET", "/_/account/me", null, "other=200 webadmin=200 no2fa=200"),
        R("account", "GET", "/_/account/events", null, "other=200 webadmin=200 no2fa=200"),
        R("account", "GET", "/_/account/tokens", null, "other=200 webadmin=200 no2fa=200"),
        R("account", "POST", "/_/account/tokens", null, "other=201 webadmin=201 user=201 stale=403", J(new { description = "x" })),
        R("account", "DELETE", "/_/account/tokens/{id}", $"/_/account/tokens/{f.SpareTokenId}", "other=404 webadmin=404"),
        // Past the gate, a wrong current password (400): a right one would rotate the caller's CSRF token.
        R("account", "POST", "/_/account/delete", null, "no2fa=400 user=400 other=400 webadmin=400 stale=403", body: J(new { confirmUsername = "not-my-name" })), // refused: wrong confirmation
        R("account", "POST", "/_/account/password", null, "no2fa=400 user=400 other=400 webadmin=400 stale=403", body: J(new { currentPassword = "wrong-password", newPassword = "another-Harbor-lantern-43" })),
        R("account", "POST", "/_/account/reauth", null, "no2fa=400 user=401 other=401 webadmin=401", J(new { code = "000000" })), // wrong code / no password: refused past the gate
        R("account", "POST", "/_/account/2fa/totp/begin", null, "no2fa=200 user=409 other=409 webadmin=409 stale=403"),
        R("account", "POST", "/_/account/2fa/totp/confirm", null, "no2fa=400 user=409 other=409 webadmin=409 stale=403", J(new { code = "000000" })),
        R("account", "POST", "/_/account/2fa/recovery-codes", null, "other=200 webadmin=200 stale=403"),
        R("account", "POST", "/_/account/2fa/webauthn/register/begin", null, "no2fa=200 other=200 webadmin=200 stale=403"),
        R("account", "POST", "/_/account/2fa/webauthn/register/finish", null, "no2fa=400 user=400 other=400 webadmin=400 stale=403", J(new { })),
        R("account", "DELETE", "/_/account/2fa/webauthn/{id}", "/_/account/2fa/webauthn/nokey", "user=404 other=404 webadmin=404 stale=403"),
        R("account", "GET", "/_/account/pending-publishers", null, "other=200 webadmin=200 no2fa=200"),
        R("account", "POST", "/_/account/pending-publishers", null, "other=201 webadmin=201 user=201 stale=403",
            (_, n) => new { projectName = $"newproj{n}", kind = "github", repository = $"acme/new{n}", ownerId = "1", workflow = "r.yml" }),
        R("account", "DELETE", "/_/account/pending-publishers/{id}", $"/_/account/pending-publishers/{f.PendingPublisherId}", "other=404 webadmin=404"),
        // ---- Account API: projects
        R("account", "GET", "/_/projects/{project}/events", "/_/projects/proj/events"),
        R("account", "POST", "/_/projects/{project}/roles", "/_/projects/proj/roles", "stale=403", body: J(new { username = "nina", role = "maintainer" })),
        R("account", "DELETE", "/_/projects/{project}/roles/{username}", "/_/projects/proj/roles/carl", ""),
        R("account", "GET", "/_/projects/{project}/publishers", "/_/projects/proj/publishers"),
        R("account", "POST", "/_/projects/{project}/publishers", "/_/projects/proj/publishers", "user=201 stale=403",
            J(new { kind = "github", repository = "acme/proj", ownerId = "1", workflow = "other.yml" })),
        R("account", "DELETE", "/_/projects/{project}/publishers/{id}", $"/_/projects/proj/publishers/{f.SparePublisherId}", ""),
        R("account", "PUT", "/_/projects/{project}/approval", "/_/projects/proj/approval", "", body: J(new { required = true })),
        R("account", "PUT", "/_/projects/{project}/provenance", "/_/projects/proj/provenance", "", body: J(new { attestations = "optional" })),
        // nina is a maintainer of proj by now (the roles row above): maintainers see staged releases, owners manage.
        R("account", "GET", "/_/projects/{project}/staged", "/_/projects/proj/staged", "no2fa=200"),
        R("account", "GET", "/_/projects/{project}/staged/{version}/files/{filename}", $"/_/projects/proj/staged/0.3/files/{TestDistributions.WheelFilename("proj", "0.3")}", "no2fa=200"),
        R("account", "POST", "/_/projects/{project}/staged/{version}/approve", "/_/projects/proj/staged/0.3/approve", ""),
        R("account", "POST", "/_/projects/{project}/staged/{version}/reject", "/_/projects/proj/staged/0.4/reject", "", body: J(new { reason = "x" })),
        // ---- Account API: organisations
        R("account", "POST", "/_/orgs", null, "other=201 webadmin=201 user=201", (_, n) => new { name = $"neworg{n}" }),
        R("account", "GET", "/_/orgs/{org}", "/_/orgs/acme", "no2fa=404 other=404 webadmin=404"), // not a member: not found
        R("account", "PUT", "/_/projects/{project}/organisation", "/_/projects/proj/organisation", "stale=403", body: J(new { organisation = "acme" })),
        R("account", "PUT", "/_/orgs/{org}/members/{username}", "/_/orgs/acme/members/carl", "stale=403", body: J(new { role = "member" })),
        R("account", "PUT", "/_/orgs/{org}/teams/{team}", "/_/orgs/acme/teams/ops2", "stale=403"),
        R("account", "PUT", "/_/orgs/{org}/teams/{team}/members/{username}", "/_/orgs/acme/teams/ops/members/carl", "stale=403"),
        R("account", "PUT", "/_/orgs/{org}/teams/{team}/projects/{project}", "/_/orgs/acme/teams/ops/projects/proj", "stale=403", body: J(new { role = "maintainer" })),
        R("account", "DELETE", "/_/orgs/{org}/teams/{team}/projects/{project}", "/_/orgs/acme/teams/ops/projects/proj", "stale=403"),
        R("account", "DELETE", "/_/orgs/{org}/teams/{team}/members/{username}", "/_/orgs/acme/teams/ops/members/carl", "stale=403"),
        R("account", "DELETE", "/_/orgs/{org}/members/{username}", "/_/orgs/acme/members/carl", "stale=403"),

        // ---- Web pages: public and browse
        R("public", "GET", "/"),
        R("public", "GET", "/rules"),
        R("public", "GET", "/rules/{id}", "/rules/NO-SUCH-RULE", "*=404"),
        R("read", "GET", "/projects", authReads: BrowserReads),
        R("read", "GET", "/projects/{name}", "/projects/proj", authReads: BrowserReads),
        R("read", "GET", "/projects/{name}/{version}", "/projects/proj/0.1", authReads: BrowserReads),
        // ---- Web pages: firewall and admin
        R("adminpage", "GET", "/firewall"),
        R("adminpage", "GET", "/firewall/uploads/{filename}", "/firewall/uploads/nothing-1.0-py3-none-any.whl", "webadmin=404"),
        R("adminpage", "GET", "/firewall/files/{sha256}", $"/firewall/files/{new string('0', 64)}", "webadmin=404"),
        R("adminpage", "POST", "/firewall/uploads/{filename}/release", "/firewall/uploads/nothing-1.0-py3-none-any.whl/release", "webadmin=404", body: Form(("reason", "x"))),
        R("adminpage", "POST", "/firewall/uploads/{filename}/block", "/firewall/uploads/nothing-1.0-py3-none-any.whl/block", "webadmin=404", body: Form(("reason", "x"))),
        R("adminpage", "POST", "/firewall/files/{sha256}/release", $"/firewall/files/{new string('0', 64)}/release", "webadmin=404", body: Form(("reason", "x"))),
        R("adminpage", "POST", "/firewall/files/{sha256}/block", $"/firewall/files/{new string('0', 64)}/block", "webadmin=404", body: Form(("reason", "x"))),
        R("adminpage", "POST", "/firewall/allowlist", null, "webadmin=302", body: Form(("project", "leftpad"), ("reason", "x"))),
        R("adminpage", "GET", "/admin"),
        R("adminpage", "POST", "/admin/switches", null, "webadmin=302", body: Form(("name", "no-new-users"), ("enabled", "false"))),
        R("adminpage", "POST", "/admin/users/disabled", null, "webadmin=302", body: Form(("username", "carl"), ("disabled", "false"))),
        R("adminpage", "POST", "/admin/projects/status", null, "webadmin=302", body: Form(("project", "proj"), ("status", "active"))),
        R("adminpage", "POST", "/admin/projects/roles", null, "webadmin=302", body: Form(("project", "proj"), ("username", "carl"), ("role", "maintainer"))),
        // ---- Web pages: account, signed out
        R("public", "GET", "/account/register"),
        R("public", "POST", "/account/register", null, "*=302", body: (_, n) => new FormFields([("username", $"web{n}"), ("email", $"web{n}@example.com"), ("password", "blue-Harbor-lantern-42")])),
        R("public", "GET", "/account/verify-email"),
        R("public", "POST", "/account/verify-email", body: Form(("token", "wrong"))),
        R("public", "GET", "/account/login", null, "no2fa=302 user=302 other=302 webadmin=302"), // signed in: on to the account
        R("public", "POST", "/account/login", body: Form(("username", "alice"), ("password", "wrong-password"))),
        R("public", "GET", "/account/password-reset"),
        R("public", "POST", "/account/password-reset", body: Form(("username_or_email", "nobody"))),
        R("public", "GET", "/account/password-reset/complete", "/account/password-reset/complete?token=wrong"), // the page says the link is unusable
        R("public", "POST", "/account/password-reset/complete", body: Form(("token", "wrong"), ("new_password", "another-Harbor-lantern-43"), ("confirm_password", "another-Harbor-lantern-43"))),
        R("public", "GET", "/account/login/second-factor", null, "*=302"), // nobody here has a pending second step
        R("form", "POST", "/account/login/totp", body: Form(("code", "000000"))),
        // Back-off after the wrong codes earlier rows sent (per account, 429).
        R("form", "POST", "/account/login/recovery", null, "user=429 other=429 webadmin=429", body: Form(("code", "wrong"))),
        R("form", "POST", "/account/login/key", body: Form(("assertion", "{}"))),
        // ---- Web pages: account, signed in
        R("page", "GET", "/account/"),
        R("page", "GET", "/account/password"),
        R("page", "GET", "/account/security"),
        R("page", "GET", "/account/tokens"),
        R("page", "GET", "/account/publishing"),
        R("page", "GET", "/account/history"),
        R("page", "GET", "/account/reauth"),
        R("form", "POST", "/account/reauth", body: Form(("code", "000000"))),
        R("form", "POST", "/account/verify-email/resend"),
        R("form", "POST", "/account/password", null, "stale=302", body: Form(("current", "wrong-password"), ("password", "another-Harbor-lantern-43"))),
        R("form", "POST", "/account/security/totp/begin", null, "no2fa=302 stale=302"),
        R("form", "POST", "/account/security/totp/confirm", null, "stale=302", body: Form(("code", "000000"))),
        R("form", "POST", "/account/security/recovery-codes", null, "stale=302"),
        R("form", "POST", "/account/security/keys", body: Form(("name", "k"), ("credential", "{}"))),
        R("form", "POST", "/account/security/keys/{id}/remove", "/account/security/keys/nokey/remove", "stale=302"),
        R("form", "POST", "/account/tokens", null, "stale=302", body: Form(("description", "web"))),
        R("form", "POST", "/account/tokens/{id}/revoke", $"/account/tokens/{f.SpareWebTokenId}/revoke", "user=302"),
        R("form", "POST", "/account/publishing", null, "user=302 stale=302", Form(("project", "proj"), ("kind", "github"), ("repository", "acme/proj"), ("owner_id", "1"), ("workflow", "web.yml"))),
        R("form", "POST", "/account/publishing/projects/{project}/{id}/remove", $"/account/publishing/projects/proj/{f.SpareWebPublisherId}/remove", "user=302"),
        R("form", "POST", "/account/publishing/pending", null, "user=302 other=302 webadmin=302 stale=302", (_, n) => new FormFields([("project_name", $"webnew{n}"), ("kind", "github"), ("repository", $"acme/webnew{n}"), ("owner_id", "1"), ("workflow", "r.yml")])),
        R("form", "POST", "/account/publishing/pending/{id}/remove", $"/account/publishing/pending/{f.SpareWebPendingId}/remove", "user=302"),
        // Project management: owners only (others see a 403 page, also when their form is refused); a refused action re-renders the page (200).
        R("public", "GET", "/account/projects/", expect: "*=302"),
        R("public", "GET", "/account/delete", expect: "*=302"),
        R("form", "POST", "/account/delete", null, "stale=302", Form(("confirm_username", "not-my-name"))), // refused (re-rendered): nobody's account goes
        R("public", "GET", "/account/email", expect: "*=302"),
        R("form", "POST", "/account/email", null, "stale=302", Form(("email", "not-an-address"))), // refused (re-rendered): alice keeps her verified address
        R("page", "GET", "/account/projects/{project}", "/account/projects/proj", "no2fa=403 other=403 webadmin=403"),
        R("form", "POST", "/account/projects/{project}/roles", "/account/projects/proj/roles", "no2fa=403 other=403 webadmin=403 user=302 stale=302", Form(("username", "carl"), ("role", "maintainer"))),
        R("form", "POST", "/account/projects/{project}/roles/{username}/remove", "/account/projects/proj/roles/nobody-here/remove", "no2fa=403 other=403 webadmin=403 stale=302"),
        R("form", "POST", "/account/projects/{project}/releases/{version}/yank", "/account/projects/proj/releases/9.9/yank", "no2fa=403 other=403 webadmin=403 stale=302", Form(("reason", "x"))),
        R("form", "POST", "/account/projects/{project}/releases/{version}/unyank", "/account/projects/proj/releases/9.9/unyank", "no2fa=403 other=403 webadmin=403 stale=302"),
        R("form", "POST", "/account/projects/{project}/approval", "/account/projects/proj/approval", "no2fa=403 other=403 webadmin=403 user=302 stale=302", Form(("required", "on"))),
        // ---- Last: these end what earlier rows rely on (alice's TOTP, every session).
        R("account", "DELETE", "/_/account/2fa/totp", null, "other=200 webadmin=200 stale=403"),
        R("form", "POST", "/account/security/totp/remove", null, "stale=302"),
        R("form", "POST", "/account/logout", null, "*=302"),
        R("public", "POST", "/_/account/logout"),
    ];

    /// <summary>The expected status of each caller on a row (its kind's default, then its own words).</summary>
    private static Dictionary<P, int> Expected(string defaults, string overrides)
    {
        var expected = new Dictionary<P, int>();
        foreach (var word in (defaults + " " + overrides).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (group, status) = (word[..word.IndexOf('=')], int.Parse(word[(word.IndexOf('=') + 1)..]));
            if (group == "stale") continue;
            P[] who = group switch { "*" => Enum.GetValues<P>(), "sessions" => Sessions, "tokens" => Tokens, _ => [Enum.Parse<P>(group)] };
            foreach (var p in who) expected[p] = status;
        }
        return expected;
    }

    /// <summary>Browser pages read the session only: a token is no sign-in there, so they go to the log-in page.</summary>
    private const string BrowserReads = "*=302 no2fa=200 user=200 other=200 webadmin=200";

    private static readonly string AuthenticatedReadDefault = "*=200 anon=401 exp=403 rev=403 disabled=403";

    [Fact]
    public async Task Every_registered_endpoint_has_a_row_and_every_row_an_endpoint()
    {
        await using var index = await TestIndex.StartAsync();
        var registered = RegisteredEndpoints(index);
        var declared = Rows(Fixture.Placeholder).Select(r => $"{r.Method} {r.Pattern}").ToHashSet(StringComparer.Ordinal);
        var missing = registered.Where(e => !declared.Contains(e)).Order(StringComparer.Ordinal).ToList();
        var stale = declared.Where(d => !registered.Contains(d)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0,
            (missing.Count > 0 ? "Endpoints without a row in EndpointMatrixTests.Rows (say who may call them):\n  " + string.Join("\n  ", missing) + "\n" : "")
            + (stale.Count > 0 ? "Rows whose endpoint is no longer registered:\n  " + string.Join("\n  ", stale) : ""));
    }

    /// <summary>"METHOD pattern" for every route endpoint and each of its methods ("*" when it takes any method).</summary>
    private static HashSet<string> RegisteredEndpoints(TestIndex index) =>
        index.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public async Task Every_endpoint_answers_every_caller_as_declared()
    {
        var failures = await RunAsync(authenticatedReads: false);
        Assert.True(failures.Count == 0, $"{failures.Count} cells of the authorization matrix differ:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task With_authenticated_reads_every_read_endpoint_answers_every_caller_as_declared()
    {
        var failures = await RunAsync(authenticatedReads: true);
        Assert.True(failures.Count == 0, $"{failures.Count} cells of the read matrix (read = authenticated) differ:\n" + string.Join("\n", failures));
    }

    /// <summary>
    /// Re-authentication: 16 minutes after the owner's second factor, every account row is sent again as the owner
    /// (the <c>user</c> caller). A row's <c>stale=</c> word is what a security-level action answers then — 403 from
    /// the API, a redirect to <c>/account/reauth</c> from a form — and every other row answers as it did.
    /// </summary>
    [Fact]
    public async Task After_the_reauthentication_window_the_owners_security_actions_ask_to_confirm_and_nothing_else_changes()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var index = await TestIndex.StartAsync(o => o with { Security = o.Security with { GitHubIssuer = issuer.Url, Admins = ["root"] } });
        var f = await Fixture.CreateAsync(index, issuer);
        index.Clock.Advance(TimeSpan.FromMinutes(16));
        var failures = new List<string>();
        var n = 0;
        foreach (var row in Rows(f).Where(r => r.Kind is "account" or "form" or "page"))
        {
            var stale = row.Expect.Split(' ').FirstOrDefault(w => w.StartsWith("stale=", StringComparison.Ordinal));
            var expected = stale is not null ? int.Parse(stale["stale=".Length..]) : Expected(Defaults[row.Kind], row.Expect)[P.user];
            using var response = await SendAsync(index, f, row, P.user, ++n, formToken: true);
            var where = response.Headers.Location?.OriginalString ?? "";
            if ((int)response.StatusCode != expected)
                failures.Add($"{row.Method} {row.Path}: expected {expected}, got {(int)response.StatusCode} {Snippet(await response.Content.ReadAsStringAsync())} {where}");
            else if (stale is not null && expected == 302 && !where.StartsWith("/account/reauth", StringComparison.Ordinal))
                failures.Add($"{row.Method} {row.Path}: expected a redirect to /account/reauth, got one to {where}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} rows differ for the owner's stale session:\n" + string.Join("\n", failures));
    }

    private static async Task<List<string>> RunAsync(bool authenticatedReads)
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var index = await TestIndex.StartAsync(o => o with
        {
            Security = o.Security with
            {
                GitHubIssuer = issuer.Url, Admins = ["root"],
                Read = authenticatedReads ? ReadAccess.Authenticated : ReadAccess.Anyone,
            },
        });
        var f = await Fixture.CreateAsync(index, issuer);
        var failures = new List<string>();
        var dump = new StringBuilder();
        var n = 0;
        foreach (var row in Rows(f))
        {
            if (row.Excluded is not null) continue;
            if (authenticatedReads && row.Kind != "read") continue;
            var expected = authenticatedReads
                ? Expected(AuthenticatedReadDefault, row.AuthenticatedReads ?? "")
                : Expected(Defaults[row.Kind], row.Expect);
            // Refusals first, then the callers who get through, then those who find the effect of an earlier one (404/409).
            var order = Enum.GetValues<P>().OrderBy(p => expected[p] switch { 404 or 409 => 2, < 400 => 1, _ => 0 }).ToList();
            var actual = new Dictionary<P, int>();
            var isForm = row.Body?.Invoke(f, 0) is FormFields || (row.Method == "POST" && row.Pattern.StartsWith('/') && !row.Pattern.StartsWith("/_", StringComparison.Ordinal) && row.Pattern != "/legacy/");
            if (isForm && !authenticatedReads)
            {
                // The form token is checked before anything else: the allowed caller without it is refused.
                var allowed = order.LastOrDefault(p => expected[p] < 400, order.Last());
                using var noToken = await SendAsync(index, f, row, allowed, ++n, formToken: false);
                if ((int)noToken.StatusCode != 400) failures.Add($"{row.Method} {row.Path} as {allowed} WITHOUT the form token: expected 400, got {(int)noToken.StatusCode}");
            }
            foreach (var p in order)
            {
                using var response = await SendAsync(index, f, row, p, ++n, formToken: true);
                actual[p] = (int)response.StatusCode;
                if (actual[p] != expected[p])
                {
                    var text = await response.Content.ReadAsStringAsync();
                    failures.Add($"{row.Method} {row.Path} as {p}: expected {expected[p]}, got {actual[p]} {Snippet(text)} {response.Headers.Location}");
                }
            }
            dump.AppendLine($"{row.Kind,-9} {row.Method,-6} {row.Path,-70} " + string.Join(" ", Enum.GetValues<P>().Select(p => $"{p}={actual[p]}")));
        }
        if (Environment.GetEnvironmentVariable("MOAT_MATRIX_DUMP") is { Length: > 0 } file) File.WriteAllText(file + (authenticatedReads ? ".reads" : ""), dump.ToString());
        return failures;
    }

    private static string Snippet(string text)
    {
        var m = Regex.Match(text, "\"error\"\\s*:\\s*\"([^\"]*)\"");
        if (m.Success) return m.Groups[1].Value;
        var title = Regex.Match(text, "<h1[^>]*>([^<]*)</h1>");
        if (title.Success) return title.Groups[1].Value;
        return text.Length > 100 ? text[..100] : text;
    }

    private static async Task<HttpResponseMessage> SendAsync(TestIndex index, Fixture f, Row row, P p, int n, bool formToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(row.Method), row.Path);
        var body = row.Body?.Invoke(f, n);
        var cookies = new List<string>();
        var isForm = body is FormFields || (row.Method == "POST" && !row.Path!.StartsWith("/_", StringComparison.Ordinal) && row.Path != "/legacy/");
        if (row.Pattern == "/legacy/")
        {
            var v = $"1.{n}";
            request.Content = TestDistributions.UploadForm("proj", v, TestDistributions.WheelFilename("proj", v), TestDistributions.Wheel("proj", v));
        }
        else if (isForm)
        {
            var fields = (body as FormFields)?.Fields.ToList() ?? [];
            if (formToken)
            {
                fields.Add(("__csrf", f.FormToken));
                cookies.Add(f.FormCookie);
            }
            request.Content = new FormUrlEncodedContent(fields.Select(x => new KeyValuePair<string, string>(x.Item1, x.Item2)));
        }
        else if (body is not null) request.Content = JsonContent.Create(body);

        if (f.Session(p) is { } session)
        {
            cookies.Add(session.Cookie!);
            request.Headers.Add("X-CSRF-Token", session.Csrf);
        }
        if (f.Token(p) is { } token)
            request.Headers.Authorization = row.Pattern == "/legacy/" ? TestIndex.Basic(token) : new AuthenticationHeaderValue("Bearer", token);
        if (cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", cookies));
        return await index.Client.SendAsync(request);
    }

    /// <summary>The callers and the resources the rows act on.</summary>
    internal sealed class Fixture
    {
        public static readonly Fixture Placeholder = new();
        public Dictionary<P, AccountClient> Sessions { get; } = [];
        public Dictionary<P, string> Tokens { get; } = [];
        public string StaticAsset { get; set; } = "/static/x";
        public string FilePath { get; set; } = "/files/x/y";
        public string Filename02 { get; } = TestDistributions.WheelFilename("proj", "0.2");
        public string SpareTokenId { get; set; } = "";
        public string SpareWebTokenId { get; set; } = "";
        public string SpareLegacyTokenId { get; set; } = "";
        public string SparePublisherId { get; set; } = "";
        public string SpareWebPublisherId { get; set; } = "";
        public string PendingPublisherId { get; set; } = "";
        public string SpareWebPendingId { get; set; } = "";
        public string FormToken { get; set; } = "";
        public string FormCookie { get; set; } = "";

        public AccountClient? Session(P p) => Sessions.GetValueOrDefault(p);
        public string? Token(P p) => Tokens.GetValueOrDefault(p);

        public static async Task<Fixture> CreateAsync(TestIndex index, TestIssuer issuer)
        {
            var f = new Fixture();
            var alice = await AccountClient.RegisterAsync(index, "alice");
            var bob = await AccountClient.RegisterAsync(index, "bob");
            var nina = await AccountClient.RegisterAsync(index, "nina", totp: false);
            var root = await AccountClient.RegisterAsync(index, "root");
            var dave = await AccountClient.RegisterAsync(index, "dave");
            await AccountClient.RegisterAsync(index, "carl", totp: false);
            var aliceToken = await alice.CreateTokenAsync(["proj"]);
            Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(aliceToken, "proj", "0.1")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(aliceToken, "proj", "0.2")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/_/projects/proj/roles", new { username = "carl", role = "maintainer" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/_/projects/proj/roles", new { username = "dave", role = "maintainer" })).StatusCode);
            // The Trusted Publisher the tp caller's token is minted from, and a spare one for the delete rows.
            Assert.Equal(HttpStatusCode.Created, (await alice.PostAsync("/_/projects/proj/publishers", new { kind = "github", repository = "acme/proj", ownerId = "4242", workflow = "release.yml" })).StatusCode);
            f.SparePublisherId = await IdAsync(await alice.PostAsync("/_/projects/proj/publishers", new { kind = "github", repository = "acme/proj", ownerId = "4242", workflow = "spare.yml" }));
            f.SpareWebPublisherId = await IdAsync(await alice.PostAsync("/_/projects/proj/publishers", new { kind = "github", repository = "acme/proj", ownerId = "4242", workflow = "spare-web.yml" }));
            f.PendingPublisherId = await IdAsync(await alice.PostAsync("/_/account/pending-publishers", new { projectName = "pend1", kind = "github", repository = "acme/pend1", ownerId = "1", workflow = "r.yml" }));
            f.SpareWebPendingId = await IdAsync(await alice.PostAsync("/_/account/pending-publishers", new { projectName = "pend2", kind = "github", repository = "acme/pend2", ownerId = "1", workflow = "r.yml" }));
            using (var minted = await index.Client.PostAsJsonAsync("/_/oidc/mint-token", new { token = issuer.Jwt(issuer.GitHubClaims("acme/proj", "4242", "release.yml")) }))
            {
                Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
                f.Tokens[P.tp] = (await AccountClient.JsonAsync(minted)).GetProperty("token").GetString()!;
            }
            f.SpareTokenId = Macaroons.Parse(await alice.CreateTokenAsync())!.Id;
            f.SpareWebTokenId = Macaroons.Parse(await alice.CreateTokenAsync())!.Id;
            var (_, _, legacy) = await index.Admin.CreateTokenAsync("proj", false, "spare");
            f.SpareLegacyTokenId = legacy!.Id;
            // Release approval: four releases staged by an operator token (no human uploader, so alice may review them).
            await index.Accounts.SetApprovalRequiredAsync("proj", true);
            var operatorToken = await index.TokenAsync("proj");
            foreach (var staged in new[] { "0.3", "0.4", "0.5", "0.6" })
                Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(operatorToken, "proj", staged)).StatusCode);
            await index.Accounts.SetApprovalRequiredAsync("proj", false);
            Assert.Equal(HttpStatusCode.Created, (await alice.PostAsync("/_/orgs", new { name = "acme" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Put, "/_/orgs/acme/teams/ops", new { })).StatusCode);

            f.Tokens[P.ptok] = aliceToken;
            f.Tokens[P.otok] = await alice.CreateTokenAsync(["elsewhere"]);
            f.Tokens[P.atok] = Macaroons.Attenuate(Macaroons.Attenuate(await alice.CreateTokenAsync(), Macaroons.ProjectsCaveat(["proj"])), Macaroons.ExpiresCaveat(DateTimeOffset.UtcNow.AddHours(1)));
            f.Tokens[P.exp] = Macaroons.Attenuate(aliceToken, Macaroons.ExpiresCaveat(DateTimeOffset.UtcNow.AddMinutes(-1)));
            var revoked = await alice.CreateTokenAsync(["proj"]);
            Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Delete, $"/_/account/tokens/{Macaroons.Parse(revoked)!.Id}")).StatusCode);
            f.Tokens[P.rev] = revoked;
            f.Tokens[P.admin] = await index.TokenAsync(null, admin: true);
            f.Tokens[P.aadmin] = Macaroons.Attenuate(f.Tokens[P.admin], Macaroons.ExpiresCaveat(DateTimeOffset.UtcNow.AddHours(1)));
            f.Tokens[P.disabled] = await dave.CreateTokenAsync(["proj"]);
            Assert.True((await index.Admin.SetUserDisabledAsync("dave", true)).Ok);

            f.Sessions[P.user] = alice;
            f.Sessions[P.other] = bob;
            f.Sessions[P.no2fa] = nina;
            f.Sessions[P.webadmin] = root;
            f.Sessions[P.disabled] = dave;

            var blob = (await index.Store.GetFileAsync(TestDistributions.WheelFilename("proj", "0.1")))!;
            f.FilePath = $"/files/{blob.Sha256}/{blob.Filename}";
            f.StaticAsset = Moat.Index.Web.WebAssets.Url("moat.css");
            // A form token for the web forms: the hidden field and the antiforgery cookie any page hands out.
            using var login = await index.Client.GetAsync("/account/login");
            var html = await login.Content.ReadAsStringAsync();
            f.FormToken = Regex.Match(html, "name=\"__csrf\" value=\"([^\"]+)\"").Groups[1].Value;
            f.FormCookie = login.Headers.GetValues("Set-Cookie").First(c => c.Contains("csrf", StringComparison.Ordinal)).Split(';')[0];
            Assert.NotEmpty(f.FormToken);
            return f;
        }

        private static async Task<string> IdAsync(HttpResponseMessage response)
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                return (await AccountClient.JsonAsync(response)).GetProperty("id").GetString()!;
            }
        }
    }
}
