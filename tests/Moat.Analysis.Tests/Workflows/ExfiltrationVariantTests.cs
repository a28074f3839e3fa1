using Moat.Analysis.Workflows;
using Moat.Analysis.Workflows.Audits;
using Moat.Testing;
using static Moat.Analysis.Tests.Workflows.WorkflowFixtures;

namespace Moat.Analysis.Tests.Workflows;

/// <summary>
/// Secret exfiltration spelled many ways (source × path × sink × encoding, tests/fixtures/workflows/exfiltration-variants)
/// must each be critical; workflows that use secrets the ordinary way (benign-lookalikes) must have no high finding.
/// </summary>
public class ExfiltrationVariantTests
{
    public static TheoryData<string> Variants() => Files("exfiltration-variants");

    public static TheoryData<string> Lookalikes() => Files("benign-lookalikes");

    private static TheoryData<string> Files(string folder)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(TestPaths.Fixtures("workflows", folder)).Order(StringComparer.Ordinal))
            data.Add($"{folder}/{Path.GetFileName(file)}");
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_exfiltration_variant_is_critical(string fixture)
    {
        var findings = Audit(fixture);
        Assert.True(findings.Of(SecretExfiltrationAudit.Rule).Any(f => f.Severity == Severity.Critical), $"{fixture}:\n{Describe(findings)}");
    }

    [Theory]
    [MemberData(nameof(Lookalikes))]
    public void Benign_lookalikes_have_no_high_finding(string fixture)
    {
        var findings = Audit(fixture);
        Assert.True(findings.All(f => f.Severity < Severity.High), $"{fixture}:\n{Describe(findings)}");
    }

    [Fact]
    public void The_suites_are_large_enough()
    {
        Assert.True(Variants().Count >= 30);
        Assert.True(Lookalikes().Count >= 15);
    }

    [Fact]
    public void The_message_names_the_source_the_path_and_the_encoding()
    {
        var finding = Assert.Single(Audit("exfiltration-variants/01-job-env-joined-base64-wget-raw-ip.yml").Of(SecretExfiltrationAudit.Rule));
        Assert.Contains("secrets.PYPI_TOKEN", finding.Message);
        Assert.Contains("$P", finding.Message);
        Assert.Contains("base64", finding.Message);
        Assert.Contains("203.0.113.7", finding.Message);
        Assert.Equal(14, finding.Location.Line);
    }

    [Fact]
    public void A_secret_file_saved_in_a_cache_is_high_and_an_encoded_secret_in_the_log_is_high()
    {
        const string yaml = """
            on: push
            permissions: {}
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "${{ secrets.PYPI_TOKEN }}" > .tok
                  - uses: actions/cache@v4
                    with:
                      path: .tok
                      key: k
                  - run: echo "${{ secrets.PYPI_TOKEN }}" | base64
                  - run: echo "${{ secrets.PYPI_TOKEN }}"
            """;
        var findings = WorkflowAuditor.AuditText(yaml, "inline.yml", CiDialect.GitHubWorkflow).Findings.Of(SecretExfiltrationAudit.Rule);
        Assert.True(findings.Count == 2, Describe(findings));
        Assert.Contains(findings, f => f.Severity == Severity.High && f.Message.Contains("cache") && f.Location.Line == 10);
        Assert.Contains(findings, f => f.Severity == Severity.High && f.Message.Contains("log") && f.Location.Line == 12);
    }
}
