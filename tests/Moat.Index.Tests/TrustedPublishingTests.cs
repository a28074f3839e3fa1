using Moat.Packaging;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Moat.Testing;

namespace Moat.Index.Tests;

public sealed class TrustedPublishingTests
{
    private static async Task<(TestIssuer Issuer, TestIndex Index)> StartAsync()
    {
        var issuer = await TestIssuer.StartAsync();
        var index = await TestIndex.StartAsync(o => o with { Security = o.Security with { GitHubIssuer = issuer.Url } });
        return (issuer, index);
    }

    private static async Task<HttpResponseMessage> MintAsync(TestIndex index, string jwt) =>
        await index.Client.PostAsJsonAsync("/_/oidc/mint-token", new { token = jwt });

    private static async Task<AccountClient> OwnerWithPublisherAsync(TestIndex index, string project, string? environment = null)
    {
        var owner = await AccountClient.RegisterAsync(index, "owner");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(await owner.CreateTokenAsync(), project, "0.1")).StatusCode);
        using var added = await owner.PostAsync($"/_/projects/{project}/publishers",
            new { kind = "github", repository = "acme/widget", ownerId = "4242", workflow = "release.yml", environment });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        return owner;
    }

    [Fact]
    public async Task A_ci_identity_token_mints_a_15_minute_project_token_once()
    {
        var (issuer, index) = await StartAsync();
        await using var _ = issuer;
        await using var __ = index;
        await OwnerWithPublisherAsync(index, "widget");
        Assert.Equal("moat", (await index.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/_/oidc/audience")).GetProperty("audience").GetString());

        var jwt = issuer.Jwt(issuer.GitHubClaims("acme/widget", "4242", "release.yml"));
        using var minted = await MintAsync(index, jwt);
        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        var body = await AccountClient.JsonAsync(minted);
        var token = body.GetProperty("token").GetString()!;
        var expires = DateTimeOffset.FromUnixTimeSeconds(body.GetProperty("expires").GetInt64());
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));

        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "widget", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(token, "other", "1.0")).StatusCode);

        // Who uploaded is stored with each file: the owner's token by username and name, the CI run as its trusted publisher.
        var published = (await index.Store.GetFileAsync(Moat.Testing.TestDistributions.WheelFilename("widget", "1.0")))!;
        Assert.Equal("Trusted Publisher acme/widget (release.yml)", published.Uploader);
        Assert.Equal("token of owner (test)", (await index.Store.GetFileAsync(Moat.Testing.TestDistributions.WheelFilename("widget", "0.1")))!.Uploader);
        // A file stored with only its token id is resolved the same way, and still names the publisher once it is removed.
        Assert.Equal(published.Uploader, await Moat.Index.Upload.Uploaders.ResolveAsync(index.Accounts, published.UploadedBy));

        using var replay = await MintAsync(index, jwt);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, replay.StatusCode);
        Assert.Contains("replayed jti", await replay.Content.ReadAsStringAsync());
        Assert.Equal(1, issuer.JwksFetches); // cached

        var publisher = Assert.Single(await index.Accounts.ProjectPublishersAsync("widget"));
        Assert.True(await index.Accounts.RemovePublisherAsync(publisher.Id, "widget"));
        Assert.Equal("Trusted Publisher github:acme/widget", await Moat.Index.Upload.Uploaders.ResolveAsync(index.Accounts, published.UploadedBy));
        Assert.Equal("Trusted Publisher acme/widget (release.yml)", (await index.Store.GetFileAsync(published.Filename))!.Uploader);
        Assert.Equal("token unknown-id", await Moat.Index.Upload.Uploaders.ResolveAsync(index.Accounts, "unknown-id"));
    }

    [Theory]
    [InlineData("repository_owner_id", "9999", "repository_owner_id")]
    [InlineData("job_workflow_ref", "acme/widget/.github/workflows/other.yml@refs/heads/main", "job_workflow_ref")]
    [InlineData("job_workflow_ref", "acme/widget/.github/workflows/release.yml@refs/heads/evil", "job_workflow_ref")]
    [InlineData("sub", "repo:evil/widget:ref:refs/heads/main", "sub claim")]
    [InlineData("event_name", "pull_request_target", "pull_request_target")]
    [InlineData("aud", "pypi", "audience")]
    [InlineData("exp", "expired", "expired")]
    [InlineData("iat", "future", "future")]
    [InlineData("nbf", "future", "not valid yet")]
    [InlineData("iss", "https://token.actions.githubusercontent.com.invalid", "not trusted")]
    public async Task Claims_that_do_not_match_exactly_are_refused(string claim, string value, string reason)
    {
        var (issuer, index) = await StartAsync();
        await using var _ = issuer;
        await using var __ = index;
        await OwnerWithPublisherAsync(index, "widget");
        var claims = issuer.GitHubClaims("acme/widget", "4242", "release.yml");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        claims[claim] = value switch { "expired" => now - 120, "future" => now + 600, _ => value };
        using var refused = await MintAsync(index, issuer.Jwt(claims));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains(reason, await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forged_signatures_unknown_keys_and_other_algorithms_are_refused()
    {
        var (issuer, index) = await StartAsync();
        await using var _ = issuer;
        await using var __ = index;
        await OwnerWithPublisherAsync(index, "widget");
        var claims = issuer.GitHubClaims("acme/widget", "4242", "release.yml");
        using var attacker = RSA.Create(2048);
        Assert.Contains("does not verify", await (await MintAsync(index, issuer.Jwt(claims, signWith: attacker))).Content.ReadAsStringAsync());
        Assert.Contains("no key", await (await MintAsync(index, issuer.Jwt(claims, kid: "rotated-away"))).Content.ReadAsStringAsync());
        Assert.Contains("Only RS256", await (await MintAsync(index, issuer.Jwt(claims, alg: "HS256"))).Content.ReadAsStringAsync());
        Assert.Contains("compact JWS", await (await MintAsync(index, "not.a-jwt")).Content.ReadAsStringAsync());
        // A refused token does not burn its jti: the genuine one still mints.
        Assert.Equal(HttpStatusCode.OK, (await MintAsync(index, issuer.Jwt(claims))).StatusCode);
    }

    [Fact]
    public async Task An_environment_constrained_publisher_needs_that_environment()
    {
        var (issuer, index) = await StartAsync();
        await using var _ = issuer;
        await using var __ = index;
        await OwnerWithPublisherAsync(index, "widget", environment: "PyPI");
        Assert.Contains("environment", await (await MintAsync(index, issuer.Jwt(issuer.GitHubClaims("acme/widget", "4242", "release.yml")))).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await MintAsync(index, issuer.Jwt(issuer.GitHubClaims("acme/widget", "4242", "release.yml", environment: "pypi")))).StatusCode);
    }

    [Fact]
    public async Task A_pending_publisher_creates_its_project_on_first_publish()
    {
        var (issuer, index) = await StartAsync();
        await using var _ = issuer;
        await using var __ = index;
        var owner = await AccountClient.RegisterAsync(index, "founder");
        using var pending = await owner.PostAsync("/_/account/pending-publishers",
            new { projectName = "Fresh-Thing", kind = "github", repository = "acme/fresh", ownerId = "77", workflow = "publish.yaml" });
        Assert.Equal(HttpStatusCode.Created, pending.StatusCode);

        using var minted = await MintAsync(index, issuer.Jwt(issuer.GitHubClaims("acme/fresh", "77", "publish.yaml")));
        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        var token = (await AccountClient.JsonAsync(minted)).GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "fresh-thing", "1.0")).StatusCode);
        Assert.Equal("owner", await index.Accounts.RoleAsync("fresh-thing", (await index.Accounts.UserByNameAsync("founder"))!.Id));
        // A pending publisher cannot claim an existing project.
        using var taken = await owner.PostAsync("/_/account/pending-publishers",
            new { projectName = "fresh-thing", kind = "github", repository = "acme/other", ownerId = "77", workflow = "publish.yaml" });
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
    }

    [Fact]
    public async Task A_pending_publisher_for_a_workflow_already_registered_is_refused_and_recorded()
    {
        var (issuer, index) = await StartAsync();
        await using var _ = issuer;
        await using var __ = index;
        await OwnerWithPublisherAsync(index, "widget"); // acme/widget, owner 4242, release.yml, for project widget
        var mallory = await AccountClient.RegisterAsync(index, "mallory");

        // Another user's repository and workflow, whatever the case, the environment or the project named.
        foreach (var (repository, workflow, environment) in new[] { ("acme/widget", "release.yml", "pypi"), ("ACME/Widget", "release.yml", ""), ("acme/widget", "Release.yml", "") })
        {
            using var refused = await mallory.PostAsync("/_/account/pending-publishers",
                new { projectName = "widget-" + Guid.NewGuid().ToString("N")[..6], kind = "github", repository, ownerId = "4242", workflow, environment });
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("already registered", await refused.Content.ReadAsStringAsync());
        }
        // A pending one is just as taken: first come keeps it.
        var founder = await AccountClient.RegisterAsync(index, "founder");
        using var first = await founder.PostAsync("/_/account/pending-publishers",
            new { projectName = "fresh", kind = "github", repository = "acme/fresh", ownerId = "77", workflow = "publish.yml" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var second = await mallory.PostAsync("/_/account/pending-publishers",
            new { projectName = "fresh-too", kind = "github", repository = "acme/fresh", ownerId = "77", workflow = "publish.yml", environment = "release" });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Empty(await index.Accounts.PendingPublishersAsync((await index.Accounts.UserByNameAsync("mallory"))!.Id));

        // Who registered what is stored and listed, and every attempt is in the security history.
        using var mine = await founder.SendAsync(HttpMethod.Get, "/_/account/pending-publishers");
        var pending = Assert.Single((await AccountClient.JsonAsync(mine)).EnumerateArray());
        Assert.Equal("founder", pending.GetProperty("registered_by").GetString());
        var events = await index.Accounts.EventsAsync(null, null, 100);
        Assert.Contains(events, e => e.Kind == "account:pending-publisher-added" && e.Details!.Contains("\"registered_by\":\"founder\""));
        var attempts = events.Where(e => e.Kind == "account:pending-publisher-refused").ToList();
        Assert.Equal(4, attempts.Count);
        Assert.All(attempts, e => Assert.Contains("\"registered_by\":\"mallory\"", e.Details));
        Assert.Contains(attempts, e => e.Details!.Contains("\"registered_by\":\"owner\""));
    }

    [Fact]
    public async Task A_pending_publisher_never_outranks_the_owners_publisher_for_the_same_workflow()
    {
        var (issuer, index) = await StartAsync();
        await using var _ = issuer;
        await using var __ = index;
        // Registered first, for the environment the real workflow uses: before the owners' publisher existed, so
        // registration could not refuse it (or left from before duplicates were refused).
        var mallory = await AccountClient.RegisterAsync(index, "mallory");
        using var early = await mallory.PostAsync("/_/account/pending-publishers",
            new { projectName = "captured", kind = "github", repository = "acme/widget", ownerId = "4242", workflow = "release.yml", environment = "pypi" });
        Assert.Equal(HttpStatusCode.Created, early.StatusCode);
        var owner = await OwnerWithPublisherAsync(index, "widget");

        using var minted = await MintAsync(index, issuer.Jwt(issuer.GitHubClaims("acme/widget", "4242", "release.yml", environment: "pypi")));
        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        var token = (await AccountClient.JsonAsync(minted)).GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "widget", "1.0")).StatusCode);
        Assert.Null(await index.Store.GetProjectAsync(NormalizedName.Of("captured")));
        Assert.False(await index.Accounts.HasRolesAsync("captured"));

        // The owner sees who registered their project's publisher.
        using var listed = await owner.SendAsync(HttpMethod.Get, "/_/projects/widget/publishers");
        Assert.Equal("owner", Assert.Single((await AccountClient.JsonAsync(listed)).EnumerateArray()).GetProperty("registered_by").GetString());
    }

    [Fact]
    public async Task Another_projects_publisher_for_the_same_workflow_does_not_take_the_owners_mint()
    {
        var (issuer, index) = await StartAsync();
        await using var _ = issuer;
        await using var __ = index;
        // Mallory owns a project of her own and points its publisher at someone else's workflow, before they do.
        var mallory = await AccountClient.RegisterAsync(index, "mallory");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(await mallory.CreateTokenAsync(), "decoy", "0.1")).StatusCode);
        using var decoy = await mallory.PostAsync("/_/projects/decoy/publishers",
            new { kind = "github", repository = "acme/widget", ownerId = "4242", workflow = "release.yml" });
        Assert.Equal(HttpStatusCode.Created, decoy.StatusCode);
        await OwnerWithPublisherAsync(index, "widget");

        using var minted = await MintAsync(index, issuer.Jwt(issuer.GitHubClaims("acme/widget", "4242", "release.yml")));
        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        var token = (await AccountClient.JsonAsync(minted)).GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "widget", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(token, "elsewhere", "1.0")).StatusCode);
        var mints = (await index.Accounts.EventsAsync(null, "widget", 100)).Where(e => e.Kind == "token:minted").ToList();
        Assert.Contains("\"registered_by\":\"owner\"", Assert.Single(mints).Details);
    }
}
