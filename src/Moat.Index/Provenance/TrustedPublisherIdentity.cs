using System.Text.Json.Nodes;

namespace Moat.Index.Provenance;

public enum PublisherKind { GitHub, GitLab }

/// <summary>
/// The CI identity an attestation must have been signed by: a project's Trusted Publisher (the one that authenticated
/// the upload), or the publisher an upstream's provenance object names. <see cref="Issuer"/> is the OIDC issuer Fulcio
/// recorded (<c>[security] github-issuer</c>/<c>gitlab-issuer</c>); <see cref="OwnerId"/> is checked when known, as it
/// survives renames and a re-registered owner name does not carry it.
/// </summary>
public sealed record TrustedPublisherIdentity(PublisherKind Kind, string Repository, string Workflow, string Issuer, string? OwnerId = null, string? Environment = null)
{
    /// <summary>Null when the certificate's identity is this publisher's, else the first claim that differs.</summary>
    public string? Mismatch(FulcioIdentity signer)
    {
        if (!string.Equals(signer.Issuer, Issuer, StringComparison.Ordinal))
            return $"the certificate was issued for OIDC issuer {signer.Issuer ?? "(none)"}, not the Trusted Publisher's {Issuer}";
        var host = Kind == PublisherKind.GitHub ? "https://github.com/" : "https://gitlab.com/";
        if (!string.Equals(signer.SourceRepositoryUri, host + Repository, StringComparison.OrdinalIgnoreCase))
            return $"the certificate's source repository is {signer.SourceRepositoryUri ?? "(none)"}, not the Trusted Publisher's {host}{Repository}";
        var workflowPrefix = Kind == PublisherKind.GitHub ? $"{host}{Repository}/.github/workflows/{Workflow}@" : $"{host}{Repository}//{Workflow}@";
        var signerUri = signer.BuildSignerUri ?? signer.SubjectUri;
        if (signerUri is null || !signerUri.StartsWith(workflowPrefix, StringComparison.OrdinalIgnoreCase))
            return $"the certificate was issued to workflow {signerUri ?? "(none)"}, not the Trusted Publisher's {workflowPrefix}<ref>";
        if (OwnerId is { Length: > 0 } && signer.SourceRepositoryOwnerIdentifier is { } owner && owner != OwnerId)
            return $"the certificate's repository owner id is {owner}, not the Trusted Publisher's {OwnerId}";
        return null;
    }

    /// <summary>PEP 740's publisher object (warehouse's shapes: GitHub names <c>workflow</c>, GitLab <c>workflow_filepath</c>).</summary>
    public JsonObject ToJson() => Kind == PublisherKind.GitHub
        ? new JsonObject { ["kind"] = "GitHub", ["repository"] = Repository, ["workflow"] = Workflow, ["environment"] = Environment }
        : new JsonObject { ["kind"] = "GitLab", ["repository"] = Repository, ["workflow_filepath"] = Workflow, ["environment"] = Environment };

    /// <summary>Reads a provenance object's publisher; the issuer is the index's configured one for that kind.</summary>
    public static TrustedPublisherIdentity? FromJson(JsonNode? publisher, string gitHubIssuer, string gitLabIssuer)
    {
        if (publisher is not JsonObject o || o["kind"]?.GetValueKind() != System.Text.Json.JsonValueKind.String) return null;
        string? Text(string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return Text("kind") switch
        {
            "GitHub" when Text("repository") is { } r && Text("workflow") is { } w => new(PublisherKind.GitHub, r, w, gitHubIssuer, Environment: Text("environment")),
            "GitLab" when Text("repository") is { } r && Text("workflow_filepath") is { } w => new(PublisherKind.GitLab, r, w, gitLabIssuer, Environment: Text("environment")),
            _ => null,
        };
    }

    public override string ToString() => $"{Repository} ({Workflow})";
}
