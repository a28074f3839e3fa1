using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>
/// <c>pull_request_target</c> and <c>workflow_run</c> run with the base repository's secrets and a write token; checking
/// out the pull request's code there and then running anything from it hands both to the pull request's author.
/// </summary>
public static partial class DangerousTriggerAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-004",
        "dangerous-trigger-checkout",
        "A pull_request_target or workflow_run workflow checks out untrusted code and runs it.",
        Severity.Critical,
        "Workflows triggered by pull_request_target or workflow_run run in the context of the base repository: they can " +
        "read its secrets, write with its GITHUB_TOKEN and save caches that release jobs restore. Checking out the pull " +
        "request's head (`ref: ${{ github.event.pull_request.head.sha }}`, `github.head_ref`, `refs/pull/…`) or the " +
        "triggering run's head and then running scripts, builds or local actions executes the attacker's code with " +
        "those privileges (a 'pwn request'; the first step of the Ultralytics compromise). Use `pull_request` for " +
        "untrusted code, or keep the privileged part free of the checked-out tree.",
        ["https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/", "https://blog.pypi.org/posts/2024-12-11-ultralytics-attack-analysis/"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        var trigger = workflow.Triggers.FirstOrDefault(t => t.Name is "pull_request_target" or "workflow_run");
        if (trigger is null) yield break;
        foreach (var job in workflow.Jobs)
        {
            for (var i = 0; i < job.Steps.Count; i++)
            {
                var step = job.Steps[i];
                if (!step.UsesAction("actions/checkout") || !step.With.TryGetValue("ref", out var reference)) continue;
                if (!UntrustedRef().IsMatch(reference.Value)) continue;
                var runner = job.Steps.Skip(i + 1).FirstOrDefault(RunsCheckedOutCode);
                yield return runner is null
                    ? new Finding(Rule.Id, Severity.Medium, Confidence.Medium,
                        $"job '{job.Id}' checks out untrusted code ({reference.Value}) under {trigger.Name}; nothing runs it yet",
                        workflow.At(reference.Line, reference.Column), $"ref: {reference.Value}")
                    : Finding.Of(Rule, Confidence.High,
                        $"job '{job.Id}' checks out untrusted code ({reference.Value}) under {trigger.Name} and runs it in step '{runner.Describe()}'",
                        workflow.At(reference.Line, reference.Column), $"ref: {reference.Value}");
            }
        }
    }

    /// <summary>Anything after the checkout that can execute files from the tree: scripts and local actions.</summary>
    private static bool RunsCheckedOutCode(Step step) =>
        step.Run is not null || (step.Uses is { } uses && ActionReference.Parse(uses.Value).IsLocal);

    [GeneratedRegex(@"pull_request\.head\.(sha|ref)|github\.head_ref|refs/pull/|merge_commit_sha|workflow_run\.head_(sha|branch)|pull_request\.number")]
    private static partial Regex UntrustedRef();
}
