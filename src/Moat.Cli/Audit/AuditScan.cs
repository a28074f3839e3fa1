using System.Globalization;
using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Manifests;
using Spectre.Console;

namespace Moat.Cli.Audit;

/// <summary><c>moat audit --scan</c>'s console side: a progress bar on a terminal, nothing on a pipe, and a one-line summary.</summary>
internal static class AuditScan
{
    public static (IReadOnlyDictionary<Dependency, PackageScan> Scans, IndexScanSummary Summary) Run(IReadOnlyList<Dependency> dependencies, IndexScanOptions options, TextWriter error)
    {
        var showProgress = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        if (!showProgress) return IndexPackageScanner.ScanAsync(dependencies, options).GetAwaiter().GetResult();

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress().AutoClear(true).StartAsync(async context =>
        {
            var task = context.AddTask("scanning pinned packages", maxValue: 1);
            var progress = new Progress<(int Done, int Total)>(p =>
            {
                task.MaxValue = Math.Max(1, p.Total);
                task.Value = Math.Max(task.Value, p.Done); // reports may arrive out of order
            });
            return await IndexPackageScanner.ScanAsync(dependencies, options, progress);
        }).GetAwaiter().GetResult();
    }

    public static string Describe(IndexScanSummary summary)
    {
        var unscanned = summary.Unscanned switch { 0 => "", 1 => ", 1 dependency not scanned", var n => $", {n} dependencies not scanned" };
        var size = summary.BytesDownloaded >= 1 << 20
            ? string.Create(CultureInfo.InvariantCulture, $"{summary.BytesDownloaded / 1048576.0:0.0} MiB")
            : string.Create(CultureInfo.InvariantCulture, $"{summary.BytesDownloaded / 1024.0:0.0} KiB");
        return string.Create(CultureInfo.InvariantCulture,
            $"scan: {summary.Files} files of {summary.Dependencies} pinned dependencies, {summary.FromCache} from cache, {summary.Downloaded} downloaded ({size}){unscanned}");
    }
}
