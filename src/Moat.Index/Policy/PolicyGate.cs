using Moat.Analysis;
using Moat.Analysis.Reporting;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.Policy;

/// <summary>
/// Everything the gate may look at about one file: an upload, or a proxied download. <see cref="Contents"/> is the
/// file itself (on local disk, not yet visible), read once for every check that needs it.
/// </summary>
public sealed record UploadCandidate(string Filename, NormalizedName Project, string Version, string Sha256, DistributionRead Contents)
{
    /// <summary>The upload form's fields; none for a proxied download, which has no form (its filename and metadata speak for it).</summary>
    public IReadOnlyDictionary<string, string> FormFields { get; init; } = new Dictionary<string, string>();

    /// <summary>The hosted project an upload adds to; null for a new project and for a proxied download.</summary>
    public ProjectRecord? ExistingProject { get; init; }

    /// <summary>The project's release history where the index knows it (an upstream page for proxied files), for the name check.</summary>
    public Moat.Analysis.Names.ProjectHistory? History { get; init; }
}

/// <summary>
/// One check the gate runs on every upload (the gate declares which, in which order). A check returns findings (judged together by <see cref="Verdicts"/>) or refuses
/// outright when the upload is invalid, whatever its score.
/// </summary>
public interface IUploadCheck
{
    string Name { get; }
    ValueTask<CheckOutcome> CheckAsync(UploadCandidate candidate, CancellationToken ct);
}

public sealed record CheckOutcome(IReadOnlyList<Finding> Findings, string? Refusal = null)
{
    public static readonly CheckOutcome Pass = new([]);
    public static CheckOutcome Refuse(string message) => new([], message);
}

/// <summary>What happens to the upload.</summary>
public enum GateAction { Accept, Quarantine, Reject }

public sealed record GateDecision(GateAction Action, Verdict Verdict, double Score, IReadOnlyList<Finding> Findings, string? Message)
{
    public string ActionName => Action switch { GateAction.Quarantine => "quarantine", GateAction.Reject => "reject", _ => "accept" };
}

/// <summary>
/// The ONE place an upload is judged. Runs its checks in the order declared here; the first refusal rejects and
/// stops the rest; otherwise the findings become a verdict in <see cref="Verdicts"/> and the configured policy maps the
/// verdict to an action. The decision is stored by sha256 with its findings, whether the file is kept or not.
/// </summary>
public sealed class PolicyGate(
    ProjectStatusCheck status, DistributionConsistencyCheck consistency, CodeScanCheck code, NameCheck name, IMetadataStore store, IndexOptions options)
{
    // Cheapest refusal first: the project's status (a row already read) refuses before the file is read; the file
    // against its form comes next, and the code scan reuses that same read of the archive. The name check, cheap too, runs after the
    // scan on purpose: its refusal of a lookalike then still says what the code does (a typosquat carrying malware is
    // stored and refused as malicious, not only as a lookalike).
    private readonly IUploadCheck[] _checks = [status, consistency, code, name];

    /// <summary>
    /// Judges one file. <paramref name="failClosed"/> is what an <see cref="Verdict.Unverified"/> verdict (something
    /// could not be checked) does: quarantine for an administrator when true, accept when false; null takes
    /// <c>[proxy] fail-closed</c> (a proxied file passes its own repository's setting).
    /// </summary>
    public async Task<GateDecision> JudgeAsync(UploadCandidate candidate, CancellationToken ct, bool? failClosed = null)
    {
        var findings = new List<Finding>();
        string? refusal = null;
        foreach (var check in _checks)
        {
            var outcome = await check.CheckAsync(candidate, ct);
            findings.AddRange(outcome.Findings);
            if (outcome.Refusal is not null)
            {
                refusal = outcome.Refusal;
                break;
            }
        }
        var (verdict, score) = Verdicts.Judge(findings);
        var decision = refusal is not null
            ? new GateDecision(GateAction.Reject, verdict, score, findings, refusal + Judged(verdict, findings))
            : Apply(verdict, score, findings, candidate, failClosed ?? options.Proxy.FailClosed);
        await store.SaveVerdictAsync(new StoredVerdict(candidate.Sha256, candidate.Filename, decision.ActionName, ReportNames.Of(decision.Verdict),
            decision.Score, FindingJson.Serialize(findings), decision.Message, DateTimeOffset.UtcNow), ct);
        return decision;
    }

    private GateDecision Apply(Verdict verdict, double score, IReadOnlyList<Finding> findings, UploadCandidate candidate, bool failClosed)
    {
        var policy = verdict switch
        {
            Verdict.Malicious => options.OnMalicious,
            // Fail closed: what could not be checked is held for an administrator (it may be a legitimate large
            // package, so it is kept to be released, not rejected).
            Verdict.Unverified => failClosed ? GatePolicyAction.Quarantine : GatePolicyAction.Accept,
            Verdict.Suspicious => options.OnSuspicious,
            _ => GatePolicyAction.Accept,
        };
        // The reason names what decided the verdict: for unverified, what could not be checked.
        var reason = verdict == Verdict.Unverified
            ? findings.FirstOrDefault(RuleCatalog.IsCouldNotCheck)
            : findings.OrderByDescending(f => f.Severity).FirstOrDefault();
        var why = reason is null ? "" : $" ({reason.RuleId}: {reason.Message}{(reason.Location.Path is { Length: > 0 } path ? $" [{path}]" : "")})";
        var held = verdict == Verdict.Unverified ? "; Moat could not check all of it, so it is held until an administrator releases it" : "";
        return policy switch
        {
            GatePolicyAction.Reject => new(GateAction.Reject, verdict, score, findings, $"{candidate.Filename} was judged {ReportNames.Of(verdict)}{why}"),
            GatePolicyAction.Quarantine => new(GateAction.Quarantine, verdict, score, findings, $"{candidate.Filename} is quarantined: judged {ReportNames.Of(verdict)}{why}{held}"),
            _ => new(GateAction.Accept, verdict, score, findings, null),
        };
    }

    /// <summary>A refusal still says what the findings were judged (a typosquat that also carries malware says both).</summary>
    private static string Judged(Verdict verdict, IReadOnlyList<Finding> findings)
    {
        if (verdict < Verdict.Suspicious) return "";
        var worst = findings.Where(f => !f.RuleId.StartsWith("MOAT-NAME", StringComparison.Ordinal)).OrderByDescending(f => f.Severity).FirstOrDefault();
        return $"; judged {ReportNames.Of(verdict)}{(worst is null ? "" : $" ({worst.RuleId}: {worst.Message})")}";
    }
}

/// <summary>PEP 792: archived and quarantined projects take no new distributions.</summary>
public sealed class ProjectStatusCheck : IUploadCheck
{
    public string Name => "project-status";

    public ValueTask<CheckOutcome> CheckAsync(UploadCandidate candidate, CancellationToken ct) =>
        ValueTask.FromResult(candidate.ExistingProject is { } project && !ProjectStatusNames.AcceptsUploads(project.Status)
            ? CheckOutcome.Refuse($"Project '{project.Name}' is {ProjectStatusNames.Of(project.Status)} and accepts no new uploads.")
            : CheckOutcome.Pass);
}
