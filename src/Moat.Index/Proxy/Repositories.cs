using Moat.Packaging;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Moat.Analysis;
using Moat.Analysis.Names;
using Moat.Index.Simple;
using Moat.Index.Storage;

namespace Moat.Index.Proxy;

/// <summary>What a repository answers for a project: a page, or a status with the reason (404 has none).</summary>
public sealed record Resolution(RenderedPage? Page, int Status = StatusCodes.Status200OK, string? Reason = null)
{
    public static readonly Resolution NotFound = new(null, StatusCodes.Status404NotFound);
}

/// <summary>
/// The configured repositories at run time: the hosted store's pages, one <see cref="ProxyRepository"/> per proxy, and
/// group resolution as <see cref="RepositoryLayout"/> documents it (hosted wins; reserved names never go upstream;
/// otherwise the first proxy that has the project; a failing proxy stops the group).
/// </summary>
public sealed class Repositories(RepositoryLayout layout, IReadOnlyList<ProxyRepository> proxies, SimplePageCache hosted, IMetadataStore store, LookalikeGuard lookalikes)
{
    private readonly Dictionary<string, ProxyRepository> _byName = proxies.ToDictionary(p => p.Name, StringComparer.Ordinal);

    public RepositoryLayout Layout => layout;
    public IReadOnlyList<ProxyRepository> Proxies => proxies;

    /// <summary>Every proxy re-renders its pages: a file's firewall state (which is per sha256, shared by all) changed.</summary>
    public void StateChanged()
    {
        foreach (var proxy in proxies) proxy.StateChanged();
    }

    /// <summary>
    /// Resolves <paramref name="project"/> (normalized) in repository <paramref name="repository"/>.
    /// <paramref name="forPip"/>: pip logs an index page's error only at debug level, so for pip a lookalike's page
    /// is served and its downloads refused with the reason (which pip does print); everyone else gets the 403 here.
    /// </summary>
    public async ValueTask<Resolution> ProjectAsync(string repository, string project, bool forPip, CancellationToken ct)
    {
        if (layout.Find(repository) is null) return Resolution.NotFound;
        if (layout.IncludesHosted(repository))
        {
            if (await hosted.ProjectAsync(project, ct) is { } page) return new(page);
        }
        else if (await store.GetProjectAsync(NormalizedName.Of(project), ct) is not null)
        {
            return Resolution.NotFound; // a hosted name is never resolved from an upstream, even in a group without the hosted repository
        }
        var order = layout.ProxyOrder(repository);
        if (order.Count == 0) return Resolution.NotFound;
        foreach (var name in order)
        {
            var (page, failed, reason) = await _byName[name].LookupAsync(project, ct);
            // A lookalike is judged with the history its upstream page shows (established projects pass, new ones not).
            if (page is not null && !forPip && await lookalikes.RefusalAsync(project, await _byName[name].HistoryAsync(project)) is { } refusal)
                return new(null, StatusCodes.Status403Forbidden, refusal);
            if (page is not null) return new(page);
            if (failed)
                return new(null, StatusCodes.Status502BadGateway,
                    $"Moat {(reason is null ? $"cannot reach upstream '{name}' for {project}" : $"refused {reason}")} and has no cached copy; " +
                    $"later repositories of the group are not asked, since they must not answer for '{name}'");
        }
        return Resolution.NotFound;
    }

    /// <summary>The root listing (<c>/simple/</c>): the hosted projects when the repository includes the hosted one (an upstream's full list is not proxied).</summary>
    public async ValueTask<RenderedPage?> RootAsync(string repository, CancellationToken ct) =>
        layout.Find(repository) is null ? null : layout.IncludesHosted(repository) ? await hosted.RootAsync(ct) : EmptyRoot.Value;

    private static readonly Lazy<RenderedPage> EmptyRoot = new(() =>
    {
        var html = SimplePages.RootHtml([]);
        var json = SimplePages.RootJson([], 0);
        return new RenderedPage(0, html, RenderedPage.ETagOf(html), json, RenderedPage.ETagOf(json), 0);
    });

    /// <summary>
    /// The proxy whose current page lists exactly this file, and the file: first the pages already in memory (no
    /// upstream request), then each proxy in the root group's order, then any other proxy.
    /// </summary>
    public async Task<(ProxyRepository Proxy, UpstreamFile File)?> FindFileAsync(string project, string filename, string sha256, CancellationToken ct)
    {
        var ordered = layout.ProxyOrder(layout.Root).Select(n => _byName[n]).Concat(proxies).Distinct().ToList();
        foreach (var proxy in ordered)
        {
            if (proxy.CachedFile(project, filename, sha256) is { } cached) return (proxy, cached);
        }
        foreach (var proxy in ordered)
        {
            if (await proxy.FindFileAsync(filename, sha256, ct) is { } file) return (proxy, file);
        }
        return null;
    }
}

/// <summary>
/// Refuses upstream projects whose NAME imitates a popular project unless an admin allowlisted it, weighing the
/// project's history (<see cref="Policy.NameCheck.LookalikeReason"/>): an established project is never refused, a new one
/// that imitates a top-1,000 name is. The same rule <see cref="Policy.NameCheck"/> applies to every file; this applies
/// it at the door, before any file of the project is fetched.
/// </summary>
public sealed class LookalikeGuard(Policy.ProjectAllowlist allowlist, TimeProvider time)
{
    /// <summary>Why <paramref name="project"/> is refused (naming <paramref name="subject"/>, the project or one of its files), or null.</summary>
    public async ValueTask<string?> RefusalAsync(string project, ProjectHistory? history, string? subject = null)
    {
        if (Policy.NameCheck.LookalikeReason(project, history, time.GetUtcNow()) is not { } reason || await allowlist.IsAllowedAsync(project)) return null;
        return "Blocked by Moat: " + Policy.NameCheck.LookalikeRefusal(subject ?? "project " + project, project, reason);
    }
}
