using System.Net;
using System.Net.Http.Json;
using Moat.Index.Auth;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// Every write endpoint × every kind of caller, with the status each must get. Session endpoints see callers as
/// sessions (a token is no login); upload and admin endpoints see them as tokens. The "right" caller goes last on
/// each row so the refusals before it are checked against unchanged state. The credential-less write endpoints
/// authenticate by their payload and have their own tests: <c>/_/oidc/mint-token</c> (a signed CI identity,
/// TrustedPublishingTests), <c>/_/secrets/disclose-token</c> (a signed partner report, DisclosureTests), and the
/// sign-in steps — register, verify-email, login, logout and the second-factor steps of a password-only session
/// (totp/verify, recovery, webauthn/assert/*) — in AccountTests and WebAuthnTests; totp/confirm and
/// webauthn/register/finish need the challenge their begin row opens and are covered there too.
/// </summary>
public sealed class AuthorizationMatrixTests
{
    private enum Caller { Anonymous, WrongUser, WrongProjectToken, ExpiredToken, NoTwoFactor, Right }

    private sealed record Row(string Method, string Path, object? Body, string Kind, Dictionary<Caller, int?> Expect);

    private sealed record Callers(AccountClient Alice, AccountClient Bob, AccountClient Nina, string AliceToken, string BobToken, string NinaToken,
        string WrongProjectToken, string ExpiredToken, string AdminToken, string OperatorProjectToken, string ExpiredAdminToken);

    private static Dictionary<Caller, int?> E(int anonymous, int? wrongUser, int wrongProject, int expired, int noTwoFactor, int right) => new()
    {
        [Caller.Anonymous] = anonymous, [Caller.WrongUser] = wrongUser, [Caller.WrongProjectToken] = wrongProject,
        [Caller.ExpiredToken] = expired, [Caller.NoTwoFactor] = noTwoFactor, [Caller.Right] = right,
    };

    [Fact]
    public async Task Every_write_endpoint_refuses_every_wrong_caller()
    {
        await using var index = await TestIndex.StartAsync();
        var alice = await AccountClient.RegisterAsync(index, "alice");
        var bob = await AccountClient.RegisterAsync(index, "bob");
        var nina = await AccountClient.RegisterAsync(index, "nina", totp: false);
        await AccountClient.RegisterAsync(index, "carl", totp: false);
        var aliceToken = await alice.CreateTokenAsync(["proj"]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(aliceToken, "proj", "0.1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(aliceToken, "proj", "0.2")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/_/projects/proj/roles", new { username = "carl", role = "maintainer" })).StatusCode);
        using var publisher = await alice.PostAsync("/_/projects/proj/publishers", new { kind = "github", repository = "acme/proj", ownerId = "1", workflow = "release.yml" });
        var publisherId = (await AccountClient.JsonAsync(publisher)).GetProperty("id").GetString();
        var spareToken = Macaroons.Parse(await alice.CreateTokenAsync())!.Id;
        var (ninaRow, ninaToken) = await Tokens.IssueAsync(index.Accounts, (await index.Accounts.UserByNameAsync("nina"))!.Id, false, "issued before 2FA policy", [], null, DateTimeOffset.UtcNow);
        _ = ninaRow;
        var admin = await index.TokenAsync(null, admin: true);
        var (_, spareLegacy, spareLegacyToken) = await index.Admin.CreateTokenAsync("proj", false, "spare");
        _ = spareLegacy;
        // Release approval: four releases staged by an operator token (no human uploader, so alice may approve them).
        await index.Accounts.SetApprovalRequiredAsync("proj", true);
        var operatorToken = await index.TokenAsync("proj");
        foreach (var staged in new[] { "0.3", "0.4", "0.5", "0.6" })
            Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(operatorToken, "proj", staged)).StatusCode);
        // Organisations: alice owns acme, which owns proj and has a team.
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsync("/_/orgs", new { name = "acme" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Put, "/_/orgs/acme/teams/ops", new { })).StatusCode);
        var callers = new Callers(alice, bob, nina, aliceToken, await bob.CreateTokenAsync(), ninaToken,
            await alice.CreateTokenAsync(["elsewhere"]), Macaroons.Attenuate(aliceToken, Macaroons.ExpiresCaveat(DateTimeOffset.UtcNow.AddMinutes(-1))),
            admin, await index.TokenAsync("proj"), Macaroons.Attenuate(admin, Macaroons.ExpiresCaveat(DateTimeOffset.UtcNow.AddMinutes(-1))));

        Row[] rows =
        [
            new("POST", "/legacy/", null, "upload", E(401, 403, 403, 403, 403, 200)),
            // Session endpoints: a token is not a session (401); bob acting on his own account is not "wrong" (null: skipped, said why).
            new("POST", "/_/account/tokens", new { description = "x" }, "session", E(401, null, 401, 401, 403, 201)),
            new("DELETE", $"/_/account/tokens/{spareToken}", null, "session", E(401, 404, 401, 401, 403, 200)),
            new("POST", "/_/projects/proj/roles", new { username = "nina", role = "maintainer" }, "session", E(401, 403, 401, 401, 403, 200)),
            new("DELETE", "/_/projects/proj/roles/carl", null, "session", E(401, 403, 401, 401, 403, 200)),
            new("POST", "/_/projects/proj/publishers", new { kind = "github", repository = "acme/proj", ownerId = "1", workflow = "other.yml" }, "session", E(401, 403, 401, 401, 403, 201)),
            new("DELETE", $"/_/projects/proj/publishers/{publisherId}", null, "session", E(401, 403, 401, 401, 403, 200)),
            new("POST", "/_/account/pending-publishers", new { projectName = "newproj", kind = "github", repository = "acme/new", ownerId = "1", workflow = "r.yml" }, "session", E(401, null, 401, 401, 403, 201)),
            new("POST", "/_/account/2fa/recovery-codes", null, "session", E(401, null, 401, 401, 403, 200)),
            // Enrolling a second factor is what a user without one must be able to do (no-2FA caller: 200); alice already has TOTP (409).
            new("POST", "/_/account/2fa/totp/begin", null, "session", E(401, null, 401, 401, 200, 409)),
            new("POST", "/_/account/2fa/webauthn/register/begin", null, "session", E(401, null, 401, 401, 200, 200)),
            new("PUT", "/_/projects/proj/approval", new { required = true }, "session", E(401, 403, 401, 401, 403, 200)),
            new("POST", "/_/projects/proj/staged/0.3/approve", null, "session", E(401, 403, 401, 401, 403, 200)),
            new("POST", "/_/projects/proj/staged/0.4/reject", new { reason = "x" }, "session", E(401, 403, 401, 401, 403, 200)),
            // Organisations: bob creating his own organisation is not "wrong" (null: skipped).
            new("POST", "/_/orgs", new { name = "neworg" }, "session", E(401, null, 401, 401, 403, 201)),
            new("PUT", "/_/projects/proj/organisation", new { organisation = "acme" }, "session", E(401, 403, 401, 401, 403, 200)),
            new("PUT", "/_/orgs/acme/members/carl", new { role = "member" }, "session", E(401, 403, 401, 401, 403, 200)),
            new("PUT", "/_/orgs/acme/teams/ops2", null, "session", E(401, 403, 401, 401, 403, 200)),
            new("PUT", "/_/orgs/acme/teams/ops/members/carl", null, "session", E(401, 403, 401, 401, 403, 200)),
            new("PUT", "/_/orgs/acme/teams/ops/projects/proj", new { role = "maintainer" }, "session", E(401, 403, 401, 401, 403, 200)),
            new("DELETE", "/_/orgs/acme/teams/ops/projects/proj", null, "session", E(401, 403, 401, 401, 403, 200)),
            new("DELETE", "/_/orgs/acme/teams/ops/members/carl", null, "session", E(401, 403, 401, 401, 403, 200)),
            new("DELETE", "/_/orgs/acme/members/carl", null, "session", E(401, 403, 401, 401, 403, 200)),
            // Admin API: only an admin token.
            new("POST", "/_admin/projects/proj/releases/0.1/yank", new { reason = "x" }, "admin", E(401, 403, 403, 403, 403, 200)),
            new("POST", "/_admin/projects/proj/releases/0.1/unyank", null, "admin", E(401, 403, 403, 403, 403, 200)),
            new("PUT", "/_admin/projects/proj/status", new { status = "active" }, "admin", E(401, 403, 403, 403, 403, 200)),
            new("DELETE", "/_admin/files/proj-0.2-py3-none-any.whl", null, "admin", E(401, 403, 403, 403, 403, 200)),
            new("POST", "/_admin/tokens", new { project = "proj" }, "admin", E(401, 403, 403, 403, 403, 201)),
            new("DELETE", $"/_admin/tokens/{spareLegacyToken!.Id}", null, "admin", E(401, 403, 403, 403, 403, 200)),
            new("PUT", "/_admin/switches/no-new-users", new { enabled = false }, "admin", E(401, 403, 403, 403, 403, 200)),
            new("PUT", "/_admin/users/carl/disabled", new { value = false }, "admin", E(401, 403, 403, 403, 403, 200)),
            new("PUT", "/_admin/projects/proj/critical", new { value = false }, "admin", E(401, 403, 403, 403, 403, 200)),
            new("PUT", "/_admin/projects/proj/roles", new { username = "carl", role = "maintainer" }, "admin", E(401, 403, 403, 403, 403, 200)),
            new("PUT", "/_admin/projects/proj/approval", new { value = true }, "admin", E(401, 403, 403, 403, 403, 200)),
            new("PUT", "/_admin/orgs/acme/members/carl", new { role = "member" }, "admin", E(401, 403, 403, 403, 403, 200)),
            new("POST", "/_admin/projects/proj/staged/0.5/approve", null, "admin", E(401, 403, 403, 403, 403, 200)),
            new("POST", "/_admin/projects/proj/staged/0.6/reject", new { reason = "x" }, "admin", E(401, 403, 403, 403, 403, 200)),
            // The proxy firewall's admin API: the right caller reaches the operation (404: no such proxied file here).
            new("PUT", "/_admin/proxy/allowlist/leftpad", new { reason = "x" }, "admin", E(401, 403, 403, 403, 403, 200)),
            new("DELETE", "/_admin/proxy/allowlist/leftpad", null, "admin", E(401, 403, 403, 403, 403, 200)),
            new("POST", "/_admin/proxy/files/leftpad-1.0-py3-none-any.whl/release", new { reason = "x" }, "admin", E(401, 403, 403, 403, 403, 404)),
            new("POST", "/_admin/proxy/files/leftpad-1.0-py3-none-any.whl/block", new { reason = "x" }, "admin", E(401, 403, 403, 403, 403, 404)),
            // Last: removes alice's TOTP.
            new("DELETE", "/_/account/2fa/totp", null, "session", E(401, null, 401, 401, 403, 200)),
        ];

        var failures = new List<string>();
        var version = 1;
        foreach (var row in rows)
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                if (row.Expect[caller] is not { } expected) continue;
                using var response = await SendAsync(index, row, caller, callers, version++);
                if ((int)response.StatusCode != expected)
                    failures.Add($"{row.Method} {row.Path} as {caller}: expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        Assert.Empty(failures);
    }

    private static async Task<HttpResponseMessage> SendAsync(TestIndex index, Row row, Caller caller, Callers c, int version)
    {
        if (row.Kind == "session")
        {
            var who = caller switch { Caller.WrongUser => c.Bob, Caller.NoTwoFactor => c.Nina, Caller.Right => c.Alice, _ => null };
            using var request = new HttpRequestMessage(new HttpMethod(row.Method), row.Path);
            if (row.Body is not null) request.Content = JsonContent.Create(row.Body);
            if (who is not null)
            {
                request.Headers.Add("Cookie", who.Cookie);
                request.Headers.Add("X-CSRF-Token", who.Csrf);
            }
            else if (caller is Caller.WrongProjectToken or Caller.ExpiredToken)
            {
                request.Headers.Authorization = new("Bearer", caller == Caller.WrongProjectToken ? c.WrongProjectToken : c.ExpiredToken);
            }
            return await index.Client.SendAsync(request);
        }

        string? token = row.Kind == "upload"
            ? caller switch
            {
                Caller.WrongUser => c.BobToken, Caller.WrongProjectToken => c.WrongProjectToken, Caller.ExpiredToken => c.ExpiredToken,
                Caller.NoTwoFactor => c.NinaToken, Caller.Right => c.AliceToken, _ => null,
            }
            : caller switch
            {
                Caller.WrongUser => c.BobToken, Caller.WrongProjectToken => c.OperatorProjectToken, Caller.ExpiredToken => c.ExpiredAdminToken,
                Caller.NoTwoFactor => c.NinaToken, Caller.Right => c.AdminToken, _ => null,
            };
        if (row.Kind == "upload")
        {
            var v = $"1.{version}";
            var form = TestDistributions.UploadForm("proj", v, TestDistributions.WheelFilename("proj", v), TestDistributions.Wheel("proj", v));
            using var upload = new HttpRequestMessage(HttpMethod.Post, row.Path) { Content = form };
            if (token is not null) upload.Headers.Authorization = TestIndex.Basic(token);
            return await index.Client.SendAsync(upload);
        }
        using var adminRequest = new HttpRequestMessage(new HttpMethod(row.Method), row.Path);
        if (row.Body is not null) adminRequest.Content = JsonContent.Create(row.Body);
        if (token is not null) adminRequest.Headers.Authorization = new("Bearer", token);
        return await index.Client.SendAsync(adminRequest);
    }
}
