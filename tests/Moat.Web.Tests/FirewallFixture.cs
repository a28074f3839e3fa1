using System.Net;
using Moat.Index;
using Moat.Testing;

namespace Moat.Web.Tests;

/// <summary>
/// A server proxying a local static upstream (tests/Shared StaticUpstream) that serves a defanged malicious sample
/// (tests/fixtures/code/corpus/malicious/m002…): fetching it through the proxy makes the gate quarantine it.
/// </summary>
public sealed class FirewallFixture : WebFixture
{
    private readonly StaticUpstream _upstream = StaticUpstream.Start();
    private readonly DirectoryInfo _packed = Directory.CreateTempSubdirectory("moat-web-proxy-");

    protected override IndexOptions Configure(IndexOptions options) =>
        options with { Proxy = options.Proxy with { Upstream = _upstream.SimpleUrl }, OnMalicious = GatePolicyAction.Quarantine };

    private Task<StaticUpstream.Dist>? _quarantined;

    /// <summary>The malicious sample, published upstream and fetched once through the proxy (refused: quarantined).</summary>
    internal Task<StaticUpstream.Dist> QuarantinedSampleAsync() => _quarantined ??= QuarantineAsync();

    private async Task<StaticUpstream.Dist> QuarantineAsync()
    {
        var sample = TestPaths.Fixtures("code", "corpus", "malicious", "m002-setup-module-exec-b64");
        var meta = FixturePacker.ReadSample(sample);
        var archive = FixturePacker.Pack(sample, _packed.FullName);
        var dist = _upstream.Add(Moat.Packaging.ProjectName.Normalize(meta.Name), Path.GetFileName(archive), File.ReadAllBytes(archive));
        using var http = new HttpClient();
        using var blocked = await http.GetAsync($"{Server.Url}/files/{dist.Sha256}/{dist.Filename}");
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        return dist;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _upstream.Dispose();
        _packed.Delete(recursive: true);
    }
}
