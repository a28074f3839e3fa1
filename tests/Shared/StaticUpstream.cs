using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Moat.Testing;

/// <summary>
/// A stand-in for pypi.org on 127.0.0.1: a static simple index (PEP 691 JSON or PEP 503 HTML, with ETags and 304s)
/// and its files, built from in-memory distributions. It counts every request, can go down, can serve a file whose
/// bytes differ from the hash its page advertises (tampering), and can be slowed down (cold-cache races).
/// </summary>
internal sealed class StaticUpstream : IDisposable
{
    public sealed record Dist(string Project, string Filename, byte[] Content, DateTimeOffset UploadTime, string? RequiresPython = null, byte[]? Metadata = null)
    {
        public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Content));
    }

    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, List<Dist>> _projects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _tampered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _provenance = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);
    public string Url { get; }
    public string SimpleUrl => Url + "/simple/";
    public bool Down { get; set; }
    public bool HtmlOnly { get; set; }
    public int FileDelayMs { get; set; }

    /// <summary>The Authorization headers the upstream received (credentials of a private index).</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    /// <summary>While set, file responses wait for it (a cold-cache race held open until every client is in flight).</summary>
    public TaskCompletionSource? HoldFiles { get; set; }

    /// <summary>While set, project pages wait for it (a page refresh held open while clients come and go).</summary>
    public TaskCompletionSource? HoldPages { get; set; }

    private StaticUpstream(int port)
    {
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
    }

    public static StaticUpstream Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var upstream = new StaticUpstream(port);
        upstream._listener.Start();
        _ = Task.Run(upstream.LoopAsync);
        return upstream;
    }

    public Dist Add(string project, string filename, byte[] content, DateTimeOffset? uploadTime = null, string? requiresPython = null, byte[]? metadata = null)
    {
        var dist = new Dist(project, filename, content, uploadTime ?? DateTimeOffset.UtcNow.AddDays(-30), requiresPython, metadata);
        _projects.AddOrUpdate(project, _ => [dist], (_, list) => { lock (list) list.Add(dist); return list; });
        return dist;
    }

    public Dist AddWheel(string project, string version, string[]? requiresDist = null, DateTimeOffset? uploadTime = null) =>
        Add(project, TestDistributions.WheelFilename(project, version), TestDistributions.Wheel(project, version, requiresDist: requiresDist), uploadTime,
            metadata: Encoding.UTF8.GetBytes(TestDistributions.Metadata(project, version, null, requiresDist ?? [])));

    /// <summary>Serves a PEP 740 provenance object for the file (Integrity API) and links it from the pages, as pypi.org does.</summary>
    public void SetProvenance(string filename, string provenanceJson) => _provenance[filename] = provenanceJson;

    private static string ProvenancePath(Dist d) => $"/integrity/{d.Project}/{Uri.EscapeDataString(d.Filename)}/provenance";

    /// <summary>From now on the file's bytes differ from the sha256 its page advertises.</summary>
    public void Tamper(string filename, byte[] content) => _tampered[filename] = content;

    public int Count(string path) => Requests.GetValueOrDefault(path);

    public int FileDownloads => Requests.Where(r => r.Key.StartsWith("/files/", StringComparison.Ordinal) && !r.Key.EndsWith(".metadata", StringComparison.Ordinal)).Sum(r => r.Value);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        Requests.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (context.Request.Headers["Authorization"] is { } authorization) Authorizations.Enqueue(authorization);
        var response = context.Response;
        try
        {
            if (Down)
            {
                response.StatusCode = 503;
                return;
            }
            if (path.StartsWith("/simple/", StringComparison.Ordinal))
            {
                var project = path["/simple/".Length..].TrimEnd('/');
                if (HoldPages is { } held) await Task.WhenAny(held.Task, Task.Delay(TimeSpan.FromSeconds(90)));
                if (!_projects.TryGetValue(project, out var dists))
                {
                    response.StatusCode = 404;
                    return;
                }
                List<Dist> snapshot;
                lock (dists) snapshot = [.. dists];
                var json = !HtmlOnly && (context.Request.Headers["Accept"] ?? "").Contains("json", StringComparison.Ordinal);
                var body = json ? JsonPage(project, snapshot, _provenance) : HtmlPage(project, snapshot, _provenance);
                var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..16] + "\"";
                response.Headers["ETag"] = etag;
                if (context.Request.Headers["If-None-Match"] == etag)
                {
                    response.StatusCode = 304;
                    return;
                }
                response.ContentType = json ? "application/vnd.pypi.simple.v1+json" : "text/html";
                await response.OutputStream.WriteAsync(body);
                return;
            }
            if (path.StartsWith("/integrity/", StringComparison.Ordinal) && path.EndsWith("/provenance", StringComparison.Ordinal))
            {
                var filename = Uri.UnescapeDataString(path.Split('/')[^2]);
                if (!_provenance.TryGetValue(filename, out var provenance))
                {
                    response.StatusCode = 404;
                    return;
                }
                response.ContentType = "application/json";
                await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(provenance));
                return;
            }
            if (path.StartsWith("/files/", StringComparison.Ordinal))
            {
                var name = Uri.UnescapeDataString(path["/files/".Length..]);
                var metadata = name.EndsWith(".metadata", StringComparison.Ordinal);
                var filename = metadata ? name[..^".metadata".Length] : name;
                var dist = _projects.Values.SelectMany(l => { lock (l) return l.ToList(); }).FirstOrDefault(d => d.Filename == filename);
                if (dist is null || (metadata && dist.Metadata is null))
                {
                    response.StatusCode = 404;
                    return;
                }
                if (FileDelayMs > 0 && !metadata) await Task.Delay(FileDelayMs);
                if (HoldFiles is { } hold && !metadata) await Task.WhenAny(hold.Task, Task.Delay(TimeSpan.FromSeconds(90)));
                var bytes = metadata ? dist.Metadata! : _tampered.GetValueOrDefault(filename) ?? dist.Content;
                response.ContentType = "application/octet-stream";
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes);
                return;
            }
            response.StatusCode = 404;
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException) { }
        finally
        {
            try { response.Close(); } catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
        }
    }

    private static byte[] JsonPage(string project, List<Dist> dists, IReadOnlyDictionary<string, string> provenance) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["meta"] = new Dictionary<string, string> { ["api-version"] = "1.1" },
        ["name"] = project,
        ["files"] = dists.Select(d => new Dictionary<string, object?>
        {
            ["filename"] = d.Filename,
            ["url"] = "../../files/" + Uri.EscapeDataString(d.Filename),
            ["hashes"] = new Dictionary<string, string> { ["sha256"] = d.Sha256 },
            ["requires-python"] = d.RequiresPython,
            ["core-metadata"] = d.Metadata is null ? false : new Dictionary<string, string> { ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(d.Metadata)) },
            ["upload-time"] = d.UploadTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ"),
            ["size"] = d.Content.Length,
            ["yanked"] = false,
            ["provenance"] = provenance.ContainsKey(d.Filename) ? "../.." + ProvenancePath(d) : null,
        }).ToList(),
    });

    private static byte[] HtmlPage(string project, List<Dist> dists, IReadOnlyDictionary<string, string> provenance)
    {
        var html = new StringBuilder($"<!DOCTYPE html>\n<html><body><h1>Links for {project}</h1>\n");
        foreach (var d in dists)
        {
            html.Append($"<a href=\"/files/{Uri.EscapeDataString(d.Filename)}#sha256={d.Sha256}\"");
            if (d.RequiresPython is not null) html.Append($" data-requires-python=\"{WebUtility.HtmlEncode(d.RequiresPython)}\"");
            if (d.Metadata is not null) html.Append($" data-dist-info-metadata=\"sha256={Convert.ToHexStringLower(SHA256.HashData(d.Metadata))}\"");
            if (provenance.ContainsKey(d.Filename)) html.Append($" data-provenance=\"{ProvenancePath(d)}\"");
            html.Append($">{d.Filename}</a><br/>\n");
        }
        return Encoding.UTF8.GetBytes(html.Append("</body></html>\n").ToString());
    }

    public void Dispose() => _listener.Close();
}
