namespace Moat.Analysis.Workflows.Audits;

/// <summary><c>ACTIONS_ALLOW_UNSECURE_COMMANDS</c> turns the retired <c>::set-env</c> and <c>::add-path</c> log commands back on.</summary>
public static class InsecureCommandsAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-021",
        "insecure-commands",
        "A workflow re-enables the ::set-env and ::add-path log commands with ACTIONS_ALLOW_UNSECURE_COMMANDS.",
        Severity.High,
        "GitHub retired `::set-env` and `::add-path` in 2020 (CVE-2020-15228): any process whose output reaches the log — " +
        "a test printing an issue title, a dependency's build output — could set `LD_PRELOAD`, `NODE_OPTIONS` or `PATH` " +
        "for every later step and run code with its secrets. `ACTIONS_ALLOW_UNSECURE_COMMANDS: true` brings them back. " +
        "High when the workflow runs on an event an outsider can start with the repository's secrets " +
        "(pull_request_target, workflow_run, issue_comment…) or the job publishes; medium otherwise. Write to the " +
        "`$GITHUB_ENV` and `$GITHUB_PATH` files instead, and remove the variable.",
        ["https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/",
         "https://github.com/advisories/GHSA-mfwh-5m23-j46w",
         "https://docs.zizmor.sh/audits/#insecure-commands"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        var privileged = workflow.PrivilegedTrigger is not null;
        var levels = workflow.Env.Select(e => ("the workflow", privileged || workflow.Jobs.Any(Publishing.IsPublishJob), e))
            .Concat(workflow.Jobs.SelectMany(j => j.Env.Select(e => ($"job '{j.Id}'", privileged || Publishing.IsPublishJob(j), e))))
            .Concat(workflow.AllSteps().SelectMany(p => p.Step.Env.Select(e => ($"step '{p.Step.Describe()}' in job '{p.Job.Id}'", privileged || Publishing.IsPublishJob(p.Job), e))));
        foreach (var (where, exposed, (name, value)) in levels)
            if (name.Equals("ACTIONS_ALLOW_UNSECURE_COMMANDS", StringComparison.OrdinalIgnoreCase) && !IsOff(value.Value))
                yield return new Finding(Rule.Id, exposed ? Severity.High : Severity.Medium, Confidence.High,
                    $"{where} sets ACTIONS_ALLOW_UNSECURE_COMMANDS={value.Value.Trim()}",
                    workflow.At(value.Line, value.Column), $"ACTIONS_ALLOW_UNSECURE_COMMANDS: {value.Value.Trim()}");
    }

    // The runner enables the commands for any value but an explicit false.
    private static bool IsOff(string value) => value.Trim() is "false" or "False" or "FALSE" or "0" or "";
}
