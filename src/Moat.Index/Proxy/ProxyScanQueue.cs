using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Moat.Index.Proxy;

/// <summary>Wakes this node's scan workers when a download queued a file (other nodes' files are found by polling).</summary>
public sealed class ScanSignal
{
    private readonly SemaphoreSlim _queued = new(0);

    public void Wake() => _queued.Release();

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _queued.WaitAsync(timeout, ct);
}

/// <summary>
/// The workers that judge proxied downloads: each claims the oldest unclaimed file from the shared queue (a lease of
/// <see cref="ProxyOptions.ScanLease"/>), scans it (<see cref="ProxyFiles.ScanAsync"/>) and records the decision. A
/// request never runs a scan itself, so a slow scan holds no request thread; a node that dies mid-scan leaves a
/// claim that expires and another node's worker takes the file over.
/// </summary>
public sealed class ProxyScanQueue(Repositories repositories, ProxyStore store, ProxyFiles files, ScanSignal signal, ILogger<ProxyScanQueue> log) : BackgroundService
{
    /// <summary>This process's name on its claims.</summary>
    private readonly string _node = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (repositories.Proxies.Count == 0) return Task.CompletedTask;
        var lease = repositories.Proxies.Max(p => p.Options.ScanLease);
        var workers = Math.Max(1, Environment.ProcessorCount);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(lease, stoppingToken), CancellationToken.None)));
    }

    private async Task WorkAsync(TimeSpan lease, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await store.ClaimScanAsync(_node, lease, ct) is { } claim)
                {
                    if (claim.Attempts > 1) log.LogWarning("Taking over the scan of {Filename} (attempt {Attempts}): an earlier claim expired", claim.Filename, claim.Attempts);
                    await files.ScanAsync(claim, ct);
                    continue;
                }
                // Nothing queued: wait for this node's next download, or poll for other nodes' files and expired claims.
                await signal.WaitAsync(TimeSpan.FromSeconds(1), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The claim stays until its lease expires; then this or another node tries again.
                log.LogError(ex, "A proxied file's scan failed; it is retried when its claim expires");
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
