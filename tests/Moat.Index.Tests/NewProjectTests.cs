using Moat.Packaging;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Moat.Index.Auth;
using Moat.Index.Proxy;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// Who creates a hosted project. A hosted name replaces the upstream project of that name for everyone installing
/// through the index, so a self-registered user never takes over a public, popular or reserved name by uploading it,
/// and by default ("approved") any new name waits for an administrator's grant, recorded with the administrator.
/// </summary>
public sealed class NewProjectTests : IDisposable
{
    private const string Json = "application/vnd.pypi.simple.v1+json";
    private readonly StaticUpstream _upstream = StaticUpstream.Start();

    public void Dispose() => _upstream.Dispose();

    private Task<TestIndex> StartAsync(NewProjectPolicy policy, string[]? reserved = null) =>
        TestIndex.StartAsync(o => o with { NewProjects = policy, Proxy = new ProxyOptions { Upstream = _upstream.SimpleUrl, Reserved = reserved ?? [] } });

    private static async Task<HttpResponseMessage> AdminAsync(TestIndex index, string token, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = TestIndex.Basic(token);
        return await index.Client.SendAsync(request);
    }

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<string[]> FilenamesAsync(TestIndex index, string project) =>
        [.. JsonDocument.Parse(await index.GetAsync($"/simple/{project}/", Json)).RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("filename").GetString()!)];

    [Fact]
    public async Task A_user_cannot_take_over_a_name_the_upstream_has_even_when_anyone_may_create_projects()
    {
        var upstreamWheel = _upstream.AddWheel("shared-gadget", "1.0");
        await using var index = await StartAsync(NewProjectPolicy.Anyone);
        var mallory = await AccountClient.RegisterAsync(index, "mallory");
        var token = await mallory.CreateTokenAsync();

        using var takeover = await index.UploadWheelAsync(token, "shared-gadget", "99.0");
        Assert.Equal(HttpStatusCode.Forbidden, takeover.StatusCode);
        Assert.Contains("exists on upstream", takeover.ReasonPhrase); // what twine prints
        Assert.Contains("claim is recorded", takeover.ReasonPhrase);
        Assert.Null(await index.Store.GetProjectAsync(NormalizedName.Of("shared-gadget")));
        // The group still serves the upstream's releases, and only them.
        Assert.Equal([upstreamWheel.Filename], await FilenamesAsync(index, "shared-gadget"));

        // The attempt waits in the admins' queue with the conflict it ran into.
        var admin = await index.TokenAsync(null, admin: true);
        using var claims = await AdminAsync(index, admin, HttpMethod.Get, "/_admin/claims");
        var claim = Assert.Single((await JsonOf(claims)).EnumerateArray());
        Assert.Equal("shared-gadget", claim.GetProperty("project").GetString());
        Assert.Equal("mallory", claim.GetProperty("user").GetString());
        Assert.Contains("exists on upstream", claim.GetProperty("conflict").GetString());

        // A fresh name nobody has is still anyone's under "anyone".
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "mallory-fresh-tool", "1.0")).StatusCode);
    }

    [Fact]
    public async Task Popular_and_reserved_names_are_refused_to_users_and_an_unreachable_upstream_fails_closed()
    {
        await using var index = await StartAsync(NewProjectPolicy.Anyone, reserved: ["acme-*"]);
        var token = await (await AccountClient.RegisterAsync(index, "mallory")).CreateTokenAsync();

        using var popular = await index.UploadWheelAsync(token, "wheel", "99.0"); // in the embedded top-packages corpus
        Assert.Equal(HttpStatusCode.Forbidden, popular.StatusCode);
        Assert.Contains("'wheel' is a popular public project", popular.ReasonPhrase);
        using var reserved = await index.UploadWheelAsync(token, "acme-billing", "1.0");
        Assert.Equal(HttpStatusCode.Forbidden, reserved.StatusCode);
        Assert.Contains("reserved", reserved.ReasonPhrase);

        _upstream.Down = true;
        using var unknown = await index.UploadWheelAsync(token, "never-seen-name", "1.0");
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        Assert.Contains("cannot ask upstream", unknown.ReasonPhrase);
        Assert.Empty(await index.Store.ListProjectsAsync());
    }

    [Fact]
    public async Task By_default_a_new_name_is_a_pending_claim_until_an_admin_grants_it_and_the_grant_names_the_admin()
    {
        // The real default: no NewProjects override.
        await using var index = await TestIndex.StartAsync(o => o with { NewProjects = new IndexOptions().NewProjects });
        Assert.Equal(NewProjectPolicy.Approved, index.App.Services.GetService(typeof(IndexOptions)) is IndexOptions o ? o.NewProjects : default);
        var alice = await AccountClient.RegisterAsync(index, "alice");
        var token = await alice.CreateTokenAsync();

        using var first = await index.UploadWheelAsync(token, "alice-lib", "1.0");
        Assert.Equal(HttpStatusCode.Forbidden, first.StatusCode);
        Assert.Contains("need an administrator's approval", first.ReasonPhrase);
        Assert.Null(await index.Store.GetProjectAsync(NormalizedName.Of("alice-lib")));
        // Asking again does not queue a second claim.
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(token, "alice-lib", "1.0")).StatusCode);
        var pending = Assert.Single(await index.Admin.ClaimsAsync());
        Assert.Equal(("alice-lib", "alice", Accounts.ClaimState.Pending), (pending.Project, pending.Username, pending.State));

        var admin = await index.TokenAsync(null, admin: true);
        using var granted = await AdminAsync(index, admin, HttpMethod.Post, "/_admin/claims/alice-lib/grant", new { username = "alice", reason = "her team's library" });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var grantEvent = Assert.Single(await index.Accounts.EventsAsync(null, "alice-lib", 20), e => e.Kind == "admin:claim-granted");
        var details = JsonDocument.Parse(grantEvent.Details!).RootElement;
        Assert.StartsWith("admin token ", details.GetProperty("by").GetString());
        Assert.Equal("her team's library", details.GetProperty("reason").GetString());
        Assert.Empty(await index.Admin.ClaimsAsync());

        // Now the first upload creates the project, and its owner keeps uploading; nobody else may.
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alice-lib", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alice-lib", "1.1")).StatusCode);
        Assert.Equal("owner", await index.Accounts.RoleAsync("alice-lib", (await index.Accounts.UserByNameAsync("alice"))!.Id));
        Assert.Contains(await index.Accounts.EventsAsync(null, "alice-lib", 20), e => e.Kind == "project:created");
        var bob = await AccountClient.RegisterAsync(index, "bob");
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(await bob.CreateTokenAsync(), "alice-lib", "2.0")).StatusCode);

        // A refused claim says why, every time.
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(await bob.CreateTokenAsync(), "bob-thing", "1.0")).StatusCode);
        Assert.True((await index.Admin.RefuseClaimAsync("bob-thing", "bob", "use the shared tools project")).Ok);
        using var refused = await index.UploadWheelAsync(await bob.CreateTokenAsync(), "bob-thing", "1.0");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("refused your claim on 'bob-thing': use the shared tools project", refused.ReasonPhrase);
    }

    [Fact]
    public async Task Under_admins_only_admin_tokens_create_projects_and_a_pending_publisher_needs_a_grant_too()
    {
        await using var index = await StartAsync(NewProjectPolicy.Admins);
        var carol = await AccountClient.RegisterAsync(index, "carol");
        using var refused = await index.UploadWheelAsync(await carol.CreateTokenAsync(), "carol-lib", "1.0");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Only administrators create projects", refused.ReasonPhrase);
        using var publisher = await carol.PostAsync("/_/account/pending-publishers",
            new { kind = "github", repository = "carol/lib", ownerId = "1234", workflow = "release.yml", projectName = "carol-lib" });
        Assert.Equal(HttpStatusCode.Forbidden, publisher.StatusCode);

        // An operator token (moat admin token create --project) is the administrator's own act.
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(await index.TokenAsync("ops-lib"), "ops-lib", "1.0")).StatusCode);
        Assert.NotNull(await index.Store.GetProjectAsync(NormalizedName.Of("ops-lib")));
    }

    [Fact]
    public async Task An_admin_token_may_create_a_name_the_upstream_has_and_the_event_records_the_conflict()
    {
        _upstream.AddWheel("shared-gadget", "1.0");
        await using var index = await StartAsync(NewProjectPolicy.Approved);
        await index.GetAsync("/simple/shared-gadget/", Json); // Moat has seen the public project

        var admin = await index.TokenAsync(null, admin: true);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(admin, "shared-gadget", "0.5")).StatusCode);
        var created = Assert.Single(await index.Accounts.EventsAsync(null, "shared-gadget", 20), e => e.Kind == "project:created");
        Assert.Contains("exists on upstream", JsonDocument.Parse(created.Details!).RootElement.GetProperty("public_name").GetString());
        Assert.Equal(["shared_gadget-0.5-py3-none-any.whl"], await FilenamesAsync(index, "shared-gadget"));
    }

    [Fact]
    public void New_projects_is_read_from_the_policy_table_and_a_wrong_value_is_one_line()
    {
        Assert.Equal(NewProjectPolicy.Approved, new IndexOptions().NewProjects);
        var table = Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>("[policy]\nnew-projects = \"admins\"\n")!;
        Assert.Equal(NewProjectPolicy.Admins, IndexOptions.Apply(new IndexOptions(), table, "moat.toml").NewProjects);
        var wrong = Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>("[policy]\nnew-projects = \"everyone\"\n")!;
        var error = Assert.Throws<IndexConfigurationException>(() => IndexOptions.Apply(new IndexOptions(), wrong, "moat.toml"));
        Assert.Equal("moat.toml: policy.new-projects must be anyone, approved, admins", error.Message);
    }
}
