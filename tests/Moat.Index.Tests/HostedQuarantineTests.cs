using Moat.Packaging.Distributions;
using Moat.Packaging;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Moat.Index.Admin;
using Moat.Index.Errors;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// Uploads the gate quarantined (policy <c>malicious = "quarantine"</c>): hidden from clients, listed for admins with
/// their findings and uploader, released (installable at once, page cache or not) or blocked for good — each
/// decision with a required reason, recorded with the administrator; never by a non-admin.
/// </summary>
public sealed class HostedQuarantineTests : IDisposable
{
    private const string Html = "text/html";
    private const string Json = "application/vnd.pypi.simple.v1+json";
    private readonly DirectoryInfo _packed = Directory.CreateTempSubdirectory("moat-hosted-quarantine-");

    /// <summary>A server whose pages are cached for an hour (only an invalidation can show a released file), holding a malicious-shaped upload by mallory.</summary>
    private async Task<(TestIndex Index, string Project, string Filename, byte[] Content, string UserToken)> QuarantinedUploadAsync(bool approvalRequired = false)
    {
        var index = await TestIndex.StartAsync(o => o with { OnMalicious = GatePolicyAction.Quarantine, PageRevalidateAfter = TimeSpan.FromHours(1) });
        // Defanged cryptominer (pool address in base64, example.net hosts): judged malicious by the code scan.
        var (project, version, filename, content) = FixturePacker.PackCorpusSample("malicious", "m093-miner-obfuscated-pool", _packed.FullName);
        var mallory = await AccountClient.RegisterAsync(index, "mallory");
        var token = await mallory.CreateTokenAsync([project]);
        // A benign first release, so the project (and its simple page) exists and is cached before the quarantine.
        Assert.Equal(HttpStatusCode.OK, (await index.UploadAsync(token, TestDistributions.UploadForm(project, "0.1", TestDistributions.SdistFilename(project, "0.1"),
            TestDistributions.Sdist(project, "0.1"), wheel: false))).StatusCode);
        if (approvalRequired) Assert.True((await index.Admin.SetApprovalRequiredAsync(project, true)).Ok);
        using var upload = await index.UploadAsync(token, TestDistributions.UploadForm(project, version, filename, content, wheel: false));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(FileState.Quarantined, (await index.Store.GetFileAsync(filename))!.State);
        return (index, project, filename, content, token);
    }

    private static async Task<HttpResponseMessage> AdminAsync(TestIndex index, string token, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = TestIndex.Basic(token);
        return await index.Client.SendAsync(request);
    }

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task A_quarantined_upload_is_listed_for_admins_then_released_with_a_reason_and_pip_sees_and_downloads_it_at_once()
    {
        var (index, project, filename, content, userToken) = await QuarantinedUploadAsync();
        await using var owned = index;
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));
        Assert.DoesNotContain(filename, await index.GetAsync($"/simple/{project}/", Html));
        Assert.DoesNotContain(filename, await index.GetAsync($"/simple/{project}/", Json)); // both now cached for an hour
        Assert.Equal(HttpStatusCode.Forbidden, (await index.Client.GetAsync($"/files/{sha}/{filename}")).StatusCode);

        var adminToken = await index.TokenAsync(null, admin: true);
        using var listed = await AdminAsync(index, adminToken, HttpMethod.Get, "/_admin/quarantine");
        var entry = Assert.Single((await JsonOf(listed)).EnumerateArray());
        Assert.Equal(filename, entry.GetProperty("filename").GetString());
        Assert.Equal("token of mallory (test)", entry.GetProperty("uploaded_by").GetString()); // the token's user and name, not the token id
        Assert.Equal("quarantined", entry.GetProperty("state").GetString());
        Assert.Equal("malicious", entry.GetProperty("verdict").GetProperty("verdict").GetString());
        Assert.Contains(entry.GetProperty("verdict").GetProperty("findings").EnumerateArray(), f => f.GetProperty("rule").GetString()!.StartsWith("MOAT-CODE", StringComparison.Ordinal));

        // The uploader's own token is no admin: it can neither look nor release.
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminAsync(index, userToken, HttpMethod.Get, "/_admin/quarantine")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminAsync(index, userToken, HttpMethod.Post, $"/_admin/files/{filename}/release", new { reason = "trust me" })).StatusCode);
        // A release without a reason changes nothing.
        Assert.Equal(HttpStatusCode.BadRequest, (await AdminAsync(index, adminToken, HttpMethod.Post, $"/_admin/files/{filename}/release", new { reason = " " })).StatusCode);
        Assert.Equal(FileState.Quarantined, (await index.Store.GetFileAsync(filename))!.State);

        var serial = await index.Store.GetProjectSerialAsync(NormalizedName.Of(project));
        using var released = await AdminAsync(index, adminToken, HttpMethod.Post, $"/_admin/files/{filename}/release", new { reason = "reviewed: the pool address is a test fixture" });
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.True(await index.Store.GetProjectSerialAsync(NormalizedName.Of(project)) > serial);
        Assert.Contains(filename, await index.GetAsync($"/simple/{project}/", Html));
        Assert.Contains(filename, await index.GetAsync($"/simple/{project}/", Json));
        Assert.Equal(content, await index.Client.GetByteArrayAsync($"/files/{sha}/{filename}"));
        Assert.Empty((await JsonOf(await AdminAsync(index, adminToken, HttpMethod.Get, "/_admin/quarantine"))).EnumerateArray());
        // Nothing is left to release: a second decision is a conflict, not a silent success.
        Assert.Equal(HttpStatusCode.Conflict, (await AdminAsync(index, adminToken, HttpMethod.Post, $"/_admin/files/{filename}/block", new { reason = "too late" })).StatusCode);

        var events = await index.Accounts.EventsAsync(null, project, 100);
        var recorded = Assert.Single(events, e => e.Kind == "firewall:release");
        var details = JsonDocument.Parse(recorded.Details!).RootElement;
        Assert.Equal("reviewed: the pool address is a test fixture", details.GetProperty("reason").GetString());
        Assert.Equal("uploaded", details.GetProperty("origin").GetString());
        Assert.StartsWith("admin token ", details.GetProperty("by").GetString()); // an operator-made admin token has no user
        Assert.DoesNotContain(events, e => e.Details?.Contains("trust me", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_blocked_upload_stays_hidden_can_never_be_released_and_its_filename_is_refused_even_with_the_same_content()
    {
        var (index, project, filename, content, userToken) = await QuarantinedUploadAsync();
        await using var owned = index;
        var ops = new HostedQuarantine(index.Store, index.Accounts, new Moat.Index.Security.SecurityEvents(index.Accounts, TimeProvider.System));
        await AccountClient.RegisterAsync(index, "alice");
        var admin = new AdminActor("alice", (await index.Accounts.UserByNameAsync("alice"))!.Id);

        Assert.Equal(IndexError.Invalid, (await ops.BlockAsync(filename, null, admin)).Error);
        var blocked = await ops.BlockAsync(filename, "cryptominer: spawns xmrig against a pool", admin);
        Assert.True(blocked.Ok, blocked.Message);
        Assert.Equal(FileState.Blocked, (await index.Store.GetFileAsync(filename))!.State);
        Assert.DoesNotContain(filename, await index.GetAsync($"/simple/{project}/", Html));
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));
        using var download = await index.Client.GetAsync($"/files/{sha}/{filename}");
        Assert.Equal(HttpStatusCode.Forbidden, download.StatusCode);
        Assert.Contains("blocked by an administrator: cryptominer", download.ReasonPhrase);

        var release = await ops.ReleaseAsync(filename, "changed my mind", admin);
        Assert.Equal(IndexError.Conflict, release.Error);
        Assert.Equal(FileState.Blocked, (await index.Store.GetFileAsync(filename))!.State);
        using (var again = await index.UploadAsync(userToken, TestDistributions.UploadForm(project, "0.2.7", filename, content, wheel: false)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
            Assert.Contains("blocked by an administrator", again.ReasonPhrase);
        }
        Assert.Equal(FileState.Blocked, (await index.Store.GetFileAsync(filename))!.State);

        // Still listed for admins (as blocked), and the block is on record with the administrator's account.
        var entry = Assert.Single(await ops.ListAsync());
        Assert.Equal(FileState.Blocked, entry.File.State);
        Assert.Equal("token of mallory (test)", entry.Uploader);
        var recorded = Assert.Single(await index.Accounts.EventsAsync(null, project, 100), e => e.Kind == "firewall:block");
        Assert.Equal(admin.UserId, recorded.UserId);
        Assert.Contains("\"by\":\"alice\"", recorded.Details);
    }

    [Fact]
    public async Task On_a_project_that_requires_release_approval_an_admin_release_makes_the_file_available_not_staged()
    {
        var (index, project, filename, _, _) = await QuarantinedUploadAsync(approvalRequired: true);
        await using var owned = index;
        var ops = index.App.Services.GetService(typeof(HostedQuarantine)) as HostedQuarantine;
        Assert.NotNull(ops);
        var outcome = await ops.ReleaseAsync(filename, "reviewed the findings", AdminActor.CommandLine);
        Assert.True(outcome.Ok, outcome.Message);
        Assert.Equal(FileState.Available, (await index.Store.GetFileAsync(filename))!.State);
        Assert.Contains(filename, await index.GetAsync($"/simple/{project}/", Html));
        Assert.Contains("\"by\":\"moat admin (", Assert.Single(await index.Accounts.EventsAsync(null, project, 100), e => e.Kind == "firewall:release").Details);
    }

    [Fact]
    public async Task The_store_changes_a_state_only_from_the_expected_one_and_lists_only_held_files()
    {
        await using var index = await TestIndex.StartAsync();
        FileRecord File(string name, FileState state) => new($"{name}-1.0.tar.gz", "held", "1.0", PackageType.Sdist, "source", null, new string(name[0], 64), null, "00", 10,
            DateTimeOffset.UtcNow, null, false, null, state, state == FileState.Quarantined ? "gate" : null, null, null);
        foreach (var (name, state) in new[] { ("available", FileState.Available), ("quarantined", FileState.Quarantined), ("staged", FileState.Staged) })
            Assert.Equal(AddFileOutcome.Added, (await index.Store.AddFileAsync(File(name, state), "held")).Outcome);

        Assert.Equal(["quarantined-1.0.tar.gz"], (await index.Store.GetHeldFilesAsync()).Select(f => f.Filename));
        var serial = await index.Store.GetProjectSerialAsync(NormalizedName.Of("held"));
        Assert.False(await index.Store.ChangeFileStateAsync("staged-1.0.tar.gz", FileState.Quarantined, FileState.Available, "no"));
        Assert.False(await index.Store.ChangeFileStateAsync("missing-1.0.tar.gz", FileState.Quarantined, FileState.Available, "no"));
        Assert.Equal(serial, await index.Store.GetProjectSerialAsync(NormalizedName.Of("held"))); // nothing changed, nothing bumped
        Assert.True(await index.Store.ChangeFileStateAsync("quarantined-1.0.tar.gz", FileState.Quarantined, FileState.Blocked, "malware"));
        Assert.True(await index.Store.GetProjectSerialAsync(NormalizedName.Of("held")) > serial);
        var held = Assert.Single(await index.Store.GetHeldFilesAsync());
        Assert.Equal((FileState.Blocked, "malware"), (held.State, held.StateReason));
        Assert.False(await index.Store.ChangeFileStateAsync("quarantined-1.0.tar.gz", FileState.Quarantined, FileState.Available, "race"));
    }

    public void Dispose() => _packed.Delete(recursive: true);
}
