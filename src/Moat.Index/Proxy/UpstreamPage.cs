using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Moat.Index.Proxy;

/// <summary>One file an upstream project page lists, with its absolute upstream URL and what the page says about it.</summary>
public sealed record UpstreamFile(
    string Filename,
    string Url,
    string? Sha256,
    string? RequiresPython,
    bool Yanked,
    string? YankedReason,
    string? CoreMetadataSha256,
    DateTimeOffset? UploadTime,
    long? Size)
{
    /// <summary>When Moat first saw this file on the upstream page; set only when the page gives no upload time and the release-age gate counts from first sight.</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>Where the upstream serves this file's PEP 740 provenance object (JSON <c>provenance</c>, HTML <c>data-provenance</c>), absolute; null when it has none.</summary>
    public string? ProvenanceUrl { get; init; }
}

/// <summary>An upstream project page, parsed; <see cref="ETag"/>/<see cref="LastModified"/> revalidate it.</summary>
public sealed record UpstreamPage(string Project, IReadOnlyList<UpstreamFile> Files, string? ETag, string? LastModified);

/// <summary>
/// Reads upstream project pages in both serialisations: PEP 691 JSON (preferred) and PEP 503 HTML (anchors with
/// <c>#sha256=</c> fragments, <c>data-requires-python</c>, <c>data-yanked</c>, and PEP 658/714's
/// <c>data-core-metadata</c> or legacy <c>data-dist-info-metadata</c>), as pip's <c>index/collector.py</c> does, and PEP
/// 740's provenance URL (<c>provenance</c>, <c>data-provenance</c>).
/// Relative URLs are resolved against the page URL. Bad input yields fewer files, never an exception. Pages are
/// read from a stream in small buffers and never held whole — not as bytes, not as a string, not as a document —
/// so what one costs is about its files, not its size (a popular project's page runs to tens of megabytes).
/// </summary>
public static class UpstreamPageParser
{
    private const int FirstBufferBytes = 64 * 1024;

    public static IReadOnlyList<UpstreamFile> ParseJson(ReadOnlySpan<byte> body, Uri pageUrl) =>
        ParseJsonAsync(new MemoryStream(body.ToArray(), writable: false), pageUrl, CancellationToken.None).GetAwaiter().GetResult(); // a MemoryStream completes synchronously

    public static IReadOnlyList<UpstreamFile> ParseHtml(string html, Uri pageUrl) =>
        ParseHtmlAsync(new MemoryStream(Encoding.UTF8.GetBytes(html), writable: false), pageUrl, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Where the JSON scan stands between two buffers.</summary>
    private sealed class JsonScan(JsonReaderState state)
    {
        public JsonReaderState State = state;
        public bool FilesNext;
        public bool InFiles;
    }

    /// <summary>
    /// The <c>files</c> of a PEP 691 page, read token by token with <see cref="Utf8JsonReader"/>; only one file object
    /// at a time is parsed into a (small) document. A page that breaks off yields the files before the break.
    /// </summary>
    public static async Task<IReadOnlyList<UpstreamFile>> ParseJsonAsync(Stream body, Uri pageUrl, CancellationToken ct)
    {
        var files = new List<UpstreamFile>();
        var scan = new JsonScan(new JsonReaderState(new JsonReaderOptions { MaxDepth = 16 }));
        var buffer = ArrayPool<byte>.Shared.Rent(FirstBufferBytes);
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(buffer.AsMemory(filled), ct);
                filled += read;
                var consumed = ScanJson(buffer.AsSpan(0, filled), read == 0, scan, files, pageUrl);
                if (read == 0) break;
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (filled == buffer.Length) buffer = Grow(buffer, filled); // one token or file object larger than the buffer
            }
        }
        catch (JsonException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return files;
    }

    /// <summary>Reads what <paramref name="data"/> holds; returns how much was consumed (the rest is kept for the next buffer).</summary>
    private static int ScanJson(ReadOnlySpan<byte> data, bool final, JsonScan scan, List<UpstreamFile> files, Uri pageUrl)
    {
        var reader = new Utf8JsonReader(data, final, scan.State);
        while (true)
        {
            var before = reader.BytesConsumed;
            var stateBefore = reader.CurrentState;
            if (!reader.Read()) break;
            if (reader.CurrentDepth == 1)
            {
                // Top-level members: only the array under "files" matters; everything else streams past.
                if (reader.TokenType == JsonTokenType.PropertyName) scan.FilesNext = reader.ValueTextEquals("files"u8);
                else if (reader.TokenType == JsonTokenType.StartArray && scan.FilesNext) (scan.InFiles, scan.FilesNext) = (true, false);
                else if (reader.TokenType == JsonTokenType.EndArray && scan.InFiles) scan.InFiles = false;
                else scan.FilesNext = false;
            }
            else if (reader.CurrentDepth == 2 && scan.InFiles && reader.TokenType == JsonTokenType.StartObject)
            {
                if (!JsonDocument.TryParseValue(ref reader, out var document))
                {
                    // The object goes on in the next buffer: start again from just before it.
                    scan.State = stateBefore;
                    return (int)before;
                }
                using (document)
                {
                    if (FileFrom(document.RootElement, pageUrl) is { } file) files.Add(file);
                }
            }
        }
        scan.State = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    private static UpstreamFile? FileFrom(JsonElement file, Uri pageUrl)
    {
        var filename = String(file, "filename");
        var url = String(file, "url");
        if (filename is null || url is null || !Uri.TryCreate(pageUrl, url, out var absolute)) return null;
        string? sha256 = file.TryGetProperty("hashes", out var hashes) && hashes.ValueKind == JsonValueKind.Object ? String(hashes, "sha256") : null;
        var (yanked, reason) = file.TryGetProperty("yanked", out var y) ? y.ValueKind switch
        {
            JsonValueKind.True => (true, (string?)null),
            JsonValueKind.String => (true, y.GetString()),
            _ => (false, null),
        } : (false, null);
        var metadata = file.TryGetProperty("core-metadata", out var cm) ? cm : file.TryGetProperty("dist-info-metadata", out var dm) ? dm : default;
        var metadataSha = metadata.ValueKind == JsonValueKind.Object ? String(metadata, "sha256") : null;
        DateTimeOffset? uploaded = String(file, "upload-time") is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : null;
        long? size = file.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var n) ? n : null;
        return new UpstreamFile(filename, absolute.AbsoluteUri, Hex(sha256), String(file, "requires-python"), yanked, reason, Hex(metadataSha), uploaded, size)
        {
            ProvenanceUrl = Absolute(pageUrl, String(file, "provenance")),
        };
    }

    private static readonly Regex Attribute = new(@"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:""([^""]*)""|'([^']*)'|([^\s""'>]+)))?", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    /// <summary>
    /// The anchors of a PEP 503 page (<c>&lt;a</c>, whitespace, attributes up to the next <c>&gt;</c>), decoded as
    /// UTF-8 and scanned buffer by buffer; only one tag's attributes are ever a string.
    /// </summary>
    public static async Task<IReadOnlyList<UpstreamFile>> ParseHtmlAsync(Stream body, Uri pageUrl, CancellationToken ct)
    {
        var files = new List<UpstreamFile>();
        using var text = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 16 * 1024, leaveOpen: true);
        var buffer = ArrayPool<char>.Shared.Rent(FirstBufferBytes / 2);
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await text.ReadAsync(buffer.AsMemory(filled), ct);
                filled += read;
                var consumed = ScanHtml(buffer.AsSpan(0, filled), read == 0, files, pageUrl);
                if (read == 0) break;
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (filled == buffer.Length) buffer = Grow(buffer, filled); // one tag larger than the buffer
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
        return files;
    }

    /// <summary>Adds the anchors complete in <paramref name="data"/>; returns how much was consumed (an unfinished tag is kept).</summary>
    private static int ScanHtml(ReadOnlySpan<char> data, bool final, List<UpstreamFile> files, Uri pageUrl)
    {
        var position = 0;
        while (true)
        {
            var open = data[position..].IndexOf('<');
            if (open < 0) return data.Length;
            open += position;
            if (open + 2 >= data.Length) return final ? data.Length : open; // "<" or "<a" at the end: it may go on in the next buffer
            if (data[open + 1] is not ('a' or 'A') || !char.IsWhiteSpace(data[open + 2]))
            {
                position = open + 1;
                continue;
            }
            var close = data[(open + 3)..].IndexOf('>');
            if (close < 0) return final ? data.Length : open;
            var attributes = data.Slice(open + 3, close);
            if (AnchorFile(attributes.ToString(), pageUrl) is { } file) files.Add(file);
            position = open + 3 + close + 1;
        }
    }

    private static UpstreamFile? AnchorFile(string tag, Uri pageUrl)
    {
        var attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match a in Attribute.Matches(tag))
        {
            var value = a.Groups[2].Success ? a.Groups[2].Value : a.Groups[3].Success ? a.Groups[3].Value : a.Groups[4].Value;
            attributes.TryAdd(a.Groups[1].Value, WebUtility.HtmlDecode(value));
        }
        if (!attributes.TryGetValue("href", out var href) || !Uri.TryCreate(pageUrl, href, out var absolute)) return null;
        var filename = Uri.UnescapeDataString(absolute.AbsolutePath[(absolute.AbsolutePath.LastIndexOf('/') + 1)..]);
        if (filename.Length == 0) return null;
        string? sha256 = null;
        foreach (var part in absolute.Fragment.TrimStart('#').Split('&'))
        {
            if (part.StartsWith("sha256=", StringComparison.Ordinal)) sha256 = part["sha256=".Length..];
        }
        var metadata = attributes.GetValueOrDefault("data-core-metadata") ?? attributes.GetValueOrDefault("data-dist-info-metadata");
        var metadataSha = metadata is not null && metadata.StartsWith("sha256=", StringComparison.Ordinal) ? metadata["sha256=".Length..] : null;
        var yanked = attributes.TryGetValue("data-yanked", out var yankReason);
        var url = new UriBuilder(absolute) { Fragment = "" }.Uri.AbsoluteUri;
        return new UpstreamFile(filename, url, Hex(sha256), attributes.GetValueOrDefault("data-requires-python"), yanked,
            string.IsNullOrEmpty(yankReason) ? null : yankReason, Hex(metadataSha), null, null)
        {
            ProvenanceUrl = Absolute(pageUrl, attributes.GetValueOrDefault("data-provenance")),
        };
    }

    /// <summary>An http(s) URL resolved against the page, or null.</summary>
    private static string? Absolute(Uri pageUrl, string? url) =>
        url is { Length: > 0 } && Uri.TryCreate(pageUrl, url, out var absolute) && absolute.Scheme is "http" or "https" ? absolute.AbsoluteUri : null;

    private static T[] Grow<T>(T[] buffer, int filled)
    {
        var larger = ArrayPool<T>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, filled).CopyTo(larger);
        ArrayPool<T>.Shared.Return(buffer);
        return larger;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A sha256 as 64 lower-case hex digits, or null when it is anything else (never trusted as a path segment otherwise).</summary>
    public static string? Hex(string? sha256) =>
        sha256 is { Length: 64 } && sha256.All(char.IsAsciiHexDigit) ? sha256.ToLowerInvariant() : null;
}
