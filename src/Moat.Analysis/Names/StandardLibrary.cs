using System.Collections.Frozen;
using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>
/// The Python standard library's top-level module names (data/stdlib-modules.txt: CPython 3.11's
/// <c>sys.stdlib_module_names</c>, embedded), PEP 503 normalized (<c>cProfile</c> → <c>cprofile</c>).
/// </summary>
internal sealed class StandardLibrary
{
    private StandardLibrary(IEnumerable<string> modules)
    {
        var targets = new Dictionary<string, Target>(StringComparer.Ordinal);
        var variants = new Dictionary<string, Target>(StringComparer.Ordinal);
        foreach (var module in modules)
        {
            var normalized = ProjectName.Normalize(module);
            var target = new Target(normalized, null, false, Stdlib: true);
            targets[normalized] = target;
            // sqlite3 → sqlite: the version-less spelling people type
            var stripped = NameForms.Strip(normalized);
            var versionless = NameForms.VersionBase(stripped);
            if (versionless != stripped) variants.TryAdd(versionless, target);
            if (stripped != normalized) variants.TryAdd(stripped, target);
        }
        Modules = targets.ToFrozenDictionary(StringComparer.Ordinal);
        // Removed in a loop rather than filtered with LINQ over key-value pairs (generic code compiled at start-up).
        foreach (var module in targets.Keys) variants.Remove(module);
        Variants = variants.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Modules by normalized name.</summary>
    public FrozenDictionary<string, Target> Modules { get; }

    /// <summary>Other spellings of a module that are not themselves modules (<c>sqlite</c> → sqlite3).</summary>
    public FrozenDictionary<string, Target> Variants { get; }

    private static readonly Lazy<StandardLibrary> EmbeddedList = new(() =>
    {
        using var stream = typeof(StandardLibrary).Assembly.GetManifestResourceStream("Moat.Data.stdlib-modules.txt")
            ?? throw new InvalidOperationException("embedded stdlib-modules.txt is missing");
        using var reader = new StreamReader(stream);
        var modules = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length > 0 && line[0] != '#') modules.Add(line);
        }
        return new StandardLibrary(modules);
    });

    public static StandardLibrary Embedded => EmbeddedList.Value;
}
