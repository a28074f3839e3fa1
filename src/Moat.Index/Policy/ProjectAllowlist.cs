using Moat.Index.Storage;

namespace Moat.Index.Policy;

/// <summary>
/// Projects an admin vouched for (<c>moat admin proxy allow</c>): their files are served whatever the gate, the name
/// check or the advisories say (verdicts are still recorded). The <c>allowlist</c> table sits in the proxy's database,
/// created by <c>ProxyStore</c>'s migrations; this class is all that reads or writes it.
/// </summary>
public sealed class ProjectAllowlist(Database database, TimeProvider time)
{
    public Task AllowAsync(string project, string? reason) => database.ExecuteAsync(
        "INSERT INTO allowlist (project, reason, added_at) VALUES (@project, @reason, @t) ON CONFLICT (project) DO UPDATE SET reason = excluded.reason",
        new { project, reason, t = StoredTimes.Milliseconds(time.GetUtcNow()) });

    public async Task<bool> DisallowAsync(string project) => await database.ExecuteAsync("DELETE FROM allowlist WHERE project = @project", new { project }) > 0;

    public async Task<bool> IsAllowedAsync(string project) =>
        await database.ScalarAsync<long>("SELECT COUNT(*) FROM allowlist WHERE project = @project", new { project }) > 0;
}
