namespace Moat.Analysis.Workflows.Audits;

/// <summary>Self-hosted runners reachable from pull requests by strangers.</summary>
public static class SelfHostedRunnerAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-012",
        "self-hosted-runner-on-pr",
        "A job on a self-hosted runner runs for pull requests (or comments) that outsiders can open.",
        Severity.High,
        "Self-hosted runners are persistent machines inside your network. A job that runs on them for pull_request, " +
        "pull_request_target or issue_comment events lets a stranger's pull request run code there, keep a foothold " +
        "between jobs and reach internal systems (the PyTorch runner compromise, 2024). Use GitHub-hosted runners for " +
        "untrusted triggers, or ephemeral, isolated runners with approval required for outside contributors.",
        ["https://johnstawinski.com/2024/01/11/playing-with-fire-how-we-executed-a-critical-supply-chain-attack-on-pytorch/"]);

    private static readonly string[] PublicTriggers = ["pull_request", "pull_request_target", "issue_comment", "pull_request_review", "pull_request_review_comment"];

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        var trigger = workflow.Triggers.FirstOrDefault(t => PublicTriggers.Contains(t.Name));
        if (trigger is null) yield break;
        foreach (var job in workflow.Jobs.Where(j => j.RunsOn.Any(r => r.Equals("self-hosted", StringComparison.OrdinalIgnoreCase))))
            yield return Finding.Of(Rule, Confidence.High,
                $"job '{job.Id}' runs on a self-hosted runner for {trigger.Name} events",
                workflow.At(job.Line, job.Column), "runs-on: " + string.Join(", ", job.RunsOn));
    }
}
