namespace Moat.Analysis.Workflows.Audits;

/// <summary>Tokens with more power than the job needs: write-all, an unrestricted publishing workflow, id-token everywhere.</summary>
public static class ExcessivePermissionsAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-008",
        "excessive-permissions",
        "A workflow grants write-all, leaves a publishing workflow's token unrestricted, or gives id-token: write to every job.",
        Severity.Medium,
        "Every step can use the job's GITHUB_TOKEN and, with `id-token: write`, mint OIDC tokens that Trusted Publishing " +
        "accepts. `write-all` hands every step write access to code, releases and packages; a publishing workflow without " +
        "a `permissions:` block gets the repository default, which is read-write on older repositories; and `id-token: " +
        "write` at the workflow level lets test and build jobs (and any compromised dependency they run) publish. Set " +
        "`permissions: {}` or read-only at the top and grant `id-token: write` to the publishing job alone.",
        ["https://docs.pypi.org/trusted-publishers/security-model/", "https://docs.zizmor.sh/audits/#excessive-permissions"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        if (workflow.Dialect != CiDialect.GitHubWorkflow) yield break;
        if (workflow.Permissions is { IsWriteAll: true } top)
            yield return new Finding(Rule.Id, Severity.High, Confidence.High, "the workflow grants permissions: write-all to every job",
                workflow.At(top.Line, top.Column), "permissions: write-all");
        foreach (var job in workflow.Jobs)
        {
            if (job.Permissions is { IsWriteAll: true } p)
                yield return new Finding(Rule.Id, Severity.High, Confidence.High, $"job '{job.Id}' grants permissions: write-all",
                    workflow.At(p.Line, p.Column), "permissions: write-all");
        }

        var publishing = workflow.Jobs.Where(Publishing.IsPublishJob).ToList();
        if (publishing.Count > 0 && workflow.Permissions is null)
        {
            foreach (var job in publishing.Where(j => j.Permissions is null))
                yield return Finding.Of(Rule, Confidence.Medium,
                    $"publishing job '{job.Id}' has no permissions: block (nor has the workflow), so its token gets the repository default",
                    workflow.At(job.Line, job.Column));
        }

        if (workflow.Permissions is { } wide && wide.Grants("id-token", "write") && workflow.Jobs.Count > 1)
        {
            var others = workflow.Jobs.Where(j => !Publishing.IsPublishJob(j) && j.Permissions is null).Select(j => j.Id).ToList();
            if (others.Count > 0)
                yield return Finding.Of(Rule, Confidence.High,
                    $"id-token: write is granted to the whole workflow, so jobs {string.Join(", ", others)} can mint publishing tokens; grant it to the publishing job only",
                    workflow.At(wide.Line, wide.Column), "id-token: write");
        }
    }
}
