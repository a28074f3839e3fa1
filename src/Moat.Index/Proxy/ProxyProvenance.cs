using Microsoft.Extensions.Logging;
using Moat.Index.Provenance;
using Moat.Packaging.Distributions;

namespace Moat.Index.Proxy;

/// <summary>
/// Upstream provenance (PEP 740) on the proxy: an upstream file's provenance object, fetched from the URL its page
/// gives (once per file, kept in proxy.db), verified against the publisher it names, and the continuity rule across
/// upstream releases — a release of a project whose earlier releases were attested, arriving without an attestation,
/// with one that does not verify, or attested by another repository or workflow, is held with that reason.
/// </summary>
public sealed class ProxyProvenance(ProxyStore store, ProvenanceService provenance, ILogger<ProxyProvenance> log)
{
    /// <summary>A provenance object is a few kilobytes per attestation; anything near this is not one.</summary>
    private const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>How many earlier attested releases are consulted for continuity.</summary>
    private const int EarlierReleases = 3;

    /// <summary>The file's provenance as fetched and verified; null when the upstream lists none for it.</summary>
    public async Task<UpstreamProvenance?> FetchAsync(ProxyRepository repository, UpstreamFile file, string project, CancellationToken ct)
    {
        if (file.ProvenanceUrl is not { } url || file.Sha256 is not { } sha256) return null;
        if (await store.GetProvenanceAsync(sha256) is { Json: not null } known) return known;
        string json;
        try
        {
            using var response = await repository.Upstream.OpenFileAsync(url, ct);
            if (response.Content.Headers.ContentLength > MaxBytes) throw new IOException($"the provenance object is larger than {MaxBytes} bytes");
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var bounded = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                if (bounded.Length + read > MaxBytes) throw new IOException($"the provenance object is larger than {MaxBytes} bytes");
                bounded.Write(buffer, 0, read);
            }
            json = System.Text.Encoding.UTF8.GetString(bounded.GetBuffer(), 0, (int)bounded.Length);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            // Not kept: the next file of the project, or the next download, asks again.
            log.LogWarning("Provenance of {Filename} could not be fetched from {Url}: {Error}", file.Filename, url, ex.Message);
            return new UpstreamProvenance(sha256, file.Filename, project, false, null, $"the upstream's provenance could not be fetched ({ex.Message})", null);
        }
        var summary = provenance.Summarize(json, file.Filename, sha256);
        var result = new UpstreamProvenance(sha256, file.Filename, project, summary.Verified, summary.Signer, summary.Reason, json);
        await store.SaveProvenanceAsync(result);
        if (!summary.Verified) log.LogWarning("Provenance of {Filename} does not verify: {Reason}", file.Filename, summary.Reason);
        return result;
    }

    /// <summary>Why a newly proxied file is held for its provenance, or null when nothing is wrong with it.</summary>
    public async Task<string?> HoldReasonAsync(ProxyRepository repository, UpstreamFile file, string project, CancellationToken ct)
    {
        var current = await FetchAsync(repository, file, project, ct);
        // An upstream that lists provenance it cannot serve holds the file only when the proxy fails closed, as a gate error does.
        if (current is { Json: null } && !repository.Options.FailClosed) current = null;
        if (current is { Verified: false })
            return $"{file.Filename}'s attestation does not verify: {current.Reason}";
        if (await repository.CachedPageAsync(project) is not { } page || DistributionInspector.ParseFilename(file.Filename, out _) is not { } parsed) return null;
        var earlier = new List<(UpstreamFile File, Moat.Packaging.Versions.PackageVersion Version)>();
        foreach (var other in page.Files)
        {
            if (other.ProvenanceUrl is not null && other.Sha256 is not null && DistributionInspector.ParseFilename(other.Filename, out _) is { } o && o.Version.CompareTo(parsed.Version) < 0)
                earlier.Add((other, o.Version));
        }
        if (earlier.Count == 0) return null;
        earlier.Sort((a, b) => b.Version.CompareTo(a.Version));
        var signers = new List<SignerSummary>();
        foreach (var (earlierFile, _) in earlier.Take(EarlierReleases))
            if (await FetchAsync(repository, earlierFile, project, ct) is { Verified: true, Signer: { } signer }) signers.Add(signer);
        if (signers.Count == 0)
            return current is null ? $"provenance continuity: earlier releases of {project} carry attestations ({earlier[0].File.Filename}), this file carries none" : null;
        return ProvenanceContinuity.Break(project, signers, current?.Signer);
    }

    /// <summary>The provenance object of a file on a page Moat has cached, for the Integrity API: served on only when it verified.</summary>
    public async Task<UpstreamProvenance?> CachedAsync(Repositories repositories, string project, string version, string filename, CancellationToken ct)
    {
        foreach (var repository in repositories.Proxies)
        {
            if (await repository.CachedPageAsync(project) is not { } page) continue;
            if (page.Files.FirstOrDefault(f => f.Filename == filename) is not { } file) continue;
            if (ProxyRepository.ToRecord(project, file) is not { } record || Moat.Packaging.Filenames.CanonicalFilename.Release(record.Version) != Moat.Packaging.Filenames.CanonicalFilename.Release(version)) return null;
            return await FetchAsync(repository, file, project, ct);
        }
        return null;
    }
}
