using Moat.Analysis;

namespace Moat.Analysis.Tests;

public class VerdictsTests
{
    private static Finding F(Severity severity, Confidence confidence, string rule = "MOAT-TEST-001") =>
        new(rule, severity, confidence, "m", Location.None);

    private static List<Finding> Distinct(int count, Severity severity, Confidence confidence) =>
        [.. Enumerable.Range(1, count).Select(i => F(severity, confidence, $"MOAT-TEST-{i:000}"))];

    private static Finding Vulnerability(Severity severity) =>
        new(Moat.Analysis.Dependencies.Checks.AdvisoryCheck.KnownVulnerability.Id, severity, Confidence.High, "CVE", Location.None);

    [Fact]
    public void Only_the_published_advisory_rule_is_a_known_vulnerability_rule()
    {
        // Known-malicious releases (MOAT-DEP-011) stay evidence of malice.
        Assert.Equal(["MOAT-DEP-010"], RuleCatalog.All.Where(r => r.KnownVulnerability).Select(r => r.Id));
    }

    [Fact]
    public void Known_vulnerabilities_make_a_target_vulnerable_and_never_add_to_the_score()
    {
        var many = Enumerable.Repeat(Vulnerability(Severity.Critical), 40).ToList();
        var (verdict, score) = Verdicts.Judge(many);
        Assert.Equal(Verdict.Vulnerable, verdict);
        Assert.Equal(0.0, score);
        // Graver verdicts win: evidence of malice, an unchecked part, a suspicious judgement.
        Assert.Equal(Verdict.Malicious, Verdicts.Judge([.. many, F(Severity.Critical, Confidence.High)]).Verdict);
        Assert.Equal(Verdict.Suspicious, Verdicts.Judge([.. many, F(Severity.High, Confidence.High)]).Verdict);
        var limit = new Finding(Moat.Analysis.Code.LimitRules.ArchiveLimit.Id, Severity.Medium, Confidence.High, "limit", Location.None);
        Assert.Equal(Verdict.Unverified, Verdicts.Judge([.. many, limit]).Verdict);
        // A low capability note beside an advisory leaves it vulnerable, not clean.
        Assert.Equal(Verdict.Vulnerable, Verdicts.Judge([Vulnerability(Severity.Low), F(Severity.Low, Confidence.High)]).Verdict);
    }

    [Fact]
    public void No_findings_is_clean_with_zero_score()
    {
        var (verdict, score) = Verdicts.Judge([]);
        Assert.Equal(Verdict.Clean, verdict);
        Assert.Equal(0.0, score);
    }

    [Fact]
    public void A_confident_critical_finding_is_malicious() =>
        Assert.Equal(Verdict.Malicious, Verdicts.Judge([F(Severity.Critical, Confidence.High)]).Verdict);

    [Fact]
    public void A_confident_high_finding_is_suspicious_not_malicious() =>
        Assert.Equal(Verdict.Suspicious, Verdicts.Judge([F(Severity.High, Confidence.High)]).Verdict);

    [Fact]
    public void Many_low_findings_never_make_a_verdict()
    {
        var lows = Distinct(20, Severity.Low, Confidence.High);
        var (verdict, score) = Verdicts.Judge(lows);
        Assert.Equal(Verdict.Clean, verdict);
        Assert.True(score > 0.0, "lows still raise the score");
        Assert.True(score <= Verdicts.MaxLowWeight + 1e-9, "but together no more than one confident low");
        // With one medium finding, twenty lows tip no more than one low does.
        var medium = F(Severity.Medium, Confidence.Medium, "MOAT-TEST-999");
        Assert.Equal(Verdicts.Judge([medium, F(Severity.Low, Confidence.High)]).Score, Verdicts.Judge([medium, .. lows]).Score);
    }

    [Fact]
    public void Low_confidence_criticals_alone_stay_suspicious()
    {
        var findings = Enumerable.Repeat(F(Severity.Critical, Confidence.Low), 5).ToList();
        Assert.Equal(Verdict.Suspicious, Verdicts.Judge(findings).Verdict);
    }

    [Fact]
    public void Repeats_of_one_rule_weigh_less_than_distinct_rules()
    {
        var repeated = Verdicts.Judge(Enumerable.Repeat(F(Severity.Medium, Confidence.Medium), 4).ToList());
        var distinct = Verdicts.Judge(Distinct(4, Severity.Medium, Confidence.Medium));
        Assert.True(repeated.Score < distinct.Score);
        Assert.True(repeated.Score > Verdicts.Judge([F(Severity.Medium, Confidence.Medium)]).Score, "repeats still add something");
        // Two medium/medium findings of different rules are suspicious; the same one twice is not.
        Assert.Equal(Verdict.Suspicious, Verdicts.Judge(Distinct(2, Severity.Medium, Confidence.Medium)).Verdict);
        Assert.Equal(Verdict.Clean, Verdicts.Judge([F(Severity.Medium, Confidence.Medium), F(Severity.Medium, Confidence.Medium)]).Verdict);
    }

    [Fact]
    public void Score_grows_with_each_finding()
    {
        var one = Verdicts.Judge([F(Severity.Medium, Confidence.High)]).Score;
        var two = Verdicts.Judge([F(Severity.Medium, Confidence.High), F(Severity.Medium, Confidence.High)]).Score;
        Assert.True(two > one);
        Assert.True(two < 1.0);
    }
}
