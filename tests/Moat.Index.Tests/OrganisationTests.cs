using System.Net;

namespace Moat.Index.Tests;

/// <summary>Organisations own projects; their owners own those projects; a team's role on a project is its members' role.</summary>
public sealed class OrganisationTests
{
    private static async Task<HttpStatusCode> PutAsync(AccountClient who, string path, object? body = null)
    {
        using var response = await who.SendAsync(HttpMethod.Put, path, body ?? new { });
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> DeleteAsync(AccountClient who, string path)
    {
        using var response = await who.SendAsync(HttpMethod.Delete, path);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_team_role_on_an_organisation_project_lets_its_members_upload_and_organisation_owners_own_the_project()
    {
        await using var index = await TestIndex.StartAsync();
        var alice = await AccountClient.RegisterAsync(index, "alice");
        var bob = await AccountClient.RegisterAsync(index, "bob");
        var carol = await AccountClient.RegisterAsync(index, "carol");
        var dave = await AccountClient.RegisterAsync(index, "dave");
        var aliceToken = await alice.CreateTokenAsync(["proj"]);
        var bobToken = await bob.CreateTokenAsync(["proj"]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(aliceToken, "proj", "1.0")).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsync("/_/orgs", new { name = "Acme" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await carol.PostAsync("/_/orgs", new { name = "acme" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync(carol, "/_/orgs/acme/teams/release")); // not an owner of acme
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/teams/release"));
        Assert.Equal(HttpStatusCode.Conflict, await PutAsync(alice, "/_/orgs/acme/teams/release/members/bob")); // members first
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/members/bob", new { role = "member" }));
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/teams/release/members/bob"));

        // A team gets roles only on the organisation's own projects; only someone owning both moves a project in.
        Assert.Equal(HttpStatusCode.Conflict, await PutAsync(alice, "/_/orgs/acme/teams/release/projects/proj", new { role = "maintainer" }));
        Assert.Equal(HttpStatusCode.Forbidden, await PutAsync(bob, "/_/projects/proj/organisation", new { organisation = "acme" }));
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(bobToken, "proj", "1.1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/projects/proj/organisation", new { organisation = "acme" }));
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/teams/release/projects/proj", new { role = "maintainer" }));

        // bob is a maintainer through his team: he uploads, but cannot change roles (owners only).
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(bobToken, "proj", "1.1")).StatusCode);
        Assert.Equal("maintainer", await index.Accounts.RoleAsync("proj", (await index.Accounts.UserByNameAsync("bob"))!.Id));
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync("/_/projects/proj/roles", new { username = "carol", role = "maintainer" })).StatusCode);

        // An owner of the organisation owns its projects.
        Assert.Equal(HttpStatusCode.Forbidden, (await dave.PostAsync("/_/projects/proj/roles", new { username = "carol", role = "maintainer" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/members/dave", new { role = "owner" }));
        Assert.Equal(HttpStatusCode.OK, (await dave.PostAsync("/_/projects/proj/roles", new { username = "carol", role = "maintainer" })).StatusCode);

        using (var shown = await alice.SendAsync(HttpMethod.Get, "/_/orgs/acme"))
        {
            var org = await AccountClient.JsonAsync(shown);
            Assert.Equal("proj", org.GetProperty("projects")[0].GetString());
            Assert.Equal("bob", org.GetProperty("teams")[0].GetProperty("members")[0].GetString());
        }
        using (var hidden = await carol.SendAsync(HttpMethod.Get, "/_/orgs/acme"))
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);

        // Leaving the team (or the organisation) takes the role away at once.
        Assert.Equal(HttpStatusCode.OK, await DeleteAsync(alice, "/_/orgs/acme/teams/release/members/bob"));
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(bobToken, "proj", "1.2")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/teams/release/members/bob"));
        Assert.Equal(HttpStatusCode.OK, await DeleteAsync(alice, "/_/orgs/acme/members/bob"));
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(bobToken, "proj", "1.2")).StatusCode);

        // An organisation keeps an owner; an operator can set one up or recover it (moat admin org-member).
        Assert.Equal(HttpStatusCode.OK, await DeleteAsync(alice, "/_/orgs/acme/members/dave"));
        Assert.Equal(HttpStatusCode.Conflict, await DeleteAsync(alice, "/_/orgs/acme/members/alice"));
        Assert.True((await index.Admin.SetOrganisationMemberAsync("acme", "carol", "owner")).Ok);
        Assert.Equal("owner", await index.Accounts.RoleAsync("proj", (await index.Accounts.UserByNameAsync("carol"))!.Id));
        Assert.False((await index.Admin.SetOrganisationMemberAsync("nowhere", "carol", "member")).Ok);
        Assert.True((await index.Admin.SetOrganisationMemberAsync("Newco", "carol", "owner")).Ok);
        Assert.True(await index.Accounts.OrganisationExistsAsync("newco"));

        var kinds = (await index.Accounts.EventsAsync((await index.Accounts.UserByNameAsync("alice"))!.Id, null, 100)).Select(e => e.Kind).ToList();
        Assert.Contains("org:created", kinds);
        Assert.Contains("org:team-member-added", kinds);
        Assert.Contains("org:team-role-set", kinds);
        Assert.Contains("project:organisation-set", kinds);
    }

    [Fact]
    public async Task A_team_maintainer_counts_as_a_second_maintainer_for_release_approval()
    {
        await using var index = await TestIndex.StartAsync();
        var alice = await AccountClient.RegisterAsync(index, "alice");
        var bob = await AccountClient.RegisterAsync(index, "bob");
        var token = await alice.CreateTokenAsync(["proj"]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "proj", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsync("/_/orgs", new { name = "acme" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/projects/proj/organisation", new { organisation = "acme" }));
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/members/bob", new { role = "member" }));
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/teams/review"));
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/teams/review/members/bob"));
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/projects/proj/approval", new { required = true }));
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "proj", "2.0")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync("/_/projects/proj/staged/2.0/approve")).StatusCode); // no role yet
        Assert.Equal(HttpStatusCode.OK, await PutAsync(alice, "/_/orgs/acme/teams/review/projects/proj", new { role = "maintainer" }));
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync("/_/projects/proj/staged/2.0/approve")).StatusCode);
    }
}
