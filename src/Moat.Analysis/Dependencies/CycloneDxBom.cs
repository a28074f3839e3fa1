using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Moat.Analysis.Reporting;
using Moat.Packaging;

namespace Moat.Analysis.Dependencies;

/// <summary>
/// <c>moat audit --format cyclonedx</c>: the audited dependencies as a CycloneDX 1.6 JSON bill of materials, with the
/// known vulnerabilities (the VEX part: id, aliases as references, ratings with CVSS, affected version ranges, fix
/// versions) and moat's verdict per component. Field names are the specification's; a test validates the output
/// against the official 1.6 JSON schema. Written with <see cref="Utf8JsonWriter"/> (no CycloneDX library is
/// available here), so the order of fields never drifts.
/// </summary>
public static class CycloneDxBom
{
    public const string SpecVersion = "1.6";

    public static void Write(TextWriter output, IReadOnlyList<AuditedDependency> dependencies, ReportOptions options, DateTimeOffset now, Guid serial)
    {
        var components = dependencies
            .GroupBy(d => BomRef(d.Dependency), StringComparer.Ordinal)
            .Select(g => (Ref: g.Key, Items: g.ToList()))
            .ToList();
        var vulnerabilities = dependencies
            .SelectMany(d => d.Result.Findings.Select(f => f.Vulnerability).OfType<VulnerabilityDetails>().Select(v => (Ref: BomRef(d.Dependency), Vulnerability: v)))
            .GroupBy(p => p.Vulnerability.Id, StringComparer.Ordinal)
            .ToList();

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
            json.WriteString("bomFormat", "CycloneDX");
            json.WriteString("specVersion", SpecVersion);
            json.WriteString("serialNumber", $"urn:uuid:{serial:D}");
            json.WriteNumber("version", 1);
            WriteMetadata(json, options, now);

            json.WriteStartArray("components");
            foreach (var (bomRef, items) in components) WriteComponent(json, bomRef, items);
            json.WriteEndArray();

            json.WriteStartArray("vulnerabilities");
            foreach (var group in vulnerabilities)
            {
                WriteVulnerability(json, group.First().Vulnerability, [.. group.Select(p => (p.Ref, p.Vulnerability)).DistinctBy(p => p.Ref)]);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>The package URL: <c>pkg:pypi/django@2.2.0</c> for a pin, <c>pkg:pypi/flask</c> for a range.</summary>
    public static string Purl(string name, string? version)
    {
        var normalized = ProjectName.Normalize(name);
        return version is null ? $"pkg:pypi/{Uri.EscapeDataString(normalized)}" : $"pkg:pypi/{Uri.EscapeDataString(normalized)}@{Uri.EscapeDataString(version)}";
    }

    private static string BomRef(Manifests.Dependency dependency) => Purl(dependency.Name, dependency.PinnedVersion);

    private static void WriteMetadata(Utf8JsonWriter json, ReportOptions options, DateTimeOffset now)
    {
        json.WriteStartObject("metadata");
        json.WriteString("timestamp", Timestamp(now));
        json.WriteStartObject("tools");
        json.WriteStartArray("components");
        json.WriteStartObject();
        json.WriteString("type", "application");
        json.WriteString("name", "moat");
        json.WriteString("version", options.ToolVersion);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        if (options.Advisories is { } data)
        {
            json.WriteStartArray("properties");
            Property(json, "moat:advisories:source", data.Source);
            Property(json, "moat:advisories:count", data.Count.ToString(CultureInfo.InvariantCulture));
            if (data.AsOf is { } asOf) Property(json, "moat:advisories:as-of", Timestamp(asOf));
            Property(json, "moat:advisories:stale", data.Stale ? "true" : "false");
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteComponent(Utf8JsonWriter json, string bomRef, IReadOnlyList<AuditedDependency> items)
    {
        var first = items[0].Dependency;
        json.WriteStartObject();
        json.WriteString("type", "library");
        json.WriteString("bom-ref", bomRef);
        json.WriteString("name", ProjectName.Normalize(first.Name));
        if (first.PinnedVersion is { } version) json.WriteString("version", version);
        json.WriteString("purl", bomRef);
        var hashes = items.SelectMany(i => i.Dependency.HashList)
            .Where(h => h.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) && h.Length == 71)
            .Select(h => h[7..].ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        if (hashes.Count > 0)
        {
            json.WriteStartArray("hashes");
            foreach (var hash in hashes)
            {
                json.WriteStartObject();
                json.WriteString("alg", "SHA-256");
                json.WriteString("content", hash);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteStartArray("properties");
        // The gravest verdict of the entries that name this component.
        Property(json, "moat:verdict", ReportNames.Of(items.Max(i => i.Result.Verdict)));
        foreach (var item in items)
        {
            Property(json, "moat:requirement", item.Dependency.Written);
            Property(json, "moat:file", item.Dependency.Line > 0 ? $"{item.Dependency.File}:{item.Dependency.Line}" : item.Dependency.File);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteVulnerability(Utf8JsonWriter json, VulnerabilityDetails v, IReadOnlyList<(string Ref, VulnerabilityDetails Details)> affects)
    {
        json.WriteStartObject();
        json.WriteString("bom-ref", $"vulnerability:{v.Id}");
        json.WriteString("id", v.Id);
        json.WriteStartObject("source");
        json.WriteString("name", "OSV");
        json.WriteString("url", $"https://osv.dev/vulnerability/{Uri.EscapeDataString(v.Id)}");
        json.WriteEndObject();
        if (v.Aliases.Count > 0)
        {
            json.WriteStartArray("references");
            foreach (var alias in v.Aliases)
            {
                json.WriteStartObject();
                json.WriteString("id", alias);
                json.WriteStartObject("source");
                json.WriteString("name", alias.StartsWith("CVE-", StringComparison.OrdinalIgnoreCase) ? "NVD" : "OSV");
                json.WriteString("url", alias.StartsWith("CVE-", StringComparison.OrdinalIgnoreCase)
                    ? $"https://nvd.nist.gov/vuln/detail/{Uri.EscapeDataString(alias)}"
                    : $"https://osv.dev/vulnerability/{Uri.EscapeDataString(alias)}");
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        WriteRating(json, v.Rating);
        json.WriteString("description", v.Summary);
        if (v.UpgradeTo is { } upgrade) json.WriteString("recommendation", $"Upgrade {v.Package} to {upgrade} or later.");
        var links = v.References.Where(r => Uri.TryCreate(r, UriKind.Absolute, out _)).Distinct(StringComparer.Ordinal).ToList();
        if (links.Count > 0)
        {
            json.WriteStartArray("advisories");
            foreach (var link in links)
            {
                json.WriteStartObject();
                json.WriteString("url", link);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        if (v.Published is { } published) json.WriteString("published", Timestamp(published));
        if (v.Modified is { } modified) json.WriteString("updated", Timestamp(modified));

        json.WriteStartArray("affects");
        foreach (var (bomRef, details) in affects)
        {
            json.WriteStartObject();
            json.WriteString("ref", bomRef);
            json.WriteStartArray("versions");
            json.WriteStartObject();
            json.WriteString("version", details.Version);
            json.WriteString("status", "affected");
            json.WriteEndObject();
            foreach (var range in details.Affected.Select(Vers).OfType<string>().Distinct(StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("range", range);
                json.WriteString("status", "affected");
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();

        if (v.FixVersions.Count > 0)
        {
            json.WriteStartArray("properties");
            Property(json, "moat:fix-versions", string.Join(", ", v.FixVersions));
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteRating(Utf8JsonWriter json, VulnerabilityRating rating)
    {
        json.WriteStartArray("ratings");
        json.WriteStartObject();
        if (rating.Score is { } score)
        {
            json.WriteStartObject("source");
            json.WriteString("name", "OSV");
            json.WriteEndObject();
            json.WriteNumber("score", score);
            json.WriteString("severity", ReportNames.Of(rating.Severity));
            json.WriteString("method", rating.Vector?.StartsWith("CVSS:3.1/", StringComparison.Ordinal) == true ? "CVSSv31" : "CVSSv3");
            if (rating.Vector is { } vector) json.WriteString("vector", vector);
        }
        else
        {
            json.WriteStartObject("source");
            json.WriteString("name", "moat");
            json.WriteEndObject();
            json.WriteString("severity", ReportNames.Of(rating.Severity));
            json.WriteString("method", "other");
            json.WriteString("justification", "The advisory carries no CVSS score that moat can read; moat rates an unrated advisory high.");
        }
        json.WriteEndObject();
        json.WriteEndArray();
    }

    /// <summary>An OSV ECOSYSTEM range as a <c>vers:pypi/…</c> range (the package-url vers specification); null for GIT ranges.</summary>
    private static string? Vers(AffectedRange range)
    {
        if (range.Type is not ("ECOSYSTEM" or "SEMVER")) return null;
        var constraints = new List<string>();
        if (range.Introduced != "0") constraints.Add($">={range.Introduced}");
        if (range.Fixed is { } fixedIn) constraints.Add($"<{fixedIn}");
        else if (range.LastAffected is { } last) constraints.Add($"<={last}");
        return constraints.Count == 0 ? "vers:pypi/*" : "vers:pypi/" + string.Join('|', constraints);
    }

    private static void Property(Utf8JsonWriter json, string name, string value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("value", value);
        json.WriteEndObject();
    }

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
