using System.Collections.Concurrent;
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
            var results = ScanAll(targets, degree, parse.InvocationConfiguration.Error);
            if (!parse.GetValue(explain) && parse.GetValue(common.Format) == "text")
            {
                // Without --explain, clean targets are summarised rather than listed with their capability notes.
                results = [.. results.Select(r => r.Verdict == Verdict.Clean ? r with { Findings = [.. r.Findings.Where(f => f.Severity >= Severity.Medium)] } : r)];
            }
            var exit = common.Report(parse, results);
            if (results.Count > 1 && parse.GetValue(common.Format) == "text" && parse.GetValue(common.Output) is null)
                WriteSummary(parse.InvocationConfiguration.Output, results);
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

    private static List<ScanResult> ScanAll(List<string> targets, int degree, TextWriter error)
    {
        // This process checks no names but the packages' own and their dependencies': no edit-distance index.
        var scanOptions = new CodeScanOptions { Names = PackageNameMatcher.ForBatch() };
        var results = new ScanResult[targets.Count];
        void ScanOne(int i)
        {
            try
            {
                results[i] = PackageScanner.Scan(targets[i], scanOptions);
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
        try
        {
            return ScanInParallel(targets.Count, degree, error, ScanOne, results);
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions.OfType<CliInputException>().FirstOrDefault() is { } first)
        {
            // Parallel.For wraps what an iteration throws; the user gets the first target's one line, not the wrapper.
            throw first;
        }
    }

    private static List<ScanResult> ScanInParallel(int count, int degree, TextWriter error, Action<int> scanOne, ScanResult[] results)
    {
        var showProgress = count > 1 && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        var options = new ParallelOptions { MaxDegreeOfParallelism = degree };
        if (!showProgress)
        {
            Parallel.For(0, count, options, scanOne);
            return [.. results];
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().AutoClear(true).Start(context =>
        {
            var task = context.AddTask("scanning", maxValue: count);
            Parallel.For(0, count, options, i =>
            {
                scanOne(i);
                task.Increment(1);
            });
        });
        return [.. results];
    }

    private static void WriteSummary(TextWriter output, IReadOnlyList<ScanResult> results)
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
