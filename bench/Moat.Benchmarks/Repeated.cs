using System.Diagnostics;

namespace Moat.Benchmarks;

/// <summary>
/// Runs an action again and again for a few seconds (at least three times) and gives its best and mean wall time: the
/// best is the figure least disturbed by a shared machine, the mean says how disturbed it was.
/// </summary>
public static class Repeated
{
    public static (double BestMs, double MeanMs, int Runs) For(double seconds, Action action)
    {
        var best = double.MaxValue;
        var total = 0.0;
        var runs = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || runs < 3)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            best = Math.Min(best, ms);
            total += ms;
            runs++;
        }
        return (best, total / runs, runs);
    }
}
