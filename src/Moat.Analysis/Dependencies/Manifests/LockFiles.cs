using System.Text.Json;
using Moat.Packaging;
using Tomlyn.Model;

namespace Moat.Analysis.Dependencies.Manifests;

/// <summary>
/// The lock formats: PEP 751 <c>pylock.toml</c>, <c>uv.lock</c>, <c>poetry.lock</c> and <c>Pipfile.lock</c>. Every
/// entry is pinned by nature; what differs is where hashes, sources and VCS commits live.
/// </summary>
public static class LockFiles
{
    /// <summary>PEP 751: <c>[[packages]]</c> with name, version, marker, index, sdist/wheels/archive hashes, vcs commit-id.</summary>
    public static DependencyManifest ParsePylock(string text, string file)
    {
        var root = TomlValues.Parse(text, file);
        var lines = new LineLocator(text);
        var problems = new List<ManifestProblem>();
        if (root.String("lock-version") is not { } lockVersion) problems.Add(new(file, 1, "pylock.toml has no lock-version"));
        else if (!lockVersion.StartsWith("1.", StringComparison.Ordinal)) problems.Add(new(file, 1, $"unsupported lock-version {lockVersion}"));

        var dependencies = new List<Dependency>();
        foreach (var package in root.Tables("packages"))
        {
            if (package.String("name") is not { } name) continue;
            var line = lines.Next($"name = \"{name}\"", $"name = '{name}'");
            var hashes = new List<string>();
            if (package.Table("sdist") is { } sdist) hashes.AddRange(HashesOf(sdist.Table("hashes")));
            foreach (var wheel in package.Tables("wheels")) hashes.AddRange(HashesOf(wheel.Table("hashes")));
            if (package.Table("archive") is { } archive) hashes.AddRange(HashesOf(archive.Table("hashes")));
            var vcs = package.Table("vcs");
            var version = package.String("version");
            dependencies.Add(new Dependency(
                name, version is null ? name : $"{name}=={version}", file, line,
                PinnedVersion: version, Marker: package.String("marker"), Hashes: hashes, Locked: true,
                Index: package.String("index"), Url: vcs?.String("url") ?? package.Table("archive")?.String("url"),
                VcsCommit: vcs?.String("commit-id")));
        }
        return new DependencyManifest(file, ManifestFormat.Pylock, dependencies, [], problems);
    }

    /// <summary>uv's lock: <c>[[package]]</c> with name, version, <c>source</c> (registry, git, url, path, editable, virtual), sdist/wheels with <c>hash</c>.</summary>
    public static DependencyManifest ParseUvLock(string text, string file)
    {
        var root = TomlValues.Parse(text, file);
        var lines = new LineLocator(text);
        var dependencies = new List<Dependency>();
        var indexes = new List<IndexDeclaration>();
        foreach (var package in root.Tables("package"))
        {
            if (package.String("name") is not { } name) continue;
            var line = lines.Next($"name = \"{name}\"");
            var source = package.Table("source");
            // The project itself and workspace members are sources, not dependencies.
            if (source?.String("editable") is not null || source?.String("virtual") is not null) continue;
            var hashes = new List<string>();
            if (package.Table("sdist")?.String("hash") is { } sdistHash) hashes.Add(sdistHash);
            hashes.AddRange(package.Tables("wheels").Select(w => w.String("hash")).OfType<string>());
            var registry = source?.String("registry");
            if (registry is not null && !indexes.Any(i => i.Url == registry)) indexes.Add(new IndexDeclaration(registry, indexes.Count > 0, file, line));
            var git = source?.String("git");
            var version = package.String("version");
            dependencies.Add(new Dependency(
                name, version is null ? name : $"{name}=={version}", file, line,
                PinnedVersion: version, Hashes: hashes, Locked: true, Index: registry,
                Url: git ?? source?.String("url") ?? source?.String("path"),
                VcsCommit: git is null ? null : CommitFromFragment(git)));
        }
        return new DependencyManifest(file, ManifestFormat.UvLock, dependencies, indexes, []);
    }

    /// <summary>Poetry's lock: <c>[[package]]</c> with name, version, <c>files</c> (<c>hash = "sha256:…"</c>) and an optional <c>[package.source]</c>.</summary>
    public static DependencyManifest ParsePoetryLock(string text, string file)
    {
        var root = TomlValues.Parse(text, file);
        var lines = new LineLocator(text);
        var dependencies = new List<Dependency>();
        var indexes = new List<IndexDeclaration>();
        foreach (var package in root.Tables("package"))
        {
            if (package.String("name") is not { } name) continue;
            var line = lines.Next($"name = \"{name}\"");
            var source = package.Table("source");
            var sourceType = source?.String("type");
            if (sourceType == "directory") continue; // a local path dependency: nothing to resolve from an index
            var hashes = package.Tables("files").Select(f => f.String("hash")).OfType<string>().ToList();
            if (sourceType == "legacy" && source?.String("url") is { } url && !indexes.Any(i => i.Url == url))
            {
                indexes.Add(new IndexDeclaration(url, true, file, line));
            }
            var version = package.String("version");
            dependencies.Add(new Dependency(
                name, version is null ? name : $"{name}=={version}", file, line,
                PinnedVersion: version, Hashes: hashes, Locked: true,
                Group: package.String("category"),
                Index: sourceType == "legacy" ? source?.String("url") : null,
                Url: sourceType is "git" or "url" or "file" ? source?.String("url") : null,
                VcsCommit: sourceType == "git" ? source?.String("resolved_reference") : null));
        }
        return new DependencyManifest(file, ManifestFormat.PoetryLock, dependencies, indexes, []);
    }

    /// <summary>Pipenv's lock (JSON): <c>_meta.sources</c> and the <c>default</c>/<c>develop</c> sections.</summary>
    public static DependencyManifest ParsePipfileLock(string text, string file)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{file}: invalid JSON: {ex.Message}", ex);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"{file}: not a Pipfile.lock (expected a JSON object)");
            var lines = new LineLocator(text);
            var indexes = new List<IndexDeclaration>();
            var sourceUrls = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("_meta", out var meta) && meta.TryGetProperty("sources", out var sources) && sources.ValueKind == JsonValueKind.Array)
            {
                foreach (var source in sources.EnumerateArray())
                {
                    if (source.TryGetProperty("url", out var url) && url.GetString() is { } u)
                    {
                        var name = source.TryGetProperty("name", out var n) ? n.GetString() ?? u : u;
                        sourceUrls[name] = u;
                        indexes.Add(new IndexDeclaration(u, indexes.Count > 0, file, lines.Next($"\"{u}\"")));
                    }
                }
            }

            var dependencies = new List<Dependency>();
            lines = new LineLocator(text);
            foreach (var section in new[] { "default", "develop" })
            {
                if (!root.TryGetProperty(section, out var packages) || packages.ValueKind != JsonValueKind.Object) continue;
                foreach (var package in packages.EnumerateObject())
                {
                    var entry = package.Value;
                    var line = lines.Next($"\"{package.Name}\":");
                    var version = entry.TryGetProperty("version", out var v) ? v.GetString() : null;
                    var hashes = entry.TryGetProperty("hashes", out var h) && h.ValueKind == JsonValueKind.Array
                        ? h.EnumerateArray().Select(x => x.GetString()).OfType<string>().ToList() : [];
                    var index = entry.TryGetProperty("index", out var i) && i.GetString() is { } indexName ? sourceUrls.GetValueOrDefault(indexName, indexName) : null;
                    var git = entry.TryGetProperty("git", out var g) ? g.GetString() : null;
                    var pinned = version is not null && version.StartsWith("==", StringComparison.Ordinal) ? version[2..] : null;
                    dependencies.Add(new Dependency(
                        package.Name, package.Name + (version ?? ""), file, line,
                        Specifier: version, PinnedVersion: pinned, Hashes: hashes, Locked: true, Group: section, Index: index,
                        Marker: entry.TryGetProperty("markers", out var m) ? m.GetString() : null,
                        Editable: entry.TryGetProperty("editable", out var e) && e.ValueKind == JsonValueKind.True,
                        Url: git ?? (entry.TryGetProperty("file", out var f) ? f.GetString() : null),
                        VcsCommit: entry.TryGetProperty("ref", out var r) ? r.GetString() : null));
                }
            }
            return new DependencyManifest(file, ManifestFormat.PipfileLock, dependencies, indexes, []);
        }
    }

    private static IEnumerable<string> HashesOf(TomlTable? hashes) =>
        hashes is null ? [] : hashes.Select(p => $"{p.Key}:{p.Value}");

    /// <summary>uv writes git sources as <c>https://host/repo?rev=…#&lt;commit&gt;</c>.</summary>
    private static string? CommitFromFragment(string url)
    {
        var hash = url.LastIndexOf('#');
        return hash >= 0 && url.Length - hash - 1 is 40 or 64 ? url[(hash + 1)..] : null;
    }

    internal static string Normalize(string name) => ProjectName.Normalize(name);
}
