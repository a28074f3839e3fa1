using Moat.Packaging.Distributions;
using Moat.Packaging;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Moat.Index.Auth;

namespace Moat.Index.Tests;

/// <summary>
/// Release approval: on a project that requires it, an upload is staged — stored and scanned but absent from the
/// simple pages (HTML and JSON) and from the file route — until a second person approves it, or gone once rejected.
/// </summary>
public sealed class ReleaseApprovalTests
{
    private const string Html = "text/html";
    private const string Json = "application/vnd.pypi.simple.v1+json";

    /// <summary>alice owns proj (1.0 published), bob maintains it, carol is a stranger; all three have TOTP.</summary>
    private static async Task<(AccountClient Alice, AccountClient Bob, AccountClient Carol, string AliceToken)> ProjectAsync(TestIndex index)
    {
        var alice = await AccountClient.RegisterAsync(index, "alice");
        var bob = await AccountClient.RegisterAsync(index, "bob");
        var carol = await AccountClient.RegisterAsync(index, "carol");
        var token = await alice.CreateTokenAsync(["proj"]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "proj", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/_/projects/proj/roles", new { username = "bob", role = "maintainer" })).StatusCode);
        using var required = await alice.SendAsync(HttpMethod.Put, "/_/projects/proj/approval", new { required = true });
        Assert.Equal(HttpStatusCode.OK, required.StatusCode);
        return (alice, bob, carol, token);
    }

    private static async Task<JsonElement> StagedAsync(AccountClient who)
    {
        using var response = await who.SendAsync(HttpMethod.Get, "/_/projects/proj/staged");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await AccountClient.JsonAsync(response)).GetProperty("staged");
    }

    private static async Task<HttpStatusCode> FileStatusAsync(TestIndex index, string url)
    {
        using var response = await index.Client.GetAsync(url);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_staged_release_is_invisible_until_a_second_maintainer_with_two_factor_approves_it()
    {
        // A page cached for an hour: only the approval's invalidation can make the release appear.
        await using var index = await TestIndex.StartAsync(o => o with { PageRevalidateAfter = TimeSpan.FromHours(1) });
        var (alice, bob, carol, token) = await ProjectAsync(index);

        using var upload = await index.UploadWheelAsync(token, "proj", "2.0");
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Contains("Staged proj 2.0", await upload.Content.ReadAsStringAsync());
        Assert.Contains("requires release approval", upload.ReasonPhrase);
        Assert.Contains(index.MailTo("bob@example.com"), m => m.Contains("proj 2.0 awaits your approval")); // the other maintainer is told
        Assert.DoesNotContain(index.MailTo("alice@example.com"), m => m.Contains("awaits your approval")); // not the uploader

        var wheel = Moat.Testing.TestDistributions.WheelFilename("proj", "2.0");
        var html = await index.GetAsync("/simple/proj/", Html);
        var json = await index.GetAsync("/simple/proj/", Json);
        Assert.Contains("proj-1.0-py3-none-any.whl", html);
        Assert.DoesNotContain(wheel, html);
        Assert.DoesNotContain(wheel, json);
        Assert.DoesNotContain("\"2.0\"", json); // nor in the PEP 700 versions list

        var staged = await StagedAsync(bob);
        var release = Assert.Single(staged.EnumerateArray());
        Assert.Equal("2.0", release.GetProperty("version").GetString());
        Assert.Equal("alice", release.GetProperty("uploaders")[0].GetProperty("user").GetString());
        var sha256 = release.GetProperty("files")[0].GetProperty("sha256").GetString();
        var url = $"/files/{sha256}/{wheel}";
        Assert.Equal(HttpStatusCode.NotFound, await FileStatusAsync(index, url));
        Assert.Equal(HttpStatusCode.NotFound, await FileStatusAsync(index, url + ".metadata"));
        using var strangerList = await carol.SendAsync(HttpMethod.Get, "/_/projects/proj/staged");
        Assert.Equal(HttpStatusCode.Forbidden, strangerList.StatusCode);

        // Reviewers (owners and maintainers, signed in) can download what they are asked to approve; nobody else.
        var review = $"/_/projects/proj/staged/2.0/files/{wheel}";
        using (var download = await bob.SendAsync(HttpMethod.Get, review))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await download.Content.ReadAsByteArrayAsync())));
        }
        using (var strangerDownload = await carol.SendAsync(HttpMethod.Get, review)) Assert.Equal(HttpStatusCode.Forbidden, strangerDownload.StatusCode);
        using (var anonymousDownload = await index.Client.GetAsync(review)) Assert.Equal(HttpStatusCode.Unauthorized, anonymousDownload.StatusCode);
        using (var published = await bob.SendAsync(HttpMethod.Get, "/_/projects/proj/staged/1.0/files/proj-1.0-py3-none-any.whl"))
            Assert.Equal(HttpStatusCode.NotFound, published.StatusCode); // only staged files, not a side door to anything else

        // The uploader cannot approve her own release; a stranger cannot approve at all.
        using var self = await alice.PostAsync("/_/projects/proj/staged/2.0/approve");
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Contains("another maintainer must approve", await self.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await carol.PostAsync("/_/projects/proj/staged/2.0/approve")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync("/_/projects/proj/staged/9.9/approve")).StatusCode);
        Assert.DoesNotContain(wheel, await index.GetAsync("/simple/proj/", Html));

        // bob, signed in with his second factor, approves: visible at once (cache invalidated) and downloadable.
        using var approved = await bob.PostAsync("/_/projects/proj/staged/2.0/approve");
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Contains(wheel, await index.GetAsync("/simple/proj/", Html));
        Assert.Contains(wheel, await index.GetAsync("/simple/proj/", Json));
        Assert.Equal(HttpStatusCode.OK, await FileStatusAsync(index, url));
        Assert.Equal(0, (await StagedAsync(bob)).GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync("/_/projects/proj/staged/2.0/approve")).StatusCode); // once only

        using var events = await alice.SendAsync(HttpMethod.Get, "/_/projects/proj/events");
        var kinds = (await AccountClient.JsonAsync(events)).EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("project:approval-required", kinds);
        Assert.Contains("release:staged", kinds);
        Assert.Contains("release:approved", kinds);
    }

    [Fact]
    public async Task Approving_needs_two_factor_on_the_session_and_on_the_account()
    {
        await using var index = await TestIndex.StartAsync();
        var (alice, bob, _, token) = await ProjectAsync(index);
        var nina = await AccountClient.RegisterAsync(index, "nina", totp: false);
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/_/projects/proj/roles", new { username = "nina", role = "maintainer" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "proj", "2.0")).StatusCode);

        using var noTwoFactor = await nina.PostAsync("/_/projects/proj/staged/2.0/approve");
        Assert.Equal(HttpStatusCode.Forbidden, noTwoFactor.StatusCode);
        Assert.Contains("two-factor", await noTwoFactor.Content.ReadAsStringAsync());

        // A fresh session with the password only: the second factor is still pending.
        bob.Cookie = null;
        Assert.Equal(HttpStatusCode.OK, (await bob.LoginAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bob.PostAsync("/_/projects/proj/staged/2.0/approve")).StatusCode);
        Assert.DoesNotContain("proj-2.0", await index.GetAsync("/simple/proj/", Html));

        using var verify = await bob.PostAsync("/_/account/2fa/totp/verify", new { code = bob.NextCode() });
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync("/_/projects/proj/staged/2.0/approve")).StatusCode);
        Assert.Contains("proj-2.0", await index.GetAsync("/simple/proj/", Html));
    }

    [Fact]
    public async Task Rejection_discards_the_staged_files_and_their_filenames_with_the_reason_recorded()
    {
        await using var index = await TestIndex.StartAsync();
        var (alice, bob, _, token) = await ProjectAsync(index);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "proj", "3.0")).StatusCode);
        var sha256 = (await StagedAsync(bob))[0].GetProperty("files")[0].GetProperty("sha256").GetString();

        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsync("/_/projects/proj/staged/3.0/reject", new { reason = " " })).StatusCode);
        using var rejected = await bob.PostAsync("/_/projects/proj/staged/3.0/reject", new { reason = "not built by our CI" });
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal(0, (await StagedAsync(bob)).GetArrayLength());
        Assert.DoesNotContain("proj-3.0", await index.GetAsync("/simple/proj/", Html));
        Assert.Equal(HttpStatusCode.NotFound, await FileStatusAsync(index, $"/files/{sha256}/proj-3.0-py3-none-any.whl"));

        // The filename is spent: the same bytes cannot come back as a fresh staged release.
        using var again = await index.UploadWheelAsync(token, "proj", "3.0");
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("cannot be reused", again.ReasonPhrase);

        // The uploader may withdraw her own release (rejecting is never the dangerous direction).
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "proj", "3.1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/_/projects/proj/staged/3.1/reject", new { reason = "wrong version number" })).StatusCode);

        var events = await index.Accounts.EventsAsync(null, "proj", 100);
        var rejection = events.First(e => e.Kind == "release:rejected" && e.Details!.Contains("3.0"));
        Assert.Contains("not built by our CI", rejection.Details);
        Assert.Equal((await index.Accounts.UserByNameAsync("bob"))!.Id, rejection.UserId);
    }

    [Fact]
    public async Task An_admin_approves_for_a_single_maintainer_and_any_maintainer_approves_a_trusted_publisher_upload()
    {
        await using var index = await TestIndex.StartAsync();
        var alice = await AccountClient.RegisterAsync(index, "alice");
        var token = await alice.CreateTokenAsync(["solo"]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "solo", "1.0")).StatusCode);
        var admin = await index.TokenAsync(null, admin: true);
        using (var set = new HttpRequestMessage(HttpMethod.Put, "/_admin/projects/solo/approval") { Content = JsonContent.Create(new { value = true }) })
        {
            set.Headers.Authorization = new("Bearer", admin);
            Assert.Equal(HttpStatusCode.OK, (await index.Client.SendAsync(set)).StatusCode);
        }
        Assert.True(await index.Accounts.ApprovalRequiredAsync("solo"));

        // alice is the only maintainer: she cannot approve her upload; an admin can.
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "solo", "2.0")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.PostAsync("/_/projects/solo/staged/2.0/approve")).StatusCode);
        using (var list = new HttpRequestMessage(HttpMethod.Get, "/_admin/projects/solo/staged"))
        {
            list.Headers.Authorization = new("Bearer", admin);
            using var listed = await index.Client.SendAsync(list);
            Assert.Equal("2.0", (await AccountClient.JsonAsync(listed)).GetProperty("staged")[0].GetProperty("version").GetString());
        }
        using (var approve = new HttpRequestMessage(HttpMethod.Post, "/_admin/projects/solo/staged/2.0/approve"))
        {
            approve.Headers.Authorization = new("Bearer", admin);
            Assert.Equal(HttpStatusCode.OK, (await index.Client.SendAsync(approve)).StatusCode);
        }
        Assert.Contains("solo-2.0", await index.GetAsync("/simple/solo/", Html));
        var approved = Assert.Single(await index.Accounts.EventsAsync(null, "solo", 50), e => e.Kind == "release:approved");
        Assert.Contains("\"by\":\"admin token ", approved.Details); // the admin token that approved, not just "admin"

        // A trusted publisher's upload has no human uploader: the one human maintainer may approve it.
        var (_, publisherToken) = await Tokens.IssueAsync(index.Accounts, null, false, "minted", [Macaroons.ProjectsCaveat(["solo"])], "publisher-1", DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(publisherToken, "solo", "3.0")).StatusCode);
        Assert.DoesNotContain("solo-3.0", await index.GetAsync("/simple/solo/", Html));
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/_/projects/solo/staged/3.0/approve")).StatusCode);
        Assert.Contains("solo-3.0", await index.GetAsync("/simple/solo/", Html));

        // The moat admin operations (what the CLI runs) reject too; turning approval off publishes uploads directly again.
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "solo", "4.0")).StatusCode);
        Assert.False((await index.Admin.RejectAsync("solo", "4.0", null)).Ok);
        Assert.True((await index.Admin.RejectAsync("solo", "4.0", "superseded")).Ok);
        Assert.True((await index.Admin.SetApprovalRequiredAsync("solo", false)).Ok);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "solo", "5.0")).StatusCode);
        Assert.Contains("solo-5.0", await index.GetAsync("/simple/solo/", Html));
        Assert.DoesNotContain("solo-4.0", await index.GetAsync("/simple/solo/", Html));
    }

    [Fact]
    public async Task The_store_leaves_staged_files_out_of_listings_and_publishes_or_discards_a_whole_release()
    {
        var root = Path.Combine(Path.GetTempPath(), "moat-storage-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var store = Moat.Index.Storage.SqlMetadataStore.Open(Path.Combine(root, "moat.db"));
            Moat.Index.Storage.FileRecord File(string filename, string version, Moat.Index.Storage.FileState state) => new(filename, "a", version, PackageType.Wheel, "py3", null,
                Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(filename))), null, new string('2', 32), 10,
                DateTimeOffset.UtcNow, null, false, null, state, null, null, null);
            await store.AddFileAsync(File("a-1.0-py3-none-any.whl", "1.0", Moat.Index.Storage.FileState.Available), "a");
            await store.AddFileAsync(File("a-2.0-py3-none-any.whl", "2.0", Moat.Index.Storage.FileState.Staged), "a");
            await store.AddFileAsync(File("a-2.0.tar.gz", "2.0", Moat.Index.Storage.FileState.Staged), "a");
            await store.AddFileAsync(File("a-3.0-py3-none-any.whl", "3.0", Moat.Index.Storage.FileState.Staged), "a");

            Assert.Equal(["a-1.0-py3-none-any.whl"], (await store.GetListingAsync(NormalizedName.Of("a")))!.Files.Select(f => f.Filename));
            Assert.Equal(3, (await store.GetStagedFilesAsync(NormalizedName.Of("a"))).Count);
            Assert.Equal(Moat.Index.Storage.FileState.Staged, (await store.GetFileAsync("a-2.0.tar.gz"))!.State); // round-trips

            var serial = await store.GetProjectSerialAsync(NormalizedName.Of("a"));
            Assert.Equal(2, await store.PublishStagedAsync(NormalizedName.Of("a"), "2.0"));
            Assert.True(await store.GetProjectSerialAsync(NormalizedName.Of("a")) > serial); // cached pages notice
            Assert.Equal(0, await store.PublishStagedAsync(NormalizedName.Of("a"), "2.0"));
            Assert.Equal(3, (await store.GetListingAsync(NormalizedName.Of("a")))!.Files.Count);

            Assert.Equal(["a-3.0-py3-none-any.whl"], await store.DiscardStagedAsync(NormalizedName.Of("a"), "3.0"));
            Assert.Null(await store.GetFileAsync("a-3.0-py3-none-any.whl"));
            Assert.Equal(Moat.Index.Storage.AddFileOutcome.FilenameDeleted, (await store.AddFileAsync(File("a-3.0-py3-none-any.whl", "3.0", Moat.Index.Storage.FileState.Staged), "a")).Outcome);
            Assert.Empty(await store.DiscardStagedAsync(NormalizedName.Of("a"), "1.0")); // never touches published files
            Assert.Equal(Moat.Index.Storage.FileState.Quarantined, Moat.Index.Storage.FileStateNames.Parse("something-new")); // unknown never shows
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Only_owners_change_the_approval_setting()
    {
        await using var index = await TestIndex.StartAsync();
        var (_, bob, carol, _) = await ProjectAsync(index);
        using var maintainer = await bob.SendAsync(HttpMethod.Put, "/_/projects/proj/approval", new { required = false });
        Assert.Equal(HttpStatusCode.Forbidden, maintainer.StatusCode);
        using var stranger = await carol.SendAsync(HttpMethod.Put, "/_/projects/proj/approval", new { required = false });
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        Assert.True(await index.Accounts.ApprovalRequiredAsync("proj"));
    }
}
