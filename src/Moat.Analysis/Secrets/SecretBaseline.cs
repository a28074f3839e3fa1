using System.Text.Json;

namespace Moat.Analysis.Secrets;

/// <summary>
/// The baseline file: known findings that should not be reported again, as fingerprints (a hash of rule, path and
/// secret — never the secret). <c>{"version":1,"findings":[{"fingerprint":"…","rule":"MOAT-SECRET-002","path":"…","line":3}]}</c>
/// </summary>
public static class SecretBaseline
{
    public static IReadOnlySet<string> Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var json = JsonDocument.Parse(stream);
        if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("findings", out var findings) || findings.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path} is not a moat secrets baseline (expected an object with a \"findings\" array)");
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in findings.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("fingerprint", out var fp) && fp.GetString() is { } value) set.Add(value);
            else if (item.ValueKind == JsonValueKind.String && item.GetString() is { } bare) set.Add(bare);
        }
        return set;
    }

    public static void Write(TextWriter output, IEnumerable<SecretFinding> findings)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteStartArray("findings");
            foreach (var f in findings.OrderBy(f => f.Finding.Location.Path, StringComparer.Ordinal).ThenBy(f => f.Finding.Location.Line))
            {
                json.WriteStartObject();
                json.WriteString("fingerprint", f.Fingerprint);
                json.WriteString("rule", f.Finding.RuleId);
                json.WriteString("path", f.Finding.Location.Path);
                json.WriteNumber("line", f.Finding.Location.Line);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
