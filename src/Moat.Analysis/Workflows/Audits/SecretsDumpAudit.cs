namespace Moat.Analysis.Workflows.Audits;

/// <summary><c>${{ toJSON(secrets) }}</c> hands every secret of the repository to one step at once.</summary>
public static class SecretsDumpAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-002",
        "secrets-dump",
        "A workflow serialises every secret at once with toJSON(secrets).",
        Severity.High,
        "`toJSON(secrets)` expands to a JSON object holding every secret the workflow can read. GhostAction-style " +
        "workflows use it to steal them all in one request; legitimate workflows almost never need it. Pass the one " +
        "secret a step needs, by name.",
        ["https://docs.zizmor.sh/audits/#overprovisioned-secrets"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var value in workflow.ExpressionValues())
        {
            foreach (var expression in WorkflowScripts.Expressions(value.Value))
            {
                var compact = expression.Inner.Replace(" ", "", StringComparison.Ordinal);
                if (compact.Contains("tojson(secrets)", StringComparison.OrdinalIgnoreCase))
                    yield return Finding.Of(Rule, Confidence.High, "every secret is serialised with toJSON(secrets)",
                        workflow.Locate(value, expression.Offset), value.Value.Substring(expression.Offset, expression.Length));
            }
        }
    }
}
