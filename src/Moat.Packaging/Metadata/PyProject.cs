using System.Diagnostics.CodeAnalysis;
using Moat.Packaging.Requirements;
using Moat.Packaging.Versions;
using Tomlyn;
using Tomlyn.Model;
using static Moat.Packaging.ParseFailure;

namespace Moat.Packaging.Metadata;

/// <summary>A TOML document that does not parse, with its 1-based line and column.</summary>
public sealed class PyProjectFormatException(string message, int line, int column, Exception inner) : FormatException(message, inner)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}

/// <summary>An author or maintainer: <c>{name = "…", email = "…"}</c>.</summary>
public sealed record Person(string? Name, string? Email);

/// <summary>
/// <c>project.license</c>: an SPDX expression string (PEP 639), or the older table form
/// <c>{text = "…"}</c> / <c>{file = "…"}</c>.
/// </summary>
public sealed record ProjectLicense(string? Expression, string? Text, string? File);

/// <summary><c>[build-system]</c>: the build requirements and the backend that will run at install time.</summary>
public sealed record BuildSystem(IReadOnlyList<string> Requires, IReadOnlyList<Requirement> ParsedRequires, string? BuildBackend, IReadOnlyList<string> BackendPath);

/// <summary>The <c>[project]</c> table (PEP 621 / the pyproject.toml specification).</summary>
public sealed record ProjectTable
{
    public string? Name { get; init; }
    public string? VersionText { get; init; }
    public PackageVersion? Version { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> Dynamic { get; init; } = [];
    public IReadOnlyList<Requirement> Dependencies { get; init; } = [];
    public IReadOnlyDictionary<string, IReadOnlyList<Requirement>> OptionalDependencies { get; init; } = new Dictionary<string, IReadOnlyList<Requirement>>();
    public SpecifierSet? RequiresPython { get; init; }
    public IReadOnlyDictionary<string, string> Scripts { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> GuiScripts { get; init; } = new Dictionary<string, string>();
    /// <summary>Entry-point groups (<c>[project.entry-points."group"]</c>), each name → object reference.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> EntryPoints { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, string>>();
    public IReadOnlyList<Person> Authors { get; init; } = [];
    public IReadOnlyList<Person> Maintainers { get; init; } = [];
    public ProjectLicense? License { get; init; }
    public IReadOnlyList<string> LicenseFiles { get; init; } = [];
    public IReadOnlyList<string> Keywords { get; init; } = [];
    public IReadOnlyList<string> Classifiers { get; init; } = [];
    public IReadOnlyDictionary<string, string> Urls { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A parsed <c>pyproject.toml</c>. Malformed TOML is a <see cref="PyProjectFormatException"/>; well-formed TOML with
/// wrongly typed or invalid fields parses, and each such field is listed in <see cref="Problems"/>.
/// </summary>
public sealed record PyProject(BuildSystem? BuildSystem, ProjectTable? Project, IReadOnlyList<string> Problems, TomlTable Document)
{
    // TOML forbids defining a key twice; a lenient reader would let a second "name" hide the first.
    private static readonly TomlSerializerOptions StrictToml = new() { DuplicateKeyHandling = TomlDuplicateKeyHandling.Error };

    public static bool TryParse(string text, [NotNullWhen(true)] out PyProject? pyproject, [NotNullWhen(false)] out string? error)
    {
        try
        {
            pyproject = Parse(text);
            error = null;
            return true;
        }
        catch (PyProjectFormatException e)
        {
            pyproject = null;
            return Fail(out error, e.Message);
        }
    }

    public static PyProject Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        TomlTable document;
        try
        {
            // Semantic validation rejects what the object reader tolerates (a key defined twice, a table redefined).
            Tomlyn.Parsing.SyntaxParser.ParseStrict(text, StrictToml, "pyproject.toml", validate: true);
            document = TomlSerializer.Deserialize<TomlTable>(text, StrictToml) ?? new TomlTable();
        }
        catch (TomlException e)
        {
            throw new PyProjectFormatException($"pyproject.toml is not valid TOML (line {e.Line}, column {e.Column}): {FirstLine(e.Message)}", e.Line ?? 0, e.Column ?? 0, e);
        }
        var reader = new FieldReader();
        var buildSystem = document.TryGetValue("build-system", out var bs) ? ReadBuildSystem(reader, bs) : null;
        var project = document.TryGetValue("project", out var p) ? ReadProject(reader, p) : null;
        return new PyProject(buildSystem, project, reader.Problems, document);
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private static BuildSystem? ReadBuildSystem(FieldReader reader, object? value)
    {
        if (reader.Table(value, "build-system") is not { } table) return null;
        var requires = reader.StringArray(table, "requires", "build-system");
        return new BuildSystem(
            requires,
            reader.Requirements(requires, "build-system.requires"),
            reader.String(table, "build-backend", "build-system"),
            reader.StringArray(table, "backend-path", "build-system"));
    }

    private static ProjectTable? ReadProject(FieldReader reader, object? value)
    {
        if (reader.Table(value, "project") is not { } table) return null;
        const string at = "project";
        var name = reader.String(table, "name", at);
        if (name is null) reader.Problems.Add("project.name is missing");
        else if (!ProjectName.IsValid(name)) reader.Problems.Add($"project.name '{name}' is not a valid project name");
        var dynamic = reader.StringArray(table, "dynamic", at);
        if (name is not null && dynamic.Contains("name")) reader.Problems.Add("project.name cannot be dynamic");

        var versionText = reader.String(table, "version", at);
        PackageVersion? version = null;
        if (versionText is not null)
        {
            if (PackageVersion.TryParse(versionText, out var v, out var error)) version = v;
            else reader.Problems.Add($"project.version '{versionText}' is invalid: {error}");
        }
        else if (!dynamic.Contains("version")) reader.Problems.Add("project.version is missing and not listed in project.dynamic");

        SpecifierSet? requiresPython = null;
        if (reader.String(table, "requires-python", at) is { } rp)
        {
            if (SpecifierSet.TryParse(rp, out var set, out var error)) requiresPython = set;
            else reader.Problems.Add($"project.requires-python '{rp}' is invalid: {error}");
        }

        var optional = new Dictionary<string, IReadOnlyList<Requirement>>(StringComparer.Ordinal);
        if (reader.SubTable(table, "optional-dependencies", at) is { } extras)
        {
            foreach (var (extra, list) in extras)
                optional[extra] = reader.Requirements(reader.StringArray(extras, extra, "project.optional-dependencies"), $"project.optional-dependencies.{extra}");
        }

        var entryPoints = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (reader.SubTable(table, "entry-points", at) is { } groups)
        {
            foreach (var group in groups.Keys)
                entryPoints[group] = reader.StringTable(groups, group, "project.entry-points");
        }

        return new ProjectTable
        {
            Name = name,
            VersionText = versionText,
            Version = version,
            Description = reader.String(table, "description", at),
            Dynamic = dynamic,
            Dependencies = reader.Requirements(reader.StringArray(table, "dependencies", at), "project.dependencies"),
            OptionalDependencies = optional,
            RequiresPython = requiresPython,
            Scripts = reader.StringTable(table, "scripts", at),
            GuiScripts = reader.StringTable(table, "gui-scripts", at),
            EntryPoints = entryPoints,
            Authors = reader.People(table, "authors", at),
            Maintainers = reader.People(table, "maintainers", at),
            License = reader.License(table, at),
            LicenseFiles = reader.StringArray(table, "license-files", at),
            Keywords = reader.StringArray(table, "keywords", at),
            Classifiers = reader.StringArray(table, "classifiers", at),
            Urls = reader.StringTable(table, "urls", at),
        };
    }

    /// <summary>Typed access to TOML values that records, rather than throws, every type mismatch.</summary>
    private sealed class FieldReader
    {
        public List<string> Problems { get; } = [];

        public TomlTable? Table(object? value, string path)
        {
            if (value is TomlTable table) return table;
            Problems.Add($"{path} must be a table");
            return null;
        }

        public TomlTable? SubTable(TomlTable table, string key, string path) =>
            table.TryGetValue(key, out var value) ? Table(value, $"{path}.{key}") : null;

        public string? String(TomlTable table, string key, string path)
        {
            if (!table.TryGetValue(key, out var value)) return null;
            if (value is string s) return s;
            Problems.Add($"{path}.{key} must be a string");
            return null;
        }

        public IReadOnlyList<string> StringArray(TomlTable table, string key, string path)
        {
            if (!table.TryGetValue(key, out var value)) return [];
            if (value is TomlArray array && array.All(item => item is string)) return array.Cast<string>().ToArray();
            Problems.Add($"{path}.{key} must be an array of strings");
            return [];
        }

        public IReadOnlyDictionary<string, string> StringTable(TomlTable table, string key, string path)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (SubTable(table, key, path) is not { } sub) return result;
            foreach (var (name, value) in sub)
            {
                if (value is string s) result[name] = s;
                else Problems.Add($"{path}.{key}.{name} must be a string");
            }
            return result;
        }

        public IReadOnlyList<Requirement> Requirements(IReadOnlyList<string> texts, string path)
        {
            var result = new List<Requirement>();
            foreach (var text in texts)
            {
                if (Requirement.TryParse(text, out var requirement, out var error)) result.Add(requirement);
                else Problems.Add($"{path}: '{text}' is invalid: {error.Split('\n')[0]}");
            }
            return result;
        }

        public IReadOnlyList<Person> People(TomlTable table, string key, string path)
        {
            if (!table.TryGetValue(key, out var value)) return [];
            var result = new List<Person>();
            if (value is TomlArray array)
            {
                foreach (var item in array)
                {
                    if (item is TomlTable person && person.Keys.All(k => k is "name" or "email"))
                        result.Add(new Person(String(person, "name", $"{path}.{key}[]"), String(person, "email", $"{path}.{key}[]")));
                    else Problems.Add($"{path}.{key} entries must be tables with 'name' and/or 'email'");
                }
                return result;
            }
            if (value is TomlTableArray tables)
            {
                foreach (var person in tables)
                    result.Add(new Person(String(person, "name", $"{path}.{key}[]"), String(person, "email", $"{path}.{key}[]")));
                return result;
            }
            Problems.Add($"{path}.{key} must be an array of tables");
            return result;
        }

        public ProjectLicense? License(TomlTable table, string path)
        {
            if (!table.TryGetValue("license", out var value)) return null;
            switch (value)
            {
                case string expression:
                    return new ProjectLicense(expression, null, null);
                case TomlTable legacy when legacy.ContainsKey("text") ^ legacy.ContainsKey("file"):
                    return new ProjectLicense(null, String(legacy, "text", $"{path}.license"), String(legacy, "file", $"{path}.license"));
                default:
                    Problems.Add($"{path}.license must be an SPDX expression string or a table with exactly one of 'text' or 'file'");
                    return null;
            }
        }
    }
}
