using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Moat.Analysis.Reporting;

/// <summary>
/// One finding as JSON, the shape of DESIGN.md's report: <c>{"rule","severity","confidence","message","path","line",
/// "evidence"}</c> (path "" and line 0 when unknown), plus <c>"vulnerability"</c> for a known-vulnerability finding.
/// The JSON report writes findings with it, and the index stores each verdict's findings in it and reads them back for
/// its pages and API: one shape, one writer.
/// </summary>
public static class FindingJson
{
    // Evidence is untrusted text; escaping stays valid JSON, and relaxed escaping keeps non-ASCII names readable.
    internal static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static void Write(Utf8JsonWriter json, Finding finding)
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

    /// <summary>The findings as one compact JSON array (what the index stores beside a verdict).</summary>
    public static string Serialize(IEnumerable<Finding> findings)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Encoder }))
        {
            json.WriteStartArray();
            foreach (var finding in findings) Write(json, finding);
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// Findings read back from an array of <see cref="Write"/>'s objects (the vulnerability details are not read back);
    /// null when the text is not such an array, so a damaged record is the caller's to report, never an exception.
    /// </summary>
    public static IReadOnlyList<Finding>? Deserialize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array) return null;
            var findings = new List<Finding>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || Text(item, "rule") is not { } rule) return null;
                var severity = ReportNames.TryParseSeverity(Text(item, "severity") ?? "", out var s) ? s : Severity.Info;
                var confidence = Enum.GetValues<Confidence>().FirstOrDefault(c => ReportNames.Of(c) == Text(item, "confidence"));
                var line = item.TryGetProperty("line", out var l) && l.ValueKind == JsonValueKind.Number && l.TryGetInt32(out var n) ? n : 0;
                findings.Add(new Finding(rule, severity, confidence, Text(item, "message") ?? "", new Location(NullIfEmpty(Text(item, "path")), line),
                    NullIfEmpty(Text(item, "evidence"))));
            }
            return findings;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
