namespace Moat.Analysis.Tests;

public class RuleCatalogTests
{
    // Verdicts ask the hand-kept lists (no reflection on a check's path); a flag set on a new rule without listing it
    // there would leave its findings weighed as evidence, so the lists must be exactly what the declarations say.
    [Fact]
    public void The_listed_could_not_check_rules_are_exactly_the_flagged_ones()
    {
        Assert.Equal(RuleCatalog.All.Where(r => r.CouldNotCheck).Select(r => r.Id), RuleCatalog.CouldNotCheckRules.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(RuleCatalog.CouldNotCheckRules, r => Assert.Same(RuleCatalog.Find(r.Id), r));
    }

    [Fact]
    public void The_listed_known_vulnerability_rules_are_exactly_the_flagged_ones()
    {
        Assert.Equal(RuleCatalog.All.Where(r => r.KnownVulnerability).Select(r => r.Id), RuleCatalog.KnownVulnerabilityRules.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(RuleCatalog.KnownVulnerabilityRules, r => Assert.Same(RuleCatalog.Find(r.Id), r));
    }

    [Fact]
    public void A_finding_is_judged_by_its_rules_flags()
    {
        foreach (var rule in RuleCatalog.All)
        {
            var finding = new Finding(rule.Id, rule.Severity, Confidence.High, "m", Location.None);
            Assert.Equal(rule.CouldNotCheck, RuleCatalog.IsCouldNotCheck(finding));
            Assert.Equal(rule.KnownVulnerability, RuleCatalog.IsKnownVulnerability(finding));
        }
    }
}
