using System.Net;
using System.Net.Http.Headers;

namespace Moat.Index.Proxy;

/// <summary>What asking the upstream for a project page gave.</summary>
public enum UpstreamStatus { Fetched, NotModified, NotFound, Failed, TooLarge }

public sealed record UpstreamResult(UpstreamStatus Status, UpstreamPage? Page = null, string? Error = null);

/// <summary>
/// Talks to one upstream simple index. Asks for PEP 691 JSON first and accepts HTML (any index speaks one of them);
/// revalidates with <c>If-None-Match</c>/<c>If-Modified-Since</c>; bounds every body. File downloads stream.
/// </summary>
public sealed class UpstreamClient(HttpClient http, ProxyOptions options)
{
    public const string JsonV1 = "application/vnd.pypi.simple.v1+json";

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
            if (response.Content.Headers.ContentLength > options.MaxPageBytes) return TooLarge(project);
            // Parsed as it arrives and counted as read (after any decompression): a page over the limit is refused
            // half-way, whatever Content-Length claimed, and never sits in memory whole.
            await using var body = new BoundedStream(await response.Content.ReadAsStreamAsync(timeout.Token), options.MaxPageBytes);
            var finalUrl = response.RequestMessage?.RequestUri ?? url;
            var type = response.Content.Headers.ContentType?.MediaType ?? "";
            var files = type.Contains("json", StringComparison.OrdinalIgnoreCase)
                ? await UpstreamPageParser.ParseJsonAsync(body, finalUrl, timeout.Token)
                : await UpstreamPageParser.ParseHtmlAsync(body, finalUrl, timeout.Token);
            return new(UpstreamStatus.Fetched, new UpstreamPage(project, files, response.Headers.ETag?.ToString(),
                response.Content.Headers.LastModified?.ToString("R")));
        }
        catch (PageTooLargeException)
        {
            return TooLarge(project);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return new(UpstreamStatus.Failed, Error: $"{url}: {ex.Message}");
        }
    }

    private UpstreamResult TooLarge(string project) => new(UpstreamStatus.TooLarge,
        Error: $"the upstream page of {project} is larger than Moat's limit of {options.MaxPageBytes / (1024 * 1024)} MB ([proxy] max-page-mb)");

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
}

/// <summary>A page went over <see cref="ProxyOptions.MaxPageBytes"/>.</summary>
public sealed class PageTooLargeException(long limit) : IOException($"page larger than {limit} bytes");

/// <summary>A read-only stream that throws <see cref="PageTooLargeException"/> once more than <c>limit</c> bytes came through.</summary>
public sealed class BoundedStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Count(await inner.ReadAsync(buffer, ct));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private int Count(int read)
    {
        _read += read;
        return _read > limit ? throw new PageTooLargeException(limit) : read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
