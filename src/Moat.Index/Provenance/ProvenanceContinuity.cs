namespace Moat.Index.Provenance;

/// <summary>
/// Provenance continuity: once a project's releases are attested by a publisher, a later release that arrives
/// without an attestation, or attested by another repository or workflow, is the shape of a stolen token publishing
/// from somewhere else — held for review with the reason. Pure: the earlier releases' signers in, the reason out.
/// </summary>
public static class ProvenanceContinuity
{
    /// <param name="project">The project, for the message.</param>
    /// <param name="earlier">Who attested the project's earlier releases (repository and workflow), most recent first; empty when none was attested.</param>
    /// <param name="current">Who attested this file; null when it carries no (verified) attestation.</param>
    public static string? Break(string project, IReadOnlyList<SignerSummary> earlier, SignerSummary? current)
    {
        if (earlier.Count == 0) return null;
        var previous = earlier[0];
        if (current is null)
            return $"provenance continuity: earlier releases of {project} were attested by {previous}, this file carries no attestation";
        if (earlier.Any(e => e.SameSource(current))) return null;
        return $"provenance continuity: earlier releases of {project} were attested by {previous}, this file by {current}";
    }
}

/// <summary>Who built a file, as its attestation's certificate says: repository, workflow, commit and ref.</summary>
public sealed record SignerSummary(string Repository, string Workflow, string? Commit = null, string? Ref = null)
{
    public static SignerSummary Of(FulcioIdentity signer) =>
        new(signer.Repository ?? "(unknown repository)", signer.Workflow ?? "(unknown workflow)", signer.SourceRepositoryDigest, signer.SourceRepositoryRef);

    public bool SameSource(SignerSummary other) =>
        string.Equals(Repository, other.Repository, StringComparison.OrdinalIgnoreCase) && string.Equals(Workflow, other.Workflow, StringComparison.Ordinal);

    public override string ToString() => $"{Repository} workflow {Workflow}";
}
