using Moat.Packaging;
using System.Collections.Concurrent;
using Moat.Index.Accounts;
using Moat.Index.Storage;

namespace Moat.Index.Provenance;

/// <summary>What the provenance rules decided about an upload.</summary>
public abstract record UploadProvenance
{
    /// <summary>Refused (400) with the reason.</summary>
    public sealed record Refused(string Reason) : UploadProvenance;

    /// <summary>Accepted: the provenance object to store (null: none), and why the file is held for review (continuity), if it is.</summary>
    public sealed record Accepted(string? ProvenanceJson, string? HoldReason) : UploadProvenance;
}

/// <summary>
/// The provenance rules of the index: an upload's attestations verified against the Trusted Publisher that
/// authenticated it, the attestation requirement (the project's, else <c>[policy] attestations</c>), provenance
/// continuity, and what a stored provenance object says (re-verified, remembered per file).
/// </summary>
public sealed class ProvenanceService(AttestationVerifier verifier, AccountStore accounts, IMetadataStore store, IndexOptions options, Security.SecurityEvents events)
{
    private readonly ConcurrentDictionary<string, FileProvenance> _summaries = new(StringComparer.Ordinal);
    private const int SummaryCacheLimit = 20_000;

    /// <param name="publisherId">The Trusted Publisher behind the upload's token; null for any other credential.</param>
    public async Task<UploadProvenance> CheckUploadAsync(string? field, string project, string filename, string sha256, string? publisherId, CancellationToken ct = default)
    {
        var (requirementText, continuity) = await accounts.ProvenanceSettingsAsync(project);
        var required = requirementText is null ? options.Provenance.Attestations == AttestationRequirement.Required : requirementText == "required";
        var publisherRow = publisherId is null ? null : await accounts.PublisherAsync(publisherId);
        var publisher = publisherRow is null ? null : Identity(publisherRow);

        IReadOnlyList<Attestation> attestations = [];
        if (!string.IsNullOrWhiteSpace(field))
        {
            if (Attestation.TryParseList(field, out var parseError) is not { } parsed) return new UploadProvenance.Refused($"Invalid attestations supplied during upload: {parseError}.");
            attestations = parsed;
        }
        if (attestations.Count == 0)
        {
            if (required)
                return new UploadProvenance.Refused($"Only signed packages can be uploaded: {project} requires a PEP 740 attestation from its Trusted Publisher " +
                    (publisher is null ? "(this upload was not made by a Trusted Publisher)." : "(twine upload --attestations, or pypa/gh-action-pypi-publish with attestations)."));
            var earlier = continuity ? await EarlierSignersAsync(project, ct) : [];
            return new UploadProvenance.Accepted(null, ProvenanceContinuity.Break(project, earlier, null));
        }
        if (publisher is null)
            return new UploadProvenance.Refused("Invalid attestations supplied during upload: attestations are only accepted from a Trusted Publisher, whose identity they are checked against.");

        var predicates = new HashSet<string>(StringComparer.Ordinal);
        SignerSummary? signer = null;
        foreach (var attestation in attestations)
        {
            switch (verifier.Verify(attestation, filename, sha256, publisher))
            {
                case AttestationRefused refused:
                    return new UploadProvenance.Refused($"Invalid attestations supplied during upload: {refused.Reason}.");
                case AttestationVerified verified:
                    if (!predicates.Add(verified.PredicateType))
                        return new UploadProvenance.Refused($"Invalid attestations supplied during upload: more than one attestation of type {verified.PredicateType}.");
                    signer ??= SignerSummary.Of(verified.Signer);
                    break;
            }
        }
        var json = ProvenanceObject.Build(publisher, attestations);
        var hold = continuity ? ProvenanceContinuity.Break(project, await EarlierSignersAsync(project, ct), signer) : null;
        return new UploadProvenance.Accepted(json, hold);
    }

    /// <summary>
    /// Sets a project's provenance policy (an owner or an admin): <paramref name="attestations"/> "required", "optional",
    /// or "default" (the index's <c>[policy] attestations</c>); null keeps it, as a null <paramref name="continuity"/>
    /// does. Recorded as a <c>project:provenance-policy</c> security event. Returns the refusal, or null.
    /// </summary>
    public async Task<string?> SetProjectPolicyAsync(string project, string? attestations, bool? continuity, Microsoft.AspNetCore.Http.HttpContext? http, string? byUserId, string by)
    {
        if (attestations is not (null or "required" or "optional" or "default")) return "attestations must be \"required\", \"optional\" or \"default\".";
        var (current, currentContinuity) = await accounts.ProvenanceSettingsAsync(project);
        var requirement = attestations is null ? current : attestations == "default" ? null : attestations;
        var keep = continuity ?? currentContinuity;
        await accounts.SetProvenanceSettingsAsync(project, requirement, keep);
        await events.RecordAsync("project:provenance-policy", http, byUserId, project, new { attestations = requirement ?? "default", continuity = keep, by });
        return null;
    }

    /// <summary>The identity a registered Trusted Publisher's attestations must carry.</summary>
    public TrustedPublisherIdentity Identity(TrustedPublisher row) => row.Kind == "gitlab"
        ? new(PublisherKind.GitLab, row.Repository, row.Workflow, options.Security.GitLabIssuer, row.OwnerId, NullIfEmpty(row.Environment))
        : new(PublisherKind.GitHub, row.Repository, row.Workflow, options.Security.GitHubIssuer, row.OwnerId, NullIfEmpty(row.Environment));

    /// <summary>
    /// Verifies a stored provenance object for its file: every attestation of every bundle against that bundle's
    /// publisher. Remembered per file content, since the answer cannot change for the same bytes and root.
    /// </summary>
    public FileProvenance Summarize(string provenanceJson, string filename, string sha256)
    {
        var key = sha256 + "/" + filename;
        if (_summaries.TryGetValue(key, out var known)) return known;
        var summary = verifier.VerifyProvenance(provenanceJson, filename, sha256, options.Security.GitHubIssuer, options.Security.GitLabIssuer);
        if (_summaries.Count >= SummaryCacheLimit) _summaries.Clear();
        _summaries[key] = summary;
        return summary;
    }

    /// <summary>Who attested the project's earlier hosted files, most recent first (verified ones only).</summary>
    private async Task<IReadOnlyList<SignerSummary>> EarlierSignersAsync(string project, CancellationToken ct)
    {
        if (await store.GetListingAsync(NormalizedName.Of(project), ct) is not { } listing) return [];
        var signers = new List<SignerSummary>();
        foreach (var file in listing.Files.Where(f => f.Attestations is not null).OrderByDescending(f => f.UploadTime).Take(20))
            if (Summarize(file.Attestations!, file.Filename, file.Sha256) is { Verified: true, Signer: { } s }) signers.Add(s);
        return signers;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
