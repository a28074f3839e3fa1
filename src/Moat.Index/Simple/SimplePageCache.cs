using System.Collections.Concurrent;
using System.Security.Cryptography;
using Moat.Index.Storage;

namespace Moat.Index.Simple;

/// <summary>One rendered page in both serialisations, with strong ETags from the bytes themselves.</summary>
public sealed record RenderedPage(long Serial, byte[] Html, string HtmlETag, byte[] Json, string JsonETag, long CheckedAt)
{
    public (byte[] Body, string ETag) For(SimpleFormat format) => format == SimpleFormat.Json ? (Json, JsonETag) : (Html, HtmlETag);

    public static string ETagOf(byte[] body) => "\"" + Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 16)) + "\"";
}

/// <summary>
/// Rendered simple pages keyed by project, each valid for its serial. Writes through this process invalidate at
/// once; writes from elsewhere (an admin command on the same database, another node) are noticed by re-reading the
/// serial — one indexed read — once the page is older than <c>revalidateAfter</c>. Rendering happens once per change,
/// not per request.
/// </summary>
public sealed class SimplePageCache(IMetadataStore store, TimeProvider time, TimeSpan revalidateAfter)
{
    private readonly ConcurrentDictionary<string, RenderedPage> _projects = new(StringComparer.Ordinal);
    private RenderedPage? _root;
    private readonly long _revalidateTicks = (long)(revalidateAfter.TotalSeconds * TimeProvider.System.TimestampFrequency);

    public void Invalidate(string project)
    {
        _projects.TryRemove(project, out _);
        _root = null;
    }

    public async ValueTask<RenderedPage?> ProjectAsync(string name, CancellationToken ct)
    {
        var now = time.GetTimestamp();
        if (_projects.TryGetValue(name, out var cached))
        {
            if (now - cached.CheckedAt < _revalidateTicks) return cached;
            var serial = await store.GetProjectSerialAsync(name, ct);
            if (serial == cached.Serial)
            {
                var refreshed = cached with { CheckedAt = now };
                _projects[name] = refreshed;
                return refreshed;
            }
        }
        var listing = await store.GetListingAsync(name, ct);
        if (listing is null)
        {
            _projects.TryRemove(name, out _);
            return null;
        }
        var html = SimplePages.ProjectHtml(listing);
        var json = SimplePages.ProjectJson(listing);
        var page = new RenderedPage(listing.Project.LastSerial, html, RenderedPage.ETagOf(html), json, RenderedPage.ETagOf(json), now);
        _projects[name] = page;
        return page;
    }

    public async ValueTask<RenderedPage> RootAsync(CancellationToken ct)
    {
        var now = time.GetTimestamp();
        var cached = _root;
        if (cached is not null)
        {
            if (now - cached.CheckedAt < _revalidateTicks) return cached;
            if (await store.GetGlobalSerialAsync(ct) == cached.Serial) return _root = cached with { CheckedAt = now };
        }
        var serial = await store.GetGlobalSerialAsync(ct);
        var projects = await store.ListProjectsAsync(ct);
        var html = SimplePages.RootHtml(projects);
        var json = SimplePages.RootJson(projects, serial);
        return _root = new RenderedPage(serial, html, RenderedPage.ETagOf(html), json, RenderedPage.ETagOf(json), now);
    }
}
