using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;
using Moat.Index.Proxy;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.Admin;

/// <summary>One quarantined or blocked proxied file with the gate's stored verdict and findings.</summary>
public sealed record QuarantineEntry(ProxiedFile File, StoredVerdict? Verdict);

/// <summary>
/// Firewall administration shared by <c>moat admin proxy …</c> (on the data directory) and the admin API under
/// <c>/_admin/proxy/</c>: list the quarantine, show a file's findings, release, block, and allowlist projects.
/// A running server sees a release or block on the next download at once and on its pages after the page TTL.
/// </summary>
public sealed class ProxyAdmin(ProxyStore proxy, IMetadataStore store, Action? changed = null)
{
    public async Task<IReadOnlyList<QuarantineEntry>> ListAsync(CancellationToken ct = default)
    {
        var entries = new List<QuarantineEntry>();
        foreach (var file in await proxy.ListBlockedAsync()) entries.Add(new(file, await store.GetVerdictAsync(file.Sha256, ct)));
        return entries;
    }

    public async Task<QuarantineEntry?> ShowAsync(string fileOrSha, CancellationToken ct = default) =>
        await proxy.FindAsync(fileOrSha) is { } file ? new(file, await store.GetVerdictAsync(file.Sha256, ct)) : null;

    public Task<AdminResult> ReleaseAsync(string fileOrSha, string? reason) => OverrideAsync(fileOrSha, ProxyOverride.Released, reason, "Released");

    public Task<AdminResult> BlockAsync(string fileOrSha, string? reason) => OverrideAsync(fileOrSha, ProxyOverride.Blocked, reason, "Blocked");

    private async Task<AdminResult> OverrideAsync(string fileOrSha, ProxyOverride value, string? reason, string verb)
    {
        var file = await proxy.SetOverrideAsync(fileOrSha, value, reason);
        if (file is null) return new(false, $"No proxied file {fileOrSha}.");
        changed?.Invoke();
        return new(true, $"{verb} {file.Filename} ({file.Sha256}).");
    }

    public async Task<AdminResult> AllowAsync(string project, string? reason)
    {
        var name = ProjectName.Normalize(project);
        if (!ProjectName.IsValid(project)) return new(false, $"'{project}' is not a valid project name.");
        await proxy.Allowlist.AllowAsync(name, reason);
        return new(true, $"Allowlisted {name}: its proxied files are served whatever the gate's verdict (verdicts are still recorded).");
    }

    public async Task<AdminResult> DisallowAsync(string project)
    {
        var name = ProjectName.Normalize(project);
        return await proxy.Allowlist.DisallowAsync(name) ? new(true, $"Removed {name} from the allowlist.") : new(false, $"{name} is not allowlisted.");
    }

    public static object Json(QuarantineEntry entry) => new
    {
        filename = entry.File.Filename,
        project = entry.File.Project,
        sha256 = entry.File.Sha256,
        state = ProxiedFileStates.Name(entry.File.State),
        @override = entry.File.Override is { } value ? ProxiedFileStates.Name(value) : null,
        reason = entry.File.Reason,
        decided_at = entry.File.DecidedAt,
        // Every key spelled out in snake_case: the CLI prints this with default names, the API with camelCase.
        verdict = entry.Verdict is not { } v ? null : new { verdict = v.Verdict, action = v.Action, score = v.Score, message = v.Message, findings = JsonDocument.Parse(v.FindingsJson).RootElement },
    };

    /// <summary>
    /// Where proxied files come from, for "proxied from …": the configured upstreams' hosts (a file's row does not
    /// record which proxy fetched it, so with several upstreams all are named).
    /// </summary>
    public static string UpstreamName(RepositoryLayout layout)
    {
        var hosts = layout.Proxies.Select(p => Uri.TryCreate(p.Upstream, UriKind.Absolute, out var uri) ? uri.Authority : p.Upstream)
            .Where(h => h.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return hosts.Count == 0 ? "an upstream" : string.Join(" or ", hosts);
    }

    public sealed record ReasonRequest(string? Reason);

    /// <summary>Maps the firewall's admin API onto the (already admin-authorized) <c>/_admin</c> group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/proxy/quarantine", async (ProxyAdmin ops, CancellationToken ct) => Results.Json((await ops.ListAsync(ct)).Select(Json)));
        admin.MapGet("/proxy/files/{file}", async (string file, ProxyAdmin ops, CancellationToken ct) =>
            await ops.ShowAsync(file, ct) is { } entry ? Results.Json(Json(entry)) : Results.Json(new { error = $"No proxied file {file}." }, statusCode: StatusCodes.Status404NotFound));
        admin.MapPost("/proxy/files/{file}/release", async (string file, ReasonRequest? body, HttpContext http, ProxyAdmin ops, Security.SecurityEvents events) =>
            await AdminEndpoints.Run(RecordedAsync(await ops.ReleaseAsync(file, body?.Reason), "firewall:release", http, events, await ops.ProjectOfAsync(file), ("file", file), ("reason", body?.Reason))));
        admin.MapPost("/proxy/files/{file}/block", async (string file, ReasonRequest? body, HttpContext http, ProxyAdmin ops, Security.SecurityEvents events) =>
            await AdminEndpoints.Run(RecordedAsync(await ops.BlockAsync(file, body?.Reason), "firewall:block", http, events, await ops.ProjectOfAsync(file), ("file", file), ("reason", body?.Reason))));
        admin.MapPut("/proxy/allowlist/{project}", async (string project, ReasonRequest? body, HttpContext http, ProxyAdmin ops, Security.SecurityEvents events) =>
            await AdminEndpoints.Run(RecordedAsync(await ops.AllowAsync(project, body?.Reason), "firewall:allow", http, events, ProjectName.Normalize(project), ("reason", body?.Reason))));
        admin.MapDelete("/proxy/allowlist/{project}", async (string project, HttpContext http, ProxyAdmin ops, Security.SecurityEvents events) =>
            await AdminEndpoints.Run(RecordedAsync(await ops.DisallowAsync(project), "firewall:disallow", http, events, ProjectName.Normalize(project))));
    }

    /// <summary>The project of a proxied file known by filename or sha256, for its event (null when unknown).</summary>
    public async Task<string?> ProjectOfAsync(string fileOrSha) => (await proxy.FindAsync(fileOrSha))?.Project;

    /// <summary>A successful change through the admin API is recorded with the admin token's holder (<see cref="AdminActor"/>), as the web pages record the administrator.</summary>
    private static async Task<AdminResult> RecordedAsync(AdminResult result, string kind, HttpContext http, Security.SecurityEvents events, string? project,
        params (string Key, object? Value)[] details)
    {
        if (!result.Ok) return result;
        var by = AdminActor.Of(http);
        await events.RecordAsync(kind, http, by.UserId, project, by.Details(details));
        return result;
    }
}
