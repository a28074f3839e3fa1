#if MOAT_TEST_POSTGRESQL
using System.Net;
using System.Text.Json;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// Two nodes on one PostgreSQL database and one blob store: a change made through one is served by the other at once,
/// not when its cached page is due for revalidation. Only in the PostgreSQL twin.
/// </summary>
public sealed class ClusterTests
{
    private const string Json = "application/vnd.pypi.simple.v1+json";

    [Fact]
    public async Task A_yank_and_a_project_status_change_on_one_node_are_served_by_the_other_at_once()
    {
        // Pages would otherwise be trusted for an hour: only the other node's notification can make them current.
        await using var first = await TestIndex.StartAsync(o => o with { PageRevalidateAfter = TimeSpan.FromHours(1) });
        await using var second = await TestIndex.StartAsync(o => o with
        {
            Database = first.Options.Database, DataDirectory = first.DataDirectory, Blobs = first.Options.Blobs, PageRevalidateAfter = TimeSpan.FromHours(1),
        });
        var token = await first.TokenAsync("alpha-pkg");
        Assert.Equal(HttpStatusCode.OK, (await first.UploadWheelAsync(token, "alpha-pkg", "1.0")).StatusCode);
        Assert.False(Yanked(await SoonAsync(second, page => page.GetProperty("files").GetArrayLength() == 1)));

        Assert.True((await first.Admin.YankAsync("alpha-pkg", "1.0", true, "broken")).Ok);
        Assert.True(Yanked(await SoonAsync(second, page => Yanked(page))));

        Assert.True((await first.Admin.SetStatusAsync("alpha-pkg", "archived", "moved")).Ok);
        var archived = await SoonAsync(second, page => page.TryGetProperty("project-status", out var status) && status.GetProperty("status").GetString() == "archived");
        Assert.Equal("archived", archived.GetProperty("project-status").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Failed_logins_from_one_address_spread_over_two_nodes_stop_at_one_shared_cap()
    {
        // Each node alone would admit the cap: only the shared counter row stops the pair at it.
        const int cap = 10;
        await using var first = await TestIndex.StartAsync(o => o with { Security = o.Security with { FailuresPerAddress = cap } });
        await using var second = await TestIndex.StartAsync(o => o with
        {
            Database = first.Options.Database, DataDirectory = first.DataDirectory, Blobs = first.Options.Blobs, Security = o.Security with { FailuresPerAddress = cap },
        });
        var answers = await Task.WhenAll(Enumerable.Range(0, 3 * cap).Select(i =>
            LoginThrottleTests.LoginAsync(i % 2 == 0 ? first : second, $"nobody-{i}", "wrong-password-123")));
        Assert.Equal(cap, answers.Count(a => a.Status == 401));
        Assert.Equal(2 * cap, answers.Count(a => a.Status == 429));
    }

    [Fact]
    public async Task A_download_claim_waits_for_the_node_holding_it_past_the_command_timeout_and_gives_up_only_when_its_caller_does()
    {
        // The node holding a file's download may work longer than a statement is allowed to (a one-second command
        // timeout here, 30 s by default); the others must keep waiting for it, not fail with a database error.
        var url = TestStorage.NewDatabase()!;
        try
        {
            var builder = Database.PostgreSqlConnectionString(url);
            builder.CommandTimeout = 1;
            await using var node = Database.PostgreSql(builder.ConnectionString);
            Task<IAsyncDisposable> waiting;
            await using (await node.LockAsync("proxy-download:sha", CancellationToken.None))
            {
                using (var impatient = new CancellationTokenSource(TimeSpan.FromSeconds(1.5)))
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => node.LockAsync("proxy-download:sha", impatient.Token));
                waiting = node.LockAsync("proxy-download:sha", CancellationToken.None);
                await Task.Delay(TimeSpan.FromSeconds(2));
                Assert.False(waiting.IsCompleted, waiting.Exception?.ToString() ?? "the second claim was granted while the first was held");
            }
            await using (await waiting.WaitAsync(TimeSpan.FromSeconds(30))) { }
        }
        finally
        {
            TestStorage.Drop(url);
        }
    }

    private static bool Yanked(JsonElement page) => page.GetProperty("files")[0].TryGetProperty("yanked", out var y) && y.ValueKind != JsonValueKind.False;

    /// <summary>The node's JSON page once <paramref name="expected"/> holds, within two seconds (a notification's round trip).</summary>
    private static async Task<JsonElement> SoonAsync(TestIndex node, Func<JsonElement, bool> expected)
    {
        JsonElement page = default;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            page = JsonDocument.Parse(await node.GetAsync("/simple/alpha-pkg/", Json)).RootElement;
            if (expected(page)) return page;
            await Task.Delay(20);
        }
        return page;
    }
}
#endif
