using System.Text.RegularExpressions;
using Moat.Analysis.Text;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>
/// Triggers that run with the base repository's secrets and a write token on behalf of outsiders
/// (<c>pull_request_target</c>, <c>workflow_run</c>, <c>issue_comment</c>, <c>issues</c>): bringing in the outsider's
/// code there — a checkout of the pull request's head, <c>gh pr checkout</c>, or an artifact of the triggering run —
/// and then running anything from it hands both to the pull request's author.
/// </summary>
public static partial class DangerousTriggerAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-004",
        "dangerous-trigger-checkout",
        "A privileged workflow (pull_request_target, workflow_run, issue_comment) brings in untrusted code or artifacts and runs them.",
        Severity.Critical,
        "Workflows triggered by pull_request_target, workflow_run, issue_comment and issues run in the context of the " +
        "base repository: they can read its secrets, write with its GITHUB_TOKEN and save caches that release jobs " +
        "restore. Checking out the pull request's head (`ref: ${{ github.event.pull_request.head.sha }}`, " +
        "`github.head_ref`, `refs/pull/…`, `gh pr checkout`) or the triggering run's head, or downloading the triggering " +
        "run's artifact (`run-id: ${{ github.event.workflow_run.id }}`, `gh run download`), and then running scripts, " +
        "builds (`pip install .`, `npm install`, `make`, `tox`) or local actions from it executes the attacker's code " +
        "with those privileges (a 'pwn request'; the first step of the Ultralytics compromise). Use `pull_request` for " +
        "untrusted code, treat artifacts as data (never execute or source them), or keep the privileged part free of " +
        "the untrusted tree. A checkout or download that nothing runs yet is reported at medium severity.",
        ["https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/", "https://blog.pypi.org/posts/2024-12-11-ultralytics-attack-analysis/",
         "https://docs.zizmor.sh/audits/#dangerous-triggers"]);


    private sealed record Untrusted(Step Step, string What, string? Path, YamlText Where)
    {
        public bool IsArtifact => What.Contains("artifact", StringComparison.Ordinal);
    }

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        var trigger = workflow.PrivilegedTrigger;
        if (trigger is null) yield break;
        foreach (var job in workflow.Jobs)
        {
            // One finding per job: the first untrusted input that something runs, else the first checkout nothing runs yet.
            Finding? pending = null;
            for (var i = 0; i < job.Steps.Count; i++)
            {
                if (UntrustedInput(job.Steps[i]) is not { } untrusted) continue;
                var runner = job.Steps.Skip(i + 1).FirstOrDefault(s => RunsFrom(s, untrusted.Path));
                var at = workflow.At(untrusted.Where.Line, untrusted.Where.Column);
                var evidence = WorkflowScripts.Evidence(untrusted.Where.Value);
                if (runner is not null)
                {
                    pending = Finding.Of(Rule, Confidence.High,
                        $"job '{job.Id}' brings in {untrusted.What} under {trigger.Name} and runs it in step '{runner.Describe()}'", at, evidence);
                    break;
                }
                // An artifact nothing executes is data, the intended use of workflow_run.
                if (!untrusted.IsArtifact)
                    pending ??= new Finding(Rule.Id, Severity.Medium, Confidence.Medium,
                        $"job '{job.Id}' brings in {untrusted.What} under {trigger.Name}; nothing runs it yet", at, evidence);
            }
            if (pending is not null) yield return pending;
        }
    }

    /// <summary>The step brings outsider-controlled files into the workspace: what, where to (null: the workspace), and the evidence.</summary>
    private static Untrusted? UntrustedInput(Step step)
    {
        step.With.TryGetValue("path", out var path);
        if (step.UsesAction("actions/checkout"))
        {
            if (step.With.TryGetValue("ref", out var reference) && UntrustedRef().IsMatch(reference.Value))
                return new Untrusted(step, $"untrusted code ({reference.Value.Trim()})", path?.Value.Trim(), reference);
            if (step.With.TryGetValue("repository", out var repository) && ForkRepository().IsMatch(repository.Value))
                return new Untrusted(step, $"the fork's code ({repository.Value.Trim()})", path?.Value.Trim(), repository);
            return null;
        }
        if (step.ActionName is "actions/download-artifact" or "dawidd6/action-download-artifact")
        {
            var runId = step.With.GetValueOrDefault("run-id") ?? step.With.GetValueOrDefault("run_id");
            var workflowInput = step.With.GetValueOrDefault("workflow");
            if (runId is not null && runId.Value.Contains("workflow_run", StringComparison.Ordinal)
                || step.ActionName == "dawidd6/action-download-artifact" && workflowInput is not null)
                return new Untrusted(step, "an artifact of the triggering run", path?.Value.Trim(), runId ?? workflowInput!);
            return null;
        }
        if (step.Run is { } run)
        {
            if (ScriptCheckout().Match(run.Value) is { Success: true } m)
                return new Untrusted(step, $"untrusted code ({m.Value.Trim()})", null, run);
            if (RunDownload().Match(run.Value) is { Success: true } d)
                return new Untrusted(step, "an artifact of the triggering run", d.Groups["dir"].Success ? d.Groups["dir"].Value : null, run);
        }
        return null;
    }

    /// <summary>
    /// The step executes files from the untrusted tree: a local action or script under it, a build or install of it, or
    /// (when it sits in the workspace root) any build command; with a <c>path:</c>, only commands that name that path.
    /// </summary>
    private static bool RunsFrom(Step step, string? path)
    {
        var dir = path is null ? null : ScriptFlow.NormalisePath(path).TrimEnd('/');
        if (dir is "." or "") dir = null;
        if (step.Uses is { } uses && ActionReference.Parse(uses.Value) is { IsLocal: true } local)
            return dir is null || ScriptFlow.NormalisePath(local.Raw).StartsWith(dir + "/", StringComparison.Ordinal) || ScriptFlow.NormalisePath(local.Raw) == dir;
        if (step.Run is not { } run) return false;
        foreach (var line in WorkflowScripts.LogicalLines(run.Value))
        {
            foreach (var command in ShellWords.Parse(line.Text))
            {
                if (command.Argv.Count == 0) continue;
                var words = command.Argv.Select(w => ScriptFlow.NormalisePath(w)).ToList();
                if (dir is null)
                {
                    if (BuildCommand().IsMatch(string.Join(' ', words)) || words[0].StartsWith("./", StringComparison.Ordinal) || command.Argv[0].StartsWith("./", StringComparison.Ordinal)
                        || ScriptRunner(command.Program) && words.Skip(1).Any(w => ScriptFile().IsMatch(w)))
                        return true;
                    continue;
                }
                var names = words.Any(w => w == dir || w.StartsWith(dir + "/", StringComparison.Ordinal));
                if (!names) continue;
                // A tool that merely reads the directory (uploads a report, renders docs) is not running it.
                bool Under(string w) => w == dir || w.StartsWith(dir + "/", StringComparison.Ordinal);
                if (Under(words[0]) || command.Program is "cd" or "pushd"
                    || ScriptRunner(command.Program) && words.Skip(1).FirstOrDefault(w => !w.StartsWith('-')) is { } target && Under(target)
                    || command.Program is "pip" or "pip3" or "uv" or "npm" or "yarn" or "pnpm" && words.Contains("install") && words.Skip(2).Any(Under)
                    || words.IndexOf("-C") is var c and >= 0 && c + 1 < words.Count && Under(words[c + 1])
                    || words.IndexOf("--prefix") is var p and >= 0 && p + 1 < words.Count && Under(words[p + 1]))
                    return true;
            }
        }
        return false;
    }

    private static bool ScriptRunner(string program) =>
        program is "sh" or "bash" or "zsh" or "source" or "." or "pwsh" or "node" or "ruby" or "perl" or "make" or "tox" or "nox"
        || program.StartsWith("python", StringComparison.Ordinal);

    [GeneratedRegex(@"pull_request\.head\.(sha|ref)|github\.head_ref|refs/pull/|merge_commit_sha|workflow_run\.head_(sha|branch)|pull_request\.number|event\.issue\.number")]
    private static partial Regex UntrustedRef();

    [GeneratedRegex(@"pull_request\.head\.repo\.full_name|workflow_run\.head_repository\.full_name")]
    private static partial Regex ForkRepository();

    [GeneratedRegex(@"\bgh\s+pr\s+checkout\b[^\n]*|\bgit\s+(?:checkout|switch|pull|merge|reset)\b[^\n]*(?:pull/|pull_request\.head|head_ref|workflow_run\.head_)[^\n]*")]
    private static partial Regex ScriptCheckout();

    [GeneratedRegex(@"\bgh\s+run\s+download\b[^\n]*workflow_run[^\n]*?(?:(?:-D|--dir)\s+(?<dir>\S+))?$", RegexOptions.Multiline)]
    private static partial Regex RunDownload();

    // Builds and installs run the tree's own code (setup.py, build backends, npm scripts, Makefiles, test suites).
    [GeneratedRegex(@"\b(?:pip3?\s+install\s+(?:-e\s+)?(?:\.|-r\b|\S*/)|python[23]?\s+(?:-m\s+(?:pip\s+install|build|pytest|tox|nox)|setup\.py)|uv\s+(?:sync|build|run|pip\s+install)|poetry\s+(?:install|build|run)|pdm\s+(?:install|build|run)|hatch\s+(?:run|build)|npm\s+(?:install|ci|run|test)|yarn\b|pnpm\s+(?:install|run)|make\b|cmake\b|tox\b|nox\b|pytest\b|cargo\s+(?:build|run|test)|go\s+(?:run|build|test)|pre-commit\s+run|mvn\b|gradle\b|\./gradlew)")]
    private static partial Regex BuildCommand();

    [GeneratedRegex(@"\.(?:sh|py|js|mjs|ts|rb|pl|ps1)$")]
    private static partial Regex ScriptFile();
}
