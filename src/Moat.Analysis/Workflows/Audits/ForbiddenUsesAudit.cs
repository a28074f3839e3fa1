using System.IO.Enumeration;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>Actions the repository's policy (<c>.moat/ci.toml</c> <c>forbidden-uses</c> or <c>allowed-uses</c>) does not allow.</summary>
public static class ForbiddenUsesAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-018",
        "forbidden-uses",
        "A workflow uses an action the repository's .moat/ci.toml forbids or does not allow.",
        Severity.High,
        "`forbidden-uses = [\"tj-actions/*\", \"example/deploy@v1\"]` in .moat/ci.toml lists actions (owner/repo, with " +
        "`*` wildcards, optionally @ref) a repository has decided never to run, for instance after a compromise. Every " +
        "`uses:` that matches is reported. `allowed-uses = [\"actions/*\", \"pypa/gh-action-pypi-publish\"]` is the " +
        "stricter form: every action that matches none of its patterns is reported (local `./` actions are always allowed).",
        ["https://docs.zizmor.sh/audits/#forbidden-uses"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        var policy = workflow.Policy;
        if (policy.ForbiddenUses.Count == 0 && policy.AllowedUses.Count == 0) yield break;
        foreach (var (where, uses) in ActionUses.All(workflow))
        {
            var reference = ActionReference.Parse(uses.Value);
            if (reference.Name is not { } name) continue;
            var full = reference.Ref is null ? name : $"{name}@{reference.Ref}";
            bool Matches(string pattern) => FileSystemName.MatchesSimpleExpression(pattern.ToLowerInvariant(), pattern.Contains('@') ? full : name, ignoreCase: true);
            if (policy.ForbiddenUses.FirstOrDefault(Matches) is { } forbidden)
                yield return Finding.Of(Rule, Confidence.High, $"{where} uses {full}, forbidden by .moat/ci.toml ({forbidden})",
                    workflow.At(uses.Line, uses.Column), uses.Value);
            else if (policy.AllowedUses.Count > 0 && !policy.AllowedUses.Any(Matches))
                yield return Finding.Of(Rule, Confidence.High, $"{where} uses {full}, which .moat/ci.toml's allowed-uses does not list",
                    workflow.At(uses.Line, uses.Column), uses.Value);
        }
    }
}
