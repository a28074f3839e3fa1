using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Checks;
using Moat.Analysis.Dependencies.Manifests;

namespace Moat.Analysis.Tests.Dependencies;

public class ProvenanceCheckTests
{
    private static ScanResult Audit(DependencyProvenance provenance)
    {
        var manifest = RequirementsFile.Parse("/p/requirements.txt", _ => "widget==2.0\n");
        var options = new AuditOptions { Provenance = new Dictionary<Dependency, DependencyProvenance>(ReferenceEqualityComparer.Instance) { [manifest.Dependencies[0]] = provenance } };
        return DependencyAudit.Run([manifest], options).Single(r => r.Target == "widget==2.0");
    }

    [Fact]
    public void A_verified_attestation_says_who_built_the_file_and_leaves_the_dependency_clean()
    {
        var result = Audit(new DependencyProvenance([new("widget-2.0-py3-none-any.whl", Attested: true, Verified: true, "acme/widget", "release.yml", "0123abcd")]));
        var finding = Assert.Single(result.Findings);
        Assert.Equal(ProvenanceCheck.Verified.Id, finding.RuleId);
        Assert.Equal("widget-2.0-py3-none-any.whl was built by acme/widget workflow release.yml at commit 0123abcd", finding.Message);
        Assert.Equal(Verdict.Clean, result.Verdict);
        // A project that never attested anything has nothing to say either way.
        Assert.Empty(Audit(new DependencyProvenance([new("widget-2.0.tar.gz", Attested: false, Verified: false)])).Findings);
    }

    [Fact]
    public void An_invalid_attestation_and_a_continuity_break_are_high_findings()
    {
        var invalid = Audit(new DependencyProvenance([new("widget-2.0.tar.gz", Attested: true, Verified: false, Reason: "the statement's subject digest is sha256:00, not this file's")]));
        Assert.Equal([ProvenanceCheck.Invalid.Id], invalid.Findings.Select(f => f.RuleId));
        Assert.Equal(Severity.High, invalid.Findings[0].Severity);

        var broken = Audit(new DependencyProvenance([new("widget-2.0.tar.gz", Attested: false, Verified: false)],
            ContinuityBreak: "provenance continuity: earlier releases of widget were attested by acme/widget workflow release.yml, this file carries no attestation"));
        Assert.Equal([ProvenanceCheck.ContinuityBreak.Id], broken.Findings.Select(f => f.RuleId));
        Assert.NotEqual(Verdict.Clean, broken.Verdict);
    }

    [Fact]
    public void What_could_not_be_checked_is_unverified_never_clean()
    {
        var result = Audit(new DependencyProvenance([], NotChecked: "the index answered 503 for widget"));
        Assert.Equal([ProvenanceCheck.NotChecked.Id], result.Findings.Select(f => f.RuleId));
        Assert.Equal(Verdict.Unverified, result.Verdict);
    }
}
