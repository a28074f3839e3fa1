using System.Globalization;
using System.Net;
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
}

/// <summary>An upstream project page, parsed; <see cref="ETag"/>/<see cref="LastModified"/> revalidate it.</summary>
public sealed record UpstreamPage(string Project, IReadOnlyList<UpstreamFile> Files, string? ETag, string? LastModified);

/// <summary>
/// Reads upstream project pages in both serialisations: PEP 691 JSON (preferred) and PEP 503 HTML (anchors with
/// <c>#sha256=</c> fragments, <c>data-requires-python</c>, <c>data-yanked</c>, and PEP 658/714's
/// <c>data-core-metadata</c> or legacy <c>data-dist-info-metadata</c>), as pip's <c>index/collector.py</c> does.
/// Relative URLs are resolved against the page URL. Pure functions; bad input yields fewer files, never an exception.
/// </summary>
public static class UpstreamPageParser
{
    public static IReadOnlyList<UpstreamFile> ParseJson(ReadOnlySpan<byte> body, Uri pageUrl)
    {
        var files = new List<UpstreamFile>();
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            if (!document.RootElement.TryGetProperty("files", out var array) || array.ValueKind != JsonValueKind.Array) return files;
            foreach (var file in array.EnumerateArray())
            {
                if (file.ValueKind != JsonValueKind.Object) continue;
                var filename = String(file, "filename");
                var url = String(file, "url");
                if (filename is null || url is null || !Uri.TryCreate(pageUrl, url, out var absolute)) continue;
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
                files.Add(new UpstreamFile(filename, absolute.AbsoluteUri, Hex(sha256), String(file, "requires-python"), yanked, reason, Hex(metadataSha), uploaded, size));
            }
        }
        catch (JsonException) { }
        return files;
    }

    private static readonly Regex Anchor = new(@"<a\s([^>]*)>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    private static readonly Regex Attribute = new(@"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:""([^""]*)""|'([^']*)'|([^\s""'>]+)))?", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    public static IReadOnlyList<UpstreamFile> ParseHtml(string html, Uri pageUrl)
    {
        var files = new List<UpstreamFile>();
        foreach (Match anchor in Anchor.Matches(html))
        {
            var attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (Match a in Attribute.Matches(anchor.Groups[1].Value))
            {
                var value = a.Groups[2].Success ? a.Groups[2].Value : a.Groups[3].Success ? a.Groups[3].Value : a.Groups[4].Value;
                attributes.TryAdd(a.Groups[1].Value, WebUtility.HtmlDecode(value));
            }
            if (!attributes.TryGetValue("href", out var href) || !Uri.TryCreate(pageUrl, href, out var absolute)) continue;
            var filename = Uri.UnescapeDataString(absolute.AbsolutePath[(absolute.AbsolutePath.LastIndexOf('/') + 1)..]);
            if (filename.Length == 0) continue;
            string? sha256 = null;
            foreach (var part in absolute.Fragment.TrimStart('#').Split('&'))
            {
                if (part.StartsWith("sha256=", StringComparison.Ordinal)) sha256 = part["sha256=".Length..];
            }
            var metadata = attributes.GetValueOrDefault("data-core-metadata") ?? attributes.GetValueOrDefault("data-dist-info-metadata");
            var metadataSha = metadata is not null && metadata.StartsWith("sha256=", StringComparison.Ordinal) ? metadata["sha256=".Length..] : null;
            var yanked = attributes.TryGetValue("data-yanked", out var yankReason);
            var url = new UriBuilder(absolute) { Fragment = "" }.Uri.AbsoluteUri;
            files.Add(new UpstreamFile(filename, url, Hex(sha256), attributes.GetValueOrDefault("data-requires-python"), yanked,
                string.IsNullOrEmpty(yankReason) ? null : yankReason, Hex(metadataSha), null, null));
        }
        return files;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A sha256 as 64 lower-case hex digits, or null when it is anything else (never trusted as a path segment otherwise).</summary>
    public static string? Hex(string? sha256) =>
        sha256 is { Length: 64 } && sha256.All(char.IsAsciiHexDigit) ? sha256.ToLowerInvariant() : null;
}
