using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Checks;
using Moat.Analysis.Dependencies.Manifests;
using Moat.Testing;

namespace Moat.Analysis.Tests.Dependencies;

public class AuditChecksTests(PypaSnapshot snapshot) : IClassFixture<PypaSnapshot>
{
    private static DependencyManifest Requirements(string text) => RequirementsFile.Parse("/p/requirements.txt", _ => text);

    private static IReadOnlyList<ScanResult> Audit(DependencyManifest manifest, AuditOptions? options = null) =>
        DependencyAudit.Run([manifest], options ?? new AuditOptions());

    private static IReadOnlyList<string> Rules(IReadOnlyList<ScanResult> results, string target) =>
        [.. results.Single(r => r.Target == target).Findings.Select(f => f.RuleId)];

    [Fact]
    public void Unpinned_and_range_pinned_requirements_are_reported_pinned_ones_are_not()
    {
        var results = Audit(Requirements("flask\ndjango>=4.2\nrequests==2.32.3\n"));
        Assert.Equal([PinningCheck.Unpinned.Id], Rules(results, "flask"));
        Assert.Equal([PinningCheck.RangePinned.Id], Rules(results, "django>=4.2"));
        Assert.Empty(Rules(results, "requests==2.32.3"));
    }

    [Fact]
    public void Library_ranges_in_pyproject_are_not_pinning_findings()
    {
        var manifest = PyprojectDependencies.Parse("[project]\nname='x'\nversion='1'\ndependencies=['requests>=2.31']\n", "pyproject.toml");
        Assert.Empty(Audit(manifest).Single().Findings);
    }

    [Fact]
    public void A_missing_hash_among_hashed_lines_is_reported()
    {
        var results = Audit(Requirements("six==1.16.0 --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926\nidna==3.7\n"));
        Assert.Equal([HashCheck.MissingHash.Id], Rules(results, "idna==3.7"));
        Assert.Empty(Rules(results, "six==1.16.0"));
        // Nobody hashed: no finding (pinning is reported on its own).
        Assert.Empty(Audit(Requirements("idna==3.7\n")).Single().Findings);
    }

    [Fact]
    public void Vcs_without_commit_and_plain_http_are_reported()
    {
        var results = Audit(Requirements(
            "git+https://github.com/example/tool.git@main#egg=tool\n" +
            "tool2 @ git+https://github.com/example/tool2.git@0123456789abcdef0123456789abcdef01234567\n" +
            "insecure @ http://downloads.example.com/insecure-1.0.tar.gz\n"));
        Assert.Contains(UrlRequirementCheck.VcsWithoutCommit.Id, Rules(results, "git+https://github.com/example/tool.git@main#egg=tool"));
        Assert.Empty(Rules(results, "tool2 @ git+https://github.com/example/tool2.git@0123456789abcdef0123456789abcdef01234567"));
        Assert.Contains(UrlRequirementCheck.InsecureUrl.Id, Rules(results, "insecure @ http://downloads.example.com/insecure-1.0.tar.gz"));
    }

    [Fact]
    public void Extra_index_url_and_credentials_are_manifest_findings()
    {
        var results = Audit(Requirements(
            "--index-url https://deploy:s3cretPassw0rd@pypi.internal.example.com/simple/\n--extra-index-url https://pypi.org/simple/\nsix==1.16.0\n"));
        var manifest = results.Single(r => r.Kind == TargetKind.File);
        Assert.Contains(manifest.Findings, f => f.RuleId == IndexConfigurationCheck.MixedIndexes.Id && f.Location.Line == 2);
        var credentials = Assert.Single(manifest.Findings, f => f.RuleId == IndexConfigurationCheck.CredentialsInUrl.Id);
        Assert.DoesNotContain("s3cret", credentials.Evidence);
        Assert.DoesNotContain(manifest.Findings, f => f.Message.Contains("s3cret", StringComparison.Ordinal));
        // A single private index is the safe setup.
        Assert.DoesNotContain(Audit(Requirements("--index-url https://pypi.internal.example.com/simple/\nsix==1.16.0\n")), r => r.Kind == TargetKind.File);
    }

    [Fact]
    public void Internal_names_reachable_from_a_public_index_are_dependency_confusion()
    {
        var options = new AuditOptions { Internal = new Moat.Analysis.Names.InternalNames([], ["acme-"]), PublicNames = new HashSet<string> { "acme-billing-core" } };

        var exposed = Audit(Requirements("--index-url https://pypi.internal.example.com/simple/\n--extra-index-url https://pypi.org/simple/\nacme-billing-core==1.4.0\nacme-ledger==2.0\n"), options);
        Assert.Contains(InternalNameCheck.InternalExistsPublicly.Id, Rules(exposed, "acme-billing-core==1.4.0"));
        Assert.Equal(Severity.Critical, exposed.Single(r => r.Target == "acme-billing-core==1.4.0").Findings.Single(f => f.RuleId == InternalNameCheck.InternalExistsPublicly.Id).Severity);
        Assert.Contains(InternalNameCheck.InternalFromPublic.Id, Rules(exposed, "acme-ledger==2.0"));

        // pip's default index is public: an internal name with no --index-url resolves from pypi.org.
        Assert.Contains(InternalNameCheck.InternalFromPublic.Id, Rules(Audit(Requirements("acme-ledger==2.0\n"), options), "acme-ledger==2.0"));

        // Only a private index: nothing to report for resolution (the public name still deserves a look).
        var privateOnly = Audit(Requirements("--index-url https://pypi.internal.example.com/simple/\nacme-ledger==2.0\n"), options);
        Assert.Empty(Rules(privateOnly, "acme-ledger==2.0"));
    }

    [Fact]
    public void Lock_entries_resolved_from_pypi_for_internal_names_are_reported()
    {
        var manifest = ManifestReader.Read(TestPaths.Fixtures("audit", "uv", "uv.lock"));
        var results = Audit(manifest, new AuditOptions { Internal = new Moat.Analysis.Names.InternalNames(["acme-auth"], []) });
        Assert.Contains(InternalNameCheck.InternalFromPublic.Id, Rules(results, "acme-auth==0.9.1"));
        Assert.Empty(Rules(results, "certifi==2024.8.30"));
    }

    [Fact]
    public void Vulnerable_pins_get_the_advisory_and_the_fix()
    {
        var results = Audit(Requirements("jinja2==2.7.1\nwerkzeug==3.0.0\nwerkzeug==3.0.6\n"), new AuditOptions { Advisories = snapshot.Database });
        var jinja = results.Single(r => r.Target == "jinja2==2.7.1");
        var finding = Assert.Single(jinja.Findings, f => f.Evidence == "PYSEC-2014-8");
        Assert.Contains("CVE-2014-1402", finding.Message);
        Assert.Contains("upgrade to 2.7.2 or later", finding.Message);
        Assert.Contains(results.Single(r => r.Target == "werkzeug==3.0.0").Findings, f => f.Evidence == "PYSEC-2023-221" && f.Message.Contains("3.0.1", StringComparison.Ordinal));
        Assert.DoesNotContain(results.Single(r => r.Target == "werkzeug==3.0.6").Findings, f => f.Evidence == "PYSEC-2023-221");
    }

    [Fact]
    public void A_framework_with_many_advisories_is_vulnerable_not_malicious()
    {
        // Django 2.2.0 has dozens of CVEs, several rated critical: a flawed version of a trusted project, not malware.
        var results = Audit(Requirements("django==2.2.0\ndjango==5.1.2\n"), new AuditOptions { Advisories = snapshot.Database });
        var old = results.Single(r => r.Target == "django==2.2.0");
        Assert.Equal(Verdict.Vulnerable, old.Verdict);
        Assert.Equal(0.0, old.Score);
        var advisories = old.Findings.Where(f => f.RuleId == AdvisoryCheck.KnownVulnerability.Id).ToList();
        Assert.True(advisories.Count > 20, $"{advisories.Count} advisories");
        Assert.All(advisories, f => Assert.NotNull(f.Vulnerability));

        var summary = Assert.IsType<Moat.Analysis.Reporting.VulnerabilitySummary>(Moat.Analysis.Reporting.VulnerabilitySummary.Of(old));
        Assert.Equal(advisories.Max(f => f.Severity), summary.HighestSeverity);
        // The one upgrade that fixes them all is affected by none of them, and every advisory's fix is at or below it
        // on the same line or on a later one.
        var upgrade = Moat.Packaging.Versions.PackageVersion.Parse(Assert.IsType<string>(summary.UpgradeTo));
        var stillAffecting = snapshot.Database.Query("django", upgrade).Select(m => m.Advisory.Id).ToHashSet();
        Assert.DoesNotContain(advisories, f => stillAffecting.Contains(f.Vulnerability!.Id));
        Assert.True(upgrade > Moat.Packaging.Versions.PackageVersion.Parse("2.2.0"));

        // A fixed release of the same project has no advisory from this snapshot and stays clean.
        Assert.Equal(Verdict.Clean, results.Single(r => r.Target == "django==5.1.2").Verdict);
    }

    [Fact]
    public void A_vulnerability_carries_its_aliases_rating_ranges_and_fixes()
    {
        var results = Audit(Requirements("jinja2==2.7.1\n"), new AuditOptions { Advisories = snapshot.Database });
        var details = results.Single().Findings.Single(f => f.Evidence == "PYSEC-2014-8").Vulnerability!;
        Assert.Equal("PYSEC-2014-8", details.Id);
        Assert.Contains("CVE-2014-1402", details.Aliases);
        Assert.Equal(("jinja2", "2.7.1"), (details.Package, details.Version));
        Assert.Equal("2.7.2", details.FixVersions[0]);
        Assert.Contains(details.Affected, r => r.Fixed == "2.7.2");
        Assert.Equal(Severity.High, details.Rating.Severity);
        Assert.Equal("default", details.Rating.Source);
    }

    [Fact]
    public void Cvss_sets_the_severity_of_a_vulnerability()
    {
        // PYSEC-2024-6 (cdo-local-uuid) carries CVSS 2.8: a low finding, not the default high.
        var results = Audit(Requirements("cdo-local-uuid==0.5.0\n"), new AuditOptions { Advisories = snapshot.Database });
        var finding = Assert.Single(results.Single().Findings, f => f.RuleId == AdvisoryCheck.KnownVulnerability.Id && f.Evidence == "PYSEC-2024-6");
        Assert.Equal(Severity.Low, finding.Severity);
        Assert.Equal(2.8, finding.Vulnerability!.Rating.Score);
        Assert.StartsWith("CVSS:3", finding.Vulnerability.Rating.Vector);
    }

    [Fact]
    public void Malicious_releases_from_mal_advisories_are_critical()
    {
        var advisory = Moat.Analysis.Dependencies.Advisories.OsvDocument.Parse("""
            {"id": "MAL-2024-0001", "summary": "Malicious code in reqeusts (PyPI)",
             "affected": [{"package": {"name": "reqeusts", "ecosystem": "PyPI"},
                           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
            """, "mal.json");
        var database = Moat.Analysis.Dependencies.Advisories.OsvDatabase.FromAdvisories([advisory]);
        var results = Audit(Requirements("reqeusts==2.31.0\nreqeusts\n"), new AuditOptions { Advisories = database });
        Assert.All(results, r => Assert.Contains(r.Findings, f => f.RuleId == AdvisoryCheck.KnownMalicious.Id && f.Severity == Severity.Critical));
        Assert.All(results, r => Assert.Equal(Verdict.Malicious, r.Verdict));
    }

    [Fact]
    public void Name_engine_findings_are_placed_at_the_dependency()
    {
        var nameFinding = new Finding("MOAT-NAME-TEST", Severity.High, Confidence.High, "squats requests", Location.None);
        var results = Audit(Requirements("six==1.16.0\nreqeusts==2.31.0\n"),
            new AuditOptions { CheckName = name => name == "reqeusts" ? [nameFinding] : [] });
        var flagged = Assert.Single(results.Single(r => r.Target == "reqeusts==2.31.0").Findings);
        Assert.Equal(new Location("/p/requirements.txt", 2), flagged.Location);
        Assert.Empty(results.Single(r => r.Target == "six==1.16.0").Findings);
    }
}
