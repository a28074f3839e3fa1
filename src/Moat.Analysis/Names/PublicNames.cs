using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Moat.Analysis.Names;

/// <summary>
/// Lists of names that exist on a public index: a names file (one per line, gzip or plain, like
/// all-names.txt.gz), or the body of a PEP 503 / PEP 691 <c>/simple/</c> page. Fetching is the caller's job:
/// nothing in Moat.Analysis speaks HTTP.
/// </summary>
public static partial class PublicNames
{
    /// <summary>Reads a names file lazily, line by line; gzip is recognised by its magic bytes, not the extension.</summary>
    public static IEnumerable<string> ReadFile(string path)
    {
        using var file = File.OpenRead(path);
        var magic = new byte[2];
        var isGzip = file.Read(magic, 0, 2) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Position = 0;
        using Stream stream = isGzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var name = line.Trim();
            if (name.Length > 0 && name[0] != '#') yield return name;
        }
    }

    /// <summary>Project names from a <c>/simple/</c> index page: PEP 691 JSON (<c>projects[].name</c>) or PEP 503 HTML anchors.</summary>
    /// <exception cref="InvalidDataException">JSON that is not a simple index.</exception>
    public static IReadOnlyList<string> ParseSimpleIndex(string body)
    {
        var trimmed = body.AsSpan().TrimStart();
        if (trimmed.StartsWith("{"))
        {
            try
            {
                using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
                if (!document.RootElement.TryGetProperty("projects", out var projects) || projects.ValueKind != JsonValueKind.Array)
                    throw new InvalidDataException("simple index JSON has no \"projects\" array");
                return [.. projects.EnumerateArray()
                    .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
                    .Select(p => p.GetProperty("name").GetString()!)];
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"simple index JSON is malformed: {ex.Message}", ex);
            }
        }
        return [.. Anchor().Matches(body).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value).Trim()).Where(n => n.Length > 0)];
    }

    [GeneratedRegex(@"<a\b[^>]*>([^<]{1,300})</a>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Anchor();
}
