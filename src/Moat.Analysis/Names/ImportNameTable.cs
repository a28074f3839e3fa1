using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>
/// Import names of popular projects whose distribution name differs (<c>yaml</c> → pyyaml, <c>cv2</c> → opencv-python).
/// Three sources, strongest first: data/import-names.tsv rows read from installed distributions' files
/// (importlib.metadata on the build machine), curated rows for pairs no rule can derive (<c>bs4</c>, <c>cv2</c>,
/// <c>sklearn</c>), and names derived from the corpus by removing a py/python word (<c>python-dotenv</c> → dotenv).
/// </summary>
internal sealed class ImportNameTable
{
    public enum Source { Installed, Curated, Derived }

    /// <summary>A trap: <see cref="ImportName"/> is how <see cref="Target"/> is imported.</summary>
    public sealed record Trap(string ImportName, Target Target, Source Source, string Reason);

    // A record rather than a tuple: a list of tuples runs generic code that ReadyToRun cannot precompile (compiled at
    // every `moat check`).
    private sealed record Row(string Import, string Distribution, Source Source, string Reason);

    private readonly List<Row> rows;

    private ImportNameTable(List<Row> rows) => this.rows = rows;

    public static ImportNameTable Embedded { get; } = Load();

    /// <summary>Keeps the rows whose distribution is in the corpus, adds derived ones, keyed by the normalized import name.</summary>
    public IReadOnlyDictionary<string, Trap> Resolve(IReadOnlyDictionary<string, Target> corpus)
    {
        var traps = new Dictionary<string, Trap>(StringComparer.Ordinal);
        foreach (var (import, distribution, source, reason) in rows)
        {
            var key = ProjectName.Normalize(import);
            if (key == distribution || !corpus.TryGetValue(distribution, out var target)) continue;
            if (!traps.TryGetValue(key, out var existing) || target.IsBetterThan(existing.Target)) traps[key] = new Trap(import, target, source, reason);
        }
        foreach (var target in corpus.Values)
        {
            if (target.Internal || PythonAffix.Core(target.Name) is not { Kind: PythonAffix.Kind.Word } core) continue;
            if (traps.TryGetValue(core.Core, out var existing) && (existing.Source != Source.Derived || !target.IsBetterThan(existing.Target))) continue;
            traps[core.Core] = new Trap(core.Core, target, Source.Derived, "py/python word removed from the distribution name");
        }
        return traps;
    }

    private static ImportNameTable Load()
    {
        using var stream = typeof(ImportNameTable).Assembly.GetManifestResourceStream("Moat.Data.import-names.tsv")
            ?? throw new InvalidOperationException("embedded import-names.tsv is missing");
        using var reader = new StreamReader(stream);
        var rows = new List<Row>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split('\t');
            if (fields.Length < 4 || fields[0] == "import_name") continue;
            var source = fields[2] == "installed" ? Source.Installed : Source.Curated;
            rows.Add(new Row(fields[0], ProjectName.Normalize(fields[1]), source, fields[3]));
        }
        return new ImportNameTable(rows);
    }
}
