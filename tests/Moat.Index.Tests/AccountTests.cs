using System.Net;
using System.Text.Json;
using Moat.Index.Auth;
using Moat.Testing;

namespace Moat.Index.Tests;

public sealed class AccountTests
{
    [Fact]
    public async Task Register_verify_enable_totp_create_token_and_upload()
    {
        await using var index = await TestIndex.StartAsync();
        var alice = await AccountClient.RegisterAsync(index, "alice");
        var token = await alice.CreateTokenAsync(["alpha"]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "1.0")).StatusCode);
        // The first upload of a new project made alice its owner; her token is scoped to alpha only.
        Assert.Equal("owner", await index.Accounts.RoleAsync("alpha", (await index.Accounts.UserByNameAsync("alice"))!.Id));
        using var elsewhere = await index.UploadWheelAsync(token, "beta", "1.0");
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);
        Assert.Contains("scoped to 'alpha'", elsewhere.ReasonPhrase);

        using var list = await alice.SendAsync(HttpMethod.Get, "/_/account/tokens");
        var listed = (await AccountClient.JsonAsync(list))[0];
        Assert.False(listed.GetProperty("last_used_at").ValueKind == JsonValueKind.Null); // last-used tracking
        Assert.DoesNotContain(token, await list.Content.ReadAsStringAsync()); // never shown again

        using var events = await alice.SendAsync(HttpMethod.Get, "/_/account/events");
        var kinds = (await AccountClient.JsonAsync(events)).EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("account:created", kinds);
        Assert.Contains("2fa:totp-added", kinds);
        Assert.Contains("token:created", kinds);
        Assert.Contains("file:upload", kinds);
    }

    [Fact]
    public async Task Weak_passwords_duplicate_names_and_bad_addresses_are_refused()
    {
        await using var index = await TestIndex.StartAsync();
        var client = new AccountClient(index, "bob", "x");
        using var weak = await client.PostAsync("/_/account/register", new { username = "bob", email = "bob@example.com", password = "password1!" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("common or breached", await weak.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/_/account/register", new { username = "bob", email = "not-an-address", password = "blue-Harbor-lantern-42" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/_/account/register", new { username = "bob", email = "bob@example.com", password = "blue-Harbor-lantern-42" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync("/_/account/register", new { username = "BOB", email = "b@example.com", password = "blue-Harbor-lantern-42" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/_/account/verify-email", new { token = "forged" })).StatusCode);
    }

    [Fact]
    public async Task State_changing_session_requests_need_the_csrf_token_and_same_origin()
    {
        await using var index = await TestIndex.StartAsync();
        var dave = await AccountClient.RegisterAsync(index, "dave");
        using var noCsrf = await dave.SendAsync(HttpMethod.Post, "/_/account/tokens", new { description = "x" }, csrf: false);
        Assert.Equal(HttpStatusCode.Forbidden, noCsrf.StatusCode);
        Assert.Contains("CSRF", await noCsrf.Content.ReadAsStringAsync());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/_/account/tokens") { Content = System.Net.Http.Json.JsonContent.Create(new { description = "x" }) };
        request.Headers.Add("Cookie", dave.Cookie);
        request.Headers.Add("X-CSRF-Token", dave.Csrf);
        request.Headers.Add("Origin", "https://evil.invalid");
        Assert.Equal(HttpStatusCode.Forbidden, (await index.Client.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await dave.PostAsync("/_/account/tokens", new { description = "x" })).StatusCode);
    }

    [Fact]
    public async Task Cookies_are_httponly_samesite_strict_and_secure_behind_https()
    {
        await using var index = await TestIndex.StartAsync(o => o with { Urls = "https://127.0.0.1:8443", Security = o.Security with { Origin = "https://moat.example.com" } });
        var client = new AccountClient(index, "erin", "blue-Harbor-lantern-42");
        await client.PostAsync("/_/account/register", new { username = "erin", email = "erin@example.com", password = client.Password });
        using var login = await client.PostAsync("/_/account/login", new { username = "erin", password = client.Password });
        var cookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("__Host-moat-session=", cookie);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Second_factor_gates_the_session_and_totp_codes_are_single_use()
    {
        await using var index = await TestIndex.StartAsync();
        var frank = await AccountClient.RegisterAsync(index, "frank");
        frank.Cookie = null;
        using var login = await frank.LoginAsync();
        Assert.True((await AccountClient.JsonAsync(login)).GetProperty("two_factor_required").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await frank.PostAsync("/_/account/tokens", new { description = "x" })).StatusCode);
        var code = frank.NextCode();
        Assert.Equal(HttpStatusCode.OK, (await frank.PostAsync("/_/account/2fa/totp/verify", new { code })).StatusCode);
        // Same code in another session: replay refused.
        frank.Cookie = null;
        await frank.LoginAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await frank.PostAsync("/_/account/2fa/totp/verify", new { code })).StatusCode);
    }

    [Fact]
    public async Task Password_change_needs_the_current_password_refuses_weak_ones_and_signs_out_other_sessions()
    {
        await using var index = await TestIndex.StartAsync();
        var hana = await AccountClient.RegisterAsync(index, "hana", totp: false);
        var other = new AccountClient(index, "hana", hana.Password);
        await other.LoginAsync(); // a second browser

        using var wrong = await hana.PostAsync("/_/account/password", new { currentPassword = "not-the-password-9", newPassword = "quiet-Meadow-violin-77" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("current password is wrong", await wrong.Content.ReadAsStringAsync());
        using var weak = await hana.PostAsync("/_/account/password", new { currentPassword = hana.Password, newPassword = "password1!" });
        Assert.Contains("common or breached", await weak.Content.ReadAsStringAsync());

        using var changed = await hana.PostAsync("/_/account/password", new { currentPassword = hana.Password, newPassword = "quiet-Meadow-violin-77" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        hana.Csrf = (await AccountClient.JsonAsync(changed)).GetProperty("csrf_token").GetString();
        Assert.Equal(HttpStatusCode.OK, (await hana.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode); // this browser got a fresh session
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode); // the other one is signed out
        Assert.Equal(HttpStatusCode.Unauthorized, (await new AccountClient(index, "hana", hana.Password).LoginAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await new AccountClient(index, "hana", "x").LoginAsync("quiet-Meadow-violin-77")).StatusCode);
        Assert.Contains(index.MailTo("hana@example.com"), m => m.Contains("password of your Moat account was changed", StringComparison.Ordinal));
        var kinds = (await index.Accounts.EventsAsync((await index.Accounts.UserByNameAsync("hana"))!.Id, null, 50)).Select(e => e.Kind).ToList();
        Assert.Contains("account:password-change-failed", kinds);
        Assert.Contains("account:password-changed", kinds);
    }

    [Fact]
    public async Task Pending_publishers_are_listed_and_removed_by_their_creator_only()
    {
        await using var index = await TestIndex.StartAsync();
        var ivan = await AccountClient.RegisterAsync(index, "ivan");
        var judy = await AccountClient.RegisterAsync(index, "judy");
        using var added = await ivan.PostAsync("/_/account/pending-publishers",
            new { kind = "github", repository = "ivan/newproj", ownerId = "1234", workflow = "release.yml", projectName = "newproj" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var id = (await AccountClient.JsonAsync(added)).GetProperty("id").GetString()!;
        var ivanId = (await index.Accounts.UserByNameAsync("ivan"))!.Id;
        Assert.Equal("newproj", Assert.Single(await index.Accounts.PendingPublishersAsync(ivanId)).PendingProject);

        Assert.Equal(HttpStatusCode.NotFound, (await judy.SendAsync(HttpMethod.Delete, $"/_/account/pending-publishers/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ivan.SendAsync(HttpMethod.Delete, $"/_/account/pending-publishers/{id}")).StatusCode);
        Assert.Empty(await index.Accounts.PendingPublishersAsync(ivanId));
    }

    [Fact]
    public async Task Recovery_codes_work_once()
    {
        await using var index = await TestIndex.StartAsync();
        var gina = await AccountClient.RegisterAsync(index, "gina", totp: false);
        var codes = await gina.EnableTotpAsync();
        gina.Cookie = null;
        await gina.LoginAsync();
        Assert.Equal(HttpStatusCode.OK, (await gina.PostAsync("/_/account/2fa/recovery", new { code = codes[0] })).StatusCode);
        gina.Cookie = null;
        await gina.LoginAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await gina.PostAsync("/_/account/2fa/recovery", new { code = codes[0] })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gina.PostAsync("/_/account/2fa/recovery", new { code = codes[1] })).StatusCode);
    }

    [Fact]
    public async Task Security_settings_need_two_factor_and_uploads_need_two_factor_and_a_verified_address()
    {
        await using var index = await TestIndex.StartAsync();
        var hal = await AccountClient.RegisterAsync(index, "hal", totp: false);
        using var refused = await hal.PostAsync("/_/account/tokens", new { description = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("two-factor", await refused.Content.ReadAsStringAsync());

        // A token issued while hal had 2FA stops working for uploads if 2FA is removed.
        await hal.EnableTotpAsync();
        var token = await hal.CreateTokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await hal.SendAsync(HttpMethod.Delete, "/_/account/2fa/totp")).StatusCode);
        using var upload = await index.UploadWheelAsync(token, "halpkg", "1.0");
        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
        Assert.Contains("Two-factor authentication is required", upload.ReasonPhrase);

        var ivy = await AccountClient.RegisterAsync(index, "ivy", verify: false);
        using var unverified = await index.UploadWheelAsync(await ivy.CreateTokenAsync(), "ivypkg", "1.0");
        Assert.Contains("Verify your e-mail", unverified.ReasonPhrase);
    }

    [Fact]
    public async Task Maintainers_upload_strangers_do_not_and_critical_projects_need_a_security_key()
    {
        await using var index = await TestIndex.StartAsync();
        var owner = await AccountClient.RegisterAsync(index, "owner1");
        var stranger = await AccountClient.RegisterAsync(index, "stranger");
        var helper = await AccountClient.RegisterAsync(index, "helper");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(await owner.CreateTokenAsync(), "core", "1.0")).StatusCode);

        using var strange = await index.UploadWheelAsync(await stranger.CreateTokenAsync(), "core", "1.1");
        Assert.Equal(HttpStatusCode.Forbidden, strange.StatusCode);
        Assert.Contains("not an owner or maintainer", strange.ReasonPhrase);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync("/_/projects/core/roles", new { username = "stranger", role = "owner" })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsync("/_/projects/core/roles", new { username = "helper", role = "maintainer" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(await helper.CreateTokenAsync(), "core", "1.1")).StatusCode);

        Assert.True((await index.Admin.SetCriticalAsync("core", true)).Ok);
        using var critical = await index.UploadWheelAsync(await owner.CreateTokenAsync(), "core", "1.2");
        Assert.Equal(HttpStatusCode.Forbidden, critical.StatusCode);
        Assert.Contains("security key", critical.ReasonPhrase);

        using var history = await owner.SendAsync(HttpMethod.Get, "/_/projects/core/events");
        var kinds = (await AccountClient.JsonAsync(history)).EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("project:role-added", kinds);
        Assert.Equal(2, kinds.Count(k => k == "file:upload"));
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.SendAsync(HttpMethod.Get, "/_/projects/core/events")).StatusCode);
    }

    [Fact]
    public async Task Tokens_expire_can_be_attenuated_offline_and_revoked()
    {
        await using var index = await TestIndex.StartAsync();
        var jane = await AccountClient.RegisterAsync(index, "jane");
        var broad = await jane.CreateTokenAsync();
        var narrowed = Macaroons.Attenuate(broad, Macaroons.ProjectsCaveat(["one"]));
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(narrowed, "one", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(narrowed, "two", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(broad, "two", "1.0")).StatusCode);

        var expired = Macaroons.Attenuate(broad, Macaroons.ExpiresCaveat(DateTimeOffset.UtcNow.AddSeconds(-1)));
        using var late = await index.UploadWheelAsync(expired, "one", "1.1");
        Assert.Equal("The token has expired.", late.ReasonPhrase);
        var early = Macaroons.Attenuate(broad, Macaroons.NotBeforeCaveat(DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Equal("The token is not valid yet.", (await index.UploadWheelAsync(early, "one", "1.1")).ReasonPhrase);

        var id = Macaroons.Parse(broad)!.Id;
        Assert.Equal(HttpStatusCode.OK, (await jane.SendAsync(HttpMethod.Delete, $"/_/account/tokens/{id}")).StatusCode);
        using var revoked = await index.UploadWheelAsync(narrowed, "one", "1.1"); // attenuated copies die with their parent
        Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
        Assert.Equal("The token has been revoked.", revoked.ReasonPhrase);
    }

    [Fact]
    public async Task Tokens_created_before_macaroons_keep_working()
    {
        await using var index = await TestIndex.StartAsync();
        var legacy = "moat-" + System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await index.Store.CreateTokenAsync(new Storage.TokenRecord("old1", "alpha", false, "pre-issue-9", DateTimeOffset.UtcNow, null), Tokens.Hash(legacy));
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(legacy, "alpha", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(legacy, "beta", "1.0")).StatusCode);
        Assert.True((await index.Admin.RevokeTokenAsync("old1")).Ok);
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(legacy, "alpha", "1.1")).StatusCode);
    }

    [Fact]
    public async Task Kill_switches_take_effect_at_once_with_their_reason()
    {
        await using var index = await TestIndex.StartAsync();
        var kim = await AccountClient.RegisterAsync(index, "kim");
        var token = await kim.CreateTokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "existing", "1.0")).StatusCode);

        await index.Admin.SetSwitchAsync("no-new-users", true, "registration flood");
        using var register = await new AccountClient(index, "lee", "x").PostAsync("/_/account/register", new { username = "lee", email = "lee@example.com", password = "blue-Harbor-lantern-42" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, register.StatusCode);
        Assert.Contains("registration flood", await register.Content.ReadAsStringAsync());
        Assert.Contains("registration flood", register.Headers.GetValues("Moat-Notice").Single());

        await index.Admin.SetSwitchAsync("no-new-projects", true, "spam wave");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await index.UploadWheelAsync(token, "brandnew", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "existing", "1.1")).StatusCode);

        await index.Admin.SetSwitchAsync("no-uploads", true, "incident 42");
        using var upload = await index.UploadWheelAsync(token, "existing", "1.2");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, upload.StatusCode);
        Assert.Contains("incident 42", upload.ReasonPhrase);

        await index.Admin.SetSwitchAsync("no-uploads", false, null);
        await index.Admin.SetSwitchAsync("read-only", true, "database migration");
        using var readOnly = await kim.PostAsync("/_/account/tokens", new { description = "x" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readOnly.StatusCode);
        Assert.Contains("database migration", await readOnly.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await index.Client.GetAsync("/simple/existing/")).StatusCode); // reads still work

        await index.Admin.SetSwitchAsync("read-only", false, null);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "existing", "1.2")).StatusCode);
        Assert.False((await index.Admin.SetSwitchAsync("everything-off", true, null)).Ok);
    }
}
