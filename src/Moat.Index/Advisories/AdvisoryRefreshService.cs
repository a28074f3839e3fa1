using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moat.Analysis.Dependencies.Advisories;

namespace Moat.Index.Advisories;

/// <summary>
/// Keeps the index's advisory database fresh (<c>[advisories] refresh-hours</c>, daily by default, 0 turns it off):
/// a refresh a few minutes after start when the stored data was last checked longer ago than the interval (not at
/// once: a server restarted in a loop must not download the export each time), then every interval.
/// A failed refresh is logged and the current database kept; the age of the data in use is logged with a warning once
/// it passes <see cref="AdvisoryAge.StaleAfter"/>.
/// </summary>
public sealed class AdvisoryRefreshService(AdvisoryDatabase database, AdvisoryUpdater updater, IndexOptions options, TimeProvider time,
    ILogger<AdvisoryRefreshService> log) : BackgroundService
{
    public static readonly TimeSpan FirstRefreshAfter = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // When the data refuses downloads, say at start how old it is (this loads it; an index that never asks does not).
        if (options.RefuseVulnerabilities is not null)
        {
            await Task.Yield();
            var now = time.GetUtcNow();
            if (AdvisoryAge.IsStale(database.Current, now))
                log.LogWarning("Advisories: the data [policy] vulnerabilities uses is {Age}; it is refreshed from {Source}", AdvisoryAge.Describe(database.Current, now), options.Advisories.Source);
        }
        var interval = options.Advisories.RefreshInterval;
        if (interval <= TimeSpan.Zero) return;
        var lastChecked = database.Store.ReadState()?.CheckedAt;
        var wait = lastChecked is { } at && time.GetUtcNow() - at < interval ? interval - (time.GetUtcNow() - at) : FirstRefreshAfter;
        try
        {
            while (true)
            {
                await Task.Delay(wait, time, stoppingToken);
                wait = interval;
                await RefreshOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One refresh: the new database replaces the one in use; a failure keeps it and says so.</summary>
    public async Task RefreshOnceAsync(CancellationToken ct)
    {
        try
        {
            var update = await updater.UpdateAsync(database.Store, options.Advisories.Source, ct);
            database.Replace(update.Database);
            log.LogInformation("Advisories: {Outcome} from {Source}: {Count} advisories, {Age}", update.Outcome == AdvisoryUpdateOutcome.Updated ? "updated" : "unchanged",
                options.Advisories.Source, update.Database.Advisories.Count, AdvisoryAge.Describe(update.Database, time.GetUtcNow()));
        }
        catch (AdvisoryUpdateException ex)
        {
            log.LogWarning("Advisories: {Message}; keeping the database in use ({Age})", ex.Message, AdvisoryAge.Describe(database.Current, time.GetUtcNow()));
        }
    }
}
