using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary><c>if: github.actor == 'dependabot[bot]'</c>: a check anyone can pass by making the bot act last.</summary>
public static partial class BotConditionAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-015",
        "bot-condition",
        "A job or step trusts github.actor (or triggering_actor) being a bot such as dependabot[bot].",
        Severity.Medium,
        "github.actor is whoever caused the latest event, not who wrote the code: an attacker can open a pull request and " +
        "get Dependabot to act on it (a rebase, a comment), and the condition then holds for the attacker's code. Check " +
        "github.event.pull_request.user.login, or better, do not give bot pull requests privileges. High under " +
        "pull_request_target and workflow_run, where the job has secrets.",
        ["https://docs.zizmor.sh/audits/#bot-conditions", "https://www.synacktiv.com/publications/github-actions-exploitation-dependabot"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        var privileged = workflow.IsTriggeredBy("pull_request_target") || workflow.IsTriggeredBy("workflow_run");
        foreach (var job in workflow.Jobs)
        {
            if (Check(job.If) is { } jobMatch)
                yield return Report(workflow, privileged, $"job '{job.Id}'", jobMatch, job.Line, job.Column);
            foreach (var step in job.Steps)
                if (Check(step.If) is { } stepMatch)
                    yield return Report(workflow, privileged, $"step '{step.Describe()}' in job '{job.Id}'", stepMatch, step.Line, step.Column);
        }
    }

    private static string? Check(string? condition) =>
        condition is not null && ActorIsBot().Match(condition) is { Success: true } m ? m.Value : null;

    private static Finding Report(Workflow workflow, bool privileged, string where, string condition, int line, int column) =>
        new(Rule.Id, privileged ? Severity.High : Severity.Medium, Confidence.High,
            $"{where} runs when {condition}, which an attacker can arrange", workflow.At(line, column), condition);

    [GeneratedRegex(@"github\.(?:actor|triggering_actor)\s*==\s*['""][\w.-]+\[bot\]['""]|['""][\w.-]+\[bot\]['""]\s*==\s*github\.(?:actor|triggering_actor)")]
    private static partial Regex ActorIsBot();
}
