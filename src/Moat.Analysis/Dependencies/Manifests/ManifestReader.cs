namespace Moat.Analysis.Dependencies.Manifests;

/// <summary>Picks the parser for a dependency file by its name (and, for ambiguous names, its content).</summary>
public static class ManifestReader
{
    /// <summary>Reads <paramref name="path"/>. Throws <see cref="FormatException"/> for an unknown or malformed file, <see cref="IOException"/> when unreadable.</summary>
    public static DependencyManifest Read(string path)
    {
        var name = Path.GetFileName(path);
        var format = Detect(name) ?? throw new FormatException(
            $"{path}: unknown dependency file format (expected requirements*.txt, *.in, pyproject.toml, pylock.toml, pylock.*.toml, uv.lock, poetry.lock or Pipfile.lock; `-r FILE` reads a requirements file of any name)");
        if (format == ManifestFormat.Requirements) return RequirementsFile.Parse(path);
        var text = File.ReadAllText(path);
        return format switch
        {
            ManifestFormat.Pyproject => PyprojectDependencies.Parse(text, path),
            ManifestFormat.Pylock => LockFiles.ParsePylock(text, path),
            ManifestFormat.UvLock => LockFiles.ParseUvLock(text, path),
            ManifestFormat.PoetryLock => LockFiles.ParsePoetryLock(text, path),
            _ => LockFiles.ParsePipfileLock(text, path),
        };
    }

    public static ManifestFormat? Detect(string fileName)
    {
        var name = fileName.ToLowerInvariant();
        return name switch
        {
            "pyproject.toml" => ManifestFormat.Pyproject,
            "uv.lock" => ManifestFormat.UvLock,
            "poetry.lock" => ManifestFormat.PoetryLock,
            "pipfile.lock" => ManifestFormat.PipfileLock,
            "pylock.toml" => ManifestFormat.Pylock,
            _ when name.StartsWith("pylock.", StringComparison.Ordinal) && name.EndsWith(".toml", StringComparison.Ordinal) => ManifestFormat.Pylock,
            _ when name.EndsWith(".txt", StringComparison.Ordinal) && (name.Contains("requirement", StringComparison.Ordinal) || name.Contains("constraint", StringComparison.Ordinal)) => ManifestFormat.Requirements,
            _ when name.EndsWith(".in", StringComparison.Ordinal) || name.EndsWith(".pip", StringComparison.Ordinal) => ManifestFormat.Requirements,
            _ => null,
        };
    }

    /// <summary>The dependency files directly in <paramref name="directory"/> (what <c>moat audit DIR</c> reads).</summary>
    public static IReadOnlyList<string> FindIn(string directory) =>
        [.. Directory.EnumerateFiles(directory).Where(f => Detect(Path.GetFileName(f)) is not null).Order(StringComparer.Ordinal)];
}
