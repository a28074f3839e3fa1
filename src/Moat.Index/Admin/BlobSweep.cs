using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moat.Index.Proxy;
using Moat.Index.Storage;

namespace Moat.Index.Admin;

/// <summary>What a sweep found (and, when deleting, removed): orphans with their sizes, and what it kept.</summary>
public sealed record SweepReport(IReadOnlyList<StoredBlob> Orphans, IReadOnlyList<StoredBlob> Deleted, int Referenced, int TooYoung)
{
    public long OrphanBytes => Orphans.Sum(b => b.Bytes);
    public long DeletedBytes => Deleted.Sum(b => b.Bytes);
}

/// <summary>
/// Finds and removes orphan blobs: content no row refers to. They come from a crash between committing a blob and
/// its row (uploads write the blob first, so a crash never leaves a row without content), from uploads abandoned in
/// staging, and from deleted files (deleting a file removes its row; the bytes stay until swept).
/// <para>
/// Referenced means: a hosted file or its PEP 658 metadata (<see cref="IMetadataStore.ReferencedBlobsAsync"/>), or a
/// proxied file or metadata (<see cref="ProxyStore.ReferencedBlobsAsync"/>). Nothing written within the grace period
/// is touched, which is what keeps an upload in flight safe: its blob is committed moments before its row, and a
/// re-upload of an orphan's bytes refreshes the orphan's time (<see cref="IBlobStore.CommitAsync"/>). The
/// blobs are listed before the references are read, so a row committed during the sweep is always seen.
/// </para>
/// </summary>
public sealed class BlobSweep(IMetadataStore store, ProxyStore? proxy, IBlobStore blobs, TimeProvider time)
{
    /// <summary>Long enough for any upload to go from staging to a committed row.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromHours(1);

    public async Task<SweepReport> RunAsync(TimeSpan grace, bool delete, CancellationToken ct = default)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - grace;
        var listed = new List<StoredBlob>();
        await foreach (var blob in blobs.ListAsync(ct)) listed.Add(blob);
        var referenced = new HashSet<string>(await store.ReferencedBlobsAsync(ct), StringComparer.Ordinal);
        if (proxy is not null) referenced.UnionWith(await proxy.ReferencedBlobsAsync());

        var orphans = new List<StoredBlob>();
        int kept = 0, young = 0;
        foreach (var blob in listed)
        {
            if (!blob.Staging && referenced.Contains(blob.Name)) kept++;
            else if (blob.LastWriteUtc >= cutoff) young++;
            else orphans.Add(blob);
        }
        var deleted = new List<StoredBlob>();
        if (delete)
        {
            foreach (var orphan in orphans)
            {
                ct.ThrowIfCancellationRequested();
                if (await blobs.DeleteAsync(orphan, cutoff, ct)) deleted.Add(orphan);
            }
        }
        return new SweepReport(orphans, deleted, kept, young);
    }
}

/// <summary>
/// The periodic sweep in <c>moat serve</c> (<c>[server] blob-sweep-hours</c>, daily by default, 0 turns it off):
/// first a few minutes after start, so a server restarted every day still sweeps, then every interval.
/// </summary>
public sealed class BlobSweepService(BlobSweep sweep, IndexOptions options, ILogger<BlobSweepService> log) : BackgroundService
{
    public static readonly TimeSpan FirstSweepAfter = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.BlobSweepInterval <= TimeSpan.Zero) return;
        var wait = FirstSweepAfter < options.BlobSweepInterval ? FirstSweepAfter : options.BlobSweepInterval;
        try
        {
            while (true)
            {
                await Task.Delay(wait, stoppingToken);
                wait = options.BlobSweepInterval;
                try
                {
                    var report = await sweep.RunAsync(options.BlobGrace, delete: true, stoppingToken);
                    log.LogInformation("Blob sweep: deleted {Count} orphan blobs ({Bytes} bytes); {Referenced} referenced, {Young} within the grace period",
                        report.Deleted.Count, report.DeletedBytes, report.Referenced, report.TooYoung);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogError(ex, "Blob sweep failed; the next one runs in {Interval}", options.BlobSweepInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
