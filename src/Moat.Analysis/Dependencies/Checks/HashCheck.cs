using Moat.Analysis.Dependencies.Manifests;

namespace Moat.Analysis.Dependencies.Checks;

/// <summary>
/// Once one requirement carries <c>--hash</c>, pip switches to hash-checking mode for the whole install; a line
/// without hashes is then either an install failure or — with lock files that mix sources — a file that nobody
/// verified. Either way it is the weak link.
/// </summary>
public static class HashCheck
{
    public static readonly Rule MissingHash = new(
        "MOAT-DEP-003", "missing-hash", "A dependency has no hash while others in the same file do.", Severity.Medium,
        "Hash-pinning only protects when every dependency is hashed: an attacker who can change what the index serves " +
        "targets the one file that is not verified. Add `--hash=sha256:…` for every file of the pinned version " +
        "(`pip-compile --generate-hashes`, `uv pip compile --generate-hashes`).",
        ["https://pip.pypa.io/en/stable/topics/secure-installs/#hash-checking-mode"]);

    public static IEnumerable<Finding> Check(AuditContext context)
    {
        var dependency = context.Dependency;
        if (dependency.HashList.Count > 0 || dependency.Editable || dependency.Group == "constraints") yield break;
        if (dependency.Url is not null && dependency.VcsCommit is not null) yield break; // a commit is its own pin
        if (context.Manifest.Format is ManifestFormat.Pyproject) yield break;
        var hashed = context.Manifest.Dependencies.Count(d => d.HashList.Count > 0);
        if (hashed == 0) yield break;
        yield return Finding.Of(MissingHash, Confidence.High,
            $"{dependency.Name} has no hash while {hashed} other dependencies in {Path.GetFileName(dependency.File)} do: add --hash=sha256:…",
            context.Location, dependency.Written);
    }
}
