namespace Moat.Analysis.Dependencies;

/// <summary>What the index says about one file of a pinned release: whether it carries a PEP 740 attestation, and whether that verified and who built it.</summary>
public sealed record FileProvenanceFact(string Filename, bool Attested, bool Verified, string? Repository = null, string? Workflow = null, string? Commit = null, string? Reason = null);

/// <summary>
/// <c>moat audit --provenance</c>'s facts about a pinned dependency: its files' provenance, the continuity break the
/// earlier releases show (a release without an attestation, or by another repository or workflow, after attested
/// ones), or why it could not be checked.
/// </summary>
public sealed record DependencyProvenance(IReadOnlyList<FileProvenanceFact> Files, string? ContinuityBreak = null, string? NotChecked = null);
