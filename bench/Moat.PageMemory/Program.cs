using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Moat.Index.Proxy;

// Memory (not timing) of parsing one large upstream project page, one way per process so peak RSS is its own:
//   dotnet run -c Release --project bench/Moat.PageMemory -- json|html streaming|whole [megabytes]
// "whole" is the way pages were read before they streamed (kept below, verbatim in substance, to measure against):
// the body gathered in a MemoryStream and copied out, then a JsonDocument over a further copy, or a UTF-16 string and
// regexes for HTML. "streaming" is UpstreamPageParser as the server uses it, over a file stream standing in for the socket.
var format = args.ElementAtOrDefault(0) ?? "json";
var way = args.ElementAtOrDefault(1) ?? "streaming";
var megabytes = int.Parse(args.ElementAtOrDefault(2) ?? "40", CultureInfo.InvariantCulture);
var page = Path.Combine(Path.GetTempPath(), $"moat-page-{format}-{megabytes}mb.{format}");
if (!File.Exists(page)) PageGenerator.Write(page, format, megabytes * 1024L * 1024);
var pageUrl = new Uri("https://pypi.example/simple/sprawling/");

GC.Collect();
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
IReadOnlyList<UpstreamFile> files;
await using (var stream = new FileStream(page, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true))
{
    files = (format, way) switch
    {
        ("json", "streaming") => await UpstreamPageParser.ParseJsonAsync(stream, pageUrl, CancellationToken.None),
        ("html", "streaming") => await UpstreamPageParser.ParseHtmlAsync(stream, pageUrl, CancellationToken.None),
        ("json", "whole") => WholePage.ParseJson(await WholePage.ReadAsync(stream), pageUrl),
        ("html", "whole") => WholePage.ParseHtml(Encoding.UTF8.GetString(await WholePage.ReadAsync(stream)), pageUrl),
        _ => throw new ArgumentException("usage: json|html streaming|whole [megabytes]"),
    };
}
var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
GC.Collect();
var retained = GC.GetTotalMemory(forceFullCollection: true);
GC.KeepAlive(files);
using var self = Process.GetCurrentProcess();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{format} {way}: page {new FileInfo(page).Length / 1048576.0:0.0} MB, {files.Count:N0} files; allocated {allocated / 1048576.0:0} MB; " +
    $"retained after parse {retained / 1048576.0:0} MB; peak RSS {self.PeakWorkingSet64 / 1048576.0:0} MB"));

/// <summary>A PEP 691 or PEP 503 page of about the given size, shaped like pypi.org's (long names, hashes, upload times).</summary>
internal static class PageGenerator
{
    public static void Write(string path, string format, long bytes)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        const string sha = "0f3c4a2b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";
        writer.Write(format == "json" ? "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"sprawling\",\"files\":[" : "<!DOCTYPE html>\n<html><body><h1>Links for sprawling</h1>\n");
        long written = 0;
        for (var i = 0; written < bytes; i++)
        {
            var filename = $"sprawling-{i / 40}.{i % 40}.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
            var entry = format == "json"
                ? $"{(i == 0 ? "" : ",")}{{\"filename\":\"{filename}\",\"url\":\"https://files.pythonhosted.org/packages/0f/3c/{sha}/{filename}\",\"hashes\":{{\"sha256\":\"{sha}\"}},\"requires-python\":\">=3.8\",\"core-metadata\":{{\"sha256\":\"{sha}\"}},\"size\":{1000 + i},\"upload-time\":\"2024-01-02T03:04:05.123456Z\",\"yanked\":false}}"
                : $"<a href=\"https://files.pythonhosted.org/packages/0f/3c/{sha}/{filename}#sha256={sha}\" data-requires-python=\"&gt;=3.8\" data-dist-info-metadata=\"sha256={sha}\">{filename}</a><br/>\n";
            writer.Write(entry);
            written += entry.Length;
        }
        writer.Write(format == "json" ? "]}" : "</body></html>\n");
    }
}

/// <summary>How pages were read before streaming: whole, then parsed.</summary>
internal static class WholePage
{
    public static async Task<byte[]> ReadAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk)) > 0) buffer.Write(chunk, 0, read);
        return buffer.ToArray();
    }

    public static IReadOnlyList<UpstreamFile> ParseJson(ReadOnlySpan<byte> body, Uri pageUrl)
    {
        var files = new List<UpstreamFile>();
        using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        foreach (var file in document.RootElement.GetProperty("files").EnumerateArray())
        {
            var filename = file.GetProperty("filename").GetString()!;
            Uri.TryCreate(pageUrl, file.GetProperty("url").GetString(), out var absolute);
            var sha256 = file.GetProperty("hashes").GetProperty("sha256").GetString();
            var metadata = file.GetProperty("core-metadata").GetProperty("sha256").GetString();
            DateTimeOffset.TryParse(file.GetProperty("upload-time").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var uploaded);
            files.Add(new UpstreamFile(filename, absolute!.AbsoluteUri, UpstreamPageParser.Hex(sha256), file.GetProperty("requires-python").GetString(), false, null,
                UpstreamPageParser.Hex(metadata), uploaded, file.GetProperty("size").GetInt64()));
        }
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
            var sha256 = absolute.Fragment.TrimStart('#').Split('&').Where(p => p.StartsWith("sha256=", StringComparison.Ordinal)).Select(p => p[7..]).LastOrDefault();
            var metadata = attributes.GetValueOrDefault("data-dist-info-metadata");
            files.Add(new UpstreamFile(filename, new UriBuilder(absolute) { Fragment = "" }.Uri.AbsoluteUri, UpstreamPageParser.Hex(sha256),
                attributes.GetValueOrDefault("data-requires-python"), false, null, UpstreamPageParser.Hex(metadata?["sha256=".Length..]), null, null));
        }
        return files;
    }
}
