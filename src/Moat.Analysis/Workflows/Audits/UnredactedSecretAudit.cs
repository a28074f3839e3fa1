using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary><c>fromJSON(secrets.X).field</c>: a part of a secret GitHub's log masking does not know about.</summary>
public static partial class UnredactedSecretAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-016",
        "unredacted-secret",
        "A workflow takes a field out of a structured secret with fromJSON(secrets.X), which log masking does not cover.",
        Severity.Medium,
        "GitHub masks a secret's exact value in logs. A field taken out of a JSON secret (`fromJSON(secrets.CREDS).password`) " +
        "is a different string, so it is printed in clear wherever it is echoed or fails in an error message. Store each " +
        "credential as its own secret, or `::add-mask::` the field before using it.",
        ["https://docs.zizmor.sh/audits/#unredacted-secrets"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var value in workflow.ExpressionValues())
            foreach (var expression in WorkflowScripts.Expressions(value.Value))
                if (FromJsonSecret().IsMatch(expression.Inner))
                    yield return Finding.Of(Rule, Confidence.High, $"{expression.Inner} is part of a secret that log masking does not cover",
                        workflow.Locate(value, expression.Offset), value.Value.Substring(expression.Offset, expression.Length));
    }

    [GeneratedRegex(@"(?i)fromjson\(\s*secrets\.[\w-]+\s*\)\s*(?:\.|\[)")]
    private static partial Regex FromJsonSecret();
}
