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
        // thing the scan keeps, so at most a few exist at once (not all 200).
        var alive = 0;
        var mostAlive = 0;
        var gate = new object();
        foreach (var result in OrderedScan.Run(200, 2, i =>
                 {
                     lock (gate) mostAlive = Math.Max(mostAlive, ++alive);
                     return new object();
                 }))
        {
            Thread.Sleep(1);
            lock (gate) alive--;
        }
        Assert.InRange(mostAlive, 1, 20);
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
