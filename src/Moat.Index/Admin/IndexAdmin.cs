using Moat.Index.Auth;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.Admin;

/// <summary>The result of an admin operation: success, or why not (no such project, file, release…).</summary>
public sealed record AdminResult(bool Ok, string Message);

/// <summary>
/// Admin operations shared by the <c>moat admin</c> commands (run against the data directory) and the admin JSON
/// API (run by the server): yank/unyank, project status, file deletion, tokens.
/// </summary>
public sealed class IndexAdmin(IMetadataStore store, Action<string>? invalidate = null)
{
    public async Task<AdminResult> YankAsync(string project, string version, bool yank, string? reason, CancellationToken ct = default)
    {
        var name = ProjectName.Normalize(project);
        // Files store the normalized version (1.0 and 1.0.0 differ as text): normalize what the admin typed too.
        if (Moat.Packaging.Versions.PackageVersion.TryParse(version, out var parsed)) version = parsed.ToString();
        var changed = await store.SetYankedAsync(name, version, yank, reason, ct);
        if (changed == 0) return new(false, $"No files of {name} {version}.");
        invalidate?.Invoke(name);
        return new(true, $"{(yank ? "Yanked" : "Unyanked")} {name} {version} ({changed} file{(changed == 1 ? "" : "s")}).");
    }

    public async Task<AdminResult> SetStatusAsync(string project, string status, string? reason, CancellationToken ct = default)
    {
        if (!ProjectStatusNames.TryParse(status, out var parsed)) return new(false, $"Unknown status '{status}': active, archived, quarantined or deprecated.");
        var name = ProjectName.Normalize(project);
        if (!await store.SetProjectStatusAsync(name, parsed, string.IsNullOrWhiteSpace(reason) ? null : reason, ct)) return new(false, $"No project {name}.");
        invalidate?.Invoke(name);
        return new(true, $"{name} is now {ProjectStatusNames.Of(parsed)}.");
    }

    public async Task<AdminResult> DeleteFileAsync(string filename, CancellationToken ct = default)
    {
        var file = await store.GetFileAsync(filename, ct);
        if (file is null || !await store.DeleteFileAsync(filename, ct)) return new(false, $"No file {filename}.");
        invalidate?.Invoke(file.Project);
        return new(true, $"Deleted {filename}; the filename cannot be reused.");
    }

    public async Task<(AdminResult Result, string? Secret, TokenRecord? Token)> CreateTokenAsync(string? project, bool admin, string? description, CancellationToken ct = default)
    {
        if (project is null && !admin) return (new(false, "Give --project NAME for an upload token, or --admin for an admin token."), null, null);
        if (project is not null && !ProjectName.IsValid(project)) return (new(false, $"'{project}' is not a valid project name."), null, null);
        var (token, secret) = await Tokens.CreateAsync(store, project is null ? null : ProjectName.Normalize(project), admin, description, ct);
        var scope = admin ? "admin (all projects)" : $"project {token.Project}";
        return (new(true, $"Created token {token.Id} for {scope}."), secret, token);
    }

    public async Task<AdminResult> RevokeTokenAsync(string id, CancellationToken ct = default) =>
        await store.RevokeTokenAsync(id, ct) ? new(true, $"Revoked token {id}.") : new(false, $"No live token {id}.");
}
