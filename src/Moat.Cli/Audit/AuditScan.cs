using System.Globalization;
using Moat.Analysis;
using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Checks;
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

    /// <summary>
    /// One line naming the dependencies the scan could not cover (null when it covered all): they are reported
    /// unverified, and the line says so where a reader of a long report or of JSON on stdout will see it.
    /// </summary>
    public static string? Unverified(IReadOnlyList<ScanResult> results)
    {
        var unscanned = results
            .Where(r => r.Kind == TargetKind.Dependency && r.Findings.Any(f => f.RuleId == PackageScanCheck.NotScanned.Id))
            .Select(r => (r.Target, Reason: r.Findings.First(f => f.RuleId == PackageScanCheck.NotScanned.Id).Message))
            .ToList();
        if (unscanned.Count == 0) return null;
        var named = string.Join("; ", unscanned.Take(3).Select(u => $"{u.Target} ({u.Reason})")) + (unscanned.Count > 3 ? $"; and {unscanned.Count - 3} more" : "");
        return $"moat: {unscanned.Count} {(unscanned.Count == 1 ? "dependency" : "dependencies")} could not be scanned and {(unscanned.Count == 1 ? "is" : "are")} reported unverified, not clean: {named}";
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
