using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Proxy;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// The scan queue of proxied downloads: requests never run a scan (a file still being checked answers 503 with
/// Retry-After), claims are leases, and a claim whose node died is taken over once it expires. On both engines.
/// </summary>
public sealed class ProxyScanQueueTests : IDisposable
{
    private readonly StaticUpstream _upstream = StaticUpstream.Start();
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("moat-scan-queue-");
    private readonly string? _database = TestStorage.NewDatabase();

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task A_claim_is_a_lease_that_another_node_takes_over_once_it_expires()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        using var database = Database.Open(_database, Path.Combine(_root.FullName, "proxy.db"));
        var store = ProxyStore.Open(database, time);
        var (first, second) = (new string('a', 64), new string('b', 64));
        await store.EnqueueScanAsync(first, "a-1.0.tar.gz", "a", "pypi");
        time.Now += TimeSpan.FromSeconds(1);
        await store.EnqueueScanAsync(second, "b-1.0.tar.gz", "b", "pypi");
        await store.EnqueueScanAsync(first, "a-1.0.tar.gz", "a", "pypi"); // queued once

        var crashed = await store.ClaimScanAsync("node-a", TimeSpan.FromMinutes(5));
        Assert.Equal((first, 1L), (crashed!.Sha256, crashed.Attempts)); // oldest first
        var other = await store.ClaimScanAsync("node-b", TimeSpan.FromMinutes(5));
        Assert.Equal(second, other!.Sha256);
        Assert.Null(await store.ClaimScanAsync("node-b", TimeSpan.FromMinutes(5))); // both held
        Assert.True(await store.CompleteScanAsync(other));

        // node-a died holding the first file: once its lease runs out, node-b gets it.
        time.Now += TimeSpan.FromMinutes(4);
        Assert.Null(await store.ClaimScanAsync("node-b", TimeSpan.FromMinutes(5)));
        time.Now += TimeSpan.FromMinutes(2);
        var takenOver = await store.ClaimScanAsync("node-b", TimeSpan.FromMinutes(5));
        Assert.Equal((first, "node-b", 2L), (takenOver!.Sha256, takenOver.Node, takenOver.Attempts));
        // The late first node's result is not recorded over the new claim; the new claim's is.
        Assert.False(await store.CompleteScanAsync(crashed));
        Assert.Equal(1, await store.QueuedScansAsync());
        Assert.True(await store.CompleteScanAsync(takenOver));
        Assert.Equal(0, await store.QueuedScansAsync());
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_file()
    {
        using var database = Database.Open(_database, Path.Combine(_root.FullName, "proxy.db"));
        var store = ProxyStore.Open(database);
        var shas = Enumerable.Range(0, 20).Select(i => Convert.ToHexStringLower(SHA256.HashData([(byte)i]))).ToList();
        foreach (var sha in shas) await store.EnqueueScanAsync(sha, $"p{sha[..6]}-1.0.tar.gz", "p", "pypi");
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => Task.Run(async () =>
        {
            var mine = new List<string>();
            while (await store.ClaimScanAsync($"node-{n}", TimeSpan.FromMinutes(5)) is { } claim) mine.Add(claim.Sha256);
            return mine;
        })));
        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(shas.Order(), all.Order());
    }

    [Fact]
    public async Task A_download_whose_scan_is_not_done_in_time_answers_503_with_retry_after_and_is_served_once_judged()
    {
        var dist = _upstream.AddWheel("slowscan", "1.0");
        await using var index = await TestIndex.StartAsync(o => o with
        {
            Proxy = new ProxyOptions { Upstream = _upstream.SimpleUrl, ScanWait = TimeSpan.Zero },
            OnMalicious = GatePolicyAction.Quarantine,
        });
        await index.GetAsync("/simple/slowscan/", "text/html");
        var url = $"/files/{dist.Sha256}/{dist.Filename}";
        using (var first = await index.Client.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), first.Headers.RetryAfter?.Delta);
            Assert.Contains("is being checked by Moat's firewall; retry", first.ReasonPhrase);
        }
        byte[]? served = null;
        for (var attempt = 0; attempt < 200 && served is null; attempt++)
        {
            using var retry = await index.Client.GetAsync(url);
            if (retry.StatusCode == HttpStatusCode.OK) served = await retry.Content.ReadAsByteArrayAsync();
            else
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, retry.StatusCode);
                await Task.Delay(50);
            }
        }
        Assert.Equal(dist.Content, served);
        Assert.Equal(1, _upstream.FileDownloads);
        var store = index.App.Services.GetRequiredService<ProxyStore>();
        Assert.Equal(ProxiedFileState.Available, (await store.GetAsync(dist.Sha256))!.State);
        Assert.Equal(0, await store.QueuedScansAsync());
    }

    public void Dispose()
    {
        _upstream.Dispose();
        TestStorage.Drop(_database);
        try { _root.Delete(recursive: true); } catch (IOException) { }
    }
}
