using Moat.Analysis;

namespace Moat.Analysis.Tests;

public class VerdictsTests
{
    private static Finding F(Severity severity, Confidence confidence) =>
        new("MOAT-TEST-001", severity, confidence, "m", Location.None);

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
        var lows = Enumerable.Repeat(F(Severity.Low, Confidence.High), 20).ToList();
        var (verdict, score) = Verdicts.Judge(lows);
        Assert.Equal(Verdict.Clean, verdict);
        Assert.True(score > 0.8, "lows still raise the score");
    }

    [Fact]
    public void Low_confidence_criticals_alone_stay_suspicious()
    {
        var findings = Enumerable.Repeat(F(Severity.Critical, Confidence.Low), 5).ToList();
        Assert.Equal(Verdict.Suspicious, Verdicts.Judge(findings).Verdict);
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
