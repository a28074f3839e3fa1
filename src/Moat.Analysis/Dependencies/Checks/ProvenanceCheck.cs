namespace Moat.Analysis.Dependencies.Checks;

/// <summary>
/// <c>--provenance</c>'s results as findings of the dependency: who built each attested file (from its verified
/// attestation), an attestation that does not verify, a break in the project's provenance continuity, or that the
/// index could not be asked (fails closed: the dependency is unverified, never clean).
/// </summary>
public static class ProvenanceCheck
{
    public static readonly Rule Verified = new(
        "MOAT-DEP-014", "provenance-verified", "A pinned file carries a verified PEP 740 attestation: who built it.", Severity.Info,
        "The index serves a provenance object for this file and its attestation verifies against Sigstore's public-good root " +
        "(or the one given with --trust-root): the certificate chains to Fulcio at the signed time, the transparency log " +
        "vouches for it, the signature covers a statement naming this file's sha256, and the CI identity is the publisher the " +
        "index names. The finding says which repository, workflow and commit built the file, for the record.",
        ["https://peps.python.org/pep-0740/", "https://docs.pypi.org/attestations/"]);

    public static readonly Rule Invalid = new(
        "MOAT-DEP-015", "provenance-invalid", "A pinned file's attestation does not verify.", Severity.High,
        "The index serves an attestation for this file that fails verification: it names another file or digest, its " +
        "certificate does not chain to the trust root or was not valid when signed, the signature or the transparency log's " +
        "proofs do not hold, or it was not issued to the publisher the index names. A genuine attestation never fails; find " +
        "out which copy of the release is genuine before installing it.",
        ["https://peps.python.org/pep-0740/"]);

    public static readonly Rule ContinuityBreak = new(
        "MOAT-DEP-016", "provenance-continuity-break", "A pinned release lacks the provenance its project's earlier releases had.", Severity.High,
        "Earlier releases of this project were attested by a CI workflow through Trusted Publishing, and this one carries no " +
        "attestation, or one from another repository or workflow. That is the shape of a release published with a stolen " +
        "token from somewhere other than the project's CI. Check the release with the project before relying on it; Moat's " +
        "index holds such releases for review.",
        ["https://peps.python.org/pep-0740/", "https://blog.pypi.org/posts/2024-11-14-pypi-now-supports-digital-attestations/"]);

    public static readonly Rule NotChecked = new(
        "MOAT-DEP-017", "provenance-not-checked", "A pinned dependency's provenance could not be checked on the index.", Severity.Medium,
        "`moat audit --provenance` reads each pinned dependency's page and provenance objects from the index. For this one " +
        "the index could not be asked, does not know the project or the pinned version, or a provenance object could not be " +
        "fetched. A security tool fails closed, so the dependency is unverified rather than clean.",
        ["https://peps.python.org/pep-0740/"]) { CouldNotCheck = true };

    public static IEnumerable<Finding> Check(AuditContext context)
    {
        if (context.Options.Provenance?.GetValueOrDefault(context.Dependency) is not { } provenance) yield break;
        if (provenance.NotChecked is { } why)
        {
            yield return Finding.Of(NotChecked, Confidence.High, why, context.Location);
            yield break;
        }
        foreach (var file in provenance.Files.Where(f => f.Attested))
        {
            yield return file.Verified
                ? Finding.Of(Verified, Confidence.High, $"{file.Filename} was built by {file.Repository} workflow {file.Workflow}{(file.Commit is null ? "" : $" at commit {file.Commit}")}", context.Location, file.Filename)
                : Finding.Of(Invalid, Confidence.High, $"{file.Filename}'s attestation does not verify: {file.Reason}", context.Location, file.Filename);
        }
        if (provenance.ContinuityBreak is { } broken) yield return Finding.Of(ContinuityBreak, Confidence.Medium, broken, context.Location);
    }
}
