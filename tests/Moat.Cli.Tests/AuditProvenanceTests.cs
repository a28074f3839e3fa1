using System.Text.Json;
using Moat.Testing;

namespace Moat.Cli.Tests;

/// <summary><c>moat audit --provenance</c> against a static index that serves PEP 740 provenance, signed under a test Sigstore.</summary>
public sealed class AuditProvenanceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-audit-provenance", Guid.NewGuid().ToString("N"));
    private readonly TestSigstore _sigstore = new();

    public void Dispose()
    {
        _sigstore.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private StaticUpstream.Dist Signed(StaticUpstream index, string project, string version, string repository, string? sha256 = null)
    {
        var dist = index.AddWheel(project, version);
        index.SetProvenance(dist.Filename, TestSigstore.ProvenanceObject(repository,
            _sigstore.Attest(new TestSigstore.Options(dist.Filename, sha256 ?? dist.Sha256) { Repository = repository })));
        return dist;
    }

    [Fact]
    public void Each_pinned_dependency_shows_who_built_it_an_invalid_attestation_or_a_continuity_break()
    {
        using var index = StaticUpstream.Start();
        Signed(index, "goodpkg", "1.0", "acme/goodpkg");
        Signed(index, "goodpkg", "2.0", "acme/goodpkg");
        Signed(index, "breakpkg", "1.0", "acme/breakpkg");
        index.AddWheel("breakpkg", "2.0");
        Signed(index, "movedpkg", "1.0", "acme/movedpkg");
        Signed(index, "movedpkg", "2.0", "evil/movedpkg");
        Signed(index, "badpkg", "1.0", "acme/badpkg");
        Signed(index, "badpkg", "2.0", "acme/badpkg", sha256: new string('0', 64));
        index.AddWheel("plainpkg", "1.0");

        Directory.CreateDirectory(_root);
        var requirements = Path.Combine(_root, "requirements.txt");
        File.WriteAllText(requirements, "goodpkg==2.0\nbreakpkg==2.0\nmovedpkg==2.0\nbadpkg==2.0\nplainpkg==1.0\nmissingpkg==1.0\n");
        var root = Path.Combine(_root, "trusted_root.json");
        File.WriteAllText(root, _sigstore.TrustedRootJson());

        var (exit, output, error) = CliTests.Run(["audit", requirements, "--provenance", index.SimpleUrl, "--trust-root", root, "--format", "json", "--no-osv", "--no-names"]);
        Assert.True(exit == 1, $"exit {exit}: {error}");
        var results = JsonDocument.Parse(output).RootElement.GetProperty("results");
        List<JsonElement> Findings(string target) =>
            [.. results.EnumerateArray().Single(r => r.GetProperty("target").GetString() == target).GetProperty("findings").EnumerateArray()];
        string Rules(string target) => string.Join(",", Findings(target).Select(f => f.GetProperty("rule").GetString()));

        Assert.Equal("MOAT-DEP-014", Rules("goodpkg==2.0"));
        Assert.Equal("goodpkg-2.0-py3-none-any.whl was built by acme/goodpkg workflow release.yml at commit 0123456789abcdef0123456789abcdef01234567",
            Findings("goodpkg==2.0")[0].GetProperty("message").GetString());
        Assert.Equal("MOAT-DEP-016", Rules("breakpkg==2.0"));
        Assert.Contains("earlier releases of breakpkg were attested by acme/breakpkg workflow release.yml, this file carries no attestation", Findings("breakpkg==2.0")[0].GetProperty("message").GetString());
        Assert.Equal("MOAT-DEP-014,MOAT-DEP-016", Rules("movedpkg==2.0"));
        Assert.Equal("MOAT-DEP-015", Rules("badpkg==2.0"));
        Assert.Contains("subject digest", Findings("badpkg==2.0")[0].GetProperty("message").GetString());
        Assert.Equal("", Rules("plainpkg==1.0"));
        Assert.Equal("MOAT-DEP-017", Rules("missingpkg==1.0"));
    }

    [Fact]
    public void The_embedded_public_good_root_does_not_vouch_for_the_test_sigstore()
    {
        using var index = StaticUpstream.Start();
        Signed(index, "goodpkg", "1.0", "acme/goodpkg");
        Directory.CreateDirectory(_root);
        var requirements = Path.Combine(_root, "requirements.txt");
        File.WriteAllText(requirements, "goodpkg==1.0\n");
        var (_, output, error) = CliTests.Run(["audit", requirements, "--provenance", index.SimpleUrl, "--format", "json", "--no-osv", "--no-names"]);
        var finding = JsonDocument.Parse(output).RootElement.GetProperty("results")[0].GetProperty("findings").EnumerateArray().Single();
        Assert.Equal("MOAT-DEP-015", finding.GetProperty("rule").GetString());
        Assert.Contains("not in the trust root", finding.GetProperty("message").GetString());

        var (exit, _, refused) = CliTests.Run(["audit", requirements, "--trust-root", "/nonexistent.json", "--no-osv"]);
        Assert.Equal(2, exit);
        Assert.Contains("--trust-root needs --provenance", refused);
    }
}
