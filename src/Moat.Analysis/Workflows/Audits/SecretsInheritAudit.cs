namespace Moat.Analysis.Workflows.Audits;

/// <summary><c>secrets: inherit</c> passes every secret to a reusable workflow that needs a few.</summary>
public static class SecretsInheritAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-009",
        "secrets-inherit",
        "A job passes every secret to a reusable workflow with secrets: inherit.",
        Severity.Medium,
        "`secrets: inherit` hands the called workflow every secret of the caller, including publishing tokens it has no " +
        "use for; if that workflow (or an action it uses) is compromised, all of them leak. Pass the secrets it needs by " +
        "name under `secrets:`.",
        ["https://docs.github.com/en/actions/sharing-automations/reusing-workflows#passing-secrets-to-nested-workflows"]);

    public static IEnumerable<Finding> Run(Workflow workflow) =>
        workflow.Jobs.Where(j => j.SecretsInherit is not null).Select(j => Finding.Of(Rule, Confidence.High,
            $"job '{j.Id}' passes every secret to {j.Uses?.Value ?? "a reusable workflow"}",
            workflow.At(j.SecretsInherit!.Line, j.SecretsInherit.Column), "secrets: inherit"));
}
