using System.Text.RegularExpressions;
using Tomlyn;
using Tomlyn.Model;

namespace Moat.Analysis.Workflows;

/// <summary>
/// A repository's own policy for <c>moat ci</c>, in <c>.moat/ci.toml</c>: <c>ignore = ["MOAT-CI-006", "bot-condition"]</c>
/// (rules off for the whole repository), <c>forbidden-uses = ["tj-actions/*"]</c> (a deny list) and
/// <c>allowed-uses = ["actions/*", "pypa/gh-action-pypi-publish"]</c> (an allow list: anything else is forbidden). Single findings are silenced
/// in the workflow itself with a <c># moat: ignore[rule-id]</c> comment on the line or the line above. Unknown keys
/// and wrong types are errors: a typo must not silently weaken the audit.
/// </summary>
public sealed partial record CiPolicy(IReadOnlySet<string> Ignore, IReadOnlyList<string> ForbiddenUses, IReadOnlyList<string> AllowedUses)
{
    public static readonly CiPolicy Empty = new(new HashSet<string>(), [], []);

    /// <summary>The policy of the repository at <paramref name="root"/>, or <see cref="Empty"/>; throws <see cref="InvalidDataException"/> when malformed.</summary>
    public static CiPolicy Load(string root)
    {
        var path = Path.Combine(root, ".moat", "ci.toml");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : Empty;
    }

    public static CiPolicy Parse(string text, string path)
    {
        TomlTable model;
        try
        {
            model = TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions { DuplicateKeyHandling = TomlDuplicateKeyHandling.Error }) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
        var ignore = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var forbidden = new List<string>();
        var allowed = new List<string>();
        foreach (var (key, value) in model)
        {
            if (key is not ("ignore" or "forbidden-uses" or "allowed-uses")) throw new InvalidDataException($"{path}: unknown key '{key}' (known: ignore, forbidden-uses, allowed-uses)");
            if (value is not TomlArray array || !array.All(v => v is string)) throw new InvalidDataException($"{path}: '{key}' must be a list of strings");
            var target = key switch { "ignore" => (ICollection<string>)ignore, "forbidden-uses" => forbidden, _ => allowed };
            foreach (var item in array.Cast<string>()) target.Add(item);
        }
        return new CiPolicy(ignore, forbidden, allowed);
    }

    /// <summary>True when the policy or an inline comment at the finding's line (or the line above) silences it.</summary>
    public bool Silences(Finding finding, Workflow workflow)
    {
        var rule = RuleCatalog.Find(finding.RuleId);
        if (Ignore.Contains(finding.RuleId) || rule is not null && Ignore.Contains(rule.Name)) return true;
        for (var line = finding.Location.Line - 1; line <= finding.Location.Line; line++)
        {
            if (line < 1 || line > workflow.Lines.Count) continue;
            var text = workflow.Lines[line - 1];
            if (!text.Contains("moat: ignore[", StringComparison.Ordinal)) continue;
            foreach (Match m in InlineIgnore().Matches(text))
                foreach (var id in m.Groups["ids"].Value.Split(',', StringSplitOptions.TrimEntries))
                    if (id.Equals(finding.RuleId, StringComparison.OrdinalIgnoreCase) || rule is not null && id.Equals(rule.Name, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    [GeneratedRegex(@"#\s*moat:\s*ignore\[(?<ids>[^\]]+)\]")]
    private static partial Regex InlineIgnore();
}
