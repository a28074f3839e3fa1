using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Moat.Analysis.Reporting;

/// <summary>
/// SARIF 2.1.0 as GitHub code scanning accepts it: rule metadata (with <c>security-severity</c>), one result per
/// finding with a physical location (the member path inside the target, or the target itself), and partial
/// fingerprints so a finding keeps its identity across runs even when lines move.
/// </summary>
public static class SarifReport
{
    private const string Schema = "https://json.schemastore.org/sarif-2.1.0.json";

    public static void Write(TextWriter output, IReadOnlyList<ScanResult> results, ReportOptions options)
    {
        var usedRules = results.SelectMany(r => r.Findings).Select(f => f.RuleId).Distinct().Order(StringComparer.Ordinal).ToList();
        var ruleIndex = usedRules.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);

        using (var sink = new JsonTextSink(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            var json = sink.Json;
            json.WriteStartObject();
            json.WriteString("$schema", Schema);
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();

            json.WriteStartObject("tool");
            json.WriteStartObject("driver");
            json.WriteString("name", "moat");
            json.WriteString("version", options.ToolVersion);
            json.WriteString("semanticVersion", options.ToolVersion);
            // Only a real address: a made-up one would send readers of a code-scanning alert nowhere.
            if (options.DocumentationUrl is { } docs) json.WriteString("informationUri", docs + "/rules");
            json.WriteStartArray("rules");
            foreach (var id in usedRules) WriteRule(json, id, results, options.DocumentationUrl);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();

            json.WriteStartArray("results");
            foreach (var result in results)
            {
                foreach (var finding in result.Findings) WriteResult(json, result, finding, ruleIndex[finding.RuleId]);
                sink.FlushIfLarge();
            }
            json.WriteEndArray();

            if (options.Advisories is { } advisories)
            {
                json.WriteStartObject("properties");
                json.WritePropertyName("advisories");
                VulnerabilityJson.WriteDatabase(json, advisories);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine();
    }

    private static void WriteRule(Utf8JsonWriter json, string id, IReadOnlyList<ScanResult> results, string? docs)
    {
        var rule = RuleCatalog.Find(id);
        var severity = rule?.Severity ?? results.SelectMany(r => r.Findings).First(f => f.RuleId == id).Severity;
        json.WriteStartObject();
        json.WriteString("id", id);
        json.WriteString("name", rule?.Name ?? id);
        json.WriteStartObject("shortDescription");
        json.WriteString("text", rule?.Summary ?? id);
        json.WriteEndObject();
        json.WriteStartObject("fullDescription");
        json.WriteString("text", rule?.Explanation ?? rule?.Summary ?? id);
        json.WriteEndObject();
        if (rule is not null && docs is not null) json.WriteString("helpUri", $"{docs}/rules/{Uri.EscapeDataString(id)}");
        if (rule is not null)
        {
            json.WriteStartObject("help");
            json.WriteString("text", rule.Explanation);
            var references = rule.References is { Count: > 0 } refs ? "\n\nReferences:\n" + string.Join('\n', refs.Select(r => $"- {r}")) : "";
            json.WriteString("markdown", $"**{rule.Summary}**\n\n{rule.Explanation}{references}");
            json.WriteEndObject();
        }
        json.WriteStartObject("defaultConfiguration");
        json.WriteString("level", Level(severity));
        json.WriteEndObject();
        json.WriteStartObject("properties");
        json.WriteStartArray("tags");
        json.WriteStringValue("security");
        json.WriteStringValue("supply-chain");
        json.WriteEndArray();
        json.WriteString("security-severity", SecuritySeverity(severity));
        json.WriteString("precision", "high");
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter json, ScanResult result, Finding finding, int ruleIndex)
    {
        json.WriteStartObject();
        json.WriteString("ruleId", finding.RuleId);
        json.WriteNumber("ruleIndex", ruleIndex);
        json.WriteString("level", Level(finding.Severity));
        json.WriteStartObject("message");
        json.WriteString("text", $"{finding.Message} ({result.Target})");
        json.WriteEndObject();

        json.WriteStartArray("locations");
        json.WriteStartObject();
        var member = result.Kind == TargetKind.Package && finding.Location.Path is { Length: > 0 } inside ? inside : null;
        if (ArtifactPath(result, finding) is { } path)
        {
            json.WriteStartObject("physicalLocation");
            json.WriteStartObject("artifactLocation");
            json.WriteString("uri", FileUri(path));
            json.WriteEndObject();
            // Inside an archive the line is the member's, not the archive's: the region then only carries the snippet.
            json.WriteStartObject("region");
            json.WriteNumber("startLine", member is null ? Math.Max(1, finding.Location.Line) : 1);
            if (member is null && finding.Location.Column > 0) json.WriteNumber("startColumn", finding.Location.Column);
            if (!string.IsNullOrEmpty(finding.Evidence))
            {
                json.WriteStartObject("snippet");
                json.WriteString("text", finding.Evidence);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        // What is not a file (a package name, a domain, a URL), and the member of an archive, is a logical location.
        var logical = member ?? (ArtifactPath(result, finding) is null ? result.Target : null);
        if (logical is not null)
        {
            json.WriteStartArray("logicalLocations");
            json.WriteStartObject();
            json.WriteString("fullyQualifiedName", logical);
            json.WriteString("kind", result.Kind switch { TargetKind.Domain or TargetKind.Url => "resource", _ => "module" });
            json.WriteEndObject();
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteEndArray();

        json.WriteStartObject("partialFingerprints");
        json.WriteString("moatFingerprint/v1", Fingerprint(result.Target, finding));
        json.WriteEndObject();
        json.WriteStartObject("properties");
        json.WriteString("target", result.Target);
        if (member is not null)
        {
            json.WriteString("archive", result.Target);
            json.WriteString("member", member);
            if (finding.Location.Line > 0) json.WriteNumber("memberLine", finding.Location.Line);
        }
        json.WriteString("kind", ReportNames.Of(result.Kind));
        json.WriteString("verdict", ReportNames.Of(result.Verdict));
        json.WriteString("confidence", ReportNames.Of(finding.Confidence));
        if (finding.Vulnerability is { } vulnerability)
        {
            // The advisory's own score, where code scanning and other SARIF readers look for a result's severity.
            json.WriteString("security-severity", vulnerability.Rating.Score is { } cvss
                ? cvss.ToString("0.0", CultureInfo.InvariantCulture) : SecuritySeverity(finding.Severity));
            json.WritePropertyName("vulnerability");
            VulnerabilityJson.Write(json, vulnerability);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>
    /// The file a finding is in, for code scanning (a repository-relative URI): the archive for a package (its member is
    /// a logical location), the finding's own path, or the target when it is a file (workflow, file, requirements).
    /// A package name, a domain or a URL is no file: null.
    /// </summary>
    private static string? ArtifactPath(ScanResult result, Finding finding) => result.Kind switch
    {
        TargetKind.Package => result.Target,
        _ when finding.Location.Path is { Length: > 0 } path => path,
        TargetKind.Workflow or TargetKind.File => result.Target,
        _ => null,
    };

    private static string FileUri(string path) => Uri.EscapeDataString(path.Replace('\\', '/')).Replace("%2F", "/", StringComparison.Ordinal);

    /// <summary>Stable across runs: the rule, the target, the path and the evidence — not the line number.</summary>
    private static string Fingerprint(string target, Finding finding)
    {
        var material = $"{finding.RuleId}\n{target}\n{finding.Location.Path}\n{finding.Evidence ?? finding.Message}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)))[..32];
    }

    private static string Level(Severity severity) => severity switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    /// <summary>GitHub maps 9.0+ to critical, 7.0+ high, 4.0+ medium, above 0 low.</summary>
    private static string SecuritySeverity(Severity severity) => (severity switch
    {
        Severity.Critical => 9.5,
        Severity.High => 8.0,
        Severity.Medium => 5.5,
        Severity.Low => 3.0,
        _ => 1.0,
    }).ToString("0.0", CultureInfo.InvariantCulture);
}
