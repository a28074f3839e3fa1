using System.Net;
using System.Net.Http.Headers;

namespace Moat.Index.Proxy;

/// <summary>What asking the upstream for a project page gave.</summary>
public enum UpstreamStatus { Fetched, NotModified, NotFound, Failed }

public sealed record UpstreamResult(UpstreamStatus Status, UpstreamPage? Page = null, string? Error = null);

/// <summary>
/// Talks to one upstream simple index. Asks for PEP 691 JSON first and accepts HTML (any index speaks one of them);
/// revalidates with <c>If-None-Match</c>/<c>If-Modified-Since</c>; bounds every body. File downloads stream.
/// </summary>
public sealed class UpstreamClient(HttpClient http, ProxyOptions options)
{
    public const string JsonV1 = "application/vnd.pypi.simple.v1+json";
    private const int MaxPageBytes = 64 * 1024 * 1024;

    public Uri ProjectUrl(string project) => new(new Uri(options.Upstream), project + "/");

    public async Task<UpstreamResult> GetProjectAsync(string project, UpstreamPage? cached, CancellationToken ct)
    {
        var url = ProjectUrl(project);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(JsonV1));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.pypi.simple.v1+html", 0.2));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html", 0.1));
        Authorize(request);
        if (cached?.ETag is { } etag) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        if (cached?.LastModified is { } modified) request.Headers.TryAddWithoutValidation("If-Modified-Since", modified);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.UpstreamTimeout);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode == HttpStatusCode.NotModified && cached is not null) return new(UpstreamStatus.NotModified, cached);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone) return new(UpstreamStatus.NotFound);
            if (!response.IsSuccessStatusCode) return new(UpstreamStatus.Failed, Error: $"{url} answered {(int)response.StatusCode}");
            if (response.Content.Headers.ContentLength > MaxPageBytes) return new(UpstreamStatus.Failed, Error: $"{url} is larger than {MaxPageBytes} bytes");
            var body = await ReadBoundedAsync(response.Content, MaxPageBytes, timeout.Token);
            var finalUrl = response.RequestMessage?.RequestUri ?? url;
            var type = response.Content.Headers.ContentType?.MediaType ?? "";
            var files = type.Contains("json", StringComparison.OrdinalIgnoreCase)
                ? UpstreamPageParser.ParseJson(body, finalUrl)
                : UpstreamPageParser.ParseHtml(System.Text.Encoding.UTF8.GetString(body), finalUrl);
            return new(UpstreamStatus.Fetched, new UpstreamPage(project, files, response.Headers.ETag?.ToString(),
                response.Content.Headers.LastModified?.ToString("R")));
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return new(UpstreamStatus.Failed, Error: $"{url}: {ex.Message}");
        }
    }

    /// <summary>Opens a file download; the caller streams and hashes it. Throws <see cref="HttpRequestException"/> on failure.</summary>
    public async Task<HttpResponseMessage> OpenFileAsync(string url, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        Authorize(request);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new HttpRequestException($"{url} answered {(int)response.StatusCode}", null, response.StatusCode);
        }
        return response;
    }

    /// <summary>
    /// Sends the repository's credentials (HTTP Basic) only to the upstream's own scheme, host and port: file URLs
    /// may point elsewhere (pypi.org's point at files.pythonhosted.org), and credentials must not follow them.
    /// </summary>
    private void Authorize(HttpRequestMessage request)
    {
        if (options.Username is null || request.RequestUri is not { } target) return;
        var upstream = new Uri(options.Upstream);
        if (Uri.Compare(target, upstream, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0) return;
        var token = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(options.Username + ":" + (options.Password ?? "")));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", token);
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int max, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max) throw new IOException($"page larger than {max} bytes");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
