using System.Text.Json;
using System.Text.Json.Serialization;
using Moat.Packaging;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>
/// Reads one OSV document, JSON or YAML (the PyPA advisory database is YAML, osv.dev exports are JSON), into an
/// <see cref="OsvAdvisory"/>. Only PyPI-ecosystem <c>affected</c> entries are kept.
/// </summary>
public static class OsvDocument
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Parses <paramref name="text"/>; YAML unless the file name ends in .json. Throws <see cref="FormatException"/> on malformed input.</summary>
    public static OsvAdvisory Parse(string text, string fileName)
    {
        Dto? dto;
        try
        {
            dto = fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                ? JsonSerializer.Deserialize<Dto>(text, Json)
                : Yaml.Deserialize<Dto>(text);
        }
        catch (Exception ex) when (ex is JsonException or YamlDotNet.Core.YamlException or NotSupportedException or InvalidOperationException)
        {
            throw new FormatException($"{fileName}: not a valid OSV document: {ex.Message}", ex);
        }
        if (dto?.Id is not { Length: > 0 } id) throw new FormatException($"{fileName}: OSV document has no id");

        var affected = (dto.Affected ?? [])
            .Where(a => a.Package is { Name.Length: > 0 } p && string.Equals(p.Ecosystem, "PyPI", StringComparison.OrdinalIgnoreCase))
            .Select(a => new OsvAffected(
                ProjectName.Normalize(a.Package!.Name!),
                [.. (a.Ranges ?? []).Select(r => new OsvRange(r.Type ?? "ECOSYSTEM", [.. (r.Events ?? []).SelectMany(ToEvents)]))],
                [.. (a.Versions ?? []).Where(v => !string.IsNullOrWhiteSpace(v))]))
            .ToList();

        var severity = (dto.Severity ?? []).FirstOrDefault(s => s.Type?.StartsWith("CVSS_V3", StringComparison.Ordinal) == true)
            ?? (dto.Severity ?? []).FirstOrDefault();
        return new OsvAdvisory(
            id,
            dto.Summary,
            dto.Details,
            [.. (dto.Aliases ?? []).Where(a => !string.IsNullOrWhiteSpace(a))],
            ParseTime(dto.Published),
            ParseTime(dto.Modified),
            ParseTime(dto.Withdrawn),
            affected,
            severity is { Score: { } vector } ? new OsvSeverity(severity.Type ?? "", vector, Cvss3.BaseScore(vector)) : null,
            [.. (dto.References ?? []).Select(r => r.Url).OfType<string>()]);
    }

    private static IEnumerable<OsvEvent> ToEvents(EventDto e)
    {
        if (e.Introduced is { } introduced) yield return new OsvEvent(OsvEventKind.Introduced, introduced);
        if (e.Fixed is { } @fixed) yield return new OsvEvent(OsvEventKind.Fixed, @fixed);
        if (e.LastAffected is { } last) yield return new OsvEvent(OsvEventKind.LastAffected, last);
        if (e.Limit is { } limit) yield return new OsvEvent(OsvEventKind.Limit, limit);
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    // Data-transfer shapes for both deserializers: settable properties, all optional.
    private sealed class Dto
    {
        public string? Id { get; set; }
        public string? Summary { get; set; }
        public string? Details { get; set; }
        public List<string>? Aliases { get; set; }
        public string? Published { get; set; }
        public string? Modified { get; set; }
        public string? Withdrawn { get; set; }
        public List<AffectedDto>? Affected { get; set; }
        public List<SeverityDto>? Severity { get; set; }
        public List<ReferenceDto>? References { get; set; }
    }

    private sealed class AffectedDto
    {
        public PackageDto? Package { get; set; }
        public List<RangeDto>? Ranges { get; set; }
        public List<string>? Versions { get; set; }
    }

    private sealed class PackageDto
    {
        public string? Name { get; set; }
        public string? Ecosystem { get; set; }
        public string? Purl { get; set; }
    }

    private sealed class RangeDto
    {
        public string? Type { get; set; }
        public string? Repo { get; set; }
        public List<EventDto>? Events { get; set; }
    }

    private sealed class EventDto
    {
        public string? Introduced { get; set; }
        public string? Fixed { get; set; }
        [JsonPropertyName("last_affected")]
        public string? LastAffected { get; set; }
        public string? Limit { get; set; }
    }

    private sealed class SeverityDto
    {
        public string? Type { get; set; }
        public string? Score { get; set; }
    }

    private sealed class ReferenceDto
    {
        public string? Type { get; set; }
        public string? Url { get; set; }
    }
}
