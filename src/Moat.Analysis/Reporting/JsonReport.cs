using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Moat.Analysis.Reporting;

/// <summary>
/// DESIGN.md's stable JSON shape:
/// <c>{"tool":"moat","version":…,"results":[{"target","kind","verdict","score","findings":[{"rule","severity",
/// "confidence","message","path","line","evidence"}]}]}</c>; a known-vulnerability finding adds a structured
/// <c>"vulnerability"</c> object and its result a <c>"vulnerabilities"</c> summary (<see cref="VulnerabilityJson"/>). Written with <see cref="Utf8JsonWriter"/> so the
/// field order and names never drift with a serializer's settings.
/// </summary>
public static class JsonReport
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // Evidence is untrusted text; escaping stays valid JSON, and relaxed escaping keeps non-ASCII names readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(TextWriter output, IReadOnlyList<ScanResult> results, ReportOptions options)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("tool", "moat");
            json.WriteString("version", options.ToolVersion);
            if (options.Advisories is { } advisories)
            {
                json.WritePropertyName("advisories");
                VulnerabilityJson.WriteDatabase(json, advisories);
            }
            json.WriteStartArray("results");
            foreach (var result in results) WriteResult(json, result);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteResult(Utf8JsonWriter json, ScanResult result)
    {
        json.WriteStartObject();
        json.WriteString("target", result.Target);
        json.WriteString("kind", ReportNames.Of(result.Kind));
        json.WriteString("verdict", ReportNames.Of(result.Verdict));
        json.WriteNumber("score", result.Score);
        if (VulnerabilitySummary.Of(result) is { } vulnerabilities)
        {
            json.WritePropertyName("vulnerabilities");
            VulnerabilityJson.WriteSummary(json, vulnerabilities);
        }
        json.WriteStartArray("findings");
        foreach (var finding in result.Findings)
        {
            json.WriteStartObject();
            json.WriteString("rule", finding.RuleId);
            json.WriteString("severity", ReportNames.Of(finding.Severity));
            json.WriteString("confidence", ReportNames.Of(finding.Confidence));
            json.WriteString("message", finding.Message);
            json.WriteString("path", finding.Location.Path ?? "");
            json.WriteNumber("line", finding.Location.Line);
            json.WriteString("evidence", finding.Evidence ?? "");
            if (finding.Vulnerability is { } vulnerability)
            {
                json.WritePropertyName("vulnerability");
                VulnerabilityJson.Write(json, vulnerability);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
