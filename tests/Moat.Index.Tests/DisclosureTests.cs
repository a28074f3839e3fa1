using System.Net;
using System.Security.Cryptography;
using System.Text;
using Moat.Testing;

namespace Moat.Index.Tests;

public sealed class DisclosureTests
{
    private static async Task<HttpResponseMessage> ReportAsync(TestIndex index, byte[] body, string keyId, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_/secrets/disclose-token") { Content = new ByteArrayContent(body) };
        request.Headers.Add("Github-Public-Key-Identifier", keyId);
        request.Headers.Add("Github-Public-Key-Signature", signature);
        return await index.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_signed_leak_report_revokes_the_token_and_tells_the_owner_a_forged_one_changes_nothing()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var index = await TestIndex.StartAsync(o => o with { Security = o.Security with { DisclosureKeysUrl = issuer.Url + "/partner-keys" } });
        var owner = await AccountClient.RegisterAsync(index, "leaky");
        var token = await owner.CreateTokenAsync();
        var body = Encoding.UTF8.GetBytes($$"""[{"token":"{{token}}","type":"moat_api_token","url":"https://example.com/leak.py","source":"content"}]""");

        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var forged = await ReportAsync(index, body, issuer.PartnerKeyId, issuer.SignReport(body, forger));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ReportAsync(index, body, "unknown-key", issuer.SignReport(body))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "leaky-pkg", "1.0")).StatusCode);

        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("leak.py", "other.py"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await ReportAsync(index, tampered, issuer.PartnerKeyId, issuer.SignReport(body))).StatusCode);

        using var genuine = await ReportAsync(index, body, issuer.PartnerKeyId, issuer.SignReport(body));
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        Assert.Equal("true_positive", (await AccountClient.JsonAsync(genuine))[0].GetProperty("label").GetString());
        using var after = await index.UploadWheelAsync(token, "leaky-pkg", "1.1");
        Assert.Equal("The token has been revoked.", after.ReasonPhrase);
        Assert.Contains(index.MailTo("leaky@example.com"), m => m.Contains("found in public", StringComparison.Ordinal) && m.Contains("https://example.com/leak.py", StringComparison.Ordinal));

        var notOurs = Encoding.UTF8.GetBytes("""[{"token":"moat-notarealtoken","type":"moat_api_token","url":null,"source":"content"}]""");
        using var fp = await ReportAsync(index, notOurs, issuer.PartnerKeyId, issuer.SignReport(notOurs));
        Assert.Equal("false_positive", (await AccountClient.JsonAsync(fp))[0].GetProperty("label").GetString());

        var kinds = (await index.Admin.EventsAsync(null, null, 100)).Select(e => e.Kind).ToList();
        Assert.Contains("token:revoked-leaked", kinds);
        Assert.Contains("disclosure:forged", kinds);
    }
}
