using System.Net;

namespace Moat.Index.Tests;

/// <summary>
/// Deleting one's own account: never leaves a project or organisation without an owner, ends every way in (sessions,
/// tokens, roles), tells the account's address, is a security event, and keeps the username from being taken again.
/// </summary>
public sealed class AccountDeletionTests
{
    [Fact]
    public async Task The_only_owner_of_a_project_must_hand_it_on_before_the_account_goes_and_then_nothing_of_it_works()
    {
        await using var index = await TestIndex.StartAsync();
        var alice = await AccountClient.RegisterAsync(index, "alice");
        var bob = await AccountClient.RegisterAsync(index, "bob");
        var token = await alice.CreateTokenAsync(["alpha"]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "1.0")).StatusCode);
        var aliceId = (await index.Accounts.UserByNameAsync("alice"))!.Id;

        using (var soleOwner = await alice.PostAsync("/_/account/delete", new { confirmUsername = "alice" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, soleOwner.StatusCode);
            Assert.Contains("only owner of project alpha", (await AccountClient.JsonAsync(soleOwner)).GetProperty("error").GetString());
        }
        Assert.NotNull(await index.Accounts.UserByNameAsync("alice"));

        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/_/projects/alpha/roles", new { username = "bob", role = "owner" })).StatusCode);
        using (var unconfirmed = await alice.PostAsync("/_/account/delete", new { confirmUsername = "bob" }))
            Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        using (var deleted = await alice.PostAsync("/_/account/delete", new { confirmUsername = "Alice" }))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        Assert.Null(await index.Accounts.UserByNameAsync("alice"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode); // the session is gone
        Assert.NotEqual(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "1.1")).StatusCode); // so is the token
        var tokens = await index.Accounts.UserMacaroonsAsync(aliceId);
        Assert.NotEmpty(tokens); // revoked and kept, as every revoked token is: not deleted (an empty list would pass the next line)
        Assert.All(tokens, t => Assert.NotNull(t.RevokedAt));
        var bobId = (await index.Accounts.UserByNameAsync("bob"))!.Id;
        Assert.Equal([$"{bobId} owner"], (await index.Accounts.RolesAsync("alpha")).Select(r => $"{r.user_id} {r.role}"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.LoginAsync()).StatusCode);
        Assert.Contains(index.MailTo("alice@example.com"), m => m.Contains("Your Moat account was deleted", StringComparison.Ordinal));
        Assert.Contains(await index.Accounts.EventsAsync(aliceId, null, 50), e => e.Kind == "account:deleted");

        // The name stays reserved, in any case: uploads and histories still name alice.
        var impostor = new AccountClient(index, "alice", "quiet-Meadow-violin-77");
        using var again = await impostor.PostAsync("/_/account/register", new { username = "ALICE", email = "mallory@example.com", password = impostor.Password });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Null(await index.Accounts.UserByNameAsync("alice"));
    }

    [Fact]
    public async Task The_only_owner_of_an_organisation_is_refused_and_an_organisation_project_does_not_block()
    {
        await using var index = await TestIndex.StartAsync();
        var carol = await AccountClient.RegisterAsync(index, "carol");
        var dave = await AccountClient.RegisterAsync(index, "dave");
        Assert.Equal(HttpStatusCode.Created, (await carol.PostAsync("/_/orgs", new { name = "acme" })).StatusCode);
        var carolId = (await index.Accounts.UserByNameAsync("carol"))!.Id;
        await index.Accounts.SetRoleAsync("acme-tool", carolId, "owner");
        await index.Accounts.SetProjectOrganisationAsync("acme-tool", "acme");

        var blockers = await index.Accounts.DeletionBlockersAsync(carolId);
        Assert.Empty(blockers.Projects); // acme's owners own acme-tool too
        Assert.Equal(["acme"], blockers.Organisations);
        using (var refused = await carol.PostAsync("/_/account/delete", new { confirmUsername = "carol" }))
            Assert.Contains("only owner of organisation acme", (await AccountClient.JsonAsync(refused)).GetProperty("error").GetString());

        using (var member = await dave.SendAsync(HttpMethod.Put, "/_/orgs/acme/members/dave", new { role = "owner" }))
            Assert.Equal(HttpStatusCode.Forbidden, member.StatusCode); // dave cannot make himself an owner
        using (var added = await carol.SendAsync(HttpMethod.Put, "/_/orgs/acme/members/dave", new { role = "owner" }))
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.True((await index.Accounts.DeletionBlockersAsync(carolId)).None);
        using (var deleted = await carol.PostAsync("/_/account/delete", new { confirmUsername = "carol" }))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var daveId = (await index.Accounts.UserByNameAsync("dave"))!.Id;
        Assert.Equal([$"{daveId} owner"], (await index.Accounts.OrganisationMembersAsync("acme")).Select(m => $"{m.user_id} {m.role}"));
        Assert.Empty(await index.Accounts.RolesAsync("acme-tool"));
    }
}
