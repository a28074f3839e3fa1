using Moat.Index.Accounts;

namespace Moat.Index.Publishing;

/// <summary>
/// Matches a verified CI identity to a registered publisher, claim by claim as PyPI's warehouse does
/// (<c>warehouse/oidc/models/github.py</c>, <c>gitlab.py</c>): GitHub — <c>repository</c> and <c>repository_owner</c>
/// case-insensitive, <c>repository_owner_id</c> exact (it survives renames, so a re-registered name cannot take
/// over), <c>sub</c> starting <c>repo:OWNER/REPO</c>, <c>job_workflow_ref</c> equal to
/// <c>OWNER/REPO/.github/workflows/FILE@REF</c> where REF is the <c>ref</c> or <c>sha</c> claim, and the environment
/// (case-insensitive) when the publisher names one.
/// GitLab — <c>project_path</c> case-insensitive, <c>namespace_id</c> exact, <c>ci_config_ref_uri</c> equal to
/// <c>gitlab.com/PATH//WORKFLOW@REF</c>. Moat adds one refusal PyPI leaves to the workflow author:
/// <c>pull_request_target</c> runs (which execute with the base repository's secrets on a fork's code) never publish.
/// </summary>
public static class PublisherMatching
{
    /// <summary>The active publishers an identity matched (one per trusting project), or else the one pending publisher.</summary>
    public sealed record PublisherMatch(IReadOnlyList<TrustedPublisher> Active, TrustedPublisher? Pending)
    {
        /// <summary>The publisher the minted token records (the first of several).</summary>
        public TrustedPublisher First => Pending ?? Active[0];
        public IReadOnlyList<string> Projects => [.. Active.Select(p => p.Project!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The repository a token's claims name (the lookup key), or why it cannot be used.</summary>
    public static string RepositoryOf(string kind, VerifiedIdentity id) =>
        (kind == "github" ? id["repository"] : id["project_path"]) ?? throw new OidcException($"The identity token has no {(kind == "github" ? "repository" : "project_path")} claim.");

    /// <summary>
    /// What an identity publishes as, among the publishers registered for its repository, or an exception saying
    /// which claim failed. Every ACTIVE publisher whose claims all match counts — each project whose owners trust
    /// this workflow — so nobody can divert a workflow's mint by registering the same workflow for another project.
    /// A pending publisher is used only when no active one matches: a registration by anybody never outranks the
    /// owners'. Among pending ones (duplicates are refused at registration; older data may hold some), one constrained
    /// on this environment first, then the oldest.
    /// </summary>
    public static PublisherMatch Match(string kind, VerifiedIdentity id, IReadOnlyList<TrustedPublisher> candidates)
    {
        if (id["event_name"] == "pull_request_target") throw new OidcException("Publishing from a pull_request_target run is refused: it runs with this repository's secrets on untrusted code.");
        var refClaim = id["ref"];
        var sha = id["sha"];
        if (string.IsNullOrEmpty(refClaim) && string.IsNullOrEmpty(sha)) throw new OidcException("The ref and sha claims are empty.");
        var matching = new List<TrustedPublisher>();
        string? lastError = null;
        foreach (var p in candidates.Where(c => c.Kind == kind))
        {
            lastError = kind == "github" ? CheckGitHub(p, id, refClaim, sha) : CheckGitLab(p, id, refClaim, sha);
            if (lastError is null) matching.Add(p);
        }
        var active = matching.Where(p => p.Project is not null).ToList();
        if (active.Count > 0) return new PublisherMatch(active, null);
        var pending = matching.Where(p => p.PendingProject is not null)
            .OrderBy(p => p.Environment.Length > 0 ? 0 : 1).ThenBy(p => p.CreatedAt).FirstOrDefault();
        return pending is not null ? new PublisherMatch([], pending) : throw new OidcException(lastError ?? "No trusted publisher matches the identity token's claims.");
    }

    private static string? CheckGitHub(TrustedPublisher p, VerifiedIdentity id, string? refClaim, string? sha)
    {
        var repository = id["repository"];
        if (string.IsNullOrEmpty(repository) || !string.Equals(repository, p.Repository, StringComparison.OrdinalIgnoreCase)) return "The repository claim does not match.";
        var owner = p.Repository.Split('/')[0];
        if (id["repository_owner"] != owner && !string.Equals(id["repository_owner"], owner, StringComparison.OrdinalIgnoreCase)) return "The repository_owner claim does not match.";
        if (id["repository_owner_id"] != p.OwnerId) return "The repository_owner_id claim does not match.";
        var sub = id["sub"]?.Split(':');
        if (sub is not { Length: >= 2 } || !string.Equals($"{sub[0]}:{sub[1]}", $"repo:{p.Repository}", StringComparison.OrdinalIgnoreCase)) return "The sub claim does not match.";
        var expected = $"{p.Repository}/.github/workflows/{p.Workflow}";
        var jobRef = id["job_workflow_ref"];
        if (string.IsNullOrEmpty(jobRef)) return "The job_workflow_ref claim is empty.";
        if (!new[] { refClaim, sha }.Where(r => !string.IsNullOrEmpty(r)).Any(r => jobRef == $"{expected}@{r}"))
            return $"The job_workflow_ref claim does not match, expecting {expected}@<ref or sha>, got {jobRef}.";
        return EnvironmentError(p, id);
    }

    private static string? CheckGitLab(TrustedPublisher p, VerifiedIdentity id, string? refClaim, string? sha)
    {
        var path = id["project_path"];
        if (string.IsNullOrEmpty(path) || !string.Equals(path, p.Repository, StringComparison.OrdinalIgnoreCase)) return "The project_path claim does not match.";
        if (id["namespace_id"] != p.OwnerId) return "The namespace_id claim does not match.";
        var sub = id["sub"]?.Split(':');
        if (sub is not { Length: >= 2 } || !string.Equals($"{sub[0]}:{sub[1]}", $"project_path:{p.Repository}", StringComparison.OrdinalIgnoreCase)) return "The sub claim does not match.";
        var expected = $"gitlab.com/{p.Repository}//{p.Workflow}";
        var configRef = id["ci_config_ref_uri"];
        if (string.IsNullOrEmpty(configRef) || !new[] { refClaim, sha }.Where(r => !string.IsNullOrEmpty(r)).Any(r => string.Equals(configRef, $"{expected}@{r}", StringComparison.OrdinalIgnoreCase)))
            return $"The ci_config_ref_uri claim does not match, expecting {expected}@<ref or sha>.";
        return EnvironmentError(p, id);
    }

    private static string? EnvironmentError(TrustedPublisher p, VerifiedIdentity id) =>
        p.Environment == "" || string.Equals(id["environment"], p.Environment, StringComparison.OrdinalIgnoreCase) ? null : "The environment claim does not match.";
}
