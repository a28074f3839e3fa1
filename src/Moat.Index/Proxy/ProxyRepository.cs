using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Moat.Index.Simple;
using Moat.Index.Storage;
using Moat.Packaging;
using Moat.Index.Metrics;
using static Moat.Index.Metrics.IndexMetrics;
using Moat.Packaging.Distributions;

namespace Moat.Index.Proxy;

/// <summary>
/// What one proxy repository knows about a project: its page, or none because the upstream does not have it
/// (<see cref="Failed"/> false) or because the upstream could not be asked and nothing is cached (<see cref="Failed"/> true;
/// <see cref="Reason"/> says why when a client may be told: the page was over the size limit).
/// A group stops at a failed member rather than asking the next: a later upstream must never answer for an earlier one.
/// </summary>
public readonly record struct PageLookup(UpstreamPage? Page, bool Failed, string? Reason = null)
{
    public static readonly PageLookup Missing = new(null, false);
}

/// <summary>
/// The proxy repository: upstream project pages (cached with a TTL, revalidated with ETag/Last-Modified, served stale
/// when the upstream fails), rendered through <see cref="SimplePages"/> with Moat's own file URLs, minus files the
/// firewall blocked and, with the release-age gate on, files younger than the configured age. Names reserved in
/// configuration are never looked up upstream; names hosted here never reach this class (the group asks the hosted
/// repository first and stops there — see <see cref="SimpleEndpoints"/>).
/// </summary>
public sealed class ProxyRepository(ProxyOptions options, UpstreamClient upstream, ProxyStore store, TimeProvider time, ProxyMetrics metrics, ILogger<ProxyRepository> log)
{
    private sealed record CachedPage(UpstreamPage Page, DateTimeOffset CheckedAt, RenderedPage? Rendered, long StateVersion);

    private readonly ConcurrentDictionary<string, CachedPage> _pages = new(StringComparer.Ordinal);
    // Lazy: GetOrAdd may run its factory on several threads at once and keep one result; a started RefreshAsync
    // that lost that race would still ask the upstream. Only the Lazy that won is ever started.
    private readonly ConcurrentDictionary<string, Lazy<Task<PageLookup>>> _inflight = new(StringComparer.Ordinal);
    private long _stateVersion;

    public ProxyOptions Options => options;
    public string Name => options.Name;
    public ProxyStore Store => store;
    public UpstreamClient Upstream => upstream;

    /// <summary>Forces pages to be re-rendered: a file's firewall state changed.</summary>
    public void StateChanged() => Interlocked.Increment(ref _stateVersion);

    /// <summary>The rendered page of an upstream project, or null (reserved, unknown upstream, or upstream down with nothing cached).</summary>
    public async ValueTask<RenderedPage?> ProjectAsync(string project, CancellationToken ct) => (await LookupAsync(project, ct)).Page;

    /// <summary>The rendered page of an upstream project, or why there is none (<see cref="PageLookup"/>).</summary>
    public async ValueTask<(RenderedPage? Page, bool Failed, string? Reason)> LookupAsync(string project, CancellationToken ct)
    {
        if (!options.Enabled) return (null, false, null);
        if (options.IsReserved(project))
        {
            metrics.Pages.Inc("reserved");
            return (null, false, null);
        }
        var lookup = await PageAsync(project, ct);
        if (lookup.Page is not { } page || !_pages.TryGetValue(project, out var cached)) return (null, lookup.Failed, lookup.Reason);
        var version = Interlocked.Read(ref _stateVersion);
        if (cached.Rendered is { } rendered && cached.StateVersion == version) return (rendered, false, null);
        var fresh = await RenderAsync(page);
        _pages[project] = cached with { Rendered = fresh, StateVersion = version };
        return (fresh, false, null);
    }

    /// <summary>The file behind a Moat file URL in a page this repository already holds in memory (no upstream request).</summary>
    public UpstreamFile? CachedFile(string project, string filename, string sha256) =>
        _pages.TryGetValue(project, out var cached) ? cached.Page.Files.FirstOrDefault(f => f.Filename == filename && f.Sha256 == sha256) : null;

    /// <summary>
    /// The page Moat holds for a project — in memory, else as last saved in proxy.db — without asking the upstream
    /// (the project page in the browser shows what Moat has seen; only installs fetch). Null when it holds none, the
    /// name is reserved, or this proxy is off.
    /// </summary>
    public async Task<UpstreamPage?> CachedPageAsync(string project)
    {
        if (!options.Enabled || options.IsReserved(project)) return null;
        return _pages.TryGetValue(project, out var cached) ? cached.Page : await store.LoadPageAsync(StoreKey(project));
    }

    /// <summary>
    /// The project's release history as this proxy knows it: the upstream's upload times (PEP 700) when its page gives
    /// them, else the time Moat first saw each file (recorded now for files never seen before, so an HTML-only project
    /// counts as new on first sight until it has been around). Null when Moat holds no page of it.
    /// </summary>
    public async Task<Moat.Analysis.Names.ProjectHistory?> HistoryAsync(string project)
    {
        if (await CachedPageAsync(project) is not { } page) return null;
        var files = page.Files.Select(f => (File: f, Version: DistributionInspector.ParseFilename(f.Filename, out _)?.Version.ToString())).Where(f => f.Version is not null).ToList();
        if (files.Any(f => f.File.UploadTime is not null))
            return Moat.Analysis.Names.ProjectHistory.From(files.Select(f => (f.Version!, f.File.UploadTime)), Moat.Analysis.Names.HistorySource.UploadTimes);
        var shas = files.Select(f => f.File.Sha256).OfType<string>().Distinct().ToList();
        if (shas.Count == 0) return null;
        var seen = await store.FirstSeenAsync(shas, time.GetUtcNow());
        return Moat.Analysis.Names.ProjectHistory.From(
            files.Select(f => (f.Version!, f.File.Sha256 is { } sha && seen.TryGetValue(sha, out var at) ? at : (DateTimeOffset?)null)), Moat.Analysis.Names.HistorySource.FirstSeen);
    }

    /// <summary>When this proxy last fetched the project's page from its upstream (null: never, or not kept).</summary>
    public Task<DateTimeOffset?> PageFetchedAtAsync(string project) => store.PageFetchedAtAsync(StoreKey(project));

    /// <summary>The upstream page of a project (cached, revalidated, or stale when the upstream fails).</summary>
    public async Task<PageLookup> PageAsync(string project, CancellationToken ct)
    {
        if (_pages.TryGetValue(project, out var cached) && time.GetUtcNow() - cached.CheckedAt < options.PageTtl)
        {
            metrics.Pages.Inc("fresh");
            return new(cached.Page, false);
        }
        // One upstream request per project at a time, however many clients ask.
        var lazy = _inflight.GetOrAdd(project, p => new Lazy<Task<PageLookup>>(() => RefreshAsync(p)));
        try
        {
            return await lazy.Value.WaitAsync(ct);
        }
        finally
        {
            if (lazy.Value.IsCompleted) _inflight.TryRemove(new KeyValuePair<string, Lazy<Task<PageLookup>>>(project, lazy));
        }
    }

    private async Task<PageLookup> RefreshAsync(string project)
    {
        await Task.Yield();
        // Checked again here: a request that saw no fresh page just before another refresh finished, and then found
        // that refresh already gone from _inflight, must not ask the upstream a second time.
        if (_pages.TryGetValue(project, out var justFetched) && time.GetUtcNow() - justFetched.CheckedAt < options.PageTtl)
            return new(justFetched.Page, false);
        var known = _pages.TryGetValue(project, out var cached) ? cached.Page : await store.LoadPageAsync(StoreKey(project));
        var result = await upstream.GetProjectAsync(project, known, CancellationToken.None);
        var now = time.GetUtcNow();
        switch (result.Status)
        {
            case UpstreamStatus.Fetched:
                metrics.Pages.Inc("fetched");
                var page = await WithFirstSeenAsync(result.Page!);
                await store.SavePageAsync(StoreKey(project), page);
                _pages[project] = new CachedPage(page, now, null, -1);
                return new(page, false);
            case UpstreamStatus.NotModified:
                metrics.Pages.Inc("revalidated");
                // Re-rendered once per TTL even when unchanged upstream: the release-age gate lets files in as they age.
                var same = await WithFirstSeenAsync(known!); // the gate may have been turned on since the page was fetched
                _pages[project] = cached is not null ? cached with { Page = same, CheckedAt = now, Rendered = null } : new CachedPage(same, now, null, -1);
                return new(same, false);
            case UpstreamStatus.NotFound:
                metrics.Pages.Inc("not-found");
                _pages.TryRemove(project, out _);
                return PageLookup.Missing;
            default:
                if (known is null)
                {
                    metrics.Pages.Inc(result.Status == UpstreamStatus.TooLarge ? "too-large" : "failed");
                    log.LogWarning("Upstream {Repository} unavailable for {Project} and nothing cached: {Error}", Name, project, result.Error);
                    // The size limit is Moat's own refusal and names no URL: the client may read it.
                    return new(null, true, result.Status == UpstreamStatus.TooLarge ? result.Error : null);
                }
                metrics.Pages.Inc("stale");
                log.LogWarning("Upstream {Repository} unavailable for {Project}; serving the cached page: {Error}", Name, project, result.Error);
                // Try again after a short pause rather than on every request while the upstream is down.
                var retryAt = now - options.PageTtl + TimeSpan.FromSeconds(Math.Min(30, options.PageTtl.TotalSeconds));
                _pages[project] = cached is not null ? cached with { CheckedAt = retryAt } : new CachedPage(known, retryAt, null, -1);
                return new(known, false);
        }
    }

    /// <summary>Pages of different upstreams are kept apart in proxy.db: the same name may be two different projects.</summary>
    private string StoreKey(string project) => Name + "/" + project;

    /// <summary>
    /// With the release-age gate on and <c>unknown-upload-time = "first-seen"</c>, files whose page gives no upload
    /// time (every PEP 503 HTML page) get the time Moat first saw them on the upstream, kept in proxy.db so a restart
    /// does not make old files young or young files old.
    /// </summary>
    private async Task<UpstreamPage> WithFirstSeenAsync(UpstreamPage page)
    {
        if (options.MinReleaseAge <= TimeSpan.Zero || options.UnknownUploadTime != UnknownUploadTime.FirstSeen) return page;
        var unknown = page.Files.Where(f => f.UploadTime is null && f.FirstSeen is null && f.Sha256 is not null).Select(f => f.Sha256!).ToList();
        if (unknown.Count == 0) return page;
        var seen = await store.FirstSeenAsync(unknown, time.GetUtcNow());
        return page with { Files = [.. page.Files.Select(f => f.UploadTime is null && f.Sha256 is { } sha && seen.TryGetValue(sha, out var at) ? f with { FirstSeen = at } : f)] };
    }

    /// <summary>
    /// Whether the release-age gate hides a file: it is younger than the configured age. Its age is its upstream
    /// <c>upload-time</c>; when the page gives none, <see cref="ProxyOptions.UnknownUploadTime"/> decides: the time Moat
    /// first saw it (a file with no such record is treated as new), always hidden, or let through.
    /// </summary>
    public bool TooYoung(UpstreamFile file) => options.MinReleaseAge > TimeSpan.Zero && AgeOf(file) is var age && (age is null || age < options.MinReleaseAge);

    /// <summary>The file's age as the gate counts it; null when unknown and the gate must hide it (never called with the gate off).</summary>
    private TimeSpan? AgeOf(UpstreamFile file) => (file.UploadTime, options.UnknownUploadTime) switch
    {
        ({ } uploaded, _) => time.GetUtcNow() - uploaded,
        (null, UnknownUploadTime.Allow) => TimeSpan.MaxValue,
        (null, UnknownUploadTime.FirstSeen) when file.FirstSeen is { } seen => time.GetUtcNow() - seen,
        _ => null,
    };

    /// <summary>Why the gate hides a file, for the 403 pip prints.</summary>
    public string ReleaseAgeRefusal(UpstreamFile file)
    {
        var hours = $"{options.MinReleaseAge.TotalHours:0.#} hours";
        return file.UploadTime is { } uploaded
            ? $"{file.Filename} is blocked by Moat: released {uploaded:u}, younger than the release-age gate ({hours})"
            : file.FirstSeen is { } seen && options.UnknownUploadTime == UnknownUploadTime.FirstSeen
                ? $"{file.Filename} is blocked by Moat: the upstream gives no upload time and Moat first saw it {seen:u}, younger than the release-age gate ({hours})"
                : $"{file.Filename} is blocked by Moat: the upstream gives no upload time, so the release-age gate ({hours}) cannot clear it";
    }

    /// <summary>The files of a page a client may be offered: a verifiable sha256, a filename Moat understands, old enough.</summary>
    public static FileRecord? ToRecord(string project, UpstreamFile file)
    {
        if (file.Sha256 is null || DistributionInspector.ParseFilename(file.Filename, out _) is not { } parsed) return null;
        return new FileRecord(file.Filename, project, parsed.Version.ToString(), parsed.PackageType, null, file.RequiresPython, file.Sha256, null, "",
            file.Size ?? 0, file.UploadTime ?? default, file.CoreMetadataSha256, file.Yanked, file.YankedReason, FileState.Available, null, null, null)
        {
            UpstreamProvenanceUrl = file.ProvenanceUrl,
        };
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
        var page = (await PageAsync(project, ct)).Page;
        return page?.Files.FirstOrDefault(f => f.Filename == filename && f.Sha256 == sha256);
    }
}
