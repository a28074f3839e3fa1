using System.IO.Enumeration;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>Actions the repository's policy (<c>.moat/ci.toml</c> <c>forbidden-uses</c>) does not allow.</summary>
public static class ForbiddenUsesAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-018",
        "forbidden-uses",
        "A workflow uses an action the repository's .moat/ci.toml forbids.",
        Severity.High,
        "`forbidden-uses = [\"tj-actions/*\", \"example/deploy@v1\"]` in .moat/ci.toml lists actions (owner/repo, with " +
        "`*` wildcards, optionally @ref) a repository has decided never to run, for instance after a compromise. Every " +
        "`uses:` that matches is reported.",
        ["https://docs.zizmor.sh/audits/#forbidden-uses"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        if (workflow.Policy.ForbiddenUses.Count == 0) yield break;
        foreach (var (where, uses) in ActionUses.All(workflow))
        {
            var reference = ActionReference.Parse(uses.Value);
            if (reference.Name is not { } name) continue;
            var full = reference.Ref is null ? name : $"{name}@{reference.Ref}";
            var pattern = workflow.Policy.ForbiddenUses.FirstOrDefault(p =>
                FileSystemName.MatchesSimpleExpression(p.ToLowerInvariant(), p.Contains('@') ? full : name, ignoreCase: true));
            if (pattern is not null)
                yield return Finding.Of(Rule, Confidence.High, $"{where} uses {full}, forbidden by .moat/ci.toml ({pattern})",
                    workflow.At(uses.Line, uses.Column), uses.Value);
        }
    }
}
