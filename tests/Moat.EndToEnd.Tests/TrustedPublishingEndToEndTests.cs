using System.Net;
using System.Net.Http.Json;
using Moat.Index.Accounts;
using Moat.Testing;

namespace Moat.EndToEnd.Tests;

/// <summary>Trusted Publishing end to end: a CI identity token from an issuer run by the test, exchanged at a real <c>moat serve</c>, used by twine.</summary>
public sealed class TrustedPublishingEndToEndTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-e2e", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Twine_uploads_with_a_token_minted_from_a_ci_identity_and_a_replayed_identity_is_refused()
    {
        await using var issuer = await TestIssuer.StartAsync();
        Directory.CreateDirectory(_root);
        var config = Path.Combine(_root, "moat.toml");
        File.WriteAllText(config, $"[security]\ngithub-issuer = \"{issuer.Url}\"\noidc-audience = \"moat-e2e\"\n");
        var data = Path.Combine(_root, "data");
        using var server = await MoatServer.StartAsync(data, config: config);

        // The project's publisher, as an owner would register it (the API path is covered by the index tests).
        var accounts = AccountStore.Open(Path.Combine(data, "moat.db"));
        await accounts.AddPublisherAsync(new TrustedPublisher(
            "p1", "moat-e2e-oidc", null, "github", "acme/oidc", "31337", "release.yml", "", "operator", DateTimeOffset.UtcNow));
        // Registering a publisher takes an owner of the project: the name is granted, so its first publish may create it.
        await accounts.SetRoleAsync("moat-e2e-oidc", "operator", "owner");

        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        var audience = (await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/_/oidc/audience")).GetProperty("audience").GetString();
        Assert.Equal("moat-e2e", audience);
        var jwt = issuer.Jwt(issuer.GitHubClaims("acme/oidc", "31337", "release.yml", audience: audience!));
        using var minted = await http.PostAsJsonAsync("/_/oidc/mint-token", new { token = jwt });
        Assert.True(minted.StatusCode == HttpStatusCode.OK, await minted.Content.ReadAsStringAsync());
        var token = (await minted.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("token").GetString()!;

        var dists = Tools.Build(Path.Combine(_root, "builds"), "moat-e2e-oidc", "1.0");
        var upload = Tools.Run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/",
            "-u", "__token__", "-p", token, .. dists]);
        Assert.True(upload.Exit == 0, upload.Output + upload.Error + server.Log);

        // The minted token is for this project only.
        var otherDists = Tools.Build(Path.Combine(_root, "other"), "moat-e2e-elsewhere", "1.0");
        var elsewhere = Tools.Run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/",
            "-u", "__token__", "-p", token, .. otherDists]);
        Assert.NotEqual(0, elsewhere.Exit);
        Assert.Contains("scoped to 'moat-e2e-oidc'", elsewhere.Output + elsewhere.Error);

        using var replay = await http.PostAsJsonAsync("/_/oidc/mint-token", new { token = jwt });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, replay.StatusCode);
        Assert.Contains("replayed jti", await replay.Content.ReadAsStringAsync());
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
