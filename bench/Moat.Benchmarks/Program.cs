using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Moat.Benchmarks -- --filter '*Names*'
// Whole-run measurements that BenchmarkDotNet's micro-benchmark loop does not fit (one pass over 886,000 names with
// peak memory) are `--job dry`-style single runs or scripts in bench/; see docs/benchmarks.md for the numbers.
if (args is ["names-pass", ..]) { Moat.Benchmarks.NamePass.Run(args); return; }
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;
