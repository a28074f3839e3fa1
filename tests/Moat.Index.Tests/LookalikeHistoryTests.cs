using Moat.Analysis.Names;
using Moat.Index.Policy;

namespace Moat.Index.Tests;

/// <summary>The proxy's lookalike refusal with and without project history (<see cref="NameCheck.LookalikeReason"/>).</summary>
public class LookalikeHistoryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static ProjectHistory History(params (string Version, double DaysAgo)[] files) =>
        ProjectHistory.From(files.Select(f => (f.Version, (DateTimeOffset?)Now.AddDays(-f.DaysAgo))), HistorySource.UploadTimes)!;

    private static readonly ProjectHistory Established = History(("0.1", 2200), ("0.2", 1800), ("0.3", 1500), ("1.0", 1000), ("1.1", 300));

    [Fact]
    public void An_established_project_is_never_refused_however_close_its_name()
    {
        Assert.NotNull(NameCheck.LookalikeReason("reqeusts", null, Now));
        Assert.Null(NameCheck.LookalikeReason("reqeusts", Established, Now));
        Assert.Null(NameCheck.LookalikeReason("jeIlyfish", Established, Now)); // even a visual lookalike
    }

    [Fact]
    public void A_new_project_imitating_a_top_1000_name_is_refused_and_the_reason_says_why()
    {
        var reason = NameCheck.LookalikeReason("reqeusts", History(("2.31.0", 3)), Now);
        Assert.NotNull(reason);
        Assert.StartsWith("first release 3 days ago, 1 release, imitates 'requests' (download rank", reason);
    }

    [Fact]
    public void A_new_project_with_a_weak_resemblance_is_refused_only_for_a_top_1000_target()
    {
        // Between suspicious and the no-history bar: refused when new, served when history is unknown.
        var name = Enumerable.Range(0, 1000).Select(i => NameChecker.Default.Corpus.Projects[i].Name + "s")
            .First(n => NameChecker.Default.Matches(n) is [{ Score: >= 0.32 and < 0.65, TargetRank: <= NameCheck.NewProjectTargetRank }, ..]
                        && NameChecker.Default.Corpus.RankOf(n) is null);
        Assert.Null(NameCheck.LookalikeReason(name, null, Now));
        Assert.NotNull(NameCheck.LookalikeReason(name, History(("0.1", 2)), Now));
        Assert.Null(NameCheck.LookalikeReason(name, History(("0.1", 400), ("0.2", 300)), Now)); // ordinary: the no-history bar
    }

    [Fact]
    public async Task A_new_combosquat_of_a_popular_word_is_flagged_suspicious_but_never_refused()
    {
        var newProject = History(("1.0", 3));
        Assert.Null(NameCheck.LookalikeReason("upgrade-requests", newProject, Now));
        Assert.Null(NameCheck.LookalikeReason("discord-boost", newProject, Now));
        // The check still reports it, at suspicious (medium), which [policy] suspicious then decides.
        var outcome = await new NameCheck(null!, new FixedTime(Now)).CheckAsync(Candidate("upgrade-requests", newProject), CancellationToken.None);
        Assert.Null(outcome.Refusal);
        Assert.Contains(outcome.Findings, f => f.Severity == Moat.Analysis.Severity.Medium && f.Message.Contains("popular-name-as-word"));
    }

    private static UploadCandidate Candidate(string project, ProjectHistory history) =>
        new($"{project}-1.0-py3-none-any.whl", Moat.Packaging.NormalizedName.Of(project), "1.0", new string('0', 64), null!) { History = history };

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void A_name_that_resembles_nothing_is_never_refused() =>
        Assert.Null(NameCheck.LookalikeReason("zzz-unrelated-project-name", History(("0.1", 1)), Now));
}
