using System.Collections.Frozen;
using System.Reflection;

namespace Moat.Analysis;

/// <summary>
/// A detector rule's metadata: its id (<c>MOAT-CODE-012</c> style), a kebab-case name, a one-line summary, a default
/// severity, a longer explanation and references. Each rule is declared once, as a <c>public static readonly Rule</c>
/// field next to the code that raises it; <see cref="RuleCatalog"/> finds them all, and docs/rules.md is generated
/// from them.
/// </summary>
public sealed record Rule(
    string Id,
    string Name,
    string Summary,
    Severity Severity,
    string Explanation,
    IReadOnlyList<string>? References = null)
{
    /// <summary>
    /// A could-not-check rule: its findings say that part of the target was not examined (a limit hit, a member
    /// skipped, a parse given up), not that anything is wrong with it. They never add to the score; they make the
    /// verdict <see cref="Verdict.Unverified"/> unless the evidence already says malicious (<see cref="Verdicts"/>).
    /// </summary>
    public bool CouldNotCheck { get; init; }

    /// <summary>
    /// A known-vulnerability rule: its findings report a published advisory against the exact version (a flaw the
    /// authors fixed, not hostility). They never add to the malice score; they make the verdict
    /// <see cref="Verdict.Vulnerable"/> when nothing graver was found (<see cref="Verdicts"/>).
    /// </summary>
    public bool KnownVulnerability { get; init; }

    /// <summary>The detector family, from the id: <c>MOAT-CODE-012</c> → <c>CODE</c>.</summary>
    public string Family => Id.Split('-') is [_, var family, ..] ? family : Id;
}

/// <summary>Every rule declared in Moat.Analysis, found once by reflection.</summary>
public static class RuleCatalog
{
    private static readonly Lazy<FrozenDictionary<string, Rule>> ById = new(() =>
        typeof(Rule).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(Rule) && f.IsInitOnly)
            .Select(f => (Rule)f.GetValue(null)!)
            .DistinctBy(r => r.Id)
            .ToFrozenDictionary(r => r.Id, StringComparer.Ordinal));

    /// <summary>All rules, ordered by id.</summary>
    public static IReadOnlyList<Rule> All => [.. ById.Value.Values.OrderBy(r => r.Id, StringComparer.Ordinal)];

    public static Rule? Find(string id) => ById.Value.GetValueOrDefault(id);

    // The rules whose findings a verdict weighs apart, listed by hand: judging a finding (every `moat check` that finds
    // something) then needs no reflection over the assembly, which also runs every detector's static initializer and
    // cost a third of the command's start-up. RuleCatalogTests checks that these are exactly the flagged rules.

    /// <summary>Every <see cref="Rule.CouldNotCheck"/> rule.</summary>
    public static IReadOnlyList<Rule> CouldNotCheckRules { get; } =
    [
        Code.LimitRules.ArchiveUnreadable, Code.LimitRules.ArchiveLimit, Code.LimitRules.SourcePartlyAnalysed,
        Code.LimitRules.ParseIncomplete, Code.LimitRules.DeobfuscationLimit, Code.LimitRules.AnalysisBudget,
        Code.LimitRules.EncryptedCode, Workflows.WorkflowAuditor.ParseErrorRule,
        Dependencies.Checks.PackageScanCheck.NotScanned, Dependencies.Checks.ProvenanceCheck.NotChecked,
    ];

    /// <summary>Every <see cref="Rule.KnownVulnerability"/> rule.</summary>
    public static IReadOnlyList<Rule> KnownVulnerabilityRules { get; } = [Dependencies.Checks.AdvisoryCheck.KnownVulnerability];

    /// <summary>True when <paramref name="finding"/> is from a <see cref="Rule.CouldNotCheck"/> rule.</summary>
    public static bool IsCouldNotCheck(Finding finding) => IsFrom(finding, CouldNotCheckRules);

    /// <summary>True when <paramref name="finding"/> is from a <see cref="Rule.KnownVulnerability"/> rule.</summary>
    public static bool IsKnownVulnerability(Finding finding) => IsFrom(finding, KnownVulnerabilityRules);

    private static bool IsFrom(Finding finding, IReadOnlyList<Rule> rules)
    {
        foreach (var rule in rules)
        {
            if (string.Equals(rule.Id, finding.RuleId, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
