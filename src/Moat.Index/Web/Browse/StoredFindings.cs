using Moat.Analysis;
using Moat.Analysis.Reporting;
using Moat.Index.Storage;

namespace Moat.Index.Web.Browse;

public static class StoredFindings
{
    /// <summary>The findings the policy gate stored with a verdict; an unreadable record yields none rather than a broken page.</summary>
    public static IReadOnlyList<Finding> Of(StoredVerdict? verdict) => FindingJson.Deserialize(verdict?.FindingsJson) ?? [];

    /// <summary>Badge style for a verdict or severity name: clean/info/low ok, suspicious/medium warn, malicious/high/critical bad.</summary>
    public static string BadgeClass(string? level) => level switch
    {
        "malicious" or "critical" or "high" or "reject" or "quarantined" or "blocked" => "badge badge-bad",
        "suspicious" or "unverified" or "medium" or "quarantine" or "yanked" => "badge badge-warn",
        "clean" or "accept" or "available" or "released" => "badge badge-ok",
        _ => "badge badge-muted",
    };
}
