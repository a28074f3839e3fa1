using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>
/// An action used at a version with a published advisory (data/vulnerable-actions.tsv), or pinned to a commit an
/// attacker pointed its tags at (data/compromised-action-commits.tsv); both embedded and dated.
/// </summary>
public static partial class KnownVulnerableActionAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-017",
        "known-vulnerable-action",
        "An action is used at a version with a published security advisory.",
        Severity.High,
        "Moat embeds a dated list of GitHub Actions advisories (data/vulnerable-actions.tsv: tj-actions/changed-files " +
        "before 46.0.1, actions/download-artifact 4.0.0 to 4.1.2, …) and compares each `uses:` ref with it. A major-only " +
        "tag (`@v4`) stands for the newest release of that major, so it is affected only when the whole major is. A ref " +
        "pinned to a commit SHA is read at the version in its comment (`@<sha> # v4.1.0`, the form Dependabot and " +
        "pinning tools write), and a SHA that is one of the known malicious commits (data/compromised-action-commits.tsv: " +
        "the tj-actions/changed-files and reviewdog/action-setup payloads) is critical. Upgrade to the fixed version and " +
        "pin it by SHA.",
        ["https://github.com/advisories?query=type%3Areviewed+ecosystem%3Aactions", "https://docs.zizmor.sh/audits/#known-vulnerable-actions"]);

    public sealed record Advisory(string Action, int[] Introduced, int[] Fixed, string Id, string Summary);

    public sealed record CompromisedCommit(string Action, string Commit, string Id, string Summary);

    private static readonly Lazy<IReadOnlyList<Advisory>> Advisories = new(Load);
    private static readonly Lazy<IReadOnlyList<CompromisedCommit>> Commits = new(LoadCommits);

    public static IReadOnlyList<Advisory> All => Advisories.Value;

    public static IReadOnlyList<CompromisedCommit> AllCommits => Commits.Value;

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var (where, uses) in ActionUses.All(workflow))
        {
            var reference = ActionReference.Parse(uses.Value);
            if (reference.Name is not { } name || reference.Ref is not { } tag) continue;
            if (reference.IsPinnedToCommit)
            {
                if (AllCommits.FirstOrDefault(c => c.Action == name && tag.Equals(c.Commit, StringComparison.OrdinalIgnoreCase)) is { } bad)
                {
                    yield return new Finding(Rule.Id, Severity.Critical, Confidence.High,
                        $"{where} is pinned to {name}@{tag[..12]}…: {bad.Id}, {bad.Summary}", workflow.At(uses.Line, uses.Column), uses.Value);
                    continue;
                }
                // A SHA pin is checked at the version its comment names, as pinning tools write it.
                if (VersionComment(workflow, uses) is not { } commented) continue;
                tag = commented;
            }
            if (Version(tag) is not { } version) continue;
            foreach (var advisory in All.Where(a => a.Action == name))
            {
                // v4 is the newest 4.x: affected only if every 4.x is; v4.1 likewise for 4.1.x.
                var newest = version.Concat(Enumerable.Repeat(int.MaxValue, 3 - version.Length)).ToArray();
                var oldest = version.Concat(Enumerable.Repeat(0, 3 - version.Length)).ToArray();
                if (Compare(newest, advisory.Fixed) >= 0 || Compare(oldest, advisory.Introduced) < 0) continue;
                yield return Finding.Of(Rule, Confidence.High,
                    $"{where} uses {name}@{tag}: {advisory.Id}, {advisory.Summary} (fixed in {string.Join('.', advisory.Fixed)})",
                    workflow.At(uses.Line, uses.Column), uses.Value);
                break;
            }
        }
    }

    /// <summary>v1, v1.2, 1.2.3 → its numbers; null for branches and SHAs.</summary>
    public static int[]? Version(string tag)
    {
        var text = tag.StartsWith('v') ? tag[1..] : tag;
        var parts = text.Split('.');
        if (parts.Length is 0 or > 3) return null;
        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, null, out numbers[i])) return null;
        return numbers;
    }

    /// <summary>The version in the comment after a SHA pin (<c>@&lt;sha&gt; # v4.1.0</c>, <c># tag=v4</c>), or null.</summary>
    private static string? VersionComment(Workflow workflow, YamlText uses)
    {
        if (uses.Line < 1 || uses.Line > workflow.Lines.Count) return null;
        var line = workflow.Lines[uses.Line - 1];
        var end = line.IndexOf(uses.Value, StringComparison.Ordinal);
        var comment = line.IndexOf('#', end < 0 ? 0 : end + uses.Value.Length);
        return comment >= 0 && CommentedVersion().Match(line, comment) is { Success: true } m ? m.Groups["version"].Value : null;
    }

    [GeneratedRegex(@"\G#\s*(?:tag\s*[=:]\s*)?(?<version>v?\d+(?:\.\d+){0,2})(?![\w.])")]
    private static partial Regex CommentedVersion();

    private static int Compare(int[] a, int[] b)
    {
        for (var i = 0; i < 3; i++)
        {
            var x = i < a.Length ? a[i] : 0;
            var y = i < b.Length ? b[i] : 0;
            if (x != y) return x.CompareTo(y);
        }
        return 0;
    }

    private static IReadOnlyList<CompromisedCommit> LoadCommits() =>
        [.. Rows("compromised-action-commits.tsv").Select(f => f.Length == 4 && f[1].Length == 40 && f[1].All(char.IsAsciiHexDigit)
            ? new CompromisedCommit(f[0].ToLowerInvariant(), f[1].ToLowerInvariant(), f[2], f[3])
            : throw new InvalidDataException($"compromised-action-commits.tsv: malformed row '{string.Join('\t', f)}'"))];

    private static IEnumerable<string[]> Rows(string name)
    {
        using var stream = typeof(KnownVulnerableActionAudit).Assembly.GetManifestResourceStream("Moat.Data." + name)
            ?? throw new InvalidOperationException($"embedded {name} is missing");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0 && line[0] != '#') yield return line.Split('\t');
    }

    private static IReadOnlyList<Advisory> Load() =>
        [.. Rows("vulnerable-actions.tsv").Select(f => f.Length == 5 && Version(f[1]) is { } introduced && Version(f[2]) is { } fixedIn
            ? new Advisory(f[0].ToLowerInvariant(), introduced, fixedIn, f[3], f[4])
            : throw new InvalidDataException($"vulnerable-actions.tsv: malformed row '{string.Join('\t', f)}'"))];
}
