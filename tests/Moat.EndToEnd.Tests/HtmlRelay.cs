using System.Net;

namespace Moat.EndToEnd.Tests;

/// <summary>A loopback HTTP relay that forwards GETs to the index asking for <c>text/html</c> only (an HTML-only installer's Accept).</summary>
internal sealed class HtmlRelay : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _client = new(new HttpClientHandler { AllowAutoRedirect = false });
    private readonly string _upstream;
    public string Url { get; }

    private HtmlRelay(string upstream, int port)
    {
        _upstream = upstream;
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
    }

    public static HtmlRelay Start(string upstream)
    {
        var relay = new HtmlRelay(upstream, MoatServer.FreePort());
        relay._listener.Start();
        _ = Task.Run(relay.LoopAsync);
        return relay;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(async () =>
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, _upstream + context.Request.RawUrl);
                    request.Headers.TryAddWithoutValidation("Accept", "text/html");
                    using var response = await _client.SendAsync(request);
                    context.Response.StatusCode = (int)response.StatusCode;
                    if (response.Headers.Location is { } location) context.Response.RedirectLocation = location.OriginalString;
                    if (response.Content.Headers.ContentType is { } type) context.Response.ContentType = type.ToString();
                    var body = await response.Content.ReadAsByteArrayAsync();
                    await context.Response.OutputStream.WriteAsync(body);
                }
                catch (HttpRequestException) { context.Response.StatusCode = 502; }
                finally { context.Response.Close(); }
            });
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _client.Dispose();
    }
}
