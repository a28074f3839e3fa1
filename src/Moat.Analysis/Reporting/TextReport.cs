namespace Moat.Analysis.Reporting;

/// <summary>Plain text for people: one block per target, findings worst first, then a one-line summary.</summary>
public static class TextReport
{
    public static void Write(TextWriter output, IEnumerable<ScanResult> results, ReportOptions options)
    {
        // Counted while written (the results may be produced as they are scanned, and are enumerated once), per verdict
        // in an array rather than a map keyed by the enum, whose generic code is compiled at start-up.
        var counts = new int[(int)Verdict.Malicious + 1]; // Malicious is the highest verdict
        var total = 0;
        foreach (var result in results)
        {
            counts[(int)result.Verdict]++;
            total++;
            if (!options.ShowClean && result.Verdict == Verdict.Clean && result.Findings.Count == 0) continue;
            output.WriteLine($"{Paint(ReportNames.Of(result.Verdict).ToUpperInvariant(), result.Verdict, options)}  {result.Target}  ({ReportNames.Of(result.Kind)}, score {result.Score:0.00}){VulnerabilityNote(result)}");
            foreach (var finding in WorstFirst(result.Findings))
            {
                var where = finding.Location.Path is { Length: > 0 } path
                    ? finding.Location.Line > 0 ? $" [{path}:{finding.Location.Line}]" : $" [{path}]"
                    : "";
                output.WriteLine($"  {ReportNames.Of(finding.Severity),-8} {finding.RuleId}  {finding.Message}{where}");
                if (!string.IsNullOrEmpty(finding.Evidence))
                {
                    foreach (var line in finding.Evidence.Split('\n').Take(6)) output.WriteLine($"           | {line.TrimEnd('\r')}");
                }
            }
        }

        int Count(Verdict verdict) => counts[(int)verdict];
        output.WriteLine(
            $"{total} checked: {Count(Verdict.Malicious)} malicious, " +
            // Unverified and vulnerable are named only when there is one: most commands can never produce them.
            (Count(Verdict.Unverified) is > 0 and var unverified ? $"{unverified} unverified, " : "") +
            $"{Count(Verdict.Suspicious)} suspicious, " +
            (Count(Verdict.Vulnerable) is > 0 and var vulnerable ? $"{vulnerable} vulnerable, " : "") +
            $"{Count(Verdict.Clean)} clean");
    }

    /// <summary>Findings by severity, worst first, then by path and line; ties in the order found.</summary>
    private static IEnumerable<Finding> WorstFirst(IReadOnlyList<Finding> findings) =>
        findings.Count <= StableOrder.MaxInsertionSorted
            ? StableOrder.Sort(findings, (a, b) => a.Severity != b.Severity ? a.Severity > b.Severity
                : string.CompareOrdinal(a.Location.Path, b.Location.Path) is var byPath && byPath != 0 ? byPath < 0
                : a.Location.Line < b.Location.Line)
            : findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Location.Path, StringComparer.Ordinal).ThenBy(f => f.Location.Line);

    /// <summary>For a target with known vulnerabilities: how many, the worst, and the upgrade that fixes them all.</summary>
    private static string VulnerabilityNote(ScanResult result)
    {
        if (VulnerabilitySummary.Of(result) is not { } summary) return "";
        var upgrade = summary.UpgradeTo is { } version ? $", upgrade to {version}" : ", no release fixes them all";
        return $" — {summary.Count} known {(summary.Count == 1 ? "vulnerability" : "vulnerabilities")}, highest {ReportNames.Of(summary.HighestSeverity)}{upgrade}";
    }

    private static string Paint(string text, Verdict verdict, ReportOptions options)
    {
        if (!options.Color) return text;
        var code = verdict switch { Verdict.Malicious => "31;1", Verdict.Unverified => "35;1", Verdict.Suspicious => "33;1", Verdict.Vulnerable => "33", _ => "32" };
        return $"\u001b[{code}m{text}\u001b[0m";
    }
}
