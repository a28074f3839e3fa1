namespace Moat.Analysis.Workflows.Audits;

/// <summary>
/// A checkout that keeps its token in .git/config: high when the job then uploads the whole workspace as an artifact,
/// low when it is only left there by default for every later step (and tool) of the job to read.
/// </summary>
public static class ArtipackedAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-011",
        "artipacked",
        "A job uploads its workspace as an artifact after a checkout that persisted the GITHUB_TOKEN in .git/config.",
        Severity.High,
        "actions/checkout writes the job's token into .git/config unless `persist-credentials: false`. Uploading the " +
        "workspace (`path: .`) with actions/upload-artifact then publishes that token to anyone who can download the " +
        "artifact — for public repositories, everyone ('ArtiPACKED', Palo Alto Unit 42, 2024). Set " +
        "`persist-credentials: false` and upload only the build output directory. A checkout that persists the token by " +
        "default, with no upload, is reported at low severity: every later step, action and build tool of the job can read " +
        "it; write `persist-credentials: true` where a later `git push` needs it.",
        ["https://unit42.paloaltonetworks.com/github-repo-artifacts-leak-tokens/"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var job in workflow.Jobs)
        {
            var persisted = job.Steps.FirstOrDefault(s => s.UsesAction("actions/checkout")
                && !(s.With.TryGetValue("persist-credentials", out var p) && p.Value == "false"));
            if (persisted is null) continue;
            var uploaded = false;
            foreach (var step in job.Steps.Where(s => s.Index > persisted.Index && s.UsesAction("actions/upload-artifact")))
            {
                if (!step.With.TryGetValue("path", out var path) || !UploadsWorkspace(path.Value)) continue;
                uploaded = true;
                yield return Finding.Of(Rule, Confidence.High,
                    $"job '{job.Id}' uploads '{path.Value.Trim()}' after a checkout that persisted credentials in .git/config",
                    workflow.At(path.Line, path.Column), $"path: {path.Value.Trim()}");
            }
            if (!uploaded && !persisted.With.ContainsKey("persist-credentials") && persisted.Uses is { } uses)
                yield return new Finding(Rule.Id, Severity.Low, Confidence.High,
                    $"step '{persisted.Describe()}' in job '{job.Id}' leaves the job's token in .git/config for every later step (persist-credentials is not set)",
                    workflow.At(uses.Line, uses.Column), uses.Value);
        }
    }

    private static bool UploadsWorkspace(string paths) =>
        paths.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(p =>
            p is "." or "./" or "*" or "**" or "./*" or "**/*" || p.Contains("github.workspace", StringComparison.Ordinal) || p.Contains(".git", StringComparison.Ordinal) && !p.Contains(".github", StringComparison.Ordinal));
}
