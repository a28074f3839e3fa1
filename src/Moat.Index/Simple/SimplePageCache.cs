using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using Moat.Index.Storage;

namespace Moat.Index.Simple;

/// <summary>Content codings a page is stored in; the compressed ones are made once per page version, on first demand.</summary>
public enum PageCoding { Identity, Gzip, Brotli }

/// <summary>
/// One rendered page in both serialisations, with strong ETags from the bytes themselves. Big project pages (hundreds
/// of files) compress about tenfold; compressing once per version instead of once per request is what lets one core
/// serve them at wire speed.
/// </summary>
public sealed record RenderedPage(long Serial, byte[] Html, string HtmlETag, byte[] Json, string JsonETag, long CheckedAt)
{
    // Lazily filled; `with` copies share them, which is right: the bytes do not change for a serial.
    private readonly byte[]?[] _compressed = new byte[4][];

    public (byte[] Body, string ETag) For(SimpleFormat format) => format == SimpleFormat.Json ? (Json, JsonETag) : (Html, HtmlETag);

    /// <summary>The page in <paramref name="coding"/>, with a strong ETag of its own (RFC 9110: one per representation).</summary>
    public (byte[] Body, string ETag) For(SimpleFormat format, PageCoding coding)
    {
        var (body, etag) = For(format);
        if (coding == PageCoding.Identity) return (body, etag);
        var slot = (format == SimpleFormat.Json ? 2 : 0) + (coding == PageCoding.Brotli ? 1 : 0);
        var encoded = Volatile.Read(ref _compressed[slot]);
        if (encoded is null)
        {
            encoded = Compress(body, coding);
            Volatile.Write(ref _compressed[slot], encoded);
        }
        return (encoded, etag[..^1] + (coding == PageCoding.Brotli ? "-br\"" : "-gzip\""));
    }

    private static byte[] Compress(byte[] body, PageCoding coding)
    {
        using var output = new MemoryStream(body.Length / 4 + 64);
        using (Stream compressor = coding == PageCoding.Brotli
                   ? new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true)
                   : new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            compressor.Write(body);
        }
        return output.ToArray();
    }

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
