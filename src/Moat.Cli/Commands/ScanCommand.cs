using System.CommandLine;
using Moat.Analysis;
using Moat.Analysis.Code;
using Moat.Analysis.Reporting;
using Spectre.Console;

namespace Moat.Cli.Commands;

/// <summary>
/// <c>moat scan PATH…</c>: malicious-code analysis of package archives, unpacked packages, single .py/.pth files, and
/// directories full of archives (scanned in parallel, one result per archive).
/// </summary>
public static class ScanCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("path") { Description = "Archives (.whl, .tar.gz, .zip…), package directories, .py/.pth files, or directories of archives.", Arity = ArgumentArity.OneOrMore };
        var explain = new Option<bool>("--explain") { Description = "Show every finding with its decoded layers (default text output hides info-level findings of clean targets)." };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Archives scanned in parallel (default: the number of cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var common = new CommonOptions();
        var command = new Command("scan", "Scan Python packages for malicious code: install hooks, obfuscated payloads, stealers, droppers.") { paths, explain, jobs };
        common.AddTo(command);
        command.SetAction(parse =>
        {
            var targets = Expand(parse.GetValue(paths) ?? []);
            var degree = Math.Max(1, parse.GetValue(jobs));
            var text = parse.GetValue(common.Format) == "text";
            var toStandardOutput = parse.GetValue(common.Output) is null;
            var results = ScanAll(targets, degree, parse.InvocationConfiguration.Error);
            if (!parse.GetValue(explain) && text)
            {
                // Without --explain, clean targets are summarised rather than listed with their capability notes.
                results = results.Select(r => r.Verdict == Verdict.Clean ? r with { Findings = [.. r.Findings.Where(f => f.Severity >= Severity.Medium)] } : r);
            }
            // What the closing summary needs, kept while the results themselves go to the report one by one.
            var summary = new List<(string Target, Verdict Verdict, double Score)>(targets.Count);
            var exit = common.Report(parse, results.Select(r =>
            {
                summary.Add((r.Target, r.Verdict, r.Score));
                return r;
            }));
            if (summary.Count > 1 && text && toStandardOutput)
                WriteSummary(parse.InvocationConfiguration.Output, summary);
            return exit;
        });
        return command;
    }

    /// <summary>Each argument as a scan target; a directory holding archives (and no Python project) becomes its archives.</summary>
    internal static List<string> Expand(IEnumerable<string> arguments)
    {
        var targets = new List<string>();
        foreach (var argument in arguments)
        {
            if (Directory.Exists(argument))
            {
                // An empty directory is a mistake in the command, not a clean package.
                if (PackageInput.Problem(argument) is { } empty) throw new CliInputException($"{argument}: {empty}");
                var isProject = File.Exists(Path.Combine(argument, "setup.py")) || File.Exists(Path.Combine(argument, "pyproject.toml"))
                                || File.Exists(Path.Combine(argument, "PKG-INFO")) || Directory.EnumerateFiles(argument, "*.py").Any();
                var archives = isProject ? [] : Directory.EnumerateFiles(argument, "*", SearchOption.AllDirectories).Where(PackageScanner.IsArchiveName).Order(StringComparer.Ordinal).ToList();
                if (archives.Count > 0) targets.AddRange(archives);
                else targets.Add(argument);
            }
            else if (PackageInput.Problem(argument) is { } problem) throw new CliInputException($"{argument}: {problem}");
            else targets.Add(argument);
        }
        return targets;
    }

    /// <summary>
    /// The results in target order, scanned <paramref name="degree"/> at a time and produced as the report takes them.
    /// On an interactive terminal a progress bar runs while they are scanned; it is cleared before the report reaches
    /// standard output, which gets the report only once it is whole (<see cref="SpooledText"/>).
    /// </summary>
    private static IEnumerable<ScanResult> ScanAll(List<string> targets, int degree, TextWriter error)
    {
        // This process checks no names but the packages' own and their dependencies': no edit-distance index.
        // Packages scanned at once share the cores with the files of one package analysed at once.
        var scanOptions = new CodeScanOptions
        {
            Names = PackageNameMatcher.ForBatch(),
            FileParallelism = CodeScanOptions.FileParallelismBeside(Math.Min(degree, targets.Count)),
        };
        ScanResult ScanOne(int i)
        {
            try
            {
                return PackageScanner.Scan(targets[i], scanOptions);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliInputException($"cannot read {targets[i]}: {ex.Message}", ex);
            }
            // A fault of the analyser itself must not look like a verdict, nor end in a stack trace: the run stops with
            // exit 2 and one line naming the target that was not checked.
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new CliInputException($"could not check {targets[i]}: the analyser failed ({ex.GetType().Name}: {ex.Message}); please report this", ex);
            }
        }
        var showProgress = targets.Count > 1 && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        return showProgress ? WithProgress(targets.Count, degree, ScanOne) : OrderedScan.Run(targets.Count, degree, ScanOne, weigh: ResultWeight);
    }

    /// <summary>What a result costs to hold until the report takes it: its findings are most of it.</summary>
    private static int ResultWeight(ScanResult result) => 1 + result.Findings.Count;

    private static IEnumerable<ScanResult> WithProgress(int count, int degree, Func<int, ScanResult> scanOne)
    {
        // The bar is drawn on its own thread while the reader takes results; it stops when the reader is done.
        using var finished = new ManualResetEventSlim();
        var done = 0;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var bar = Task.Run(() => console.Progress().AutoClear(true).Start(context =>
        {
            var task = context.AddTask("scanning", maxValue: count);
            while (!finished.Wait(100)) task.Value = Volatile.Read(ref done);
        }));
        try
        {
            foreach (var result in OrderedScan.Run(count, degree, scanOne, () => Interlocked.Increment(ref done), ResultWeight))
                yield return result;
        }
        finally
        {
            finished.Set();
            bar.Wait();
        }
    }

    private static void WriteSummary(TextWriter output, List<(string Target, Verdict Verdict, double Score)> results)
    {
        var table = new Table().AddColumns("verdict", "targets", "worst");
        foreach (var group in results.GroupBy(r => r.Verdict).OrderByDescending(g => g.Key))
        {
            var worst = group.OrderByDescending(r => r.Score).First();
            table.AddRow(ReportNames.Of(group.Key), group.Count().ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape($"{worst.Target} ({worst.Score:0.00})"));
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Write(table);
    }
}
