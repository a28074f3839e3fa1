using Moat.Analysis.Names;

namespace Moat.Analysis.Tests.Names;

public class ProjectHistoryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static ProjectHistory History(params (string Version, double DaysAgo)[] files) =>
        ProjectHistory.From(files.Select(f => (f.Version, (DateTimeOffset?)Now.AddDays(-f.DaysAgo))), HistorySource.UploadTimes)!;

    [Fact]
    public void A_release_counts_once_from_its_first_file_and_files_without_a_time_are_ignored()
    {
        var history = ProjectHistory.From([("1.0", Now.AddDays(-10)), ("1.0", Now.AddDays(-9)), ("1.1", Now.AddDays(-3)), ("2.0", null)], HistorySource.UploadTimes)!;
        Assert.Equal(2, history.Releases);
        Assert.Equal(Now.AddDays(-10), history.FirstRelease);
        Assert.Equal(Now.AddDays(-3), history.LatestRelease);
        Assert.Null(ProjectHistory.From([("1.0", null)], HistorySource.UploadTimes));
    }

    [Fact]
    public void Standing_follows_age_releases_and_revival()
    {
        Assert.Equal(HistoryStanding.New, History(("1.0", 3)).StandingAt(Now));
        Assert.Equal(HistoryStanding.New, History(("1.0", 20), ("1.1", 2)).StandingAt(Now));
        Assert.Equal(HistoryStanding.Ordinary, History(("1.0", 20), ("1.1", 10), ("1.2", 2)).StandingAt(Now)); // three releases
        Assert.Equal(HistoryStanding.Ordinary, History(("1.0", 400)).StandingAt(Now));
        Assert.Equal(HistoryStanding.Established, History(("0.1", 2200), ("0.2", 1800), ("0.3", 1500), ("1.0", 1000), ("1.1", 300)).StandingAt(Now));
        // years of releases, then silence, then a release last month: a name that may have changed hands
        Assert.Equal(HistoryStanding.Revived, History(("0.1", 2200), ("0.2", 2100), ("0.3", 2000), ("1.0", 1900), ("1.1", 1800), ("6.6.6", 20)).StandingAt(Now));
    }

    [Fact]
    public void Description_says_how_old_and_how_many()
    {
        Assert.Equal("first release 3 days ago, 1 release", History(("1.0", 3)).Describe(Now));
        Assert.Equal("first release 6 years ago, 5 releases", History(("0.1", 2200), ("0.2", 1800), ("0.3", 1500), ("1.0", 1000), ("1.1", 300)).Describe(Now));
        var seen = ProjectHistory.From([("1.0", Now.AddHours(-2))], HistorySource.FirstSeen)!;
        Assert.Equal("first seen by Moat today, 1 release", seen.Describe(Now));
    }

    [Fact]
    public void History_raises_a_new_squat_and_lowers_an_established_lookalike_and_says_so()
    {
        var checker = NameChecker.Default;
        var bare = checker.Matches("reqeusts")[0].Score;
        var fresh = checker.Check("reqeusts", History(("2.31.0", 3)), Now)[0];
        Assert.Contains("first release 3 days ago, 1 release (new; raised the score ×1.3)", fresh.Message);
        Assert.Equal(Severity.Critical, fresh.Severity);
        var old = checker.Check("reqeusts", History(("0.1", 2200), ("0.2", 1800), ("0.3", 1500), ("1.0", 1000), ("1.1", 300)), Now)[0];
        Assert.Contains("(established; lowered the score ×0.5)", old.Message);
        Assert.Contains($"score={NameScorer.WithHistory(bare, HistoryStanding.Established).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}", old.Evidence);
        Assert.True(old.Severity < fresh.Severity);
    }
}

public class TypoCostTests
{
    [Theory]
    [InlineData("seleenim", "selenium", 0.95)]   // doubled e (0.35) + dropped u (0.6)
    [InlineData("requst", "requests", 0.95)]     // dropped e (0.6) + plural s at the end (0.35)
    [InlineData("reqeusts", "requests", 0.45)]   // one swap
    public void Natural_slips_cost_little(string candidate, string target, double expected) =>
        Assert.Equal(expected, TypoCost.Cost(candidate, target)!.Value, 3);

    [Fact]
    public void Random_letters_and_first_letters_cost_more_and_far_names_have_no_cost()
    {
        Assert.True(TypoCost.Cost("xequests", "requests") > TypoCost.Cost("rewuests", "requests")); // first letter vs neighbouring key
        Assert.True(TypoCost.Cost("reqxqsts", "requests") >= 2.0);
        Assert.Null(TypoCost.Cost("flask", "requests"));
        Assert.True(TypoCost.TwoEditWeight(0.7) > TypoCost.TwoEditWeight(2.0));
    }
}
