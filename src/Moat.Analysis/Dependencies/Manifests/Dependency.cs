namespace Moat.Analysis.Dependencies.Manifests;

/// <summary>Which kind of file a dependency list came from.</summary>
public enum ManifestFormat { Requirements, Pyproject, Pylock, UvLock, PoetryLock, PipfileLock }

/// <summary>
/// One dependency as a project declares or locks it. <see cref="Written"/> is the text the user wrote (the report's
/// target, so results join back to the file); <see cref="PinnedVersion"/> is set only when exactly one version can be
/// installed (<c>==X</c> without a wildcard, <c>===X</c>, or a lock entry).
/// </summary>
public sealed record Dependency(
    string Name,
    string Written,
    string File,
    int Line,
    string? Specifier = null,
    string? PinnedVersion = null,
    IReadOnlyList<string>? Extras = null,
    string? Marker = null,
    string? Url = null,
    bool Editable = false,
    IReadOnlyList<string>? Hashes = null,
    bool Locked = false,
    string? Group = null,
    string? Index = null,
    string? VcsCommit = null)
{
    public IReadOnlyList<string> HashList => Hashes ?? [];
}

/// <summary>An index a manifest points pip at: <c>--index-url</c> (primary) or <c>--extra-index-url</c>, or a lock's source.</summary>
public sealed record IndexDeclaration(string Url, bool IsExtra, string File, int Line);

/// <summary>Something in a manifest that could not be read: reported, never thrown past the audit.</summary>
public sealed record ManifestProblem(string File, int Line, string Message);

/// <summary>A parsed dependency file (with its includes, for requirements files).</summary>
public sealed record DependencyManifest(
    string Path,
    ManifestFormat Format,
    IReadOnlyList<Dependency> Dependencies,
    IReadOnlyList<IndexDeclaration> Indexes,
    IReadOnlyList<ManifestProblem> Problems);
