using System.Text.Json;
using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>One popular project: its PEP 503 normalized name and its download rank (1 = most downloaded).</summary>
public readonly record struct PopularProject(string Name, int Rank);

/// <summary>
/// The popular-project list squats are measured against. The default is embedded in the binary
/// (data/top-packages.tsv, the 15,000 most-downloaded PyPI projects, read November 2026); <c>--corpus FILE</c> replaces
/// it with the same TSV shape or the top-pypi-packages JSON shape (<c>{"rows":[{"project":…,"download_count":…}]}</c>).
/// </summary>
public sealed class PopularCorpus
{
    public const string EmbeddedDescription = "top 15,000 PyPI projects by downloads (14,985 listed; embedded, read November 2026)";

    /// <summary>Projects ordered by rank; names are normalized and unique (the best rank wins).</summary>
    public IReadOnlyList<PopularProject> Projects { get; }

    /// <summary>Where the list came from, for reports.</summary>
    public string Source { get; }

    private Dictionary<string, int>? _ranks;

    /// <summary>The rank of a normalized name in this list, or null when it is not in it.</summary>
    public int? RankOf(string normalizedName)
    {
        // A plain dictionary: a frozen one costs several times as much to build, and one `moat check` does a handful of lookups.
        var ranks = _ranks ??= Projects.ToDictionary(p => p.Name, p => p.Rank, StringComparer.Ordinal);
        return ranks.TryGetValue(normalizedName, out var rank) ? rank : null;
    }

    private PopularCorpus(IEnumerable<PopularProject> projects, string source)
    {
        Projects = RankOrderedUnique(projects);
        Source = source;
    }

    /// <summary>
    /// Projects by rank, the best-ranked of each name kept. A stable sort, and none at all when the list is already in
    /// rank order (the embedded one is): this runs on every <c>moat check</c>, where LINQ's sort and distinct over this
    /// struct cost more start-up (JIT and garbage) than the check.
    /// </summary>
    private static PopularProject[] RankOrderedUnique(IEnumerable<PopularProject> projects)
    {
        var all = projects.ToArray();
        var sorted = true;
        for (var i = 1; i < all.Length && sorted; i++) sorted = all[i - 1].Rank <= all[i].Rank;
        if (!sorted)
        {
            var order = new int[all.Length];
            for (var i = 0; i < order.Length; i++) order[i] = i;
            Array.Sort(order, (a, b) => all[a].Rank != all[b].Rank ? all[a].Rank.CompareTo(all[b].Rank) : a.CompareTo(b));
            all = Array.ConvertAll(order, i => all[i]);
        }
        var seen = new HashSet<string>(all.Length, StringComparer.Ordinal);
        var unique = new List<PopularProject>(all.Length);
        foreach (var project in all)
        {
            if (seen.Add(project.Name)) unique.Add(project);
        }
        return unique.Count == all.Length ? all : [.. unique];
    }

    private static readonly Lazy<PopularCorpus> EmbeddedCorpus = new(() =>
    {
        using var stream = typeof(PopularCorpus).Assembly.GetManifestResourceStream("Moat.Data.top-packages.tsv")
            ?? throw new InvalidOperationException("embedded top-packages.tsv is missing");
        using var reader = new StreamReader(stream);
        return new PopularCorpus(ParseTsv(reader), EmbeddedDescription);
    });

    /// <summary>The embedded top-15,000 list (parsed once per process).</summary>
    public static PopularCorpus Embedded => EmbeddedCorpus.Value;

    /// <summary>Names in rank order, 1-based (tests and small corpora).</summary>
    public static PopularCorpus FromNames(IEnumerable<string> names, string source = "given names") =>
        new(names.Select((n, i) => new PopularProject(ProjectName.Normalize(n.Trim()), i + 1)).Where(p => ProjectName.IsValid(p.Name)), source);

    /// <summary>The first <paramref name="count"/> projects by rank.</summary>
    public PopularCorpus Top(int count) => new(Projects.Take(count), $"top {count} of {Source}");

    /// <summary>Loads a corpus file: JSON when it starts with <c>{</c>, else the TSV (rank, name, …) with a header line.</summary>
    /// <exception cref="InvalidDataException">The file is neither shape or holds no names.</exception>
    public static PopularCorpus Load(string path)
    {
        using var reader = new StreamReader(path);
        var first = reader.Peek();
        while (first is ' ' or '\t' or '\r' or '\n' or 0xFEFF) { reader.Read(); first = reader.Peek(); }
        var projects = first == '{' ? ParseJson(reader.ReadToEnd()) : ParseTsv(reader);
        var corpus = new PopularCorpus(projects, Path.GetFileName(path));
        if (corpus.Projects.Count == 0) throw new InvalidDataException($"{path}: no project names found (expected rank<TAB>name lines or top-pypi-packages JSON)");
        return corpus;
    }

    /// <summary>TSV: <c>rank&lt;TAB&gt;name[&lt;TAB&gt;…]</c>; a header and comment lines are skipped; a line without a rank takes the next one.</summary>
    internal static List<PopularProject> ParseTsv(TextReader reader)
    {
        var projects = new List<PopularProject>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            // Fields sliced rather than split: this runs on every `moat check`, and the later columns are never read.
            var tab = line.IndexOf('\t');
            var rankText = tab < 0 ? [] : line.AsSpan(0, tab);
            var rest = tab < 0 ? line.AsSpan() : line.AsSpan(tab + 1);
            if (rest.IndexOf('\t') is var end and >= 0) rest = rest[..end];
            var name = rest.Trim().ToString();
            if (!ProjectName.IsValid(name)) continue;
            if (!int.TryParse(rankText, out var rank))
            {
                if (tab >= 0) continue; // the header line, or a row with a broken rank
                rank = projects.Count + 1;
            }
            projects.Add(new PopularProject(ProjectName.Normalize(name), rank));
        }
        return projects;
    }

    /// <summary>top-pypi-packages JSON: rows ordered by download_count (rank = position after sorting, ties keep file order).</summary>
    internal static List<PopularProject> ParseJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            if (!document.RootElement.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException("corpus JSON has no \"rows\" array");
            var entries = new List<(string Name, long Downloads, int Order)>();
            foreach (var row in rows.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty("project", out var project) || project.ValueKind != JsonValueKind.String) continue;
                var name = project.GetString()!.Trim();
                if (!ProjectName.IsValid(name)) continue;
                var downloads = row.TryGetProperty("download_count", out var count) && count.TryGetInt64(out var n) ? n : 0;
                entries.Add((ProjectName.Normalize(name), downloads, entries.Count));
            }
            return [.. entries.OrderByDescending(e => e.Downloads).ThenBy(e => e.Order).Select((e, i) => new PopularProject(e.Name, i + 1))];
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"corpus JSON is malformed: {ex.Message}", ex);
        }
    }
}
