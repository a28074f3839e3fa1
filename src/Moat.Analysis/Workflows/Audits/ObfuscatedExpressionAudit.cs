using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>
/// Expressions and <c>uses:</c> paths written to hide what they are: <c>format()</c> of nothing but literals,
/// <c>fromJSON(toJSON(x))</c>, and <c>owner/repo/./path</c> or <c>//</c> in an action path. Each evaluates to something
/// a reviewer (and the other audits) would have recognised if it had been written plainly.
/// </summary>
public static partial class ObfuscatedExpressionAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-020",
        "obfuscated-expression",
        "An expression or action path is written to hide its value: format() of literals, fromJSON(toJSON(…)), ./ or // in uses:.",
        Severity.Medium,
        "`${{ format('{0}{1}', 'PYPI_', 'TOKEN') }}` is the constant `PYPI_TOKEN`, `fromJSON(toJSON(secrets))` is `secrets`, " +
        "and `actions/checkout/./@v4` is `actions/checkout@v4`: nobody writes them that way except to slip a secret name, a " +
        "host or an action past a reviewer and past audits that look for the plain spelling. Write the value itself. A " +
        "computed secret name (`secrets[format(…)]`) made only of literals is reported at high severity.",
        ["https://docs.zizmor.sh/audits/#obfuscation",
         "https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#format"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var value in workflow.ExpressionValues())
            foreach (var expression in WorkflowScripts.Expressions(value.Value))
                if (Describe(expression.Inner) is { } what)
                    yield return new Finding(Rule.Id, what.Severity, Confidence.High, what.Message,
                        workflow.Locate(value, expression.Offset), value.Value.Substring(expression.Offset, expression.Length));
        foreach (var job in workflow.Jobs)
        {
            if (job.If is { } jobIf && Describe(jobIf) is { } inJobIf)
                yield return new Finding(Rule.Id, inJobIf.Severity, Confidence.High, $"job '{job.Id}' condition: {inJobIf.Message}", workflow.At(job.Line, job.Column), jobIf);
            foreach (var step in job.Steps)
                if (step.If is { } stepIf && Describe(stepIf) is { } inStepIf)
                    yield return new Finding(Rule.Id, inStepIf.Severity, Confidence.High, $"step '{step.Describe()}' condition: {inStepIf.Message}", workflow.At(step.Line, step.Column), stepIf);
        }
        foreach (var (where, uses) in ActionUses.All(workflow))
        {
            var reference = ActionReference.Parse(uses.Value);
            if (reference.IsLocal || reference.IsDocker) continue;
            var path = uses.Value.Trim();
            var at = path.LastIndexOf('@');
            if (at >= 0) path = path[..at];
            if (path.Contains("//", StringComparison.Ordinal) || path.Split('/').Any(segment => segment is "." or ".."))
                yield return Finding.Of(Rule, Confidence.High, $"{where}: the action path '{path}' has empty, '.' or '..' segments", workflow.At(uses.Line, uses.Column), uses.Value);
        }
    }

    /// <summary>What makes one expression obfuscated, or null when it is written plainly.</summary>
    public static (Severity Severity, string Message)? Describe(string expression)
    {
        if (NoOpJsonRoundTrip().Match(expression) is { Success: true } roundTrip)
            return (Severity.Medium, $"{roundTrip.Value.Trim()} is a no-op round trip through JSON");
        foreach (Match call in FormatCall().Matches(expression))
        {
            if (Arguments(expression, call.Index + call.Length) is not { Count: > 0 } arguments || !arguments.All(IsLiteral)) continue;
            var inSecretIndex = SecretIndexBefore().IsMatch(expression[..call.Index]);
            return inSecretIndex
                ? (Severity.High, "the secret's name is computed from literals: format(" + string.Join(", ", arguments) + ")")
                : (Severity.Medium, "format(" + string.Join(", ", arguments) + ") has only literal arguments: write its value");
        }
        return null;
    }

    private static bool IsLiteral(string argument) =>
        argument.Length >= 2 && argument[0] == '\'' && argument[^1] == '\''
        || double.TryParse(argument, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
        || argument is "true" or "false" or "null";

    /// <summary>The top-level, comma-separated arguments of a call whose '(' ends at <paramref name="start"/>; null if unbalanced.</summary>
    private static List<string>? Arguments(string text, int start)
    {
        var arguments = new List<string>();
        var depth = 0;
        var begin = start;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'')
            {
                // Expression strings escape a quote by doubling it.
                i++;
                while (i < text.Length && !(text[i] == '\'' && (i + 1 >= text.Length || text[i + 1] != '\''))) i += text[i] == '\'' ? 2 : 1;
                continue;
            }
            if (c == '(' || c == '[') depth++;
            else if ((c == ')' || c == ']') && depth > 0) depth--;
            else if (c == ')' || (c == ',' && depth == 0))
            {
                arguments.Add(text[begin..i].Trim());
                if (c == ')') return arguments;
                begin = i + 1;
            }
        }
        return null;
    }

    [GeneratedRegex(@"(?i)\bfromjson\s*\(\s*tojson\s*\([^()]*\)\s*\)")]
    private static partial Regex NoOpJsonRoundTrip();

    [GeneratedRegex(@"(?i)\bformat\s*\(")]
    private static partial Regex FormatCall();

    [GeneratedRegex(@"(?i)\bsecrets\s*\[\s*$")]
    private static partial Regex SecretIndexBefore();
}
