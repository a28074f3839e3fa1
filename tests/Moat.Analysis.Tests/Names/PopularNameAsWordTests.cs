using Moat.Analysis.Names;

namespace Moat.Analysis.Tests.Names;

/// <summary>
/// A popular project or a brand kept whole among other words (<see cref="NameTechnique.PopularNameAsWord"/>): weak on
/// its own, suspicious for a new project, dropped for an established one; never for a host framework's plugins.
/// </summary>
public class PopularNameAsWordTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProjectHistory NewProject = new(Now.AddDays(-3), Now.AddDays(-3), 1, TimeSpan.Zero, HistorySource.UploadTimes);
    private static readonly ProjectHistory Established = new(Now.AddYears(-6), Now.AddDays(-200), 12, TimeSpan.FromDays(90), HistorySource.UploadTimes);

    [Theory]
    [InlineData("upgrade-requests", "requests")]   // a top-100 project as one word
    [InlineData("aiohttp-proxies", "aiohttp")]
    [InlineData("discord-boost", "discord")]       // a brand word
    [InlineData("robloxmod", "roblox")]            // glued to the start
    [InlineData("pandarequests", "requests")]      // glued to the end
    [InlineData("httpsrequestsfast", "requests")]  // a long one glued inside
    public void A_popular_word_among_others_is_weak_alone_and_suspicious_when_the_project_is_new(string name, string target)
    {
        var alone = Assert.Single(NameChecker.Default.Matches(name), m => m.Technique == NameTechnique.PopularNameAsWord);
        Assert.Equal(target, alone.Target);
        Assert.InRange(alone.Score, NameScorer.ReportThreshold, 0.399); // below suspicious: PyPI-wide counts do not move

        var asNew = NameChecker.Default.Check(name, NewProject, Now)[0];
        Assert.Equal(Severity.Medium, asNew.Severity);
        Assert.Contains("popular-name-as-word", asNew.Message);
        Assert.Contains("first release 3 days ago, 1 release (new; raised the score", asNew.Message);

        Assert.DoesNotContain(NameChecker.Default.Check(name, Established, Now), f => f.Message.Contains("popular-name-as-word"));
    }

    [Theory]
    [InlineData("pytest-requests")]   // pytest-: a host's plugin prefix (30+ of the top 15,000 names start with it)
    [InlineData("django-discord")]
    [InlineData("types-requests")]
    [InlineData("requests-py")]       // only a py affix: PythonAffix judges it
    [InlineData("requests")]          // the project itself
    [InlineData("requests-toolbelt")] // a popular project itself
    [InlineData("richardsplot")]      // 'rich' is too short to count glued
    public void Honest_plugins_affixes_and_popular_names_are_not_popular_word_combosquats(string name) =>
        Assert.DoesNotContain(NameChecker.Default.Matches(name), m => m.Technique == NameTechnique.PopularNameAsWord);
}
