using System.Text.RegularExpressions;

namespace Moat.Analysis.Dependencies.Manifests;

/// <summary>
/// pip's requirements-file format: PEP 508 lines, <c>-r</c>/<c>-c</c> includes (relative to the including file,
/// cycles and depth bounded), <c>--hash</c>, <c>--index-url</c>/<c>--extra-index-url</c>, <c>-e</c> editables, URL and
/// path requirements, <c>\</c> continuations and <c>#</c> comments. Lines that cannot be read become problems, not
/// exceptions: one typo must not hide the rest of the file from the audit.
/// </summary>
public static partial class RequirementsFile
{
    private const int MaxIncludeDepth = 10;

    public static DependencyManifest Parse(string path) => Parse(path, File.ReadAllText);

    /// <summary>Parses <paramref name="path"/> and its includes, reading files with <paramref name="readFile"/> (tests pass their own).</summary>
    public static DependencyManifest Parse(string path, Func<string, string> readFile)
    {
        var state = new State(readFile);
        state.ParseFile(Path.GetFullPath(path), path, depth: 0, constraints: false);
        return new DependencyManifest(path, ManifestFormat.Requirements, state.Dependencies, state.Indexes, state.Problems);
    }

    private sealed class State(Func<string, string> readFile)
    {
        public List<Dependency> Dependencies { get; } = [];
        public List<IndexDeclaration> Indexes { get; } = [];
        public List<ManifestProblem> Problems { get; } = [];
        private readonly HashSet<string> _visiting = new(StringComparer.Ordinal);

        public void ParseFile(string fullPath, string shownPath, int depth, bool constraints)
        {
            if (depth > MaxIncludeDepth)
            {
                Problems.Add(new(shownPath, 0, $"includes nested deeper than {MaxIncludeDepth} levels; not read"));
                return;
            }
            if (!_visiting.Add(fullPath))
            {
                Problems.Add(new(shownPath, 0, "include cycle; not read again"));
                return;
            }
            try
            {
                string text;
                try
                {
                    text = readFile(fullPath);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Problems.Add(new(shownPath, 0, $"cannot read: {ex.Message}"));
                    return;
                }
                foreach (var (line, number) in LogicalLines(text)) ParseLine(line, number, fullPath, shownPath, depth, constraints);
            }
            finally
            {
                _visiting.Remove(fullPath);
            }
        }

        private void ParseLine(string line, int number, string fullPath, string shownPath, int depth, bool constraints)
        {
            var tokens = Tokenize(line);
            if (tokens.Count == 0) return;

            string? Value(ref int i, string option)
            {
                // "--opt=value", "--opt value", "-rfile"
                var token = tokens[i];
                if (token.StartsWith(option + "=", StringComparison.Ordinal)) return token[(option.Length + 1)..];
                if (token.Length > option.Length && option.Length == 2) return token[2..];
                if (i + 1 < tokens.Count) return tokens[++i];
                Problems.Add(new(shownPath, number, $"{option} needs a value"));
                return null;
            }

            var first = tokens[0];
            if (first.StartsWith('-'))
            {
                var option = OptionName(first);
                var i = 0;
                switch (option)
                {
                    case "-r" or "--requirement" or "-c" or "--constraint":
                        if (Value(ref i, option) is { } include)
                        {
                            if (include.Contains("://", StringComparison.Ordinal))
                            {
                                Problems.Add(new(shownPath, number, $"remote include {include} is not fetched"));
                                return;
                            }
                            var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(fullPath) ?? ".", include));
                            var shown = Path.Combine(Path.GetDirectoryName(shownPath) ?? "", include);
                            ParseFile(target, shown, depth + 1, constraints || option is "-c" or "--constraint");
                        }
                        return;
                    case "-i" or "--index-url":
                        if (Value(ref i, option) is { } index) Indexes.Add(new IndexDeclaration(index, false, shownPath, number));
                        return;
                    case "--extra-index-url":
                        if (Value(ref i, option) is { } extra) Indexes.Add(new IndexDeclaration(extra, true, shownPath, number));
                        return;
                    case "-e" or "--editable":
                        if (Value(ref i, option) is { } editable) AddRequirement(editable, tokens.Skip(i + 1).ToList(), number, shownPath, constraints, editable: true);
                        return;
                    case "--no-index" or "--pre" or "--prefer-binary" or "--require-hashes" or "--only-binary" or "--no-binary"
                        or "-f" or "--find-links" or "--trusted-host" or "--use-feature" or "--no-deps":
                        return; // global options that do not name a dependency
                    default:
                        Problems.Add(new(shownPath, number, $"unknown option {first}"));
                        return;
                }
            }

            // The requirement runs up to the first per-requirement option.
            var optionStart = tokens.FindIndex(t => t.StartsWith("--", StringComparison.Ordinal));
            var requirement = string.Join(' ', optionStart < 0 ? tokens : tokens.Take(optionStart));
            AddRequirement(requirement, optionStart < 0 ? [] : tokens.Skip(optionStart).ToList(), number, shownPath, constraints, editable: false);
        }

        private void AddRequirement(string text, List<string> options, int number, string file, bool constraints, bool editable)
        {
            var hashes = new List<string>();
            for (var i = 0; i < options.Count; i++)
            {
                if (options[i].StartsWith("--hash=", StringComparison.Ordinal)) hashes.Add(options[i]["--hash=".Length..]);
                else if (options[i] == "--hash" && i + 1 < options.Count) hashes.Add(options[++i]);
            }
            if (!RequirementText.TryParse(text, out var parsed, out var error))
            {
                Problems.Add(new(file, number, error));
                return;
            }
            Dependencies.Add(new Dependency(
                parsed.Name, text, file, number,
                Specifier: parsed.Specifier, PinnedVersion: parsed.PinnedVersion, Extras: parsed.Extras, Marker: parsed.Marker,
                Url: parsed.Url, Editable: editable, Hashes: hashes, Group: constraints ? "constraints" : null,
                VcsCommit: parsed.Url is null ? null : RequirementText.CommitOf(parsed.Url)));
        }
    }

    private static string OptionName(string token)
    {
        var equals = token.IndexOf('=');
        if (equals > 0) return token[..equals];
        // Short options may be glued to their value: "-rbase.txt".
        return token.Length > 2 && token[1] != '-' ? token[..2] : token;
    }

    /// <summary>Joins <c>\</c>-continued lines and strips comments; yields each logical line with its first physical line number.</summary>
    internal static IEnumerable<(string Line, int Number)> LogicalLines(string text)
    {
        var physical = text.ReplaceLineEndings("\n").Split('\n');
        var current = new System.Text.StringBuilder();
        var start = 0;
        for (var i = 0; i < physical.Length; i++)
        {
            if (current.Length == 0) start = i + 1;
            var line = physical[i];
            if (line.EndsWith('\\'))
            {
                current.Append(line.AsSpan(0, line.Length - 1)).Append(' ');
                continue;
            }
            current.Append(line);
            var logical = Comment().Replace(current.ToString(), "").Trim();
            current.Clear();
            if (logical.Length > 0) yield return (logical, start);
        }
        if (current.Length > 0 && Comment().Replace(current.ToString(), "").Trim() is { Length: > 0 } last) yield return (last, start);
    }

    /// <summary>Whitespace-separated tokens; PEP 508 markers keep their spaces because the requirement part is re-joined.</summary>
    private static List<string> Tokenize(string line) => [.. line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)];

    // pip: a comment starts at a '#' at the line start or after whitespace (a URL fragment "#egg=" is not a comment).
    [GeneratedRegex(@"(^|\s+)#.*$")]
    private static partial Regex Comment();
}
