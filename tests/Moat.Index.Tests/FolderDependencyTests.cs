using System.Text.RegularExpressions;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// Each folder under src/Moat.Index is a namespace, and folders depend one way: no folder imports (a <c>using</c> of
/// its namespace, or a type named through it) a folder that imports it back.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private static readonly string IndexSource = Path.Combine(TestPaths.RepositoryRoot, "src", "Moat.Index");

    [Fact]
    public void No_folder_imports_a_folder_that_imports_it_back()
    {
        var graph = Graph();
        var cycles = graph.SelectMany(from => from.Value.Keys.Where(to => graph.TryGetValue(to, out var back) && back.ContainsKey(from.Key))
                .Select(to => string.CompareOrdinal(from.Key, to) < 0 ? (from.Key, to) : (to, from.Key)))
            .ToHashSet();
        var described = cycles.Select(c => $"{c.Item1} <-> {c.Item2} ({graph[c.Item1][c.Item2]}; {graph[c.Item2][c.Item1]})").ToList();
        Assert.True(described.Count == 0, "Folder cycles (move the shared piece down into a folder both may use): " + string.Join("\n", described));
    }

    /// <summary>Nor through others: the folders can be drawn bottom up (docs/architecture.md does), each using only folders below it.</summary>
    [Fact]
    public void No_folder_reaches_itself_through_other_folders()
    {
        var graph = Graph();
        Assert.Null(FirstCycle(graph));
        // The check itself finds a cycle of three.
        Assert.Equal(["A", "B", "C", "A"], FirstCycle(new() { ["A"] = new() { ["B"] = "" }, ["B"] = new() { ["C"] = "" }, ["C"] = new() { ["A"] = "" } }));
    }

    /// <summary>A path that comes back to where it started (depth-first, folders in name order), or null when there is none.</summary>
    private static List<string>? FirstCycle(Dictionary<string, Dictionary<string, string>> graph)
    {
        var done = new HashSet<string>();
        var path = new List<string>();
        List<string>? Visit(string folder)
        {
            if (path.IndexOf(folder) is >= 0 and var start) return [.. path[start..], folder];
            if (!done.Add(folder)) return null;
            path.Add(folder);
            foreach (var next in graph.GetValueOrDefault(folder, []).Keys.Order(StringComparer.Ordinal))
                if (Visit(next) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            return null;
        }
        return graph.Keys.Order(StringComparer.Ordinal).Select(Visit).FirstOrDefault(c => c is not null);
    }

    [Fact]
    public void The_scan_sees_imports()
    {
        var graph = Graph();
        Assert.StartsWith("Upload", graph["Upload"]["Storage"]);      // using Moat.Index.Storage;
        Assert.Contains("Errors", graph["Upload"].Keys);
        Assert.Contains(graph.Values, imports => imports.Values.Any(where => !where.EndsWith(": using", StringComparison.Ordinal))); // a type named through its folder
        Assert.Empty(graph["Errors"]);                                // the refusal table uses nothing of the index
    }

    /// <summary>Folder → the folders it imports, each with one place that does it (for the failure message).</summary>
    private static Dictionary<string, Dictionary<string, string>> Graph()
    {
        var folders = Directory.GetDirectories(IndexSource).Select(Path.GetFileName).OfType<string>().Where(f => f is not ("bin" or "obj")).ToList();
        var types = folders.ToDictionary(f => f, f => SourceFiles(f).SelectMany(p => TypeDeclaration().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value)).ToHashSet());
        var qualified = new Regex(@"(?<![\w.])(?:Moat\.Index\.)?(" + string.Join('|', folders) + @")\.(\w+)");
        var graph = folders.ToDictionary(f => f, _ => new Dictionary<string, string>());
        foreach (var folder in folders)
        {
            foreach (var path in SourceFiles(folder))
            {
                var text = LineComment().Replace(File.ReadAllText(path), "");
                var file = Path.GetRelativePath(IndexSource, path);
                foreach (Match m in UsingDirective().Matches(text))
                    if (m.Groups[1].Value != folder && graph.ContainsKey(m.Groups[1].Value)) graph[folder].TryAdd(m.Groups[1].Value, $"{file}: using");
                foreach (Match m in qualified.Matches(text))
                {
                    var (to, name) = (m.Groups[1].Value, m.Groups[2].Value);
                    if (to != folder && types[to].Contains(name)) graph[folder].TryAdd(to, $"{file}: {name}");
                }
            }
        }
        return graph;
    }

    private static IEnumerable<string> SourceFiles(string folder) =>
        Directory.EnumerateFiles(Path.Combine(IndexSource, folder), "*", SearchOption.AllDirectories)
            .Where(p => p.EndsWith(".cs", StringComparison.Ordinal) || p.EndsWith(".razor", StringComparison.Ordinal))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [GeneratedRegex(@"\b(?:class|record|struct|enum|interface)\s+(\w+)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^\s*@?using\s+Moat\.Index\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"//.*")]
    private static partial Regex LineComment();
}
