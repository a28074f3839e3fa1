using Moat.Analysis;
using Moat.Analysis.Names;
using Moat.Index.Proxy;

namespace Moat.Index.Policy;

/// <summary>
/// The name-confusion engine on every file's project name (uploads and proxied files alike). A name that imitates a
/// popular project at high severity or worse (a typosquat of <c>requests</c>, say) is refused outright — blocked
/// whatever <c>[policy] suspicious</c> says — unless the project is on the allowlist (<c>moat admin proxy allow</c>).
/// Weaker resemblances only add their findings to the verdict. The checker is built once per process (about a
/// second for the embedded corpus) and is thread-safe.
/// </summary>
public sealed class NameCheck(ProxyStore allowlist) : IUploadCheck
{
    public string Name => "name";

    public async ValueTask<CheckOutcome> CheckAsync(UploadCandidate candidate, CancellationToken ct)
    {
        var findings = NameChecker.Default.Check(candidate.Project);
        if (findings.Count == 0) return CheckOutcome.Pass;
        if (findings[0].Severity >= Severity.High && !await allowlist.IsAllowedAsync(candidate.Project))
            return new CheckOutcome(findings, LookalikeRefusal(candidate.Filename, candidate.Project, findings[0]));
        return new CheckOutcome(findings);
    }

    /// <summary>The one wording of a lookalike refusal, for files here and for project pages in <see cref="LookalikeGuard"/>.</summary>
    public static string LookalikeRefusal(string subject, string project, Finding worst) =>
        $"{subject} is blocked as a lookalike name ({worst.RuleId}: {worst.Message}); an admin can allowlist {project}";
}
