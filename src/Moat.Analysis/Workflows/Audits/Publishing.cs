using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>Recognises steps that publish a release, which several audits treat as the crown jewels of a workflow.</summary>
public static partial class Publishing
{
    public static bool IsPublishStep(Step step) =>
        step.UsesAction("pypa/gh-action-pypi-publish")
        || (step.Run is { } run && PublishCommand().IsMatch(run.Value));

    public static bool IsPublishJob(Job job) => job.Steps.Any(IsPublishStep);

    /// <summary>A workflow that publishes, or that runs on releases or tag pushes.</summary>
    public static bool IsReleaseWorkflow(Workflow workflow) =>
        workflow.Jobs.Any(IsPublishJob)
        || workflow.IsTriggeredBy("release")
        || workflow.Triggers.Any(t => t.Name == "push" && t.Tags.Contains("tags"));

    [GeneratedRegex(@"\b(twine\s+upload|uv\s+publish|poetry\s+publish|flit\s+publish|hatch\s+publish|pdm\s+publish|npm\s+publish|docker\s+push|cargo\s+publish|gem\s+push|nuget\s+push)\b")]
    private static partial Regex PublishCommand();
}
