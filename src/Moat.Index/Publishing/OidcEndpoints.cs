using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Auth;
using Moat.Index.Security;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.Publishing;

/// <summary>
/// Trusted Publishing, wire-compatible with PyPI's (what <c>pypa/gh-action-pypi-publish</c> and twine's helpers
/// call): <c>GET /_/oidc/audience</c> → <c>{"audience": …}</c>; <c>POST /_/oidc/mint-token</c> with
/// <c>{"token": JWT}</c> → <c>{"success": true, "token": "moat-…", "expires": …}</c>, a token scoped to the
/// projects whose publishers the identity matches (<see cref="PublisherMatching.Match"/>) and valid for 15 minutes. A pending publisher creates its project on first use (and its creator
/// becomes owner); the JWT's <c>jti</c> is claimed once, so a stolen identity token cannot be replayed.
/// </summary>
public static class OidcEndpoints
{
    public sealed record MintRequest(string? Token);

    public static void Map(WebApplication app)
    {
        app.MapGet("/_/oidc/audience", (SecurityOptions options) => Results.Json(new { audience = options.OidcAudience }));

        app.MapPost("/_/oidc/mint-token", async (MintRequest body, HttpContext http, OidcVerifier verifier, SecurityOptions options, AccountStore store,
            IMetadataStore metadata, KillSwitches switches, SecurityEvents events, Auth.NewProjects newProjects) =>
        {
            if (await switches.BlocksAsync(SwitchNames.NoUploads) is { } off) return Fail(503, "switched-off", off);
            if (string.IsNullOrWhiteSpace(body?.Token)) return Fail(422, "invalid-payload", "Send {\"token\": \"<OIDC identity token>\"}.");
            var issuers = new Dictionary<string, string> { [options.GitHubIssuer] = "github", [options.GitLabIssuer] = "gitlab" };
            try
            {
                var identity = await verifier.VerifyAsync(body.Token, issuers.Keys, options.OidcAudience, http.RequestAborted);
                var kind = issuers[identity.Issuer];
                var jti = identity["jti"] ?? throw new OidcException("The identity token has no jti.");
                var candidates = await store.PublishersAsync(kind, PublisherMatching.RepositoryOf(kind, identity));
                var match = PublisherMatching.Match(kind, identity, candidates);
                // Claim the jti only once everything else matched: a refused token does not burn it; a replay fails here.
                if (!await store.ClaimJtiAsync(jti, identity.Expires)) throw new OidcException("The identity token was already used (replayed jti).");

                var publisher = match.First;
                var projects = match.Projects;
                if (match.Pending is { } registration)
                {
                    var pending = registration.PendingProject!;
                    if (await metadata.GetProjectAsync(NormalizedName.Of(pending)) is not null || await store.HasRolesAsync(pending))
                        throw new OidcException($"The pending publisher's project '{pending}' was created by someone else meanwhile.");
                    if (await switches.BlocksAsync(SwitchNames.NoNewProjects) is { } noNew) return Fail(503, "switched-off", noNew);
                    // Checked again at first use: the policy, or what the upstream holds, may have changed since it was set up.
                    if (await store.UserByIdAsync(registration.CreatedBy) is not { } creator
                        || await newProjects.ForUserAsync(pending, creator, http, http.RequestAborted) is { Allowed: false })
                        throw new OidcException($"The pending publisher's project '{pending}' cannot be created: its creator must ask an administrator to grant the name.");
                    await store.ReifyPublisherAsync(registration.Id, pending);
                    await store.SetRoleAsync(pending, registration.CreatedBy, "owner");
                    await events.RecordAsync("project:created-by-publisher", http, registration.CreatedBy, pending, new
                    {
                        publisher = registration.Id, repository = registration.Repository, workflow = registration.Workflow, registered_by = registration.RegisteredBy,
                    });
                    projects = [pending];
                }
                var expires = DateTimeOffset.UtcNow + options.MintedTokenLifetime;
                var (row, secret) = await Tokens.IssueAsync(store, null, false, $"trusted publisher {kind}:{publisher.Repository}",
                    [Macaroons.ProjectsCaveat(projects), Macaroons.ExpiresCaveat(expires)], publisher.Id, DateTimeOffset.UtcNow);
                // In each project's history, with who registered the publisher that let it in.
                foreach (var project in projects)
                {
                    var own = match.Active.FirstOrDefault(p => p.Project == project) ?? publisher;
                    await events.RecordAsync("token:minted", http, null, project, new
                    {
                        token = row.Id, publisher = own.Id, registered_by = own.RegisteredBy, repository = identity["repository"] ?? identity["project_path"],
                        @ref = identity["ref"], sha = identity["sha"], jti,
                    });
                }
                return Results.Json(new { success = true, token = secret, expires = expires.ToUnixTimeSeconds() });
            }
            catch (OidcException ex)
            {
                await events.RecordAsync("token:mint-refused", http, details: new { reason = ex.Message });
                return Fail(422, "invalid-publisher", ex.Message);
            }
        });
    }

    /// <summary>PyPI's error shape, which the publish action prints.</summary>
    private static IResult Fail(int status, string code, string description) =>
        Results.Json(new { message = "Token request failed", errors = new[] { new { code, description } } }, statusCode: status);
}
