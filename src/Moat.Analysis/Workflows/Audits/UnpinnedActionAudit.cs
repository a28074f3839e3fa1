namespace Moat.Analysis.Workflows.Audits;

/// <summary>Actions referenced by a tag or branch, which their owner (or whoever takes over their account) can move.</summary>
public static class UnpinnedActionAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-006",
        "unpinned-action",
        "An action or reusable workflow is referenced by a movable tag or branch instead of a full commit SHA.",
        Severity.Medium,
        "Tags and branches can be moved: in March 2025 the tj-actions/changed-files tags were repointed to a commit that " +
        "dumped runner memory, secrets included, into build logs of 23,000 repositories. A 40-hex commit SHA cannot be " +
        "moved. Pin third-party actions to a SHA (with the version in a comment, which Dependabot keeps up to date). " +
        "First-party actions (actions/*, github/*) are reported at low severity, and so are container images " +
        "(`docker://` steps, a job's `container:` and `services:`), which should be pinned by digest (`@sha256:…`); local " +
        "actions (./path) are part of the repository and are not reported.",
        ["https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions",
         "https://www.cisa.gov/news-events/alerts/2025/03/18/supply-chain-compromise-third-party-tj-actionschanged-files-cve-2025-30066-and-reviewdogaction-setup-cve-2025-30154"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var (where, uses) in ActionUses.All(workflow))
        {
            var reference = ActionReference.Parse(uses.Value);
            if (reference.IsLocal) continue;
            if (reference.IsDocker)
            {
                if (!reference.Raw.Contains("@sha256:", StringComparison.Ordinal))
                    yield return new Finding(Rule.Id, Severity.Low, Confidence.High,
                        $"{where} runs docker image {reference.Raw} by tag; pin it by digest (@sha256:…)",
                        workflow.At(uses.Line, uses.Column), uses.Value);
                continue;
            }
            if (reference.IsPinnedToCommit) continue;
            var firstParty = reference.Name is { } name && (name.StartsWith("actions/", StringComparison.Ordinal) || name.StartsWith("github/", StringComparison.Ordinal));
            var what = reference.Ref is null ? "has no ref at all" : $"is pinned to '{reference.Ref}', not a commit SHA";
            yield return new Finding(Rule.Id, firstParty ? Severity.Low : Severity.Medium, Confidence.High,
                $"{where}: {reference.Name ?? reference.Raw} {what}", workflow.At(uses.Line, uses.Column), uses.Value);
        }
        foreach (var job in workflow.Jobs)
            foreach (var image in job.Images)
                if (!image.Value.Contains("@sha256:", StringComparison.Ordinal) && !image.Value.Contains("${{", StringComparison.Ordinal))
                    yield return new Finding(Rule.Id, Severity.Low, Confidence.High,
                        $"job '{job.Id}' runs container image {image.Value} by tag; pin it by digest (@sha256:…)",
                        workflow.At(image.Line, image.Column), image.Value);
    }
}
