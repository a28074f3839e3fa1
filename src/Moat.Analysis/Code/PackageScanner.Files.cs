namespace Moat.Analysis.Code;

/// <summary>
/// The analysis of a package's top-level files: one after the other, or several at once with the same findings.
/// </summary>
public static partial class PackageScanner
{
    /// <summary>One top-level file to analyse, with what decides its analysis.</summary>
    /// <param name="PreparedText">The text to analyse when it is not the file's own (a .pth file's executable lines).</param>
    /// <param name="Announced">A finding about the file that comes before its analysis' own (a .pth file's).</param>
    private sealed record FileJob(SourceFile Source, string? PreparedText, FileRole Role, CodeContext? BaseContext, IReadOnlySet<string>? EntryFunctions,
                                  Finding? Announced)
    {
        public string Path => Source.Path;

        /// <summary>Made when the file is analysed: a package's texts are not all held at once.</summary>
        public string Text() => PreparedText ?? IdentifierNormalization.Normalize(Source.Text);
    }

    /// <summary>What one file's analysis found when run on a package state of its own (null for a file left to its turn).</summary>
    private sealed class Speculation(List<Finding>? findings, ScanShared? state)
    {
        public static readonly Speculation InTurn = new(null, null);
        public List<Finding>? Findings { get; } = findings;
        public ScanShared? State { get; } = state;
    }

    // Larger files are analysed in turn on the calling thread, never two at once: their trees and values are most of a
    // scan's memory, and a package whose time goes to one large file gains nothing from the other cores.
    private const int MaxBytesAnalysedAtOnce = 256 * 1024;

    /// <summary>
    /// Analyses <paramref name="jobs"/> in order into <paramref name="findings"/>. With more than one worker
    /// (<see cref="CodeScanOptions.FileParallelism"/>) the files are analysed at once, each on a package state of its
    /// own, and their findings taken in order where the state it saw is the one the file would have seen in turn:
    /// always, unless the file decoded layers after an earlier file did (the package counts and de-duplicates layers)
    /// or reported a limit an earlier analysis of the same path reported. Such a file is analysed again, in turn. The
    /// findings are those of the files analysed one after the other.
    /// </summary>
    private static void AnalyseFiles(IReadOnlyList<FileJob> jobs, ScanShared shared, List<Finding> findings)
    {
        var workers = Math.Min(shared.Options.FileParallelism, jobs.Count);
        if (workers <= 1)
        {
            foreach (var job in jobs) Take(job, findings, () => AnalyseFile(job, shared, findings));
            return;
        }

        var outcomes = new Speculation?[jobs.Count];
        var next = -1;
        var gate = new object();
        Exception? failure = null;
        void Work()
        {
            try
            {
                for (int i; (i = Interlocked.Increment(ref next)) < jobs.Count && Volatile.Read(ref failure) is null;)
                {
                    if (jobs[i].Source.ByteLength > MaxBytesAnalysedAtOnce)
                    {
                        lock (gate)
                        {
                            outcomes[i] = Speculation.InTurn;
                            Monitor.PulseAll(gate);
                        }
                        continue;
                    }
                    var state = shared.Fresh();
                    var own = new List<Finding>();
                    AnalyseFile(jobs[i], state, own);
                    lock (gate)
                    {
                        outcomes[i] = new Speculation(own, state);
                        Monitor.PulseAll(gate);
                    }
                }
            }
            catch (Exception ex)
            {
                lock (gate)
                {
                    failure ??= ex;
                    Monitor.PulseAll(gate);
                }
            }
        }

        // Helpers that start after the calling thread has claimed every file find nothing left to do; none is waited for
        // unless it claimed a file, so a busy thread pool only means the calling thread does all the work.
        for (var h = 1; h < workers; h++) ThreadPool.UnsafeQueueUserWorkItem(_ => Work(), null);
        Work();

        for (var i = 0; i < jobs.Count; i++)
        {
            Speculation outcome;
            lock (gate)
            {
                while (outcomes[i] is null && failure is null) Monitor.Wait(gate);
                if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                outcome = outcomes[i]!;
                outcomes[i] = null;
            }
            var job = jobs[i];
            if (outcome.State is { } state && SameAsInTurn(state, shared))
            {
                shared.RecordLayers(state.ScannedPayloads, state.Layers);
                shared.LimitsReported.UnionWith(state.LimitsReported);
                Take(job, findings, () => findings.AddRange(outcome.Findings!));
            }
            else Take(job, findings, () => AnalyseFile(job, shared, findings));
        }
    }

    /// <summary>Whether an analysis run on a fresh state saw what it would have seen on the package's state now.</summary>
    private static bool SameAsInTurn(ScanShared fresh, ScanShared package)
    {
        if (!fresh.NoLayersYet && !package.NoLayersYet) return false;
        return !fresh.LimitsReported.Overlaps(package.LimitsReported);
    }

    /// <summary>Adds a file's findings (<paramref name="analyse"/>) after its announced one, numbered as in the whole file.</summary>
    private static void Take(FileJob job, List<Finding> findings, Action analyse)
    {
        if (job.Announced is { } announced) findings.Add(announced);
        var first = findings.Count;
        analyse();
        // The tail of a sampled file was analysed on its own: number its lines as in the whole file.
        if (job.Source.LineOffset is > 0 and var offset)
            for (var i = first; i < findings.Count; i++)
                if (findings[i].Location is { Line: > 0 } at && at.Path == job.Path)
                    findings[i] = findings[i] with { Location = at with { Line = at.Line + offset } };
    }

    /// <summary>Analyses one top-level file into <paramref name="findings"/>, or reuses the findings of the same file analysed before.</summary>
    private static void AnalyseFile(FileJob job, ScanShared shared, List<Finding> findings)
    {
        var cache = shared.Options.FileCache;
        var text = job.Text();
        var key = cache is null ? null : FileAnalysisCache.KeyOf(text, job.Role, job.BaseContext, job.EntryFunctions, shared.Options);
        if (key is not null && cache!.Find(key, job.Path, shared) is { } known)
        {
            findings.AddRange(known);
            return;
        }
        var first = findings.Count;
        var layerStateWasEmpty = shared.NoLayersYet;
        var analysis = new FileAnalysis(job.Path, text, job.Role, shared, findings, baseContext: job.BaseContext, installEntryFunctions: job.EntryFunctions);
        analysis.Run();
        if (key is not null) cache!.Remember(key, job.Path, findings[first..], analysis.Reads, shared, layerStateWasEmpty);
    }
}
