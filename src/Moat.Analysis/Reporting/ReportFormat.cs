namespace Moat.Analysis.Reporting;

public enum ReportFormat { Text, Json, Sarif }

/// <summary>The lower-case names used on the command line and in JSON, and the exit-code policy.</summary>
public static class ReportNames
{
    public static string Of(Severity severity) => severity switch
    {
        Severity.Critical => "critical",
        Severity.High => "high",
        Severity.Medium => "medium",
        Severity.Low => "low",
        _ => "info",
    };

    public static string Of(Confidence confidence) => confidence switch
    {
        Confidence.High => "high",
        Confidence.Medium => "medium",
        _ => "low",
    };

    public static string Of(Verdict verdict) => verdict switch
    {
        Verdict.Malicious => "malicious",
        Verdict.Unverified => "unverified",
        Verdict.Suspicious => "suspicious",
        Verdict.Vulnerable => "vulnerable",
        _ => "clean",
    };

    public static string Of(TargetKind kind) => kind.ToString().ToLowerInvariant();

    public static bool TryParseSeverity(string text, out Severity severity)
    {
        // The non-generic GetValues: the generic one is compiled at every start (an exit code reads --fail-on).
        foreach (var candidate in (Severity[])Enum.GetValues(typeof(Severity)))
        {
            if (string.Equals(Of(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                severity = candidate;
                return true;
            }
        }
        severity = default;
        return false;
    }

    /// <summary>
    /// DESIGN.md's exit codes: 1 when any finding is at or above <paramref name="failOn"/> (null: never), else 0.
    /// An <see cref="Verdict.Unverified"/> result counts as a high finding whatever its findings' severities: what
    /// could not be checked is not passed as clean by the default <c>--fail-on high</c>. A <see cref="Verdict.Vulnerable"/>
    /// result fails by its advisories' own severities (an unrated advisory is high), like any finding.
    /// Usage and input errors (2) are the command line's business.
    /// </summary>
    public static int ExitCode(IEnumerable<ScanResult> results, Severity? failOn) =>
        failOn is { } threshold && results.Any(r => Fails(r, threshold)) ? 1 : 0;

    /// <summary>Whether one result makes <see cref="ExitCode"/> 1 at <paramref name="threshold"/>.</summary>
    public static bool Fails(ScanResult result, Severity threshold) =>
        result.Findings.Any(f => f.Severity >= threshold) || result.Verdict == Verdict.Unverified && Severity.High >= threshold;
}
