using System.Globalization;
using Moat.Analysis;
using Moat.Analysis.Names;

namespace Moat.Index.Policy;

/// <summary>
/// The name-confusion engine on every file's project name (uploads and proxied files alike), weighed with the
/// project's history where the index knows it (<see cref="UploadCandidate.History"/>). A lookalike is refused outright
/// — whatever <c>[policy] suspicious</c> says — by <see cref="LookalikeReason"/>, unless the project is on the
/// allowlist (<c>moat admin proxy allow</c>); weaker resemblances only add their findings to the verdict. The checker
/// is built once per process and is thread-safe.
/// </summary>
public sealed class NameCheck(ProjectAllowlist allowlist, TimeProvider time) : IUploadCheck
{
    /// <summary>Without a useful history, only a resemblance this strong is refused (≤ 0.1% of all PyPI names; see docs/names.md).</summary>
    public const double RefusalScoreWithoutHistory = 0.65;

    /// <summary>A new project is refused from "suspicious" on when it imitates one of this many most-downloaded projects (or an internal name or brand).</summary>
    public const int NewProjectTargetRank = 1000;

    public string Name => "name";

    public async ValueTask<CheckOutcome> CheckAsync(UploadCandidate candidate, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var findings = NameChecker.Default.Check(candidate.Project, candidate.History, now);
        if (findings.Count == 0) return CheckOutcome.Pass;
        if (LookalikeReason(candidate.Project, candidate.History, now) is { } reason && !await allowlist.IsAllowedAsync(candidate.Project))
            return new CheckOutcome(findings, LookalikeRefusal(candidate.Filename, candidate.Project, reason));
        return new CheckOutcome(findings);
    }

    /// <summary>
    /// Why <paramref name="project"/> must not be served as a lookalike, or null. History decides first: an established
    /// project (years of releases) is never refused; a new one (days old, one or two releases) is refused as soon as it
    /// is suspicious and imitates a top-1,000 project, an internal name or a brand; otherwise (history unknown, ordinary
    /// or revived) only a near-certain resemblance (<see cref="RefusalScoreWithoutHistory"/>) is refused.
    /// </summary>
    public static string? LookalikeReason(string project, ProjectHistory? history, DateTimeOffset now)
    {
        if (RefusedLookalike(NameChecker.Default.Matches(project), history, now) is not { } best) return null;
        var imitates = $"imitates {Describe(best)}: {best.Technique.Label()}, {best.Detail} (score {best.Score.ToString("0.00", CultureInfo.InvariantCulture)})";
        return history?.StandingAt(now) == HistoryStanding.New ? $"{history.Describe(now)}, {imitates}" : $"{best.Technique.Rule().Id}: '{project}' {imitates}";
    }

    /// <summary>
    /// The decision behind <see cref="LookalikeReason"/> on a name's matches (<see cref="NameChecker.Matches"/>): the
    /// match, weighed with the history, that gets the project refused, or null. Benchmarks ask it what the proxy
    /// would refuse.
    /// </summary>
    public static NameMatch? RefusedLookalike(IReadOnlyList<NameMatch> matches, ProjectHistory? history, DateTimeOffset now)
    {
        if (matches.Count == 0) return null;
        var standing = history?.StandingAt(now);
        if (standing == HistoryStanding.Established) return null;
        var weighed = history is null ? matches : NameChecker.WeighHistory(matches, history, now);
        // A finding that only flags (a popular name kept whole among other words, the plugin convention's shape) never
        // refuses: the best of the others decides.
        if (weighed.FirstOrDefault(m => m.Technique.MayRefuse()) is not { } best) return null;
        if (standing == HistoryStanding.New && best.Score >= 0.4 && (best.TargetIsInternal || best.TargetIsBrand || best.TargetRank <= NewProjectTargetRank))
            return best;
        return best.Score >= RefusalScoreWithoutHistory ? best : null;
    }

    private static string Describe(NameMatch match) =>
        match.TargetIsInternal ? $"internal package '{match.Target}'"
        : match.TargetIsBrand ? $"the brand '{match.Target}'"
        : match.TargetRank is { } rank ? $"'{match.Target}' (download rank {rank.ToString("N0", CultureInfo.InvariantCulture)})"
        : $"standard-library module '{match.Target}'";

    /// <summary>The one wording of a lookalike refusal, for files here and for project pages in <see cref="LookalikeGuard"/>.</summary>
    public static string LookalikeRefusal(string subject, string project, string reason) =>
        $"{subject} is blocked as a lookalike name ({reason}); an admin can allowlist {project}";
}
