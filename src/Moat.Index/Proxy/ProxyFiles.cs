using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Moat.Analysis.Reporting;
using Moat.Index.Metrics;
using Moat.Index.Policy;
using Moat.Index.Storage;
using Moat.Packaging;
using Moat.Packaging.Distributions;

namespace Moat.Index.Proxy;

/// <summary>
/// Proxied files. The first request for a file downloads it from the upstream once (concurrent requests for the same
/// sha256 share that one download), verifies it against the sha256 the upstream page advertised (a mismatch is never
/// stored or served), stores it content-addressed, and runs the same <see cref="PolicyGate"/> as uploads before it is
/// ever served, then the provenance rules (<see cref="ProxyProvenance"/>: an attestation that does not verify, or a
/// break in the project's provenance continuity, holds the file). The decision is kept per sha256; quarantined files answer 403 with the reason, which pip prints.
/// </summary>
public sealed class ProxyFiles(Repositories repositories, ProxyStore store, LookalikeGuard lookalikes, IBlobStore blobs, PolicyGate gate,
    VulnerabilityPolicy vulnerabilities, ProxyProvenance provenance, ScanSignal scans, IndexMetrics metrics, ProxyMetrics proxyMetrics, ILogger<ProxyFiles> log)
{
    private readonly ConcurrentDictionary<string, object> _inflight = new(StringComparer.Ordinal);

    /// <summary>
    /// The firewall's decision for an upstream file, downloading it first when it is new. The scan itself runs on the
    /// scan queue's workers (<see cref="ProxyScanQueue"/>), never on the request: a file still being checked after
    /// <see cref="ProxyOptions.ScanWait"/> is refused with 503 and Retry-After, which pip retries.
    /// </summary>
    public async Task<ProxyResult<ProxiedFile>> EnsureJudgedAsync(ProxyRepository repository, UpstreamFile file, string project, CancellationToken ct)
    {
        var result = await StoredAsync(file.Sha256!) is { } known
            ? ProxyResult<ProxiedFile>.ForValue(known)
            // Checked again inside the shared download, under the cluster-wide claim: a request that missed the store just
            // before another download committed — in this process or on another node — must not fetch the file again.
            : await AwaitSharedAsync(file.Sha256!, (Lazy<Task<ProxyResult<ProxiedFile>>>)_inflight.GetOrAdd(file.Sha256!,
                _ => new Lazy<Task<ProxyResult<ProxiedFile>>>(() => Task.Run(() => ClaimAndDownloadAsync(repository, file, project)))), ct);
        return await result.Match(
            stored => stored.State == ProxiedFileState.Pending ? AwaitScanAsync(repository, stored, ct) : Task.FromResult(result),
            _ => Task.FromResult(result));
    }

    /// <summary>Waits (shared by every request for the file) up to the scan wait for the queue's decision; still pending then is a 503 to retry.</summary>
    private async Task<ProxyResult<ProxiedFile>> AwaitScanAsync(ProxyRepository repository, ProxiedFile pending, CancellationToken ct)
    {
        var key = "s:" + pending.Sha256;
        var lazy = (Lazy<Task<ProxyResult<ProxiedFile>>>)_inflight.GetOrAdd(key, _ => new Lazy<Task<ProxyResult<ProxiedFile>>>(() => Task.Run(async () =>
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                if (await store.GetAsync(pending.Sha256) is { State: not ProxiedFileState.Pending } decided) return ProxyResult<ProxiedFile>.ForValue(decided);
                if (waited.Elapsed >= repository.Options.ScanWait) break;
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
            proxyMetrics.Downloads.Inc("scan-pending");
            return ProxyResult<ProxiedFile>.ForRefusal(new ProxyRefusal(StatusCodes.Status503ServiceUnavailable,
                $"{pending.Filename} is being checked by Moat's firewall; retry in a few seconds", RetryAfter));
        })));
        return await AwaitSharedAsync(key, lazy, ct);
    }

    /// <summary>What a "being checked" answer asks clients to wait: pip honours Retry-After on a 503 between its retries.</summary>
    internal static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private async Task<ProxyResult<ProxiedFile>> ClaimAndDownloadAsync(ProxyRepository repository, UpstreamFile file, string project)
    {
        using var patience = new CancellationTokenSource(repository.Options.UpstreamTimeout * 4);
        IAsyncDisposable claim;
        try
        {
            claim = await store.ClaimDownloadAsync(file.Sha256!, patience.Token);
        }
        catch (OperationCanceledException)
        {
            return ProxyResult<ProxiedFile>.ForRefusal(StatusCodes.Status503ServiceUnavailable, $"{file.Filename} is still being downloaded and checked by another Moat node; try again");
        }
        await using (claim)
        {
            return await StoredAsync(file.Sha256!) is { } stored ? ProxyResult<ProxiedFile>.ForValue(stored) : await DownloadAndJudgeAsync(repository, file, project);
        }
    }

    /// <summary>The stored decision for a file whose blob is present, or null when it must be downloaded.</summary>
    private async Task<ProxiedFile?> StoredAsync(string sha256)
    {
        if (await store.GetAsync(sha256) is not { } known || !await blobs.ExistsAsync(known.Sha256, CancellationToken.None)) return null;
        return known;
    }

    /// <summary>Waits on a download others may share; counted in <c>moat_proxy_download_waiters</c> while it waits.</summary>
    private async Task<TResult> AwaitSharedAsync<TResult>(string key, Lazy<Task<TResult>> lazy, CancellationToken ct)
    {
        proxyMetrics.DownloadWaiters.Add(1);
        try
        {
            return await lazy.Value.WaitAsync(ct);
        }
        finally
        {
            proxyMetrics.DownloadWaiters.Add(-1);
            if (lazy.Value.IsCompleted) _inflight.TryRemove(new KeyValuePair<string, object>(key, lazy));
        }
    }

    /// <summary>Downloads, verifies, stores and judges one file.</summary>
    private async Task<ProxyResult<ProxiedFile>> DownloadAndJudgeAsync(ProxyRepository repository, UpstreamFile file, string project)
    {
        // Never cancelled by the requesting client: other clients may be waiting on the same download.
        using var timeout = new CancellationTokenSource(repository.Options.UpstreamTimeout * 4);
        var ct = timeout.Token;
        StagedBlob staged;
        try
        {
            using var response = await repository.Upstream.OpenFileAsync(file.Url, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            staged = await blobs.StageAsync(body, repository.Options.MaxFileBytes, null, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or BlobTooLargeException)
        {
            proxyMetrics.Downloads.Inc("failed");
            log.LogWarning("Upstream download of {Filename} failed: {Error}", file.Filename, ex.Message);
            return ProxyResult<ProxiedFile>.ForRefusal(StatusCodes.Status502BadGateway, $"Moat could not download {file.Filename} from the upstream index: {ex.Message}");
        }
        using (staged)
        {
            if (!string.Equals(staged.Sha256, file.Sha256, StringComparison.Ordinal))
            {
                proxyMetrics.Downloads.Inc("hash-mismatch");
                log.LogWarning("Upstream file {Filename} does not match its advertised sha256 {Expected} (got {Actual}); refused", file.Filename, file.Sha256, staged.Sha256);
                return ProxyResult<ProxiedFile>.ForRefusal(StatusCodes.Status502BadGateway,
                    $"Moat refused {file.Filename}: its content does not match the sha256 the upstream index advertised (expected {file.Sha256}, got {staged.Sha256}).");
            }
            proxyMetrics.Downloads.Inc("verified");
            await blobs.CommitAsync(staged, ct);
            await store.SaveDecisionAsync(staged.Sha256, file.Filename, project, ProxiedFileState.Pending, "waiting for the firewall's scan");
            await store.EnqueueScanAsync(staged.Sha256, file.Filename, project, repository.Name);
            scans.Wake();
            return ProxyResult<ProxiedFile>.ForValue((await store.GetAsync(staged.Sha256))!);
        }
    }

    /// <summary>
    /// Judges one claimed file of the scan queue — the gate, then the provenance rules — and records the decision,
    /// unless the claim expired meanwhile and another node took the file over (its decision stands then).
    /// </summary>
    public async Task ScanAsync(ScanClaim claim, CancellationToken ct)
    {
        using var lease = CancellationTokenSource.CreateLinkedTokenSource(ct);
        lease.CancelAfter(claim.Until - DateTimeOffset.UtcNow);
        var found = await repositories.FindFileAsync(claim.Project, claim.Filename, claim.Sha256, lease.Token);
        var repository = repositories.Proxies.FirstOrDefault(p => p.Name == claim.Repository) ?? found?.Proxy;
        ProxiedFileState state;
        string? reason;
        if (repository is null || found is not var (_, file))
            (state, reason) = (ProxiedFileState.Quarantined, $"{claim.Filename} is no longer offered by the upstream it came from; held until an admin releases it");
        else
        {
            var local = Path.Combine(Path.GetTempPath(), $"moat-scan-{Guid.NewGuid():N}");
            try
            {
                await using (var source = await blobs.OpenReadAsync(claim.Sha256, lease.Token) ?? throw new FileNotFoundException($"the stored content of {claim.Filename} is missing"))
                await using (var target = File.Create(local))
                    await source.CopyToAsync(target, lease.Token);
                (state, reason) = await JudgeAsync(repository, file, claim.Project, claim.Sha256, local, lease.Token);
                if (state == ProxiedFileState.Available && await provenance.HoldReasonAsync(repository, file, claim.Project, lease.Token) is { } hold)
                    (state, reason) = await store.Allowlist.IsAllowedAsync(claim.Project) ? (state, $"allowlisted: {hold}") : (ProxiedFileState.Quarantined, hold);
            }
            finally
            {
                File.Delete(local);
            }
        }
        if (!await store.CompleteScanAsync(claim))
        {
            log.LogWarning("The scan of {Filename} outlived its claim; another node decides it", claim.Filename);
            return;
        }
        await store.SaveDecisionAsync(claim.Sha256, claim.Filename, claim.Project, state, reason);
        proxyMetrics.Decisions.Inc(ProxiedFileStates.Name(state));
        repositories.StateChanged();
        if (state != ProxiedFileState.Available) log.LogWarning("Proxied file {Filename} quarantined: {Reason}", claim.Filename, reason);
    }

    /// <summary>The same gate as uploads. Scan errors quarantine (fail closed) unless configured otherwise; an allowlisted project is served whatever the verdict, which is still recorded.</summary>
    private async Task<(ProxiedFileState State, string? Reason)> JudgeAsync(ProxyRepository repository, UpstreamFile file, string project, string sha256, string path, CancellationToken ct)
    {
        try
        {
            var parsed = DistributionInspector.ParseFilename(file.Filename, out var error) ?? throw new InvalidDataException(error);
            var candidate = new UploadCandidate(file.Filename, NormalizedName.Of(project), parsed.Version.ToString(), sha256, new DistributionRead(path, file.Filename, parsed)) { History = await repository.HistoryAsync(project) };
            var decision = await gate.JudgeAsync(candidate, ct, repository.Options.FailClosed);
            metrics.Verdicts.Inc(ReportNames.Of(decision.Verdict), decision.ActionName);
            if (decision.Action == GateAction.Accept)
            {
                if (decision.Verdict is Moat.Analysis.Verdict.Suspicious or Moat.Analysis.Verdict.Unverified)
                    log.LogWarning("Proxied file {Filename} judged {Verdict}; served per policy", file.Filename, ReportNames.Of(decision.Verdict));
                return (ProxiedFileState.Available, null);
            }
            if (await store.Allowlist.IsAllowedAsync(project))
            {
                log.LogWarning("Proxied file {Filename} judged {Verdict} but {Project} is allowlisted; served", file.Filename, ReportNames.Of(decision.Verdict), project);
                return (ProxiedFileState.Available, $"allowlisted: {decision.Message}");
            }
            return (ProxiedFileState.Quarantined, decision.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "The policy gate failed on proxied file {Filename}", file.Filename);
            return repository.Options.FailClosed
                ? (ProxiedFileState.Quarantined, $"{file.Filename} could not be scanned ({ex.GetType().Name}: {ex.Message}); held until an admin releases it")
                : (ProxiedFileState.Available, $"served unscanned: {ex.Message}");
        }
    }

    /// <summary>Fetches and verifies a PEP 658 metadata file against the sha256 the upstream advertised; returns its blob sha256 or a refusal.</summary>
    public async Task<ProxyResult<string>> EnsureMetadataAsync(ProxyRepository repository, UpstreamFile file, CancellationToken ct)
    {
        var sha = file.CoreMetadataSha256!;
        if (await blobs.ExistsAsync(sha, ct)) return ProxyResult<string>.ForValue(sha);
        var lazy = (Lazy<Task<ProxyResult<string>>>)_inflight.GetOrAdd("m:" + sha, _ => new Lazy<Task<ProxyResult<string>>>(() => Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(repository.Options.UpstreamTimeout);
            try
            {
                using var response = await repository.Upstream.OpenFileAsync(file.Url + ".metadata", timeout.Token);
                var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                if (bytes.Length > DistributionInspector.MaxMetadataBytes || Convert.ToHexStringLower(SHA256.HashData(bytes)) != sha)
                    return ProxyResult<string>.ForRefusal(StatusCodes.Status502BadGateway, $"Moat refused the metadata of {file.Filename}: it does not match the upstream's sha256.");
                await blobs.PutAsync(bytes, timeout.Token);
                return ProxyResult<string>.ForValue(sha);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                return ProxyResult<string>.ForRefusal(StatusCodes.Status502BadGateway, $"Moat could not download the metadata of {file.Filename}: {ex.Message}");
            }
        })));
        return await AwaitSharedAsync("m:" + sha, lazy, ct);
    }

    /// <summary>
    /// Answers with a status, a reason phrase and a plain-text body. pip prints the reason phrase
    /// ("403 Client Error: &lt;reason&gt; for url: …"), so the phrase itself names the file and the rule.
    /// </summary>
    public static IResult Refuse(int status, string message) => new RefusalResult(status, message, null);

    private static IResult Refuse(ProxyRefusal refusal) => new RefusalResult(refusal.Status, refusal.Message, refusal.RetryAfter);

    private sealed class RefusalResult(int status, string message, TimeSpan? retryAfter) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            if (retryAfter is { } after) context.Response.Headers.RetryAfter = ((long)after.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (context.Features.Get<IHttpResponseFeature>() is { } feature) feature.ReasonPhrase = Errors.ReasonPhrase.From(message);
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(message + "\n");
        }
    }

    /// <summary>
    /// <c>GET /files/&lt;sha256&gt;/&lt;filename&gt;[.metadata]</c> for a file the hosted repository does not have. A hosted or
    /// reserved project name is never served from the upstream, even a file fetched before the name became internal.
    /// </summary>
    public async Task<IResult> ServeAsync(HttpContext context, string sha256, string filename, IMetadataStore hosted)
    {
        var ct = context.RequestAborted;
        var isMetadata = filename.EndsWith(".metadata", StringComparison.Ordinal);
        var distribution = isMetadata ? filename[..^".metadata".Length] : filename;
        if (repositories.Proxies.Count == 0 || UpstreamPageParser.Hex(sha256) != sha256 || ProjectOf(distribution) is not { } project
            || repositories.Proxies[0].Options.IsReserved(project) /* every proxy shares the reserved list */ || await hosted.GetProjectAsync(NormalizedName.Of(project), ct) is not null)
            return Results.NotFound();

        // Known vulnerabilities are judged on every request (advisories change daily), before anything is downloaded.
        if (!isMetadata && await vulnerabilities.RefusalAsync(distribution) is { } vulnerable) return Refuse(StatusCodes.Status403Forbidden, vulnerable);
        var known = await store.GetAsync(sha256);
        // A file still in the scan queue goes on to wait for its decision (unless an admin already decided it).
        if (known is not null && known.Filename == distribution && (known.State != ProxiedFileState.Pending || known.Override is not null))
        {
            if (!known.Servable) return Blocked(known);
            if (!isMetadata && await ServeBlobAsync(context, sha256, filename) is { } cached) return cached;
        }
        if (await repositories.FindFileAsync(project, distribution, sha256, ct) is not var (repository, file)) return Results.NotFound();
        // A lookalike name is refused before anything of it is downloaded, weighed with the history its page shows
        // (an admin's release of a file still wins above).
        if (await lookalikes.RefusalAsync(project, await repository.HistoryAsync(project), distribution) is { } lookalike) return Refuse(StatusCodes.Status403Forbidden, lookalike);
        if (repository.TooYoung(file)) return Refuse(StatusCodes.Status403Forbidden, repository.ReleaseAgeRefusal(file));
        if (isMetadata)
        {
            if (file.CoreMetadataSha256 is null) return Results.NotFound();
            return await (await EnsureMetadataAsync(repository, file, ct)).Match(
                async blob => await ServeBlobAsync(context, blob, filename) ?? Results.NotFound(),
                refusal => Task.FromResult(Refuse(refusal)));
        }
        return await (await EnsureJudgedAsync(repository, file, project, ct)).Match(
            async judged => judged.Servable
                ? await ServeBlobAsync(context, sha256, filename) ?? BlobDownloads.Missing(context, filename, sha256)
                : Blocked(judged),
            refusal => Task.FromResult(Refuse(refusal)));
    }

    private static IResult Blocked(ProxiedFile file) =>
        Refuse(StatusCodes.Status403Forbidden, file.Override == ProxyOverride.Blocked
            ? $"{file.Filename} is blocked by Moat: an admin blocked it{(string.IsNullOrEmpty(file.Reason) ? "" : ": " + file.Reason)}"
            : $"Blocked by Moat: {file.Reason ?? file.Filename + " is quarantined"}");

    private Task<IResult?> ServeBlobAsync(HttpContext context, string blob, string filename) =>
        BlobDownloads.ServeAsync(context, blobs, blob, filename, lastModified: null);

    public static string? ProjectOf(string filename) =>
        DistributionInspector.ParseFilename(filename, out _) is { } parsed ? ProjectName.Normalize(parsed.Name) : null;
}
