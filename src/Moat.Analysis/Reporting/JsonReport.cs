using System.Text.Json;

namespace Moat.Analysis.Reporting;

/// <summary>
/// DESIGN.md's stable JSON shape:
/// <c>{"tool":"moat","version":…,"results":[{"target","kind","verdict","score","findings":[{"rule","severity",
/// "confidence","message","path","line","evidence"}]}]}</c> (each finding by <see cref="FindingJson"/>); a known-vulnerability finding adds a structured
/// <c>"vulnerability"</c> object and its result a <c>"vulnerabilities"</c> summary (<see cref="VulnerabilityJson"/>). Written with <see cref="Utf8JsonWriter"/> so the
/// field order and names never drift with a serializer's settings.
/// </summary>
public static class JsonReport
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = FindingJson.Encoder,
    };

    public static void Write(TextWriter output, IEnumerable<ScanResult> results, ReportOptions options)
    {
        using (var sink = new JsonTextSink(output, WriterOptions))
        {
            var json = sink.Json;
            json.WriteStartObject();
            json.WriteString("tool", "moat");
            json.WriteString("version", options.ToolVersion);
            if (options.Advisories is { } advisories)
            {
                json.WritePropertyName("advisories");
                VulnerabilityJson.WriteDatabase(json, advisories);
            }
            json.WriteStartArray("results");
            foreach (var result in results)
            {
                WriteResult(json, result);
                sink.FlushIfLarge();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine();
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
        foreach (var finding in result.Findings) FindingJson.Write(json, finding);
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
