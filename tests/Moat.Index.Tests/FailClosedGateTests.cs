using System.IO.Compression;
using System.Net;
using System.Text;
using Moat.Index.Proxy;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// The gate fails closed: a payload padded past the reader's 64 MiB member limit is still found, and whatever could
/// not be checked (unverified) is quarantined for an administrator, for uploads and proxied files alike.
/// </summary>
public sealed class FailClosedGateTests : IDisposable
{
    private const long PastTheMemberLimit = 65L * 1024 * 1024;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("moat-failclosed-gate-");
    private readonly StaticUpstream _upstream = StaticUpstream.Start();

    private byte[] PaddedWheelBytes(string project) =>
        File.ReadAllBytes(PaddedWheel.Build(_temp.FullName, project, "1.0", PastTheMemberLimit));

    /// <summary>A clean wheel that also holds archives nested deeper than the reader opens: nothing bad, but not all checked.</summary>
    private static byte[] TooDeepWheel(string project)
    {
        var nested = "plain text at the bottom\n"u8.ToArray();
        foreach (var name in new[] { "bottom.txt", "d.zip", "c.zip", "b.zip" }) nested = ZipOf(name, nested);
        using var buffer = new MemoryStream();
        buffer.Write(TestDistributions.Wheel(project, "1.0"));
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        using (var stream = zip.CreateEntry($"{project.Replace('-', '_')}/data/a.zip").Open()) stream.Write(nested);
        return buffer.ToArray();
    }

    private static byte[] ZipOf(string name, byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        using (var stream = zip.CreateEntry(name).Open()) stream.Write(data);
        return buffer.ToArray();
    }

    private static async Task<HttpResponseMessage> UploadAsync(TestIndex index, string project, byte[] content) =>
        await index.UploadAsync(await index.TokenAsync(project), TestDistributions.UploadForm(project, "1.0", TestDistributions.WheelFilename(project, "1.0"), content));

    private static async Task AssertNotServedAsync(TestIndex index, string project, string filename, string sha256)
    {
        using var page = await index.Client.GetAsync($"/simple/{project}/");
        if (page.IsSuccessStatusCode) Assert.DoesNotContain(filename, await page.Content.ReadAsStringAsync());
        using var download = await index.Client.GetAsync($"/files/{sha256}/{filename}");
        Assert.False(download.IsSuccessStatusCode, $"{filename} was served: {download.StatusCode}");
    }

    [Fact]
    public async Task An_upload_with_a_pth_payload_padded_past_the_member_limit_is_judged_malicious_and_never_served()
    {
        await using var index = await TestIndex.StartAsync(o => o with { OnMalicious = GatePolicyAction.Quarantine });
        const string project = "zz-padded-boot";
        var content = PaddedWheelBytes(project);
        var filename = TestDistributions.WheelFilename(project, "1.0");

        using var response = await UploadAsync(index, project, content);

        Assert.True(response.IsSuccessStatusCode, response.ReasonPhrase);
        Assert.Contains("quarantined: judged malicious", response.ReasonPhrase); // what twine shows
        var stored = (await index.Store.GetFileAsync(filename))!;
        Assert.Equal(FileState.Quarantined, stored.State);
        var verdict = (await index.Store.GetVerdictAsync(stored.Sha256))!;
        Assert.Equal("malicious", verdict.Verdict);
        Assert.Contains("MOAT-CODE-020", verdict.FindingsJson);   // the payload at the start of the .pth
        Assert.Contains("MOAT-PKG-011", verdict.FindingsJson);    // and the limit it was padded past
        await AssertNotServedAsync(index, project, filename, stored.Sha256);
    }

    [Fact]
    public async Task A_proxied_wheel_with_a_padded_pth_payload_is_quarantined_and_never_served()
    {
        const string project = "zz-padded-proxy";
        var dist = _upstream.Add(project, TestDistributions.WheelFilename(project, "1.0"), PaddedWheelBytes(project));
        await using var index = await TestIndex.StartAsync(o => o with { Proxy = new ProxyOptions { Upstream = _upstream.SimpleUrl }, OnMalicious = GatePolicyAction.Quarantine });
        await index.GetAsync($"/simple/{project}/", "text/html");

        using var blocked = await index.Client.GetAsync($"/files/{dist.Sha256}/{dist.Filename}");

        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Contains("malicious", blocked.ReasonPhrase);
        Assert.Contains("MOAT-CODE-020", blocked.ReasonPhrase);
        await AssertNotServedAsync(index, project, dist.Filename, dist.Sha256);
    }

    [Fact]
    public async Task An_unverified_upload_is_quarantined_with_the_reason_unless_fail_closed_is_off()
    {
        const string project = "zz-too-deep";
        var content = TooDeepWheel(project);
        var filename = TestDistributions.WheelFilename(project, "1.0");

        await using (var index = await TestIndex.StartAsync())
        {
            using var response = await UploadAsync(index, project, content);
            Assert.True(response.IsSuccessStatusCode, response.ReasonPhrase);
            Assert.Contains("quarantined: judged unverified (MOAT-PKG-011: NestingTooDeep", response.ReasonPhrase);
            Assert.Contains("until an administrator releases it", response.ReasonPhrase);
            var stored = (await index.Store.GetFileAsync(filename))!;
            Assert.Equal(FileState.Quarantined, stored.State);
            await AssertNotServedAsync(index, project, filename, stored.Sha256);
        }

        await using (var open = await TestIndex.StartAsync(o => o with { Proxy = o.Proxy with { FailClosed = false } }))
        {
            using var response = await UploadAsync(open, project, content);
            Assert.True(response.IsSuccessStatusCode, response.ReasonPhrase);
            Assert.Equal(FileState.Available, (await open.Store.GetFileAsync(filename))!.State);
        }
    }

    [Fact]
    public async Task An_unverified_proxied_file_is_quarantined_with_the_reason_in_the_status_line()
    {
        const string project = "zz-too-deep-proxy";
        var dist = _upstream.Add(project, TestDistributions.WheelFilename(project, "1.0"), TooDeepWheel(project));
        await using var index = await TestIndex.StartAsync(o => o with { Proxy = new ProxyOptions { Upstream = _upstream.SimpleUrl } });
        await index.GetAsync($"/simple/{project}/", "text/html");

        using var blocked = await index.Client.GetAsync($"/files/{dist.Sha256}/{dist.Filename}");

        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Contains("judged unverified (MOAT-PKG-011", blocked.ReasonPhrase);
    }

    public void Dispose()
    {
        _upstream.Dispose();
        _temp.Delete(recursive: true);
    }
}
