using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// The security notices PyPI sends, each checked in the mail the index wrote: a second factor added or removed, a new
/// API token, a token used from a new address (recorded too), a trusted publisher added (to the owners), and an upload
/// held for review or refused (to the uploader and the owners; a refusal recorded naming the token and its user).
/// </summary>
public sealed class SecurityNoticeTests : IDisposable
{
    private readonly DirectoryInfo _packed = Directory.CreateTempSubdirectory("moat-notices-");

    private static bool Subject(string mail, string subject) => mail.Contains("Subject: " + subject, StringComparison.Ordinal);

    [Fact]
    public async Task Second_factor_changes_and_new_tokens_are_mailed_to_the_account()
    {
        await using var index = await TestIndex.StartAsync();
        var lea = await AccountClient.RegisterAsync(index, "lea");
        Assert.Contains(index.MailTo("lea@example.com"), m => Subject(m, "A second factor was added to your Moat account") && m.Contains("An authenticator app (TOTP) was added", StringComparison.Ordinal));

        using (var created = await lea.PostAsync("/_/account/tokens", new { description = "ci-release", projects = new[] { "leaproj" } }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var tokenMail = Assert.Single(index.MailTo("lea@example.com"), m => Subject(m, "A new API token was added to your Moat account"));
        Assert.Contains("(\"ci-release\")", tokenMail);
        Assert.Contains("restricted by", tokenMail);

        using (var removed = await lea.SendAsync(HttpMethod.Delete, "/_/account/2fa/totp"))
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Contains(index.MailTo("lea@example.com"), m => Subject(m, "A second factor was removed from your Moat account") && m.Contains("The authenticator app (TOTP) was removed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_token_used_from_a_new_address_is_mailed_to_its_owner_once_and_recorded()
    {
        await using var index = await TestIndex.StartAsync();
        var max = await AccountClient.RegisterAsync(index, "max");
        var token = await max.CreateTokenAsync(["maxproj"]);
        const string NewPlace = "Your Moat API token was used from a new address";

        Assert.Equal(StatusCodes.Status400BadRequest, await UploadFromAsync(index, "192.0.2.10", token)); // authenticated, then an empty form
        Assert.Equal(StatusCodes.Status400BadRequest, await UploadFromAsync(index, "192.0.2.10", token));
        Assert.DoesNotContain(index.MailTo("max@example.com"), m => Subject(m, NewPlace)); // its first place is no news

        Assert.Equal(StatusCodes.Status400BadRequest, await UploadFromAsync(index, "198.51.100.7", token));
        Assert.Equal(StatusCodes.Status400BadRequest, await UploadFromAsync(index, "198.51.100.7", token));
        var mail = Assert.Single(index.MailTo("max@example.com"), m => Subject(m, NewPlace));
        Assert.Contains("was used from 198.51.100.7 (moat-notice-test)", mail);
        var user = await index.Accounts.UserByNameAsync("max");
        var recorded = Assert.Single(await index.Accounts.EventsAsync(user!.Id, null, 50), e => e.Kind == "token:new-address");
        Assert.Contains("198.51.100.7", recorded.Details);
    }

    [Theory]
    [InlineData(GatePolicyAction.Quarantine)]
    [InlineData(GatePolicyAction.Reject)]
    public async Task A_held_or_refused_upload_is_mailed_to_the_uploader_and_the_owners(GatePolicyAction policy)
    {
        await using var index = await TestIndex.StartAsync(o => o with { OnMalicious = policy });
        // Defanged cryptominer (pool address in base64, example.net hosts): judged malicious by the code scan.
        var (project, version, filename, content) = FixturePacker.PackCorpusSample("malicious", "m093-miner-obfuscated-pool", _packed.FullName);
        var olga = await AccountClient.RegisterAsync(index, "olga");
        var mallory = await AccountClient.RegisterAsync(index, "mallory");
        var ownerToken = await olga.CreateTokenAsync([project]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadAsync(ownerToken, TestDistributions.UploadForm(project, "0.1", TestDistributions.SdistFilename(project, "0.1"),
            TestDistributions.Sdist(project, "0.1"), wheel: false))).StatusCode);
        using (var role = await olga.PostAsync($"/_/projects/{project}/roles", new { username = "mallory", role = "maintainer" }))
            Assert.Equal(HttpStatusCode.OK, role.StatusCode);
        var token = await mallory.CreateTokenAsync([project]);

        using var upload = await index.UploadAsync(token, TestDistributions.UploadForm(project, version, filename, content, wheel: false));
        var body = await upload.Content.ReadAsStringAsync();
        if (policy == GatePolicyAction.Quarantine)
        {
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
            Assert.StartsWith($"OK, accepted but held for review: {filename} is quarantined: judged malicious", upload.ReasonPhrase);
            Assert.Contains("accepted but held for review", body);
        }
        else Assert.Equal(HttpStatusCode.BadRequest, upload.StatusCode);

        var subject = policy == GatePolicyAction.Quarantine ? $"{filename} was accepted but held for review" : $"An upload of {filename} was refused";
        foreach (var who in new[] { "olga", "mallory" })
        {
            var mail = Assert.Single(index.MailTo($"{who}@example.com"), m => Subject(m, subject));
            Assert.Contains($"uploaded to {project} by token of mallory (test)", mail);
            Assert.Contains("judged malicious", mail);
        }
        var refusals = (await index.Accounts.EventsAsync(null, project, 100)).Where(e => e.Kind == "file:upload-refused").ToList();
        if (policy == GatePolicyAction.Quarantine) Assert.Empty(refusals);
        else
        {
            var details = JsonDocument.Parse(Assert.Single(refusals).Details!).RootElement;
            Assert.Equal(filename, details.GetProperty("filename").GetString());
            Assert.Equal("token of mallory (test)", details.GetProperty("by").GetString());
            Assert.Equal("policy", details.GetProperty("stage").GetString());
            var tokenId = details.GetProperty("token").GetString();
            Assert.Equal((await index.Accounts.UserMacaroonsAsync((await index.Accounts.UserByNameAsync("mallory"))!.Id)).Single().Id, tokenId);
        }
    }

    [Fact]
    public async Task A_trusted_publisher_added_to_a_project_is_mailed_to_its_owners_and_a_refused_token_is_recorded()
    {
        await using var index = await TestIndex.StartAsync();
        var pia = await AccountClient.RegisterAsync(index, "pia");
        var token = await pia.CreateTokenAsync(["piaproj"]);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "piaproj", "1.0")).StatusCode);
        using (var added = await pia.PostAsync("/_/projects/piaproj/publishers", new { kind = "github", repository = "acme/piaproj", ownerId = "42", workflow = "release.yml" }))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var mail = Assert.Single(index.MailTo("pia@example.com"), m => Subject(m, "A trusted publisher was added to piaproj"));
        Assert.Contains("pia added a trusted publisher to piaproj: github:acme/piaproj, workflow release.yml", mail);

        // The same token on a project it is not scoped to: refused, and the attempt names the token and its user.
        Assert.Equal(HttpStatusCode.Forbidden, (await index.UploadWheelAsync(token, "otherproj", "1.0")).StatusCode);
        var refused = Assert.Single(await index.Accounts.EventsAsync(null, "otherproj", 10), e => e.Kind == "file:upload-refused");
        Assert.Contains("\"by\":\"token of pia (test)\"", refused.Details);
        Assert.Contains("\"stage\":\"authorization\"", refused.Details);
    }

    /// <summary>An upload attempt from a given client address (the test server takes the connection's address from the context).</summary>
    private static async Task<int> UploadFromAsync(TestIndex index, string address, string token)
    {
        var context = await index.App.GetTestServer().SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
            c.Request.Method = HttpMethods.Post;
            c.Request.Path = "/legacy/";
            c.Request.Headers.Authorization = TestIndex.Basic(token).ToString();
            c.Request.Headers.UserAgent = "moat-notice-test";
            c.Request.ContentType = "multipart/form-data; boundary=x";
            c.Request.Body = new MemoryStream("--x--\r\n"u8.ToArray());
        });
        return context.Response.StatusCode;
    }

    public void Dispose() => _packed.Delete(recursive: true);
}
