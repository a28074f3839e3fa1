namespace Moat.Analysis.Workflows.Audits;

/// <summary>Every <c>uses:</c> in a workflow: step actions and job-level reusable workflows.</summary>
internal static class ActionUses
{
    public static IEnumerable<(string Where, YamlText Uses)> All(Workflow workflow)
    {
        foreach (var job in workflow.Jobs)
        {
            if (job.Uses is { } reusable) yield return ($"job '{job.Id}'", reusable);
            foreach (var step in job.Steps)
                if (step.Uses is { } uses) yield return ($"step '{step.Describe()}' in job '{job.Id}'", uses);
        }
    }
}
