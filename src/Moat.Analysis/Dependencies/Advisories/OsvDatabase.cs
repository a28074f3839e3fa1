using System.Collections.Concurrent;
using System.Collections.Frozen;
using Moat.Packaging;
using Moat.Packaging.Versions;

namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>
/// An OSV database loaded once and indexed by PEP 503-normalized package name. Load it from a directory of OSV
/// JSON/YAML files (searched recursively) or from a .tar.gz/.zip archive of one (the PyPA advisory database as
/// shipped, or an osv.dev export). Malformed documents are skipped and listed in <see cref="LoadProblems"/>;
/// withdrawn advisories are kept out of matches.
/// </summary>
public sealed class OsvDatabase
{
    private readonly FrozenDictionary<string, OsvAdvisory[]> _byPackage;

    private OsvDatabase(IReadOnlyList<OsvAdvisory> advisories, IReadOnlyList<string> problems, string source)
    {
        Advisories = advisories;
        LoadProblems = problems;
        Source = source;
        _byPackage = advisories
            .Where(a => a.Withdrawn is null)
            .SelectMany(a => a.Affected.Select(x => (x.Package, Advisory: a)))
            .GroupBy(p => p.Package, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(p => p.Advisory).Distinct().ToArray(), StringComparer.Ordinal);
        AsOf = advisories.Select(a => a.Modified ?? a.Published).Max();
    }

    /// <summary>
    /// How recent the data is: the newest advisory's modified (or published) time. This is the data's own date, not
    /// when a file was copied, so a stale mirror or an old snapshot shows its true age.
    /// </summary>
    public DateTimeOffset? AsOf { get; }

    public IReadOnlyList<OsvAdvisory> Advisories { get; }
    public IReadOnlyList<string> LoadProblems { get; }
    public string Source { get; }
    public int PackageCount => _byPackage.Count;

    public static OsvDatabase FromAdvisories(IReadOnlyList<OsvAdvisory> advisories, string source = "memory") => new(advisories, [], source);

    /// <summary>Loads a directory or an archive. Throws <see cref="FileNotFoundException"/> when <paramref name="path"/> does not exist.</summary>
    public static OsvDatabase Load(string path)
    {
        if (Directory.Exists(path)) return LoadDocuments(EnumerateDirectory(path), path);
        if (File.Exists(path))
        {
            return IsDocument(path)
                ? LoadDocuments([(path, File.ReadAllText(path))], path)
                : LoadDocuments(OsvArchive.ReadDocuments(path, IsDocument), path);
        }
        throw new FileNotFoundException($"OSV database not found: {path}", path);
    }

    /// <summary>Loads an archive from a stream (the embedded snapshot, a download).</summary>
    public static OsvDatabase Load(Stream archive, string fileName) =>
        LoadDocuments(OsvArchive.ReadDocuments(archive, fileName, IsDocument), fileName);

    /// <summary>Every advisory affecting <paramref name="package"/> at <paramref name="version"/>, with the versions that fix it.</summary>
    public IReadOnlyList<OsvMatch> Query(string package, PackageVersion version)
    {
        if (!_byPackage.TryGetValue(ProjectName.Normalize(package), out var candidates)) return [];
        var matches = new List<OsvMatch>();
        foreach (var advisory in candidates)
        {
            foreach (var affected in advisory.Affected)
            {
                if (affected.Package != ProjectName.Normalize(package)) continue;
                if (!OsvMatcher.Affects(affected, version)) continue;
                matches.Add(new OsvMatch(advisory, OsvMatcher.FixedVersionsAbove(affected, version)));
                break;
            }
        }
        return matches;
    }

    /// <summary>Every advisory naming <paramref name="package"/> at all (for unpinned requirements).</summary>
    public IReadOnlyList<OsvAdvisory> ForPackage(string package) =>
        _byPackage.TryGetValue(ProjectName.Normalize(package), out var advisories) ? advisories : [];

    private static bool IsDocument(string name) =>
        name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<(string Name, string Text)> EnumerateDirectory(string root) =>
        Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Where(IsDocument)
            .Select(f => (Path.GetRelativePath(root, f), File.ReadAllText(f)));

    private static OsvDatabase LoadDocuments(IEnumerable<(string Name, string Text)> documents, string source)
    {
        var advisories = new ConcurrentBag<OsvAdvisory>();
        var problems = new ConcurrentBag<string>();
        Parallel.ForEach(documents, document =>
        {
            try
            {
                advisories.Add(OsvDocument.Parse(document.Text, document.Name));
            }
            catch (FormatException ex)
            {
                problems.Add(ex.Message);
            }
        });
        return new OsvDatabase([.. advisories.OrderBy(a => a.Id, StringComparer.Ordinal)], [.. problems.Order(StringComparer.Ordinal)], source);
    }
}

/// <summary>An advisory that affects a version, and the fixed versions above it (smallest first).</summary>
public sealed record OsvMatch(OsvAdvisory Advisory, IReadOnlyList<PackageVersion> FixedVersions)
{
    public PackageVersion? SmallestFix => FixedVersions.Count > 0 ? FixedVersions[0] : null;
}
