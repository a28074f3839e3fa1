using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Moat.Cli.Commands;

/// <summary>
/// Fetches an OSV database archive (e.g. osv.dev's PyPI <c>all.zip</c>) into a cache under ~/.cache/moat/osv,
/// revalidating with the server's ETag so repeated audits download nothing new. The archive is written whole or not
/// at all; when the server cannot be reached, the cached copy is used and the user is told.
/// </summary>
public static class OsvDownload
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string CacheDirectory { get; set; } = Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "moat", "osv");

    public static string Fetch(string url, TextWriter log)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliInputException($"--osv-url must be an http(s) URL: {url}");
        }
        Directory.CreateDirectory(CacheDirectory);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)))[..16];
        var extension = uri.AbsolutePath.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ? ".tar.gz" : Path.GetExtension(uri.AbsolutePath) is { Length: > 0 } e ? e : ".zip";
        var archive = Path.Combine(CacheDirectory, key + extension);
        var etagFile = archive + ".etag";

        using var client = new HttpClient { Timeout = Timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (File.Exists(archive) && File.Exists(etagFile) && EntityTagHeaderValue.TryParse(File.ReadAllText(etagFile), out var etag))
        {
            request.Headers.IfNoneMatch.Add(etag);
        }
        try
        {
            using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode == HttpStatusCode.NotModified) return archive;
            response.EnsureSuccessStatusCode();
            var temporary = archive + $".{Environment.ProcessId}.tmp";
            try
            {
                using (var body = response.Content.ReadAsStream())
                using (var file = File.Create(temporary))
                {
                    body.CopyTo(file);
                }
                File.Move(temporary, archive, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
            if (response.Headers.ETag is { } newTag) File.WriteAllText(etagFile, newTag.ToString());
            else File.Delete(etagFile);
            return archive;
        }
        catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException or IOException) && File.Exists(archive))
        {
            log.WriteLine($"moat: cannot refresh the OSV database from {url} ({ex.Message}); using the cached copy from {File.GetLastWriteTimeUtc(archive):yyyy-MM-dd}");
            return archive;
        }
        catch (TaskCanceledException ex)
        {
            throw new HttpRequestException($"timed out downloading {url}", ex);
        }
    }
}
