using Moat.Cli.Commands;

namespace Moat.Cli.Tests;

/// <summary>Results of a parallel scan come back in target order, released as they are handed on.</summary>
public class OrderedScanTests
{
    [Fact]
    public void Results_come_in_index_order_whatever_order_the_scans_finish_in()
    {
        // Odd indices take longer, so later even ones finish first on the other thread.
        var results = OrderedScan.Run(40, 3, i =>
        {
            Thread.Sleep(i % 2 == 1 ? 15 : 1);
            return $"result {i}";
        }).ToList();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"result {i}"), results);
    }

    [Fact]
    public void Only_a_window_of_results_is_held_while_the_reader_takes_them()
    {
        // A reader that holds each result only while it looks at it: a finished result not yet handed on is the only
        // thing the scan keeps, so at most a window of them exist at once (not all 3,000).
        var mostAlive = MostAlive(3000, degree: 2, weight: 1);
        Assert.InRange(mostAlive, 1, OrderedScan.AheadPerThread * 2 + 2);
    }

    [Fact]
    public void Heavy_results_narrow_the_window()
    {
        // Results that weigh a quarter of what may be held: a handful at once, not the 512 the count window allows.
        var mostAlive = MostAlive(600, degree: 2, weight: (int)(OrderedScan.HeldWeight / 4));
        Assert.InRange(mostAlive, 1, 8);
    }

    [Fact]
    public void Results_each_heavier_than_the_whole_window_still_all_come_in_order()
    {
        var results = OrderedScan.Run(100, 3, i => $"result {i}", weigh: _ => (int)OrderedScan.HeldWeight + 1).ToList();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"result {i}"), results);
    }

    [Fact]
    public void A_slow_target_does_not_idle_the_other_worker()
    {
        // Target 0 takes long; the other worker goes on with the small targets after it rather than wait for the
        // reader to take target 0 (with a window of a few results it scanned eight and stopped).
        using var slowDone = new ManualResetEventSlim();
        var scannedWhileSlow = 0;
        var results = OrderedScan.Run(400, 2, i =>
        {
            if (i == 0) { Thread.Sleep(300); slowDone.Set(); }
            else if (!slowDone.IsSet) Interlocked.Increment(ref scannedWhileSlow);
            return $"result {i}";
        }).ToList();
        Assert.Equal(400, results.Count);
        Assert.True(scannedWhileSlow >= 300, $"only {scannedWhileSlow} targets were scanned while the slow one ran");
    }

    private static int MostAlive(int count, int degree, int weight)
    {
        var alive = 0;
        var mostAlive = 0;
        var gate = new object();
        var taken = 0;
        foreach (var result in OrderedScan.Run(count, degree, i =>
                 {
                     lock (gate) mostAlive = Math.Max(mostAlive, ++alive);
                     return new object();
                 }, weigh: _ => weight))
        {
            if (++taken % 10 == 0) Thread.Sleep(1); // a reader slower than the scans, so the window fills
            lock (gate) alive--;
        }
        return mostAlive;
    }

    [Fact]
    public void A_failing_scan_stops_the_run_after_the_results_before_it()
    {
        var started = 0;
        var handed = new List<string>();
        var error = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var result in OrderedScan.Run(1000, 2, i =>
                     {
                         Interlocked.Increment(ref started);
                         if (i == 5) throw new InvalidOperationException("target 5 could not be read");
                         return $"result {i}";
                     }))
                handed.Add(result);
        });
        Assert.Equal("target 5 could not be read", error.Message);
        Assert.Equal(Enumerable.Range(0, handed.Count).Select(i => $"result {i}"), handed);
        Assert.True(handed.Count <= 5);
        Assert.True(started < 100, $"{started} scans started after the failure was known");
    }

    [Fact]
    public void A_reader_that_stops_early_stops_the_workers()
    {
        var started = 0;
        var first = OrderedScan.Run(10_000, 2, i =>
        {
            Interlocked.Increment(ref started);
            Thread.Sleep(1);
            return $"result {i}";
        }).Take(3).ToList();
        Assert.Equal(["result 0", "result 1", "result 2"], first);
        var afterStop = Volatile.Read(ref started);
        Thread.Sleep(50);
        Assert.Equal(afterStop, Volatile.Read(ref started));
        Assert.True(afterStop < 100, $"{afterStop} scans started for a reader that took 3");
    }
}
