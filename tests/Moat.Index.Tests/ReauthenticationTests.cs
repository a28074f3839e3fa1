using System.Net;
using System.Text.Json;

namespace Moat.Index.Tests;

/// <summary>
/// Security changes need proof from this session, recently: a second factor (or the password where there is none).
/// A session opened before a factor was enrolled ends with the enrolment; session ids rotate on log-in and when the
/// second factor completes.
/// </summary>
public sealed class ReauthenticationTests
{
    private static readonly TimeSpan PastTheWindow = TimeSpan.FromMinutes(16);

    [Fact]
    public async Task A_session_opened_with_the_password_before_two_factor_was_enrolled_ends_at_the_enrolment()
    {
        await using var index = await TestIndex.StartAsync();
        var early = await AccountClient.RegisterAsync(index, "alice", totp: false); // password only, no factor yet
        var later = new AccountClient(index, "alice", early.Password);
        await later.LoginAsync();
        var beforeEnrolment = later.Cookie;
        await later.EnableTotpAsync();
        Assert.NotEqual(beforeEnrolment, later.Cookie); // the enrolling session got a new id

        using var token = await early.PostAsync("/_/account/tokens", new { description = "from the old session" });
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
        using var removal = await early.SendAsync(HttpMethod.Delete, "/_/account/2fa/totp");
        Assert.Equal(HttpStatusCode.Unauthorized, removal.StatusCode);
        Assert.Empty(await index.Accounts.UserMacaroonsAsync((await index.Accounts.UserByNameAsync("alice"))!.id));
        Assert.Equal(HttpStatusCode.Created, (await later.PostAsync("/_/account/tokens", new { description = "fresh" })).StatusCode);
    }

    [Fact]
    public async Task Security_changes_after_the_window_need_the_second_factor_again_and_the_reauth_endpoint_gives_it()
    {
        await using var index = await TestIndex.StartAsync();
        var bob = await AccountClient.RegisterAsync(index, "bob");
        await index.Accounts.SetRoleAsync("bobs-lib", (await index.Accounts.UserByNameAsync("bob"))!.id, "owner");
        index.Clock.Advance(PastTheWindow);

        var sensitive = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Post, "/_/account/tokens", new { description = "x" }),
            (HttpMethod.Delete, "/_/account/2fa/totp", null),
            (HttpMethod.Post, "/_/account/2fa/recovery-codes", new { }),
            (HttpMethod.Post, "/_/account/2fa/webauthn/register/begin", new { }),
            (HttpMethod.Post, "/_/account/password", new { currentPassword = bob.Password, newPassword = "quiet-Meadow-violin-77" }),
            (HttpMethod.Post, "/_/projects/bobs-lib/publishers", new { kind = "github", repository = "bob/lib", ownerId = "1", workflow = "release.yml" }),
            (HttpMethod.Post, "/_/projects/bobs-lib/roles", new { username = "bob", role = "owner" }),
            (HttpMethod.Post, "/_/account/delete", new { confirmUsername = "bob" }),
        };
        foreach (var (method, path, body) in sensitive)
        {
            using var refused = await bob.SendAsync(method, path, body);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {refused.StatusCode}");
            var json = await AccountClient.JsonAsync(refused);
            Assert.Equal("/_/account/reauth", json.GetProperty("reauthenticate").GetString());
            Assert.Contains("second factor again", json.GetProperty("error").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await bob.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode); // reading is fine

        using (var password = await bob.PostAsync("/_/account/reauth", new { password = bob.Password }))
            Assert.Equal(HttpStatusCode.BadRequest, password.StatusCode); // a password is not a second factor
        var cookie = bob.Cookie;
        using (var reauth = await bob.PostAsync("/_/account/reauth", new { code = bob.NextCode() }))
            Assert.Equal(HttpStatusCode.OK, reauth.StatusCode);
        Assert.NotEqual(cookie, bob.Cookie); // the factor rotated the session id
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsync("/_/account/tokens", new { description = "after reauth" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsync("/_/projects/bobs-lib/publishers",
            new { kind = "github", repository = "bob/lib", ownerId = "1", workflow = "release.yml" })).StatusCode);

        index.Clock.Advance(PastTheWindow);
        var codes = await RecoveryCodesAfterReauthAsync(bob);
        index.Clock.Advance(PastTheWindow);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(HttpMethod.Delete, "/_/account/2fa/totp")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync("/_/account/reauth", new { recoveryCode = codes[0] })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.SendAsync(HttpMethod.Delete, "/_/account/2fa/totp")).StatusCode);
    }

    [Fact]
    public async Task Without_a_second_factor_the_password_reauthenticates_and_wrong_ones_count_as_failures()
    {
        await using var index = await TestIndex.StartAsync();
        var carl = await AccountClient.RegisterAsync(index, "carl", totp: false);
        index.Clock.Advance(PastTheWindow);

        using (var refused = await carl.PostAsync("/_/account/2fa/totp/begin"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("needs your password again", (await AccountClient.JsonAsync(refused)).GetProperty("error").GetString());
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await carl.PostAsync("/_/account/reauth", new { password = "not-the-password-1" })).StatusCode);
        Assert.Equal(1, (await index.Accounts.UserByNameAsync("carl"))!.failed_logins);
        Assert.Equal(HttpStatusCode.OK, (await carl.PostAsync("/_/account/reauth", new { password = carl.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await carl.PostAsync("/_/account/2fa/totp/begin")).StatusCode);
    }

    [Fact]
    public async Task Logging_in_and_completing_the_second_factor_each_give_a_new_session_id_and_end_the_old_one()
    {
        await using var index = await TestIndex.StartAsync();
        var dora = await AccountClient.RegisterAsync(index, "dora");
        var signedIn = dora.Cookie;
        await dora.LoginAsync(); // logging in again from the same browser replaces its session
        var passwordOnly = dora.Cookie;
        Assert.NotEqual(signedIn, passwordOnly);
        Assert.Equal(HttpStatusCode.OK, (await dora.PostAsync("/_/account/2fa/totp/verify", new { code = dora.NextCode() })).StatusCode);
        var complete = dora.Cookie;
        Assert.NotEqual(passwordOnly, complete);

        foreach (var old in new[] { signedIn, passwordOnly })
        {
            dora.Cookie = old;
            Assert.Equal(HttpStatusCode.Unauthorized, (await dora.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode);
        }
        dora.Cookie = complete;
        Assert.Equal(HttpStatusCode.OK, (await dora.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode);
    }

    private static async Task<string[]> RecoveryCodesAfterReauthAsync(AccountClient client)
    {
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/_/account/reauth", new { code = client.NextCode() })).StatusCode);
        using var response = await client.PostAsync("/_/account/2fa/recovery-codes");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await AccountClient.JsonAsync(response)).GetProperty("recovery_codes").EnumerateArray().Select(c => c.GetString()!)];
    }
}
