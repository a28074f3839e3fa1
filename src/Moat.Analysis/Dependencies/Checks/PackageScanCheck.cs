namespace Moat.Analysis.Dependencies.Checks;

/// <summary>
/// <c>--scan</c>'s results as findings of the dependency: every finding of a file the package scanner judged
/// suspicious or malicious (its own rule ids, placed at <c>file/member</c>), so <see cref="Verdicts"/> judges the
/// dependency on the same evidence; plus a finding for each file that could not be scanned (a could-not-check finding:
/// the dependency is unverified) or failed its hash.
/// A file judged clean adds nothing: its capability notes were already weighed and found ordinary.
/// </summary>
public static class PackageScanCheck
{
    public static readonly Rule HashMismatch = new(
        "MOAT-DEP-012", "package-hash-mismatch", "A pinned file on the index does not match its expected sha256.", Severity.High,
        "The bytes the index served differ from the sha256 the index itself advertises, or none of the files of the pinned " +
        "version has a hash the requirement or lock file lists. Either the file was replaced after the lock was made (a " +
        "republished or tampered release), or something between you and the index changes what it serves. pip in " +
        "hash-checking mode refuses such a file; find out which copy is genuine before updating the hash.",
        ["https://pip.pypa.io/en/stable/topics/secure-installs/#hash-checking-mode", "https://peps.python.org/pep-0503/"]);

    public static readonly Rule NotScanned = new(
        "MOAT-DEP-013", "package-not-scanned", "A pinned dependency's files could not be fetched from the index to scan.", Severity.Medium,
        "`moat audit --scan` resolves each pinned dependency on the index and scans its files. This one could not be " +
        "scanned: the index was down or timed out, has no such project, has no file of the pinned version, or a download " +
        "failed. A security scanner fails closed, so the dependency is `unverified`, never clean: what was not scanned may " +
        "be the malicious one. A project your index does not know may be a typo or a name that only exists on another index.",
        ["https://peps.python.org/pep-0691/"]) { CouldNotCheck = true };

    public static IEnumerable<Finding> Check(AuditContext context)
    {
        if (context.Options.PackageScans?.GetValueOrDefault(context.Dependency) is not { } scan) yield break;
        foreach (var problem in scan.Problems)
        {
            var rule = problem.Kind == PackageScanProblemKind.HashMismatch ? HashMismatch : NotScanned;
            yield return Finding.Of(rule, Confidence.High, problem.Message, context.Location, problem.Evidence);
        }
        foreach (var file in scan.Files.Where(f => f.Result.Verdict != Verdict.Clean))
        {
            foreach (var finding in file.Result.Findings)
            {
                var path = finding.Location.Path is { Length: > 0 } member && member != file.Filename ? $"{file.Filename}/{member}" : file.Filename;
                yield return finding with { Location = finding.Location with { Path = path } };
            }
        }
    }
}
