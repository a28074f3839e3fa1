using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;
using Moat.Index.Auth;
using Moat.Index.Errors;
using Moat.Index.Publishing;
using Moat.Index.Security;
using Moat.Index.Storage;

namespace Moat.Index.Admin;

/// <summary>One hosted upload the gate quarantined (or an admin blocked), with the gate's verdict and who uploaded it.</summary>
public sealed record HostedQuarantineEntry(FileRecord File, StoredVerdict? Verdict, string Uploader);

/// <summary>
/// The firewall's review of HOSTED uploads (the proxied ones are <see cref="ProxyAdmin"/>'s): list what the
/// upload gate quarantined, show a file's verdict and findings, release it or block it for good. Shared by
/// <c>moat admin hosted …</c>, the admin API under <c>/_admin/quarantine</c> and <c>/_admin/files/{filename}/…</c>,
/// and the <c>/firewall</c> pages. Every decision needs a reason and is recorded as a security event naming the
/// administrator (<c>firewall:release</c> / <c>firewall:block</c>, like the proxied ones, with <c>origin: uploaded</c>).
/// </summary>
public sealed class HostedQuarantine(IMetadataStore store, AccountStore accounts, SecurityEvents events, Action<string>? invalidate = null)
{
    public async Task<IReadOnlyList<HostedQuarantineEntry>> ListAsync(CancellationToken ct = default)
    {
        var entries = new List<HostedQuarantineEntry>();
        var uploaders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in await store.GetHeldFilesAsync(ct))
            entries.Add(new(file, await store.GetVerdictAsync(file.Sha256, ct), await UploaderAsync(file, uploaders)));
        return entries;
    }

    /// <summary>A held (quarantined or blocked) hosted file by filename; null for any other file, so the review pages never show a served one.</summary>
    public async Task<HostedQuarantineEntry?> ShowAsync(string filename, CancellationToken ct = default) =>
        await store.GetFileAsync(filename, ct) is { State: not (FileState.Available or FileState.Staged) } file
            ? new(file, await store.GetVerdictAsync(file.Sha256, ct), await UploaderAsync(file, null))
            : null;

    /// <summary>
    /// Makes a quarantined upload available. It becomes available even when the project requires release approval
    /// (not staged): release approval asks a second person who is not the uploader to look at a release before it is
    /// installable, and an administrator who read the gate's findings and released the file with a recorded reason
    /// is that second person (an admin may approve any staged release for the same reason). Other files of the same
    /// version keep their own state: staged siblings still wait for approval.
    /// </summary>
    public Task<ReviewOutcome> ReleaseAsync(string filename, string? reason, AdminActor by, CancellationToken ct = default) =>
        DecideAsync(filename, reason, by, FileState.Available, "release", "Released", ct);

    /// <summary>
    /// Blocks a quarantined upload for good: it stays hidden (the file route answers 403 with the reason), a blocked
    /// file can never be released, and its filename can never be uploaded again, not even with the same content.
    /// </summary>
    public Task<ReviewOutcome> BlockAsync(string filename, string? reason, AdminActor by, CancellationToken ct = default) =>
        DecideAsync(filename, reason, by, FileState.Blocked, "block", "Blocked", ct);

    private async Task<ReviewOutcome> DecideAsync(string filename, string? reason, AdminActor by, FileState to, string action, string verb, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason)) return new(IndexError.Invalid, $"Give a reason to {action} {filename}.");
        reason = reason.Trim();
        var file = await store.GetFileAsync(filename, ct);
        if (file is null) return new(IndexError.NotFound, $"No uploaded file {filename}.");
        // Only the gate's quarantine is reviewable: a blocked file stays blocked, and an available or staged one is yanked, deleted or approved instead.
        if (file.State != FileState.Quarantined || !await store.ChangeFileStateAsync(filename, FileState.Quarantined, to, reason, ct))
            return new(IndexError.Conflict, $"{filename} is {FileStateNames.Of((await store.GetFileAsync(filename, ct))?.State ?? file.State)}, not quarantined: nothing to {action}.");
        invalidate?.Invoke(file.Project);
        await events.RecordAsync($"firewall:{action}", by.Http, by.UserId, file.Project, new
        {
            file = file.Filename, sha256 = file.Sha256, origin = "uploaded", uploaded_by = file.UploadedBy, reason, by = by.Name,
        });
        return new(null, to == FileState.Available
            ? $"Released {file.Filename} ({file.Sha256}): it is installable now."
            : $"Blocked {file.Filename} ({file.Sha256}): it stays hidden and its filename cannot be reused.");
    }

    /// <summary>Who uploaded, as the project page says it (<see cref="Upload.Uploaders"/>): recorded with the file, else resolved from its token id.</summary>
    private async Task<string> UploaderAsync(FileRecord file, Dictionary<string, string>? seen)
    {
        if (file.Uploader is { } recorded) return recorded;
        if (file.UploadedBy is not { } tokenId) return "unknown";
        if (seen is not null && seen.TryGetValue(tokenId, out var known)) return known;
        var name = await Upload.Uploaders.ResolveAsync(accounts, tokenId) ?? "unknown";
        if (seen is not null) seen[tokenId] = name;
        return name;
    }

    public static object Json(HostedQuarantineEntry entry) => new
    {
        filename = entry.File.Filename,
        project = entry.File.Project,
        version = entry.File.Version,
        sha256 = entry.File.Sha256,
        origin = "uploaded",
        uploaded_by = entry.Uploader,
        uploaded_at = entry.File.UploadTime,
        state = FileStateNames.Of(entry.File.State),
        reason = entry.File.StateReason,
        // Every key spelled out in snake_case: the CLI prints this with default names, the API with camelCase.
        verdict = entry.Verdict is not { } v ? null : new { verdict = v.Verdict, action = v.Action, score = v.Score, message = v.Message, findings = JsonDocument.Parse(v.FindingsJson).RootElement },
    };

    /// <summary>Maps the hosted quarantine onto the (already admin-authorized) <c>/_admin</c> group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/quarantine", async (HostedQuarantine ops, CancellationToken ct) => Results.Json((await ops.ListAsync(ct)).Select(Json)));
        admin.MapGet("/files/{filename}", async (string filename, HostedQuarantine ops, CancellationToken ct) =>
            await ops.ShowAsync(filename, ct) is { } entry ? Results.Json(Json(entry))
                : Results.Json(new { error = $"No quarantined or blocked upload {filename}." }, statusCode: StatusCodes.Status404NotFound));
        admin.MapPost("/files/{filename}/release", async (string filename, ProxyAdmin.ReasonRequest? body, HttpContext http, HostedQuarantine ops) =>
            (await ops.ReleaseAsync(filename, body?.Reason, AdminActor.Of(http), http.RequestAborted)).Result());
        admin.MapPost("/files/{filename}/block", async (string filename, ProxyAdmin.ReasonRequest? body, HttpContext http, HostedQuarantine ops) =>
            (await ops.BlockAsync(filename, body?.Reason, AdminActor.Of(http), http.RequestAborted)).Result());
    }
}
