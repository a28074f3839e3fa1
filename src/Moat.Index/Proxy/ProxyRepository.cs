using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Moat.Index.Simple;
using Moat.Index.Storage;
using Moat.Index.Upload;
using Moat.Packaging;
using static Moat.Index.Hosting.IndexMetrics;

namespace Moat.Index.Proxy;

/// <summary>The proxy's Prometheus series (rendered with the index's at <c>/metrics</c>).</summary>
public static class ProxyMetrics
{
    public static readonly LabeledCounter Pages = new("moat_proxy_pages_total", "Upstream project page lookups by result (fresh, fetched, revalidated, not-found, stale, failed, reserved).", "result");
    public static readonly LabeledCounter Downloads = new("moat_proxy_downloads_total", "Upstream file downloads by result (verified, hash-mismatch, failed).", "result");
    public static readonly LabeledCounter Decisions = new("moat_proxy_decisions_total", "Firewall decisions on proxied files by state.", "state");

    public static IEnumerable<IMetric> All => [Pages, Downloads, Decisions];
}

/// <summary>
/// The proxy repository: upstream project pages (cached with a TTL, revalidated with ETag/Last-Modified, served stale
/// when the upstream fails), rendered through <see cref="SimplePages"/> with Moat's own file URLs, minus files the
/// firewall blocked and, with the release-age gate on, files younger than the configured age. Names reserved in
/// configuration are never looked up upstream; names hosted here never reach this class (the group asks the hosted
/// repository first and stops there — see <see cref="Simple.SimpleEndpoints"/>).
/// </summary>
public sealed class ProxyRepository(ProxyOptions options, UpstreamClient upstream, ProxyStore store, TimeProvider time, ILogger<ProxyRepository> log)
{
    private sealed record CachedPage(UpstreamPage Page, DateTimeOffset CheckedAt, RenderedPage? Rendered, long StateVersion);

    private readonly ConcurrentDictionary<string, CachedPage> _pages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<UpstreamPage?>> _inflight = new(StringComparer.Ordinal);
    private long _stateVersion;

    public ProxyOptions Options => options;
    public ProxyStore Store => store;
    public UpstreamClient Upstream => upstream;

    /// <summary>Forces pages to be re-rendered: a file's firewall state changed.</summary>
    public void StateChanged() => Interlocked.Increment(ref _stateVersion);

    /// <summary>The rendered page of an upstream project, or null (reserved, unknown upstream, or upstream down with nothing cached).</summary>
    public async ValueTask<RenderedPage?> ProjectAsync(string project, CancellationToken ct)
    {
        if (!options.Enabled) return null;
        if (options.IsReserved(project))
        {
            ProxyMetrics.Pages.Inc("reserved");
            return null;
        }
        var page = await PageAsync(project, ct);
        if (page is null || !_pages.TryGetValue(project, out var cached)) return null;
        var version = Interlocked.Read(ref _stateVersion);
        if (cached.Rendered is { } rendered && cached.StateVersion == version) return rendered;
        var fresh = await RenderAsync(page);
        _pages[project] = cached with { Rendered = fresh, StateVersion = version };
        return fresh;
    }

    /// <summary>The upstream page of a project (cached, revalidated, or stale when the upstream fails).</summary>
    public async Task<UpstreamPage?> PageAsync(string project, CancellationToken ct)
    {
        if (_pages.TryGetValue(project, out var cached) && time.GetUtcNow() - cached.CheckedAt < options.PageTtl)
        {
            ProxyMetrics.Pages.Inc("fresh");
            return cached.Page;
        }
        // One upstream request per project at a time, however many clients ask.
        var task = _inflight.GetOrAdd(project, p => RefreshAsync(p));
        try
        {
            return await task.WaitAsync(ct);
        }
        finally
        {
            if (task.IsCompleted) _inflight.TryRemove(new KeyValuePair<string, Task<UpstreamPage?>>(project, task));
        }
    }

    private async Task<UpstreamPage?> RefreshAsync(string project)
    {
        await Task.Yield();
        var known = _pages.TryGetValue(project, out var cached) ? cached.Page : await store.LoadPageAsync(project);
        var result = await upstream.GetProjectAsync(project, known, CancellationToken.None);
        var now = time.GetUtcNow();
        switch (result.Status)
        {
            case UpstreamStatus.Fetched:
                ProxyMetrics.Pages.Inc("fetched");
                await store.SavePageAsync(result.Page!);
                _pages[project] = new CachedPage(result.Page!, now, null, -1);
                return result.Page;
            case UpstreamStatus.NotModified:
                ProxyMetrics.Pages.Inc("revalidated");
                // Re-rendered once per TTL even when unchanged upstream: the release-age gate lets files in as they age.
                _pages[project] = cached is not null ? cached with { CheckedAt = now, Rendered = null } : new CachedPage(known!, now, null, -1);
                return known;
            case UpstreamStatus.NotFound:
                ProxyMetrics.Pages.Inc("not-found");
                _pages.TryRemove(project, out _);
                return null;
            default:
                if (known is null)
                {
                    ProxyMetrics.Pages.Inc("failed");
                    log.LogWarning("Upstream unavailable for {Project} and nothing cached: {Error}", project, result.Error);
                    return null;
                }
                ProxyMetrics.Pages.Inc("stale");
                log.LogWarning("Upstream unavailable for {Project}; serving the cached page: {Error}", project, result.Error);
                // Try again after a short pause rather than on every request while the upstream is down.
                var retryAt = now - options.PageTtl + TimeSpan.FromSeconds(Math.Min(30, options.PageTtl.TotalSeconds));
                _pages[project] = cached is not null ? cached with { CheckedAt = retryAt } : new CachedPage(known, retryAt, null, -1);
                return known;
        }
    }

    /// <summary>Whether the release-age gate hides a file: it is younger than the configured age (unknown upload times pass: HTML pages carry none).</summary>
    public bool TooYoung(UpstreamFile file) =>
        options.MinReleaseAge > TimeSpan.Zero && file.UploadTime is { } uploaded && time.GetUtcNow() - uploaded < options.MinReleaseAge;

    /// <summary>The files of a page a client may be offered: a verifiable sha256, a filename Moat understands, old enough.</summary>
    public static FileRecord? ToRecord(string project, UpstreamFile file)
    {
        if (file.Sha256 is null || DistributionInspector.ParseFilename(file.Filename, out _) is not { } parsed) return null;
        return new FileRecord(file.Filename, project, parsed.Version.ToString(), parsed.PackageType, null, file.RequiresPython, file.Sha256, null, "",
            file.Size ?? 0, file.UploadTime ?? default, file.CoreMetadataSha256, file.Yanked, file.YankedReason, FileState.Available, null, null, null);
    }

    private async Task<RenderedPage> RenderAsync(UpstreamPage page)
    {
        var blocked = await store.BlockedShasAsync(page.Project);
        var files = new List<FileRecord>();
        foreach (var file in page.Files)
        {
            if (ToRecord(page.Project, file) is not { } record || TooYoung(file) || blocked.Contains(record.Sha256)) continue;
            files.Add(record);
        }
        var listing = new ProjectListing(new ProjectRecord(page.Project, page.Project, ProjectStatus.Active, null, 0, default), files);
        var html = SimplePages.ProjectHtml(listing);
        var json = SimplePages.ProjectJson(listing);
        return new RenderedPage(0, html, RenderedPage.ETagOf(html), json, RenderedPage.ETagOf(json), time.GetTimestamp());
    }

    /// <summary>The upstream file behind a Moat file URL, or null when the current page does not list exactly that filename and sha256.</summary>
    public async Task<UpstreamFile?> FindFileAsync(string filename, string sha256, CancellationToken ct)
    {
        if (!options.Enabled || DistributionInspector.ParseFilename(filename, out _) is not { } parsed) return null;
        var project = ProjectName.Normalize(parsed.Name);
        if (options.IsReserved(project)) return null;
        var page = await PageAsync(project, ct);
        return page?.Files.FirstOrDefault(f => f.Filename == filename && f.Sha256 == sha256);
    }
}
