using System.Text.RegularExpressions;

namespace Moat.Analysis.Code;

/// <summary>
/// Literal constants a package's modules define at top level (<c>TABLE = [117, 114, ...]</c>), for a file that imports
/// them from a sibling module (<c>from .tables import TABLE as PP</c>). Obfuscators keep the alphabet or the code points
/// a decoder indexes in another module so that no single file holds both. Only the one assignment is read (the module
/// is not parsed whole), re-exports (<c>from .x import NAME</c> in a package's <c>__init__.py</c>) are followed a few
/// levels, and only literals are accepted: nothing is called. Lazy and cached: a scan that never imports a name from
/// its own modules pays nothing.
/// </summary>
internal sealed partial class ModuleConstants(Func<string, string?> sourceOf)
{
    private const int MaxReExportDepth = 4;
    private const int MaxSnippetChars = 1 << 20;

    private const int MaxCachedChars = 16 << 20;

    private readonly Dictionary<(string File, string Name), Value?> _cache = [];
    private readonly Dictionary<string, ModuleIndex?> _modules = new(StringComparer.Ordinal);
    private readonly Dictionary<(string ImportingDirectory, string Module), string?> _moduleFiles = [];
    private long _cachedChars;

    /// <summary>
    /// Where a module assigns its top-level names, and for each name it re-exports plainly (<c>from .x import NAME</c>;
    /// not <c>A as NAME</c>), the modules it imports it from, in the order of their lines.
    /// </summary>
    private sealed record ModuleIndex(string Source, Dictionary<string, int> Assignments, Dictionary<string, List<string>> ReExports);

    /// <summary>
    /// The constant <paramref name="name"/> of the module <paramref name="module"/> (as written in the import: leading
    /// dots are relative to <paramref name="importingFile"/>'s directory), or null when it is not a literal this
    /// package defines. Thread-safe: a package's files may be analysed at once.
    /// </summary>
    public Value? Resolve(string importingFile, string module, string name)
    {
        lock (_cache) return Resolve(importingFile, module, name, 0);
    }

    private Value? Resolve(string importingFile, string module, string name, int depth)
    {
        if (depth > MaxReExportDepth || name == "*") return null;
        if (ModuleFile(importingFile, module) is not { } file) return null;
        if (_cache.TryGetValue((file, name), out var cached)) return cached;
        var index = Index(file)!;
        _cache[(file, name)] = null; // a re-export cycle ends here
        var value = index.Assignments.TryGetValue(name, out var offset) ? Assigned(index.Source, offset, name) : ReExported(file, index, name, depth);
        _cache[(file, name)] = value;
        return value;
    }

    /// <summary>
    /// The first of the <see cref="Candidates"/> that the package holds (null: none), remembered per importing directory
    /// and module: the modules of a directory import the same few modules (<c>from typing import Any, Optional</c>), most
    /// of which are not the package's own, and the candidates depend only on the directory.
    /// </summary>
    private string? ModuleFile(string importingFile, string module)
    {
        var directory = DirectoryOf(importingFile);
        if (_moduleFiles.TryGetValue((directory, module), out var known)) return known;
        known = Candidates(directory, module).FirstOrDefault(file => Index(file) is not null);
        _moduleFiles[(directory, module)] = known;
        return known;
    }

    private static string DirectoryOf(string path) => path.Contains('/', StringComparison.Ordinal) ? path[..path.LastIndexOf('/')] : "";

    private ModuleIndex? Index(string file)
    {
        if (_modules.TryGetValue(file, out var known)) return known;
        ModuleIndex? index = null;
        if (_cachedChars < MaxCachedChars && sourceOf(file) is { } source)
        {
            _cachedChars += source.Length;
            var assignments = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (Match m in TopLevelAssignment().Matches(source)) assignments.TryAdd(m.Groups["name"].Value, m.Index);
            // Made once per module: a package's __init__.py re-exports hundreds of names, and each name imported from it was
            // looked for in every line.
            var reExports = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (Match m in ReExport().Matches(source))
            {
                var module = m.Groups["module"].Value;
                foreach (var name in m.Groups["names"].Value.Trim('(', ')', ' ', '\t').Split(',', StringSplitOptions.TrimEntries))
                {
                    if (!reExports.TryGetValue(name, out var modules)) reExports[name] = modules = [];
                    modules.Add(module);
                }
            }
            index = new ModuleIndex(source, assignments, reExports);
        }
        _modules[file] = index;
        return index;
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z_]\w*)[ \t]*=(?!=)", RegexOptions.Multiline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex TopLevelAssignment();

    [GeneratedRegex(@"^from[ \t]+(?<module>[.\w]+)[ \t]+import[ \t]+(?<names>\([^)]*\)|[^\n]*)", RegexOptions.Multiline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex ReExport();

    /// <summary>Files the import can name: <c>a/b.py</c> or <c>a/b/__init__.py</c>, relative imports from the importer's directory, absolute ones from any directory above it.</summary>
    private static IEnumerable<string> Candidates(string directory, string module)
    {
        var dots = 0;
        while (dots < module.Length && module[dots] == '.') dots++;
        var rest = module[dots..].Replace('.', '/');
        if (dots > 0)
        {
            for (var up = 1; up < dots && directory.Length > 0; up++)
                directory = directory.Contains('/', StringComparison.Ordinal) ? directory[..directory.LastIndexOf('/')] : "";
            foreach (var file in Files(directory, rest)) yield return file;
            yield break;
        }
        if (rest.Length == 0) yield break;
        // An absolute import of the package's own module: try it from each directory up to the archive's root.
        for (var dir = directory; ; dir = dir[..dir.LastIndexOf('/')])
        {
            foreach (var file in Files(dir, rest)) yield return file;
            if (!dir.Contains('/', StringComparison.Ordinal))
            {
                if (dir.Length > 0) foreach (var file in Files("", rest)) yield return file;
                yield break;
            }
        }
    }

    private static IEnumerable<string> Files(string directory, string rest)
    {
        var basePath = directory.Length == 0 ? rest : rest.Length == 0 ? directory : directory + "/" + rest;
        if (basePath.Length == 0) yield break;
        if (rest.Length > 0) yield return basePath + ".py";
        yield return basePath + "/__init__.py";
    }

    /// <summary>The literal value of the top-level <c>name = ...</c> statement at <paramref name="start"/>, parsed on its own.</summary>
    private static Value? Assigned(string source, int start, string name)
    {
        // The statement runs until the next line that starts a new top-level statement (a closing bracket at column 0 does not).
        var end = start;
        while (end < source.Length)
        {
            var lineEnd = source.IndexOf('\n', end);
            if (lineEnd < 0) { end = source.Length; break; }
            end = lineEnd + 1;
            if (end - start > MaxSnippetChars) return null;
            if (end < source.Length && (char.IsLetter(source[end]) || source[end] is '_' or '@' or '#')) break;
        }
        if (end - start > MaxSnippetChars) return null;
        var module = PyParser.Parse(source[start..end]);
        if (module.Body is not [AssignStmt { Targets: [NameExpr target], AugOp: null } assign] || target.Id != name || !IsLiteral(assign.Value)) return null;
        var value = new Evaluator().Eval(assign.Value);
        return value.IsConstant ? value.Settled() : null;
    }

    private static bool IsLiteral(Expr expr) => expr switch
    {
        StrExpr or NumExpr => true,
        SeqExpr { Kind: '[' or '(' } sequence => sequence.Items.All(IsLiteral),
        UnaryExpr unary => IsLiteral(unary.Operand),
        BinExpr binary => IsLiteral(binary.Left) && IsLiteral(binary.Right),
        _ => false,
    };

    private Value? ReExported(string file, ModuleIndex index, string name, int depth)
    {
        // `from .x import A as NAME` binds NAME to A; only plain re-exports are followed.
        if (!index.ReExports.TryGetValue(name, out var modules)) return null;
        foreach (var module in modules)
            if (Resolve(file, module, name, depth + 1) is { } value) return value;
        return null;
    }
}
