namespace Moat.Analysis;

/// <summary>
/// The one place where findings become a score and a verdict. Each finding weighs its severity times its confidence;
/// weights combine like independent probabilities (1 - Π(1 - w)), so several medium signals add up but never reach
/// certainty on their own. Detectors that know a combination is damning (decode → exec at install time) say so with
/// a finding of their own at <see cref="Severity.Critical"/>, rather than by scoring here; combinations of findings from
/// different detectors (a typosquat name on an empty package, a drop box beside clipboard capture) are rows of the
/// correlation table (<see cref="Code.Correlations"/>), which adds its own finding before the package is judged. The malicious threshold is set
/// so that one confident critical finding (0.9), or two independent confident high findings (1 - 0.4² = 0.84), or a
/// critical finding at medium confidence corroborated by a high one (0.82) are enough, while a critical at medium
/// confidence with only medium company (0.75) is not.
/// Findings of the same rule are not independent evidence (a big library that builds module names in eleven places has
/// one habit, not eleven): the strongest of each rule counts fully, every repeat at a tenth of its weight; and low
/// findings together weigh at most one confident low.
/// <para>
/// Findings of could-not-check rules (<see cref="Rule.CouldNotCheck"/>: a limit hit, a member skipped, a parse given
/// up) are not evidence and never add to the score. They decide the verdict instead: the order is
/// malicious &gt; unverified &gt; suspicious &gt; clean. Malicious evidence wins, since what was read is already damning.
/// Unverified ranks above suspicious because a suspicious verdict is a judgement of the whole target, and when part
/// of it went unread the unread part may be the worse one: a security tool fails closed, so the gate holds an
/// unverified target like a malicious one, while a suspicious one may be served with a warning. The suspicious
/// signals stay visible among the findings (and in the score) either way.
/// </para>
/// <para>
/// Known-vulnerability findings (<see cref="Rule.KnownVulnerability"/>: a published advisory against the exact
/// version) are not evidence of malice either: a popular framework with forty CVEs is flawed, not hostile, and must
/// never score as malware. They add nothing to the score and make the verdict <c>vulnerable</c>, the lowest verdict
/// that is not clean: malicious &gt; unverified &gt; suspicious &gt; vulnerable &gt; clean. A vulnerability is a fact with a
/// remedy (upgrade), while the verdicts above it question whether the package can be trusted at all, so they name
/// the target when both apply; the advisories stay listed among the findings. How much a vulnerable target fails a
/// build is the advisory's own severity against <c>--fail-on</c> (an unrated advisory counts as high), as for any
/// finding; the index refuses vulnerable versions by its own <c>[policy] vulnerabilities</c> threshold.
/// </para>
/// </summary>
public static class Verdicts
{
    public const double MaliciousThreshold = 0.8;
    public const double SuspiciousThreshold = 0.25;

    /// <summary>How much a further finding of an already-counted rule weighs, relative to its own weight.</summary>
    public const double RepeatFactor = 0.1;

    /// <summary>The most that all low and info findings together add (the weight of one low finding at high confidence).</summary>
    public const double MaxLowWeight = 0.1;

    public static double Weight(Finding finding) => SeverityWeight(finding.Severity) * ConfidenceFactor(finding.Confidence);

    public static (Verdict Verdict, double Score) Judge(IReadOnlyList<Finding> findings)
    {
        var remaining = 1.0;
        var worstStrong = Severity.Info; // worst severity among findings of at least medium confidence
        var worst = Severity.Info;
        var counted = new HashSet<string>(StringComparer.Ordinal);
        var lowRemaining = 1.0;
        var couldNotCheck = false;
        var vulnerable = false;
        // Heaviest first (the first of a rule counts fully), ties in the order found.
        IEnumerable<Finding> heaviestFirst = findings.Count <= StableOrder.MaxInsertionSorted ? StableOrder.Sort(findings, (a, b) => Weight(a) > Weight(b)) : findings.OrderByDescending(Weight);
        foreach (var finding in heaviestFirst)
        {
            if (RuleCatalog.IsCouldNotCheck(finding))
            {
                couldNotCheck = true;
                continue;
            }
            if (RuleCatalog.IsKnownVulnerability(finding))
            {
                vulnerable = true;
                continue;
            }
            var weight = counted.Add(finding.RuleId) ? Weight(finding) : Weight(finding) * RepeatFactor;
            if (finding.Severity <= Severity.Low) lowRemaining *= 1.0 - weight;
            else remaining *= 1.0 - weight;
            if (finding.Severity > worst) worst = finding.Severity;
            if (finding.Confidence >= Confidence.Medium && finding.Severity > worstStrong) worstStrong = finding.Severity;
        }
        // Low findings are capabilities, the context of real evidence: together they count as one confident low at most,
        // so a large library's many ordinary habits (a registry read here, an exec of its version file there) do not
        // add up to an accusation.
        remaining *= 1.0 - Math.Min(1.0 - lowRemaining, MaxLowWeight);
        var score = Math.Round(1.0 - remaining, 3);

        // A pile of low/info findings never makes a verdict by itself: malicious needs a confident high or critical
        // finding, suspicious needs at least one medium.
        var verdict = score >= MaliciousThreshold && worstStrong >= Severity.High ? Verdict.Malicious
            : couldNotCheck ? Verdict.Unverified
            : score >= SuspiciousThreshold && worst >= Severity.Medium ? Verdict.Suspicious
            : vulnerable ? Verdict.Vulnerable
            : Verdict.Clean;
        return (verdict, score);
    }

    private static double SeverityWeight(Severity severity) => severity switch
    {
        Severity.Critical => 0.9,
        Severity.High => 0.6,
        Severity.Medium => 0.3,
        Severity.Low => 0.1,
        _ => 0.0,
    };

    private static double ConfidenceFactor(Confidence confidence) => confidence switch
    {
        Confidence.High => 1.0,
        Confidence.Medium => 0.75,
        _ => 0.45,
    };
}
