using System.Text.Json;
using Moat.Index.Storage;

namespace Moat.Index.Web.Browse;

/// <summary>One finding as the policy gate stored it with its verdict (see PolicyGate's FindingJson).</summary>
public sealed record StoredFinding(string Rule, string Severity, string? Confidence, string Message, string? Path, int? Line, string? Evidence);

public static class StoredFindings
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    /// <summary>The findings of a stored verdict; an unreadable record yields none rather than a broken page.</summary>
    public static IReadOnlyList<StoredFinding> Of(StoredVerdict? verdict)
    {
        if (verdict is null || string.IsNullOrEmpty(verdict.FindingsJson)) return [];
        try
        {
            return JsonSerializer.Deserialize<List<StoredFinding>>(verdict.FindingsJson, Options) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Badge style for a verdict or severity name: clean/info/low ok, suspicious/medium warn, malicious/high/critical bad.</summary>
    public static string BadgeClass(string? level) => level switch
    {
        "malicious" or "critical" or "high" or "reject" or "quarantined" or "blocked" => "badge badge-bad",
        "suspicious" or "unverified" or "medium" or "quarantine" or "yanked" => "badge badge-warn",
        "clean" or "accept" or "available" or "released" => "badge badge-ok",
        _ => "badge badge-muted",
    };
}
