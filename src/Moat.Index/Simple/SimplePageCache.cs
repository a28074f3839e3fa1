using Moat.Packaging;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;
using Moat.Index.Storage;

namespace Moat.Index.Simple;

/// <summary>Content codings a page is stored in; the compressed ones are made once per page version, on first demand.</summary>
public enum PageCoding { Identity, Gzip, Brotli }

/// <summary>
/// One way a page is sent: its bytes and the header values that go with them, made once per page version so that
/// answering a request is setting a few headers and writing an array.
/// </summary>
public sealed class PageRepresentation(byte[] body, string etag, string? contentEncoding)
{
    public byte[] Body { get; } = body;
    public StringValues ETag { get; } = etag;
    public StringValues ContentEncoding { get; } = contentEncoding;
    public string ETagText => etag;
}

/// <summary>
/// One rendered page in both serialisations, with strong ETags from the bytes themselves. Big project pages (hundreds
/// of files) compress about tenfold; compressing once per version instead of once per request is what lets one core
/// serve them at wire speed.
/// </summary>
public sealed record RenderedPage(long Serial, byte[] Html, string HtmlETag, byte[] Json, string JsonETag, long CheckedAt)
{
    // Lazily filled, one slot per format and coding; `with` copies share them, which is right: the bytes do not
    // change for a serial.
    private readonly PageRepresentation?[] _representations = new PageRepresentation[6];

    public (byte[] Body, string ETag) For(SimpleFormat format) => format == SimpleFormat.Json ? (Json, JsonETag) : (Html, HtmlETag);

    /// <summary>The page in <paramref name="coding"/>, with a strong ETag of its own (RFC 9110: one per representation).</summary>
    public (byte[] Body, string ETag) For(SimpleFormat format, PageCoding coding)
    {
        var representation = Representation(format, coding);
        return (representation.Body, representation.ETagText);
    }

    public PageRepresentation Representation(SimpleFormat format, PageCoding coding)
    {
        var slot = (format == SimpleFormat.Json ? 3 : 0) + (int)coding;
        var representation = Volatile.Read(ref _representations[slot]);
        if (representation is null)
        {
            // Two requests may race to make it; both results are identical, so the last write winning is harmless.
            var (body, etag) = For(format);
            representation = coding switch
            {
                PageCoding.Identity => new PageRepresentation(body, etag, null),
                PageCoding.Brotli => new PageRepresentation(Compress(body, coding), etag[..^1] + "-br\"", "br"),
                _ => new PageRepresentation(Compress(body, coding), etag[..^1] + "-gzip\"", "gzip"),
            };
            Volatile.Write(ref _representations[slot], representation);
        }
        return representation;
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
/// <param name="changeVersion">
/// When the database tells of other nodes' writes (<see cref="Storage.Database.ChangeVersion"/> on PostgreSQL, a
/// local counter): a move makes every cached page revalidate at once instead of when it is due.
/// </param>
public sealed class SimplePageCache(IMetadataStore store, TimeProvider time, TimeSpan revalidateAfter, Func<long>? changeVersion = null)
{
    private long _seenVersion = long.MinValue;
    private long _staleBefore;

    private readonly ConcurrentDictionary<string, RenderedPage> _projects = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, RenderedPage>.AlternateLookup<ReadOnlySpan<char>> ProjectsBySpan => _projects.GetAlternateLookup<ReadOnlySpan<char>>();
    private RenderedPage? _root;
    private readonly long _revalidateTicks = (long)(revalidateAfter.TotalSeconds * TimeProvider.System.TimestampFrequency);

    /// <summary>
    /// The page of <paramref name="normalizedName"/> when it is cached and needs no revalidation yet: no database, no
    /// allocation (the name stays a slice of the request path). Only normalized names are keys, so a hit also means
    /// the name in the URL is canonical.
    /// </summary>
    public bool TryGetFresh(ReadOnlySpan<char> normalizedName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RenderedPage? page) =>
        ProjectsBySpan.TryGetValue(normalizedName, out page) && Fresh(page, time.GetTimestamp());

    /// <summary>Checked recently enough, and not before a change another node announced.</summary>
    private bool Fresh(RenderedPage page, long now)
    {
        if (changeVersion is not null)
        {
            var version = changeVersion();
            if (version != Volatile.Read(ref _seenVersion))
            {
                Volatile.Write(ref _staleBefore, now);
                Volatile.Write(ref _seenVersion, version);
            }
            if (page.CheckedAt <= Volatile.Read(ref _staleBefore)) return false;
        }
        return now - page.CheckedAt < _revalidateTicks;
    }

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
            if (Fresh(cached, now)) return cached;
            var serial = await store.GetProjectSerialAsync(NormalizedName.Of(name), ct);
            if (serial == cached.Serial)
            {
                var refreshed = cached with { CheckedAt = now };
                _projects[name] = refreshed;
                return refreshed;
            }
        }
        var listing = await store.GetListingAsync(NormalizedName.Of(name), ct);
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
            if (Fresh(cached, now)) return cached;
            if (await store.GetGlobalSerialAsync(ct) == cached.Serial) return _root = cached with { CheckedAt = now };
        }
        var serial = await store.GetGlobalSerialAsync(ct);
        var projects = await store.ListProjectsAsync(ct);
        var html = SimplePages.RootHtml(projects);
        var json = SimplePages.RootJson(projects, serial);
        return _root = new RenderedPage(serial, html, RenderedPage.ETagOf(html), json, RenderedPage.ETagOf(json), now);
    }
}
