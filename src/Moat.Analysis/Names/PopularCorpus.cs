using System.Text;
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
    public IReadOnlyList<PopularProject> Projects => Ranked;

    /// <summary>The same projects as an array, for loops on a check's start-up path (no generic code over the struct to compile).</summary>
    internal PopularProject[] Ranked { get; }

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
        Ranked = RankOrderedUnique(projects);
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
        // Copied only from the first repeated name on: the embedded list has none.
        var seen = new HashSet<string>(all.Length, StringComparer.Ordinal);
        PopularProject[]? unique = null;
        var count = 0;
        for (var i = 0; i < all.Length; i++)
        {
            if (seen.Add(all[i].Name))
            {
                if (unique is not null) unique[count] = all[i];
                count++;
            }
            else if (unique is null)
            {
                unique = new PopularProject[all.Length];
                Array.Copy(all, unique, count);
            }
        }
        if (unique is null) return all;
        var trimmed = new PopularProject[count];
        Array.Copy(unique, trimmed, count);
        return trimmed;
    }

    private static readonly Lazy<PopularCorpus> EmbeddedCorpus = new(() =>
    {
        using var stream = OpenEmbeddedTsv();
        return new PopularCorpus(ParseTsv(stream), EmbeddedDescription);
    });

    /// <summary>The embedded data/top-packages.tsv, as bytes.</summary>
    internal static Stream OpenEmbeddedTsv() => typeof(PopularCorpus).Assembly.GetManifestResourceStream("Moat.Data.top-packages.tsv")
        ?? throw new InvalidOperationException("embedded top-packages.tsv is missing");

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
        while (reader.ReadLine() is { } line) AddRow(line, projects);
        return projects;
    }

    /// <summary>
    /// The same TSV read from UTF-8 bytes (a BOM skipped, lines ending in LF or CRLF) through a small buffer: the rows
    /// <see cref="ParseTsv(TextReader)"/> reads, without a decoded copy of the file or a string per line — the
    /// embedded list is read this way on every <c>moat check</c>, and only its first two columns are used.
    /// </summary>
    internal static List<PopularProject> ParseTsv(Stream utf8)
    {
        var projects = new List<PopularProject>(16_384);
        var buffer = new byte[16 * 1024];
        int filled = 0, read;
        var start = true;
        do
        {
            read = utf8.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            var data = buffer.AsSpan(0, filled);
            var consumed = 0;
            if (start)
            {
                if (filled < Utf8Bom.Length && read > 0) continue; // too few bytes yet to tell whether a BOM starts the file
                if (data.StartsWith(Utf8Bom)) consumed = Utf8Bom.Length;
                start = false;
            }
            while (data[consumed..].IndexOf((byte)'\n') is var newline and >= 0)
            {
                AddRow(data.Slice(consumed, newline), projects);
                consumed += newline + 1;
            }
            if (read == 0 && consumed < filled) AddRow(data[consumed..], projects);
            if (consumed > 0) data[consumed..].CopyTo(buffer);
            filled -= consumed;
            if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2); // a line longer than the buffer
        }
        while (read > 0);
        return projects;
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static void AddRow(ReadOnlySpan<byte> line, List<PopularProject> projects)
    {
        if (line.EndsWith((byte)'\r')) line = line[..^1];
        // UTF-8 never needs more characters than bytes.
        var chars = line.Length <= 256 ? stackalloc char[256] : new char[line.Length];
        AddRow(chars[..Encoding.UTF8.GetChars(line, chars)], projects);
    }

    private static void AddRow(ReadOnlySpan<char> line, List<PopularProject> projects)
    {
        if (line.Length == 0 || line[0] == '#') return;
        // Fields sliced rather than split, and the name validated before it becomes a string: the later columns are never read.
        var tab = line.IndexOf('\t');
        var rankText = tab < 0 ? [] : line[..tab];
        var rest = tab < 0 ? line : line[(tab + 1)..];
        if (rest.IndexOf('\t') is var end and >= 0) rest = rest[..end];
        var name = rest.Trim();
        if (!ProjectName.IsValid(name)) return;
        if (!int.TryParse(rankText, out var rank))
        {
            if (tab >= 0) return; // the header line, or a row with a broken rank
            rank = projects.Count + 1;
        }
        projects.Add(new PopularProject(ProjectName.Normalize(name.ToString()), rank));
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
