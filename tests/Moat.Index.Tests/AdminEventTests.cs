using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Moat.Index.Admin;

namespace Moat.Index.Tests;

/// <summary>Every admin change is a security event naming the administrator who made it and the reason given.</summary>
public sealed class AdminEventTests
{
    private static async Task<HttpResponseMessage> AdminAsync(TestIndex index, string token, HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", token);
        return await index.Client.SendAsync(request);
    }

    private static JsonElement Details(Accounts.SecurityEvent e) => JsonDocument.Parse(e.Details!).RootElement;

    [Fact]
    public async Task Admin_api_changes_to_roles_users_switches_and_projects_record_the_token_holder_and_reason()
    {
        await using var index = await TestIndex.StartAsync();
        var rita = await AccountClient.RegisterAsync(index, "rita");
        var ritaId = (await index.Accounts.UserByNameAsync("rita"))!.Id;
        var (_, secret, token) = await index.Admin.CreateTokenAsync(null, true, "ops laptop");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(secret!, "widget", "1.0")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await AdminAsync(index, secret!, HttpMethod.Put, "/_admin/projects/widget/roles", new { username = "rita", role = "maintainer" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AdminAsync(index, secret!, HttpMethod.Put, "/_admin/switches/no-uploads", new { enabled = true, reason = "incident 9" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AdminAsync(index, secret!, HttpMethod.Put, "/_admin/projects/widget/status", new { status = "archived", reason = "moved to gizmo" })).StatusCode);

        // The affected user sees the role change in their own history, with who did it.
        using var history = await rita.SendAsync(HttpMethod.Get, "/_/account/events");
        var mine = (await AccountClient.JsonAsync(history)).EnumerateArray().ToList();
        var role = Assert.Single(mine, e => e.GetProperty("kind").GetString() == "admin:role-set");
        Assert.Equal("widget", role.GetProperty("project").GetString());
        Assert.Equal($"admin token {token!.Id} (ops laptop)", role.GetProperty("details").GetProperty("by").GetString());
        Assert.Equal("maintainer", role.GetProperty("details").GetProperty("role").GetString());

        Assert.Equal(HttpStatusCode.OK, (await AdminAsync(index, secret!, HttpMethod.Put, "/_admin/users/rita/disabled", new { value = true, reason = "credential leak" })).StatusCode);
        var events = await index.Accounts.EventsAsync(null, null, 100);
        var disabled = Assert.Single(events, e => e.Kind == "admin:user-disabled");
        Assert.Equal(ritaId, disabled.UserId);
        Assert.Equal("credential leak", Details(disabled).GetProperty("reason").GetString());
        Assert.StartsWith("admin token ", Details(disabled).GetProperty("by").GetString(), StringComparison.Ordinal);

        var on = Assert.Single(events, e => e.Kind == "admin:switch-on");
        Assert.Equal("no-uploads", Details(on).GetProperty("name").GetString());
        Assert.Equal("incident 9", Details(on).GetProperty("reason").GetString());
        Assert.Equal($"admin token {token.Id} (ops laptop)", Details(on).GetProperty("by").GetString());

        Assert.Equal(HttpStatusCode.OK, (await AdminAsync(index, secret!, HttpMethod.Put, "/_admin/proxy/allowlist/Some_Lib", new { reason = "vetted fork" })).StatusCode);
        var allowed = Assert.Single(await index.Accounts.EventsAsync(null, "some-lib", 10), e => e.Kind == "firewall:allow");
        Assert.Equal("vetted fork", Details(allowed).GetProperty("reason").GetString());
        Assert.Equal($"admin token {token.Id} (ops laptop)", Details(allowed).GetProperty("by").GetString());

        var status = Assert.Single(events, e => e.Kind == "admin:status");
        Assert.Equal("widget", status.Project);
        Assert.Equal("archived", Details(status).GetProperty("status").GetString());
        Assert.Equal("moved to gizmo", Details(status).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Operations_name_the_actor_they_are_given_and_the_command_line_otherwise()
    {
        await using var index = await TestIndex.StartAsync();
        await AccountClient.RegisterAsync(index, "sam", totp: false);
        var sam = (await index.Accounts.UserByNameAsync("sam"))!.Id;
        var by = new AdminActor("olga", "user-olga");

        Assert.True((await index.Admin.SetRoleAsync("thing", "sam", "owner", by)).Ok);
        Assert.True((await index.Admin.SetCriticalAsync("thing", true, by)).Ok);
        Assert.True((await index.Admin.SetSwitchAsync("no-new-users", true, "flood")).Ok);

        var events = await index.Accounts.EventsAsync(null, null, 100);
        var role = Assert.Single(events, e => e.Kind == "admin:role-set");
        Assert.Equal(sam, role.UserId); // filed under the user it changed
        Assert.Equal("olga", Details(role).GetProperty("by").GetString());
        var critical = Assert.Single(events, e => e.Kind == "admin:critical");
        Assert.Equal("user-olga", critical.UserId); // nobody else affected: filed under the administrator
        Assert.Equal("olga", Details(critical).GetProperty("by").GetString());
        var flood = Assert.Single(events, e => e.Kind == "admin:switch-on");
        Assert.StartsWith("moat admin (", Details(flood).GetProperty("by").GetString(), StringComparison.Ordinal);
        Assert.Null(flood.UserId);
    }
}
