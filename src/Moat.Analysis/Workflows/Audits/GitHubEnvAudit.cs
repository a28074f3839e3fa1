using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>Attacker-controlled values written to <c>$GITHUB_ENV</c> or <c>$GITHUB_PATH</c> under a privileged trigger.</summary>
public static partial class GitHubEnvAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-014",
        "github-env",
        "A privileged workflow writes attacker-controlled data to $GITHUB_ENV or $GITHUB_PATH.",
        Severity.High,
        "Every later step of the job reads $GITHUB_ENV and $GITHUB_PATH. Under pull_request_target, workflow_run, " +
        "issue_comment or issues, a value an outsider controls (a branch name, a title, a comment, a file from the pull " +
        "request or an artifact of the triggering run) written there can set LD_PRELOAD, BASH_ENV, NODE_OPTIONS or PATH " +
        "and so run code with the job's secrets. Write such values to $GITHUB_OUTPUT and pass them through `env:`, or " +
        "validate them first.",
        ["https://docs.zizmor.sh/audits/#github-env", "https://securitylab.github.com/resources/github-actions-new-patterns-and-mitigations/"]);


    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        var trigger = workflow.PrivilegedTrigger;
        if (trigger is null) yield break;
        foreach (var (job, step) in workflow.AllSteps())
        {
            if (step.Run is not { } run) continue;
            foreach (var line in WorkflowScripts.LogicalLines(run.Value))
            {
                var write = GitHubFileWrite().Match(line.Text);
                if (!write.Success) continue;
                var source = UntrustedValue().Match(line.Text);
                var fromEnv = EnvReference().Matches(line.Text).Select(m => m.Groups["name"].Value)
                    .FirstOrDefault(name => step.Env.Concat(job.Env).Any(e => e.Key == name && UntrustedValue().IsMatch(e.Value.Value)));
                if (!source.Success && fromEnv is null) continue;
                yield return Finding.Of(Rule, Confidence.High,
                    $"step '{step.Describe()}' in job '{job.Id}' writes {(source.Success ? source.Value : "$" + fromEnv)} to ${write.Groups["file"].Value} under {trigger.Name}",
                    workflow.Locate(run, line.Offset), WorkflowScripts.Evidence(line.Text));
            }
        }
    }

    [GeneratedRegex(@">>?\s*[""']?\$\{?(?:env:)?(?<file>GITHUB_ENV|GITHUB_PATH)\b")]
    private static partial Regex GitHubFileWrite();

    // Expressions an outsider controls, and the usual ways of reading a pull request's or artifact's files.
    [GeneratedRegex(@"github\.head_ref|github\.event\.(?:pull_request|issue|discussion|comment|review|workflow_run)\.[\w.]*(?:title|body|ref|label|message|head_branch|name)\b|\$\(\s*(?:cat|head|tail|jq|<)\b[^)]*\)|\bcat\s+\S+\s*>>|\bgit\s+log\b")]
    private static partial Regex UntrustedValue();

    [GeneratedRegex(@"\$\{?(?<name>[A-Za-z_]\w*)")]
    private static partial Regex EnvReference();
}
