using Moat.Packaging.Versions;
using Tomlyn.Model;

namespace Moat.Analysis.Dependencies.Manifests;

/// <summary>
/// The dependencies a <c>pyproject.toml</c> declares: <c>[project]</c> dependencies and optional-dependencies (PEP 621),
/// <c>[dependency-groups]</c> (PEP 735, with <c>include-group</c>), and Poetry's <c>[tool.poetry.*dependencies]</c>
/// tables with their <c>[[tool.poetry.source]]</c> indexes.
/// </summary>
public static class PyprojectDependencies
{
    public static DependencyManifest Parse(string text, string file)
    {
        var root = TomlValues.Parse(text, file);
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var dependencies = new List<Dependency>();
        var problems = new List<ManifestProblem>();
        var indexes = new List<IndexDeclaration>();

        void AddPep508(string requirement, string? group)
        {
            var line = LineOf(lines, requirement);
            if (RequirementText.TryParse(requirement, out var parsed, out var error))
            {
                dependencies.Add(new Dependency(parsed.Name, requirement, file, line,
                    Specifier: parsed.Specifier, PinnedVersion: parsed.PinnedVersion, Extras: parsed.Extras, Marker: parsed.Marker,
                    Url: parsed.Url, Group: group, VcsCommit: parsed.Url is null ? null : RequirementText.CommitOf(parsed.Url)));
            }
            else
            {
                problems.Add(new ManifestProblem(file, line, error));
            }
        }

        if (root.Table("project") is { } project)
        {
            foreach (var requirement in project.Strings("dependencies")) AddPep508(requirement, null);
            if (project.Table("optional-dependencies") is { } optional)
            {
                foreach (var (extra, value) in optional)
                {
                    if (value is TomlArray array) foreach (var requirement in array.OfType<string>()) AddPep508(requirement, extra);
                }
            }
        }

        if (root.Table("dependency-groups") is { } groups)
        {
            foreach (var (group, value) in groups)
            {
                if (value is not TomlArray array) continue;
                // Strings are requirements; tables are {include-group = "other"}, which the other group lists itself.
                foreach (var requirement in array.OfType<string>()) AddPep508(requirement, group);
            }
        }

        if (root.Table("tool")?.Table("poetry") is { } poetry)
        {
            foreach (var source in poetry.Tables("source"))
            {
                if (source.String("url") is { } url)
                {
                    var priority = source.String("priority") ?? (source.TryGetValue("default", out var d) && d is true ? "default" : "supplemental");
                    indexes.Add(new IndexDeclaration(url, priority is "supplemental" or "secondary", file, LineOf(lines, url)));
                }
            }
            AddPoetryTable(poetry.Table("dependencies"), null);
            AddPoetryTable(poetry.Table("dev-dependencies"), "dev");
            if (poetry.Table("group") is { } poetryGroups)
            {
                foreach (var (group, value) in poetryGroups)
                {
                    if (value is TomlTable table) AddPoetryTable(table.Table("dependencies"), group);
                }
            }
        }

        return new DependencyManifest(file, ManifestFormat.Pyproject, dependencies, indexes, problems);

        void AddPoetryTable(TomlTable? table, string? group)
        {
            if (table is null) return;
            foreach (var (name, value) in table)
            {
                if (string.Equals(name, "python", StringComparison.OrdinalIgnoreCase)) continue; // the interpreter, not a package
                var line = LineOfKey(lines, name);
                switch (value)
                {
                    case string constraint:
                        dependencies.Add(PoetryDependency(name, constraint, null, null, null, file, line, group));
                        break;
                    case TomlTable spec:
                        var git = spec.String("git");
                        var url = git is null ? spec.String("url") ?? spec.String("path") : "git+" + git;
                        var commit = spec.String("rev") is { Length: 40 or 64 } rev && rev.All(char.IsAsciiHexDigit) ? rev : null;
                        dependencies.Add(PoetryDependency(name, spec.String("version") ?? "", url, commit, spec.String("source"), file, line, group)
                            with { Editable = spec.TryGetValue("develop", out var develop) && develop is true });
                        break;
                    case TomlArray alternatives:
                        // Multiple-constraint form: one entry per marker; report the first, it names the package.
                        if (alternatives.OfType<TomlTable>().FirstOrDefault() is { } first)
                        {
                            dependencies.Add(PoetryDependency(name, first.String("version") ?? "", null, null, first.String("source"), file, line, group));
                        }
                        break;
                }
            }
        }
    }

    /// <summary>Poetry constraints: a bare version means exactly that version; <c>^</c>, <c>~</c>, <c>*</c> and ranges are ranges.</summary>
    private static Dependency PoetryDependency(string name, string constraint, string? url, string? commit, string? source, string file, int line, string? group)
    {
        var trimmed = constraint.Trim();
        string? pinned = null;
        if (trimmed.StartsWith("==", StringComparison.Ordinal) && !trimmed.Contains(',') && !trimmed.Contains('*')) pinned = trimmed[2..].Trim();
        else if (trimmed.Length > 0 && char.IsAsciiDigit(trimmed[0]) && !trimmed.Contains(',') && !trimmed.Contains('*') && PackageVersion.TryParse(trimmed, out _)) pinned = trimmed;
        var written = trimmed.Length == 0 ? name : $"{name} {trimmed}";
        return new Dependency(name, written, file, line,
            Specifier: trimmed is "" or "*" ? null : trimmed, PinnedVersion: pinned, Url: url, VcsCommit: commit, Group: group, Index: source);
    }

    private static int LineOf(string[] lines, string needle)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(needle, StringComparison.Ordinal)) return i + 1;
        }
        return 0;
    }

    private static int LineOfKey(string[] lines, string key)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            if (line.StartsWith(key, StringComparison.Ordinal) && line[key.Length..].TrimStart().StartsWith('=')) return i + 1;
            if (line.StartsWith($"\"{key}\"", StringComparison.Ordinal)) return i + 1;
        }
        return 0;
    }
}
