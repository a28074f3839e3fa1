using System.Net;
using System.Net.Http.Headers;
using Moat.Analysis.Dependencies.Advisories;

namespace Moat.Index.Advisories;

/// <summary>What one refresh did.</summary>
public enum AdvisoryUpdateOutcome { Updated, NotModified }

public sealed record AdvisoryUpdate(AdvisoryUpdateOutcome Outcome, OsvDatabase Database, AdvisoryStoreState State);

/// <summary>
/// Refreshes an <see cref="AdvisoryStore"/> from an OSV export: osv.dev's PyPI <c>all.zip</c> by default, a mirror
/// (any http(s) URL of a .zip or .tar.gz of OSV documents), or a local file (<c>file:</c> URL or path). HTTP sources
/// are revalidated with the stored ETag, so a daily refresh of an unchanged export downloads nothing. The download is
/// parsed whole before anything is replaced: a failed or partial download leaves the stored database as it was.
/// Used by <c>moat audit --update</c> and by the index's daily refresh.
/// </summary>
public sealed class AdvisoryUpdater(HttpClient http, TimeProvider time)
{
    /// <summary>osv.dev's export of every PyPI advisory (PyPA, GitHub, OpenSSF malicious packages), rebuilt daily.</summary>
    public const string DefaultSource = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip";

    /// <summary>
    /// Fetches <paramref name="source"/> into <paramref name="store"/>. Throws <see cref="AdvisoryUpdateException"/> with
    /// one line when the source cannot be read or is not an OSV database.
    /// </summary>
    public async Task<AdvisoryUpdate> UpdateAsync(AdvisoryStore store, string source, CancellationToken ct = default)
    {
        var uri = Parse(source);
        if (uri.IsFile) return Import(store, source, uri.LocalPath);

        var previous = store.Exists ? store.ReadState() : null;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (previous is { ETag: { } tag } && previous.Source == source && EntityTagHeaderValue.TryParse(tag, out var etag))
            request.Headers.IfNoneMatch.Add(etag);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode == HttpStatusCode.NotModified && previous is not null && store.Load() is { } unchanged)
            {
                var confirmed = previous with { CheckedAt = time.GetUtcNow() };
                store.SaveState(confirmed);
                return new AdvisoryUpdate(AdvisoryUpdateOutcome.NotModified, unchanged, confirmed);
            }
            if (!response.IsSuccessStatusCode)
                throw new AdvisoryUpdateException($"cannot update the advisory database from {source}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");

            var extension = uri.AbsolutePath.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ? ".tar.gz" : ".zip";
            var download = Path.Combine(Path.GetTempPath(), $"moat-advisories-{Guid.NewGuid():N}{extension}");
            try
            {
                await using (var body = await response.Content.ReadAsStreamAsync(ct))
                await using (var file = File.Create(download))
                {
                    await body.CopyToAsync(file, ct);
                }
                return Save(store, source, download, response.Headers.ETag?.ToString());
            }
            finally
            {
                File.Delete(download);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new AdvisoryUpdateException($"cannot update the advisory database from {source}: {(ex is TaskCanceledException ? "timed out" : ex.Message)}", ex);
        }
    }

    private AdvisoryUpdate Import(AdvisoryStore store, string source, string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new AdvisoryUpdateException($"cannot update the advisory database from {source}: no such file");
        return Save(store, source, path, etag: null);
    }

    private AdvisoryUpdate Save(AdvisoryStore store, string source, string path, string? etag)
    {
        OsvDatabase loaded;
        try
        {
            loaded = OsvDatabase.Load(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new AdvisoryUpdateException($"cannot update the advisory database from {source}: {ex.Message}", ex);
        }
        if (loaded.Advisories.Count == 0)
            throw new AdvisoryUpdateException($"cannot update the advisory database from {source}: it holds no OSV advisories");
        var database = OsvDatabase.FromAdvisories(loaded.Advisories, source);
        var state = new AdvisoryStoreState(source, etag, time.GetUtcNow(), database.Advisories.Count);
        store.Save(database, state);
        return new AdvisoryUpdate(AdvisoryUpdateOutcome.Updated, database, state);
    }

    /// <summary>An http(s) or file: URL, or a local path (made a file: URL).</summary>
    private static Uri Parse(string source)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file") return uri;
        if (!source.Contains("://", StringComparison.Ordinal)) return new Uri(Path.GetFullPath(source));
        throw new AdvisoryUpdateException($"the advisory source must be an http(s) URL, a file: URL or a path: {source}");
    }
}

/// <summary>An advisory refresh that failed, with one line saying why; the stored database is unchanged.</summary>
public sealed class AdvisoryUpdateException(string message, Exception? inner = null) : Exception(message, inner);
