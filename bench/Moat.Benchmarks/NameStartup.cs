using System.Globalization;
using System.Runtime;
using Moat.Analysis.Names;

namespace Moat.Benchmarks;

/// <summary>
/// <c>names-startup [NAME]</c>: what the first name check of a process costs, as counts that do not depend on the
/// machine's load: methods JIT-compiled and bytes allocated, stage by stage (the embedded corpus, the checker's maps,
/// the first check, a second one). Timings of <c>moat check NAME</c> (goal ≤ 0.2 s) need an idle machine
/// (<c>bench/names/check-startup.sh</c>); these counts show where start-up goes and whether a change moved it. The JIT
/// time column (the runtime's own clock of time spent compiling) is a timing: compare it between stages, not runs.
/// Run it as the first thing a fresh process does: anything measured before it is not counted.
/// </summary>
internal static class NameStartup
{
    public static void Run(string[] args)
    {
        var name = args.Length > 1 ? args[1] : "requets";
        var (jit0, bytes0, ms0, cpu0) = Counts();
        Console.WriteLine($"{"stage",-34} {"methods JIT-compiled",22} {"bytes allocated",16} {"JIT ms",8} {"CPU ms",8}");
        Console.WriteLine($"{"before (runtime + benchmark host)",-34} {jit0,22:N0} {bytes0,16:N0} {ms0,8:N1} {cpu0,8:N1}");
        var last = (jit0, bytes0, ms0, cpu0);
        void Stage(string label, Action action)
        {
            action();
            var now = Counts();
            Console.WriteLine($"{label,-34} {now.Jit - last.Item1,22:N0} {now.Bytes - last.Item2,16:N0} {now.Ms - last.Item3,8:N1} {now.Cpu - last.Item4,8:N1}");
            last = now;
        }
        PopularCorpus corpus = null!;
        NameChecker checker = null!;
        Stage("embedded corpus parsed", () => corpus = PopularCorpus.Embedded);
        Stage("checker built (maps)", () => checker = new NameChecker(corpus));
        IReadOnlyList<NameMatch> first = [];
        Stage($"first check ({name})", () => first = checker.Matches(name));
        Stage("second check (zzz-unrelated-name)", () => _ = checker.Matches("zzz-unrelated-name"));
        Console.WriteLine($"{"total",-34} {last.Item1 - jit0,22:N0} {last.Item2 - bytes0,16:N0} {last.Item3 - ms0,8:N1} {last.Item4 - cpu0,8:N1}");
        Console.WriteLine(first.Count == 0 ? $"{name}: no finding" : $"{name}: {first[0].Technique.Label()} → {first[0].Target} ({first[0].Score.ToString(CultureInfo.InvariantCulture)})");
    }

    private static (long Jit, long Bytes, double Ms, double Cpu) Counts() =>
        (System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false), GC.GetTotalAllocatedBytes(precise: true),
            System.Runtime.JitInfo.GetCompilationTime(currentThread: false).TotalMilliseconds, Environment.CpuUsage.TotalTime.TotalMilliseconds);
}
