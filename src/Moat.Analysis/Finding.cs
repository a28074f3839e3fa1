namespace Moat.Analysis;

/// <summary>How bad a finding is if it is true. Ordered: a higher value is worse.</summary>
public enum Severity { Info, Low, Medium, High, Critical }

/// <summary>How sure the detector is that the finding is true.</summary>
public enum Confidence { Low, Medium, High }

/// <summary>What a result is about; printed as the lower-case name in JSON.</summary>
public enum TargetKind { Package, Name, Workflow, File, Domain, Url, Dependency }

/// <summary>
/// The engine's judgement of one target, computed from its findings by <see cref="Verdicts"/>. Ordered by how firmly
/// the target is held: <see cref="Vulnerable"/> (a published advisory affects this exact version: a known flaw, not
/// hostility) sits just above <see cref="Clean"/>; <see cref="Unverified"/> (something could not be checked) sits
/// above <see cref="Suspicious"/> and below <see cref="Malicious"/>.
/// </summary>
public enum Verdict { Clean, Vulnerable, Suspicious, Unverified, Malicious }

/// <summary>Where a finding is: a path inside the target (archive member, file), 1-based line and column; 0 = unknown.</summary>
public readonly record struct Location(string? Path, int Line = 0, int Column = 0)
{
    public static readonly Location None = new(null);
}

/// <summary>
/// One thing a detector noticed. Every detector returns these; verdicts and scores are computed from them in one
/// place (<see cref="Verdicts"/>). <see cref="Evidence"/> is a short snippet, already redacted when it holds a secret.
/// </summary>
public sealed record Finding(
    string RuleId,
    Severity Severity,
    Confidence Confidence,
    string Message,
    Location Location,
    string? Evidence = null,
    string? Target = null)
{
    /// <summary>The advisory behind a known-vulnerability finding, as structured data for JSON, SARIF and CycloneDX; null otherwise.</summary>
    public VulnerabilityDetails? Vulnerability { get; init; }

    /// <summary>
    /// The detector's own score for the finding in [0, 1], when it measures one (how closely a name imitates its
    /// target); null otherwise. Its severity is graded from it; the verdict still comes from the severity.
    /// </summary>
    public double? Score { get; init; }

    /// <summary>Makes a finding with the rule's id and default severity.</summary>
    public static Finding Of(Rule rule, Confidence confidence, string message, Location location, string? evidence = null) =>
        new(rule.Id, rule.Severity, confidence, message, location, evidence);
}

/// <summary>The result of checking one target: what the user passed (or one member of a directory scan).</summary>
public sealed record ScanResult(string Target, TargetKind Kind, Verdict Verdict, double Score, IReadOnlyList<Finding> Findings)
{
    /// <summary>Judges <paramref name="findings"/> and wraps them in a result.</summary>
    public static ScanResult From(string target, TargetKind kind, IReadOnlyList<Finding> findings)
    {
        var (verdict, score) = Verdicts.Judge(findings);
        return new ScanResult(target, kind, verdict, score, findings);
    }

    /// <summary>The worst severity among the findings, or null when there are none.</summary>
    public Severity? WorstSeverity => Findings.Count == 0 ? null : Findings.Max(f => f.Severity);
}
