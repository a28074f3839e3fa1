using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Errors;
using Moat.Index.Security;
using Moat.Index.Simple;
using Moat.Index.Storage;
using Moat.Packaging.Versions;
using Moat.Packaging;

namespace Moat.Index.Projects;

/// <summary>
/// A project owner yanks or un-yanks a release from the web (PEP 592: installers skip a yanked release unless it is
/// pinned exactly), recorded as <c>release:yank</c> / <c>release:unyank</c> with the version and reason. The caller
/// has checked ownership (<c>AccountService.RequireOwnerAsync</c>); administrators use <c>IndexAdmin</c>.
/// </summary>
public sealed class OwnerYanks(IMetadataStore store, SecurityEvents events, SimplePageCache cache)
{
    public async Task<string> SetAsync(SignedIn s, string project, string version, bool yank, string? reason, HttpContext http)
    {
        // Files store the normalized version (1.0.0 and 1.0 differ as text): normalize what the form sent too.
        if (PackageVersion.TryParse(version, out var parsed)) version = parsed.ToString();
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        var changed = await store.SetYankedAsync(NormalizedName.Of(project), version, yank, yank ? reason ?? "" : null, http.RequestAborted);
        if (changed == 0) throw new AccountRefusal(IndexError.NotFound, $"{project} has no release {version}.");
        cache.Invalidate(project);
        await events.RecordAsync(yank ? "release:yank" : "release:unyank", http, s.User.Id, project, new { version, reason });
        return yank ? $"Yanked {project} {version}: pip skips it unless it is pinned exactly." : $"{project} {version} is no longer yanked.";
    }
}
