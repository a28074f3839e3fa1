namespace Moat.Analysis.Workflows.Audits;

/// <summary>An action used at a version with a published advisory (data/vulnerable-actions.tsv, embedded and dated).</summary>
public static class KnownVulnerableActionAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-017",
        "known-vulnerable-action",
        "An action is used at a version with a published security advisory.",
        Severity.High,
        "Moat embeds a dated list of GitHub Actions advisories (data/vulnerable-actions.tsv: tj-actions/changed-files " +
        "before 46.0.1, actions/download-artifact 4.0.0 to 4.1.2, …) and compares each `uses:` ref with it. A major-only " +
        "tag (`@v4`) stands for the newest release of that major, so it is affected only when the whole major is. Refs " +
        "pinned to a commit SHA cannot be mapped to a version offline and are not checked. Upgrade to the fixed version " +
        "and pin it by SHA.",
        ["https://github.com/advisories?query=type%3Areviewed+ecosystem%3Aactions", "https://docs.zizmor.sh/audits/#known-vulnerable-actions"]);

    public sealed record Advisory(string Action, int[] Introduced, int[] Fixed, string Id, string Summary);

    private static readonly Lazy<IReadOnlyList<Advisory>> Advisories = new(Load);

    public static IReadOnlyList<Advisory> All => Advisories.Value;

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var (where, uses) in ActionUses.All(workflow))
        {
            var reference = ActionReference.Parse(uses.Value);
            if (reference.Name is not { } name || reference.Ref is not { } tag || Version(tag) is not { } version) continue;
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

    private static IReadOnlyList<Advisory> Load()
    {
        using var stream = typeof(KnownVulnerableActionAudit).Assembly.GetManifestResourceStream("Moat.Data.vulnerable-actions.tsv")
            ?? throw new InvalidOperationException("embedded vulnerable-actions.tsv is missing");
        using var reader = new StreamReader(stream);
        var list = new List<Advisory>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split('\t');
            if (f.Length != 5 || Version(f[1]) is not { } introduced || Version(f[2]) is not { } fixedIn)
                throw new InvalidDataException($"vulnerable-actions.tsv: malformed row '{line}'");
            list.Add(new Advisory(f[0].ToLowerInvariant(), introduced, fixedIn, f[3], f[4]));
        }
        return list;
    }
}
