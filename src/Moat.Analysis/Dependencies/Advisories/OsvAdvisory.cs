using System.Text.Json.Serialization;

namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>
/// One OSV advisory (https://ossf.github.io/osv-schema/), reduced to what an audit needs. Package names are kept
/// PEP 503-normalized; versions stay as written and are parsed when matched.
/// </summary>
public sealed record OsvAdvisory(
    string Id,
    string? Summary,
    string? Details,
    IReadOnlyList<string> Aliases,
    DateTimeOffset? Published,
    DateTimeOffset? Modified,
    DateTimeOffset? Withdrawn,
    IReadOnlyList<OsvAffected> Affected,
    OsvSeverity? Severity,
    IReadOnlyList<string> References)
{
    /// <summary>OSV's malicious-package entries use the <c>MAL-</c> prefix (OpenSSF malicious-packages).</summary>
    [JsonIgnore]
    public bool IsMalicious => Id.StartsWith("MAL-", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first line a person should read: the summary, else the first sentence of the details.</summary>
    [JsonIgnore]
    public string Title
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(Summary)) return Summary.Trim();
            var details = (Details ?? "").ReplaceLineEndings(" ").Trim();
            var end = details.IndexOf(". ", StringComparison.Ordinal);
            var sentence = end > 0 ? details[..(end + 1)] : details;
            return sentence.Length > 200 ? sentence[..197] + "…" : sentence;
        }
    }
}

/// <summary>One <c>affected</c> entry for a PyPI package: its ranges and its explicit version list.</summary>
public sealed record OsvAffected(string Package, IReadOnlyList<OsvRange> Ranges, IReadOnlyList<string> Versions);

/// <summary>A range: its type (ECOSYSTEM, SEMVER, GIT) and its events in the order written.</summary>
public sealed record OsvRange(string Type, IReadOnlyList<OsvEvent> Events);

public enum OsvEventKind { Introduced, Fixed, LastAffected, Limit }

public sealed record OsvEvent(OsvEventKind Kind, string Version);

/// <summary>A CVSS vector and the base score computed from it (null when the vector could not be read).</summary>
public sealed record OsvSeverity(string Type, string Vector, double? BaseScore);
