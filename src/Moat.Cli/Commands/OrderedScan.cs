using System.Runtime.ExceptionServices;

namespace Moat.Cli.Commands;

/// <summary>
/// Runs <c>scan(0 … count-1)</c> on <c>degree</c> threads and hands the results on in index order, each as soon as it and
/// every one before it are done; a result handed on is no longer held here. The report of a directory of archives is
/// written while they are scanned, so the process holds a window of results rather than all of them (the malicious
/// corpus's 10,567 results were ~100 MB of the scan's peak memory). Indices are taken strictly in order, and a worker
/// waits rather than run too far ahead of the reader: more than <see cref="AheadPerThread"/> results per thread, or
/// while the results waiting to be handed on weigh more than <see cref="HeldWeight"/> (a result weighs its findings).
/// The window is wide because one slow target must not idle the other threads: with four results per thread, a
/// 1-second archive let the other worker scan eight small ones and then wait (the malicious corpus used 1.79 of 2
/// cores; with 256, 1.89).
/// </summary>
internal static class OrderedScan
{
    /// <summary>How many results a worker may run ahead of the reader, per thread.</summary>
    public const int AheadPerThread = 256;

    /// <summary>The weight of results held for the reader beyond which only the result it waits for is scanned.</summary>
    public const long HeldWeight = 16_384;

    /// <summary>
    /// The results in index order. The first exception a scan throws stops the workers and is rethrown to the reader
    /// once the results before it have been handed on; a reader that stops early stops the workers too.
    /// <paramref name="weigh"/> says what a result costs to hold (1 for each when not given).
    /// </summary>
    public static IEnumerable<T> Run<T>(int count, int degree, Func<int, T> scan, Action? scanned = null, Func<T, int>? weigh = null) where T : class
    {
        var slots = new T?[count];
        var weights = new int[count];
        var gate = new object();
        var next = -1;
        var handedOn = 0; // the index the reader waits for
        long held = 0; // the weight of the results scanned and not yet handed on
        var window = AheadPerThread * Math.Max(1, degree);
        var stop = 0;
        ExceptionDispatchInfo? failure = null;

        void Work()
        {
            while (Volatile.Read(ref stop) == 0)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= count) return;
                lock (gate)
                {
                    // The index the reader waits for never waits (it is the smallest one taken), so the run always moves.
                    while ((i >= handedOn + window || (i > handedOn && held > HeldWeight)) && Volatile.Read(ref stop) == 0) Monitor.Wait(gate);
                }
                if (Volatile.Read(ref stop) != 0) return;
                T result;
                try
                {
                    result = scan(i);
                }
                catch (Exception ex)
                {
                    lock (gate)
                    {
                        failure ??= ExceptionDispatchInfo.Capture(ex);
                        Volatile.Write(ref stop, 1);
                        Monitor.PulseAll(gate);
                    }
                    return;
                }
                var weight = Math.Max(1, weigh?.Invoke(result) ?? 1);
                lock (gate)
                {
                    slots[i] = result;
                    weights[i] = weight;
                    held += weight;
                    Monitor.PulseAll(gate);
                }
                scanned?.Invoke();
            }
        }

        var workers = new Task[Math.Clamp(degree, 1, Math.Max(1, count))];
        for (var w = 0; w < workers.Length; w++) workers[w] = Task.Factory.StartNew(Work, TaskCreationOptions.LongRunning);
        try
        {
            for (var i = 0; i < count; i++)
            {
                T? result;
                lock (gate)
                {
                    while (slots[i] is null && failure is null) Monitor.Wait(gate);
                    result = slots[i];
                    slots[i] = null;
                    held -= weights[i];
                    handedOn = i + 1;
                    Monitor.PulseAll(gate);
                }
                if (result is null) break; // a scan failed: what came before it was handed on
                yield return result;
            }
        }
        finally
        {
            lock (gate)
            {
                Volatile.Write(ref stop, 1);
                Monitor.PulseAll(gate);
            }
            Task.WaitAll(workers);
        }
        failure?.Throw();
    }
}
