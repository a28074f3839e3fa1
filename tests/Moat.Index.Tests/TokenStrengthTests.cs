using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Moat.Index.Auth;

namespace Moat.Index.Tests;

/// <summary>
/// A token only ever creates tokens at most as strong as itself, and a caveat the server cannot read is a refusal:
/// both against the running server.
/// </summary>
public sealed class TokenStrengthTests
{
    private static async Task<HttpResponseMessage> AdminAsync(TestIndex index, HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await index.Client.SendAsync(request);
    }

    private static async Task<(string Id, string Token)> CreateWithAsync(TestIndex index, string creator, object body)
    {
        using var created = await AdminAsync(index, HttpMethod.Post, "/_admin/tokens", creator, body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var json = await created.Content.ReadFromJsonAsync<JsonElement>();
        return (json.GetProperty("id").GetString()!, json.GetProperty("token").GetString()!);
    }

    [Fact]
    public async Task A_token_an_attenuated_admin_token_creates_keeps_its_expiry()
    {
        await using var index = await TestIndex.StartAsync();
        var clock = index.Clock;
        var admin = await index.TokenAsync(null, admin: true);
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        var shortLived = Macaroons.Attenuate(admin, Macaroons.ExpiresCaveat(expires));

        var (_, child) = await CreateWithAsync(index, shortLived, new { admin = true, description = "minted by a short-lived token" });
        var (_, upload) = await CreateWithAsync(index, shortLived, new { project = "widget" });
        // What the server put into the tokens: the parent's expiry, so neither outlives it.
        foreach (var minted in new[] { child, upload })
        {
            var caveats = Macaroons.Parse(minted)!.Caveats;
            Assert.Equal("The token has expired.", Macaroons.Check(caveats, new CaveatContext("widget", expires)));
        }
        Assert.Equal(HttpStatusCode.OK, (await AdminAsync(index, HttpMethod.Get, "/_admin/switches", child)).StatusCode);

        // And what the server does with them once the parent's expiry has passed.
        clock.Advance(TimeSpan.FromHours(2));
        using var late = await AdminAsync(index, HttpMethod.Get, "/_admin/switches", child);
        Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
        Assert.Contains("expired", await late.Content.ReadAsStringAsync());
        using var lateUpload = await index.UploadWheelAsync(upload, "widget", "1.0");
        Assert.Equal(HttpStatusCode.Forbidden, lateUpload.StatusCode);
        Assert.Contains("expired", lateUpload.ReasonPhrase + await lateUpload.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Revoking_a_token_revokes_every_token_created_with_it()
    {
        await using var index = await TestIndex.StartAsync();
        var operatorToken = await index.TokenAsync(null, admin: true);
        var leaked = await index.TokenAsync(null, admin: true);
        var leakedId = Macaroons.Parse(leaked)!.Id;
        // The thief mints a fresh admin token and, with it, a grandchild, hoping to outlive the revocation.
        var (_, child) = await CreateWithAsync(index, leaked, new { admin = true });
        var (_, grandchild) = await CreateWithAsync(index, child, new { project = "widget" });
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(grandchild, "widget", "1.0")).StatusCode);

        using var revoked = await AdminAsync(index, HttpMethod.Delete, $"/_admin/tokens/{leakedId}", operatorToken);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        using var refused = await AdminAsync(index, HttpMethod.Get, "/_admin/switches", child);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains(leakedId, await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(grandchild, "widget", "1.1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AdminAsync(index, HttpMethod.Get, "/_admin/switches", operatorToken)).StatusCode);
    }

    [Fact]
    public async Task A_token_created_with_a_token_records_it_and_gets_nothing_it_lacks()
    {
        await using var index = await TestIndex.StartAsync();
        var admin = await index.TokenAsync(null, admin: true);
        var row = (await index.Accounts.MacaroonAsync(Macaroons.Parse(admin)!.Id))!;
        Assert.Null(row.ParentId);
        var (childId, child) = await CreateWithAsync(index, admin, new { admin = true });
        Assert.Equal(row.Id, (await index.Accounts.MacaroonAsync(childId))!.ParentId);
        Assert.Empty(Macaroons.Parse(child)!.Caveats); // an unrestricted token creates an unrestricted one

        // The rule itself, for the caveats the admin API never lets through (a project-scoped token is no admin).
        var now = DateTimeOffset.UtcNow;
        var scoped = new IssuingToken("p", IsAdmin: true, [new ProjectsCaveat(["alpha"])]);
        Assert.Null(scoped.Refusal(admin: false, "alpha", now));
        Assert.Contains("scoped to 'alpha'", scoped.Refusal(admin: false, "beta", now));
        Assert.NotNull(scoped.Refusal(admin: true, null, now));
        Assert.Contains("Only an admin token", new IssuingToken("u", IsAdmin: false, []).Refusal(admin: true, null, now));
    }

    [Theory]
    [InlineData("{\"projects\":[1]}")]
    [InlineData("{\"projects\":[\"widget\",{\"x\":1}]}")]
    [InlineData("{\"projects\":\"widget\"}")]
    [InlineData("{\"exp\":\"tomorrow\"}")]
    [InlineData("{\"exp\":1.5e300}")]
    [InlineData("{\"nbf\":null}")]
    [InlineData("{\"exp\":99999999999,\"projects\":[\"widget\"]}")]
    [InlineData("[0,99999999999]")]
    [InlineData("{\"ip\":\"10.0.0.1\"}")]
    [InlineData("not json")]
    public async Task A_malformed_caveat_is_a_refusal_never_a_server_error(string caveat)
    {
        await using var index = await TestIndex.StartAsync();
        var admin = await index.TokenAsync(null, admin: true);
        var upload = await index.TokenAsync("widget");
        // Anyone holding a token can append any caveat offline and re-sign the chain: the server must read it safely.
        Assert.Throws<ArgumentException>(() => Macaroons.Attenuate(upload, caveat));
        var badAdmin = AppendUnchecked(admin, caveat);
        var badUpload = AppendUnchecked(upload, caveat);

        using var adminCall = await AdminAsync(index, HttpMethod.Get, "/_admin/switches", badAdmin);
        Assert.Equal(HttpStatusCode.Forbidden, adminCall.StatusCode);
        using var uploadCall = await index.UploadWheelAsync(badUpload, "widget", "1.0");
        Assert.Equal(HttpStatusCode.Forbidden, uploadCall.StatusCode);
        Assert.Contains("caveat", uploadCall.ReasonPhrase + await uploadCall.Content.ReadAsStringAsync());
        using var mint = await AdminAsync(index, HttpMethod.Post, "/_admin/tokens", badAdmin, new { project = "widget" });
        Assert.Equal(HttpStatusCode.Forbidden, mint.StatusCode);
        // The untouched tokens still work: the refusal was the caveat's.
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(upload, "widget", "1.0")).StatusCode);
    }

    /// <summary>What a client can always do: extend the HMAC chain with any text, bypassing <see cref="Macaroons.Attenuate(string, string)"/>'s check.</summary>
    private static string AppendUnchecked(string token, string caveat)
    {
        var m = Macaroons.Parse(token)!;
        var signature = HMACSHA256.HashData(m.Signature, Encoding.UTF8.GetBytes(caveat));
        return Macaroons.Serialize(new Macaroon(m.Id, [.. m.Caveats, caveat], signature));
    }
}
