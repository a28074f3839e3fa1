namespace Moat.Analysis.Workflows.Audits;

/// <summary>A release or publishing workflow that restores a cache other (less trusted) workflows can write.</summary>
public static class CachePoisoningAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-010",
        "cache-poisoning",
        "A release or publishing workflow restores a GitHub Actions cache.",
        Severity.Medium,
        "Caches are shared across the workflows of a repository's default branch. In the Ultralytics attack (December " +
        "2024) a pull_request_target workflow ran attacker code that wrote a poisoned pip cache; the release workflow " +
        "restored it and published malicious wheels to PyPI. Release and publishing jobs should build from a clean " +
        "environment: drop actions/cache and the setup-* `cache:`/`enable-cache:` inputs there. Severity is high when " +
        "the same workflow also runs on pull_request_target.",
        ["https://blog.pypi.org/posts/2024-12-11-ultralytics-attack-analysis/", "https://adnanthekhan.com/2024/05/06/the-monsters-in-your-build-cache-github-actions-cache-poisoning/"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        if (workflow.Dialect != CiDialect.GitHubWorkflow || !Publishing.IsReleaseWorkflow(workflow)) yield break;
        var severity = workflow.IsTriggeredBy("pull_request_target") ? Severity.High : Severity.Medium;
        // Only jobs that publish, or every job when the whole workflow is a release workflow by its trigger.
        var releaseByTrigger = workflow.IsTriggeredBy("release") || workflow.Triggers.Any(t => t.Name == "push" && t.Tags.Contains("tags"));
        foreach (var job in workflow.Jobs.Where(j => releaseByTrigger || Publishing.IsPublishJob(j)))
        {
            foreach (var step in job.Steps)
            {
                if (CacheUse(step) is not { } what) continue;
                yield return new Finding(Rule.Id, severity, Confidence.High,
                    $"release job '{job.Id}' restores a cache ({what}) that other workflows can poison",
                    workflow.At(step.Line, step.Column), step.Uses?.Value);
            }
        }
    }

    /// <summary>What in the step restores a cache, or null.</summary>
    private static string? CacheUse(Step step)
    {
        if (step.ActionName is not { } name) return null;
        if (name is "actions/cache" && step.Uses!.Value.Contains("/save@", StringComparison.Ordinal)) return null;
        if (name is "actions/cache") return "actions/cache";
        if (step.With.TryGetValue("cache", out var cache) && cache.Value is { Length: > 0 } c && c != "false") return $"{name} cache: {c}";
        if (step.With.TryGetValue("enable-cache", out var enable) && enable.Value == "true") return $"{name} enable-cache: true";
        if (name is "swatinem/rust-cache") return name;
        return null;
    }
}
