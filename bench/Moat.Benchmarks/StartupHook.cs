using System.Globalization;
using System.Runtime;

/// <summary>
/// What a whole process cost, as counts that hold on a loaded machine: load this assembly as a .NET startup hook into
/// any command (<c>DOTNET_STARTUP_HOOKS=bench/Moat.Benchmarks/bin/Release/net10.0/Moat.Benchmarks.dll moat check
/// requets</c>) and, as the process exits, it writes to stderr the methods the JIT compiled (what ReadyToRun removes),
/// the IL bytes they held, the bytes allocated and the garbage collections. Used by <c>bench/names/check-startup.sh</c>
/// to compare the installed <c>moat</c> with and without ReadyToRun. The runtime looks for this exact type name in
/// the global namespace.
/// </summary>
internal static class StartupHook
{
    public static void Initialize() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"process counts: methods JIT-compiled {JitInfo.GetCompiledMethodCount()}, IL bytes JIT-compiled {JitInfo.GetCompiledILBytes()}, bytes allocated {GC.GetTotalAllocatedBytes()}, GCs gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, "
        + $"JIT time {JitInfo.GetCompilationTime().TotalSeconds:F2} s, GC pauses {GC.GetTotalPauseDuration().TotalSeconds:F2} s"));
}
