using System.Text.Json;
using Moat.Analysis;
using Moat.Analysis.Reporting;

namespace Moat.Analysis.Tests;

public class ReportingTests
{
    private static readonly ScanResult Sample = ScanResult.From("evil-1.0.tar.gz", TargetKind.Package,
    [
        new Finding("MOAT-TEST-001", Severity.Critical, Confidence.High, "decodes and runs a payload at install time",
            new Location("evil-1.0/setup.py", 12, 5), "exec(b64decode(…))"),
        new Finding("MOAT-TEST-002", Severity.Low, Confidence.Medium, "uses \"subprocess\"", new Location("evil-1.0/x.py")),
    ]);

    private static string Render(ReportFormat format, params ScanResult[] results)
    {
        var writer = new StringWriter();
        ReportWriter.Write(writer, results, format, new ReportOptions("9.9.9"));
        return writer.ToString();
    }

    [Fact]
    public void Json_has_the_documented_shape()
    {
        using var doc = JsonDocument.Parse(Render(ReportFormat.Json, Sample));
        var root = doc.RootElement;
        Assert.Equal("moat", root.GetProperty("tool").GetString());
        Assert.Equal("9.9.9", root.GetProperty("version").GetString());
        var result = Assert.Single(root.GetProperty("results").EnumerateArray());
        Assert.Equal(["target", "kind", "verdict", "score", "findings"], result.EnumerateObject().Select(p => p.Name));
        Assert.Equal("evil-1.0.tar.gz", result.GetProperty("target").GetString());
        Assert.Equal("package", result.GetProperty("kind").GetString());
        Assert.Equal("malicious", result.GetProperty("verdict").GetString());
        var finding = result.GetProperty("findings")[0];
        Assert.Equal(["rule", "severity", "confidence", "message", "path", "line", "evidence"], finding.EnumerateObject().Select(p => p.Name));
        Assert.Equal("critical", finding.GetProperty("severity").GetString());
        Assert.Equal(12, finding.GetProperty("line").GetInt32());
        Assert.Equal("uses \"subprocess\"", result.GetProperty("findings")[1].GetProperty("message").GetString());
    }

    [Fact]
    public void A_report_larger_than_its_write_buffer_is_written_through_whole()
    {
        // Reports are written through to the text writer in chunks as results are added: every result, in order, and
        // every non-ASCII character (written raw) must come out as it went in, in JSON and SARIF alike.
        static string Evidence(int i) => $"{i}:" + string.Concat(Enumerable.Repeat("é中😀", 40 + i % 7));
        var results = Enumerable.Range(0, 400).Select(i => ScanResult.From($"pkg-{i}.tar.gz", TargetKind.Package,
            [new Finding("MOAT-TEST-001", Severity.High, Confidence.High, "decodes a payload", new Location($"pkg-{i}/setup.py", i + 1), Evidence(i))])).ToArray();
        var json = Render(ReportFormat.Json, results);
        Assert.True(json.Length > 100_000);
        Assert.EndsWith("}" + Environment.NewLine, json, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(Enumerable.Range(0, 400).Select(Evidence), doc.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("findings")[0].GetProperty("evidence").GetString()));
        using var sarif = JsonDocument.Parse(Render(ReportFormat.Sarif, results));
        Assert.Equal(Enumerable.Range(0, 400).Select(i => $"pkg-{i}.tar.gz"), sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("properties").GetProperty("target").GetString()));
    }

    [Fact]
    public void Stored_findings_read_back_as_written_and_a_damaged_record_reads_as_null()
    {
        var stored = FindingJson.Serialize(Sample.Findings);
        // The shape has no column; a path or evidence of none reads back as null, not "".
        Assert.Equal(Sample.Findings.Select(f => f with { Location = f.Location with { Column = 0 } }), FindingJson.Deserialize(stored));
        using var doc = JsonDocument.Parse(stored);
        Assert.Equal(["rule", "severity", "confidence", "message", "path", "line", "evidence"], doc.RootElement[0].EnumerateObject().Select(p => p.Name));
        Assert.Null(FindingJson.Deserialize("{\"rule\": \"MOAT-TEST-001\"}"));
        Assert.Null(FindingJson.Deserialize("[{\"severity\": \"high\"}]"));
        Assert.Null(FindingJson.Deserialize("[{"));
    }

    private static readonly ScanResult VulnerableSample = ScanResult.From("django==2.2.0", TargetKind.Dependency,
    [
        new Finding(Moat.Analysis.Dependencies.Checks.AdvisoryCheck.KnownVulnerability.Id, Severity.Critical, Confidence.High,
            "django 2.2.0: PYSEC-2019-10 (CVE-2019-12308) [CVSS 9.8] …", new Location("requirements.txt", 1), "PYSEC-2019-10")
        {
            Vulnerability = new VulnerabilityDetails("PYSEC-2019-10", ["CVE-2019-12308"], "XSS in AdminURLFieldWidget", "django", "2.2.0",
                new VulnerabilityRating(Severity.Critical, "CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
                [new AffectedRange("ECOSYSTEM", "2.2", "2.2.2", null)], ["2.2.2"], "2.2.28", ["https://example.com/advisory"], null, null),
        },
    ]);

    [Fact]
    public void Json_gives_a_vulnerability_its_structured_fields()
    {
        using var doc = JsonDocument.Parse(Render(ReportFormat.Json, VulnerableSample));
        var result = doc.RootElement.GetProperty("results")[0];
        Assert.Equal("vulnerable", result.GetProperty("verdict").GetString());
        Assert.Equal(0.0, result.GetProperty("score").GetDouble());
        var summary = result.GetProperty("vulnerabilities");
        Assert.Equal(1, summary.GetProperty("count").GetInt32());
        Assert.Equal("critical", summary.GetProperty("highest_severity").GetString());
        Assert.Equal("2.2.28", summary.GetProperty("upgrade_to").GetString());
        var vulnerability = result.GetProperty("findings")[0].GetProperty("vulnerability");
        Assert.Equal("PYSEC-2019-10", vulnerability.GetProperty("id").GetString());
        Assert.Equal(["CVE-2019-12308"], vulnerability.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(9.8, vulnerability.GetProperty("severity").GetProperty("score").GetDouble());
        Assert.Equal("critical", vulnerability.GetProperty("severity").GetProperty("rating").GetString());
        Assert.Equal("2.2.2", vulnerability.GetProperty("affected")[0].GetProperty("fixed").GetString());
        Assert.Equal(["2.2.2"], vulnerability.GetProperty("fix_versions").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public void Text_and_sarif_name_a_vulnerable_target_with_its_worst_severity_and_upgrade()
    {
        var text = Render(ReportFormat.Text, VulnerableSample);
        Assert.Contains("VULNERABLE  django==2.2.0", text);
        Assert.Contains("1 known vulnerability, highest critical, upgrade to 2.2.28", text);
        Assert.Contains("1 vulnerable", text);
        Assert.DoesNotContain("MALICIOUS", text);

        using var sarif = JsonDocument.Parse(Render(ReportFormat.Sarif, VulnerableSample));
        var properties = sarif.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("properties");
        Assert.Equal("vulnerable", properties.GetProperty("verdict").GetString());
        Assert.Equal("9.8", properties.GetProperty("security-severity").GetString());
        Assert.Equal("PYSEC-2019-10", properties.GetProperty("vulnerability").GetProperty("id").GetString());
    }

    [Fact]
    public void Sarif_is_2_1_0_with_rules_locations_and_fingerprints()
    {
        using var doc = JsonDocument.Parse(Render(ReportFormat.Sarif, Sample));
        var root = doc.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        var run = root.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules");
        Assert.Equal(2, rules.GetArrayLength());
        var results = run.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        var first = results[0];
        Assert.Equal("MOAT-TEST-001", first.GetProperty("ruleId").GetString());
        Assert.Equal("error", first.GetProperty("level").GetString());
        Assert.Equal(first.GetProperty("ruleIndex").GetInt32(), rules.EnumerateArray().ToList().FindIndex(r => r.GetProperty("id").GetString() == "MOAT-TEST-001"));
        // The archive is the file; the member inside it, with its line, is said separately.
        var location = first.GetProperty("locations")[0];
        Assert.Equal("evil-1.0.tar.gz", location.GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(1, location.GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32()); // the archive has no line 12
        Assert.Equal("evil-1.0/setup.py", location.GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
        var properties = first.GetProperty("properties");
        Assert.Equal(("evil-1.0.tar.gz", "evil-1.0/setup.py", 12),
            (properties.GetProperty("archive").GetString(), properties.GetProperty("member").GetString(), properties.GetProperty("memberLine").GetInt32()));
        Assert.NotEmpty(first.GetProperty("partialFingerprints").GetProperty("moatFingerprint/v1").GetString()!);
        Assert.Equal(1, results[1].GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32());
        // No documentation address given: no link rather than a made-up one.
        Assert.False(run.GetProperty("tool").GetProperty("driver").TryGetProperty("informationUri", out _));
    }

    [Fact]
    public void Sarif_places_a_file_finding_at_its_line_and_a_name_at_a_logical_location_never_a_file_uri()
    {
        var workflow = ScanResult.From(".github/workflows/release.yml", TargetKind.Workflow,
            [new Finding("MOAT-TEST-001", Severity.High, Confidence.High, "secrets: inherit", new Location(".github/workflows/release.yml", 7, 3), "secrets: inherit")]);
        var name = ScanResult.From("reqeusts", TargetKind.Name,
            [new Finding("MOAT-TEST-002", Severity.High, Confidence.High, "a typosquat of requests", Location.None, "reqeusts")]);
        using var doc = JsonDocument.Parse(Render(ReportFormat.Sarif, workflow, name));
        var results = doc.RootElement.GetProperty("runs")[0].GetProperty("results");

        var file = results[0].GetProperty("locations")[0];
        Assert.Equal(".github/workflows/release.yml", file.GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(7, file.GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.False(file.TryGetProperty("logicalLocations", out _));

        var logical = results[1].GetProperty("locations")[0];
        Assert.False(logical.TryGetProperty("physicalLocation", out _)); // "reqeusts" is a package name, not a file in the repository
        Assert.Equal("reqeusts", logical.GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
        Assert.Equal("module", logical.GetProperty("logicalLocations")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public void Sarif_links_the_rules_documentation_when_its_address_is_known()
    {
        var writer = new StringWriter();
        ReportWriter.Write(writer, [Sample], ReportFormat.Sarif, new ReportOptions("9.9.9", DocumentationUrl: "https://moat.example.org"));
        using var doc = JsonDocument.Parse(writer.ToString());
        var driver = doc.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver");
        Assert.Equal("https://moat.example.org/rules", driver.GetProperty("informationUri").GetString());
        Assert.DoesNotContain("example.com", writer.ToString());
    }

    [Fact]
    public void Text_lists_findings_worst_first_with_a_summary()
    {
        var text = Render(ReportFormat.Text, Sample, ScanResult.From("good.whl", TargetKind.Package, []));
        var lines = text.Split('\n');
        Assert.StartsWith("MALICIOUS  evil-1.0.tar.gz", lines[0]);
        Assert.Contains("critical", lines[1]);
        Assert.Contains("[evil-1.0/setup.py:12]", lines[1]);
        Assert.Contains("2 checked: 1 malicious, 0 suspicious, 1 clean", text);
    }

    [Theory]
    [InlineData("high", 1)]
    [InlineData("critical", 1)]
    [InlineData(null, 0)]
    public void Exit_code_follows_fail_on(string? failOn, int expected)
    {
        Severity? threshold = failOn is null ? null : ReportNames.TryParseSeverity(failOn, out var s) ? s : throw new InvalidOperationException();
        Assert.Equal(expected, ReportNames.ExitCode([Sample], threshold));
        Assert.Equal(0, ReportNames.ExitCode([ScanResult.From("x", TargetKind.Name, [])], Severity.Info));
    }

    [Fact]
    public void Redaction_keeps_a_prefix_and_the_last_four()
    {
        var redacted = Redaction.Redact("pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6");
        Assert.StartsWith("pypi-A", redacted);
        Assert.EndsWith("eHl6", redacted);
        Assert.DoesNotContain("cHlwaS5vcmc", redacted);
        Assert.Equal("****", Redaction.Redact("abcd"));
    }
}
