using System.Net;
using System.Text.Json;
using Moat.Index.Auth;

namespace Moat.Index.Tests;

/// <summary>Account API bodies are read strictly (an unknown field is a 400, never dropped) and token lifetimes are bounded.</summary>
public sealed class AccountBodyTests
{
    [Fact]
    public async Task Unknown_fields_are_refused_on_every_account_body_and_name_the_field()
    {
        await using var index = await TestIndex.StartAsync();
        var ana = await AccountClient.RegisterAsync(index, "ana");

        using var snake = await ana.PostAsync("/_/account/tokens", new { description = "x", expires_in_seconds = 60 });
        Assert.Equal(HttpStatusCode.BadRequest, snake.StatusCode);
        var error = (await AccountClient.JsonAsync(snake)).GetProperty("error").GetString();
        Assert.Contains("'expires_in_seconds'", error);
        Assert.Contains("expiresInSeconds", error); // what it should have been
        Assert.Empty(await index.Accounts.UserMacaroonsAsync((await index.Accounts.UserByNameAsync("ana"))!.Id)); // no token without the expiry

        Assert.Equal(HttpStatusCode.BadRequest, (await ana.PostAsync("/_/account/login", new { username = "ana", password = ana.Password, remember = true })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ana.PostAsync("/_/account/register", new { username = "ben", email = "ben@example.com", password = ana.Password, admin = true })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ana.PostAsync("/_/account/2fa/totp/verify", new { code = "123456", trust_device = true })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ana.PostAsync("/_/orgs", new { name = "acme", owner = "mallory" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ana.PostAsync("/_/account/tokens", new { description = "x", expiresInSeconds = "soon" })).StatusCode);
        Assert.Null(await index.Accounts.UserByNameAsync("ben"));
    }

    [Fact]
    public async Task Token_expiry_must_be_positive_and_bounded_and_not_before_must_be_sane()
    {
        await using var index = await TestIndex.StartAsync();
        var ana = await AccountClient.RegisterAsync(index, "ana");
        var longest = (long)new Moat.Index.Accounts.SecurityOptions().MaxTokenLifetime.TotalSeconds;
        var now = index.Clock.GetUtcNow().ToUnixTimeSeconds();

        foreach (var body in new object[]
        {
            new { expiresInSeconds = -60 }, new { expiresInSeconds = 0 }, new { expiresInSeconds = longest + 1 }, new { expiresInSeconds = long.MaxValue },
            new { notBefore = -1L }, new { notBefore = now + longest + 10 }, new { expiresInSeconds = 60L, notBefore = now + 3600 },
        })
        {
            using var refused = await ana.PostAsync("/_/account/tokens", body);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)}: {refused.StatusCode}");
        }
        Assert.Empty(await index.Accounts.UserMacaroonsAsync((await index.Accounts.UserByNameAsync("ana"))!.Id));

        using var created = await ana.PostAsync("/_/account/tokens", new { expiresInSeconds = 3600 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var caveats = (await AccountClient.JsonAsync(created)).GetProperty("caveats").EnumerateArray().Select(c => JsonDocument.Parse(c.GetString()!).RootElement).ToList();
        var exp = Assert.Single(caveats, c => c.TryGetProperty("exp", out _)).GetProperty("exp").GetInt64();
        Assert.InRange(exp - now, 3590, 3610);
    }

    [Fact]
    public async Task Disabling_a_user_revokes_their_tokens_and_sessions_so_enabling_them_gives_nothing_back()
    {
        await using var index = await TestIndex.StartAsync();
        var eve = await AccountClient.RegisterAsync(index, "eve");
        var token = await eve.CreateTokenAsync(["eves-lib"]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "eves-lib", "1.0")).StatusCode);

        Assert.True((await index.Admin.SetUserDisabledAsync("eve", true, reason: "compromised")).Ok);
        Assert.True((await index.Admin.SetUserDisabledAsync("eve", false)).Ok);

        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(token, "eves-lib", "1.1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await eve.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode);
        var user = (await index.Accounts.UserByNameAsync("eve"))!;
        Assert.All(await index.Accounts.UserMacaroonsAsync(user.Id), t => Assert.NotNull(t.RevokedAt));
        var disabled = Assert.Single(await index.Accounts.EventsAsync(user.Id, null, 100), e => e.Kind == "admin:user-disabled");
        var details = JsonDocument.Parse(disabled.Details!).RootElement;
        Assert.Equal(1, details.GetProperty("tokens_revoked").GetInt32());
        Assert.Equal(1, details.GetProperty("sessions_ended").GetInt32());
    }
}
