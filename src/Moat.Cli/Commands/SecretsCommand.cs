using System.CommandLine;
using Moat.Analysis;
using Moat.Analysis.Secrets;

namespace Moat.Cli.Commands;

/// <summary><c>moat secrets PATH</c>: finds committed credentials in files and, with <c>--history</c>, in git history.</summary>
public static class SecretsCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A file or directory (a git repository for --history).", DefaultValueFactory = _ => "." };
        var history = new Option<bool>("--history") { Description = "Also scan every commit's added lines (runs `git log -p --all`)." };
        var baseline = new Option<FileInfo?>("--baseline") { Description = "Do not report findings whose fingerprints are in this baseline file." };
        var writeBaseline = new Option<FileInfo?>("--write-baseline") { Description = "Write every current finding's fingerprint to this file (accepting them) and exit 0." };
        var maxFileSize = new Option<int>("--max-file-size") { Description = "Skip files larger than this many MiB.", DefaultValueFactory = _ => 10 };
        var historyLimit = new Option<int>("--history-limit") { Description = "Stop reading git history after this many MiB of patches.", DefaultValueFactory = _ => 1024 };
        var exclude = new Option<string[]>("--exclude") { Description = "Do not read files matching this glob (relative to PATH; * crosses folders); repeatable. Adds to .moat/secrets.toml's exclude.", AllowMultipleArgumentsPerToken = false };
        var common = new CommonOptions();
        var command = new Command("secrets", "Find secrets: PyPI, GitHub, npm, AWS and GCP credentials, private keys, webhooks, passwords in URLs and config files. Output is always redacted.")
        {
            path, history, baseline, writeBaseline, maxFileSize, historyLimit, exclude,
        };
        common.AddTo(command);
        command.SetAction(parse =>
        {
            var target = parse.GetValue(path)!;
            if (!File.Exists(target) && !Directory.Exists(target)) throw new CliInputException($"no such file or directory: {target}");
            if (parse.GetValue(maxFileSize) <= 0 || parse.GetValue(historyLimit) <= 0) throw new CliInputException("--max-file-size and --history-limit must be positive");
            var writeTo = parse.GetValue(writeBaseline);
            SecretScanConfig config;
            try
            {
                config = Directory.Exists(target) ? SecretScanConfig.Load(target) : SecretScanConfig.Empty;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new CliInputException(ex.Message, ex);
            }
            var maxMiB = parse.GetResult(maxFileSize) is { Implicit: false } || config.MaxFileSizeMiB is null ? parse.GetValue(maxFileSize) : config.MaxFileSizeMiB.Value;
            var options = new SecretScanOptions
            {
                MaxFileBytes = maxMiB * 1024L * 1024L,
                Baseline = writeTo is null && parse.GetValue(baseline) is { } file ? ReadBaseline(file) : new HashSet<string>(),
                Exclude = [.. config.Exclude, .. parse.GetValue(exclude) ?? []],
            };

            var summary = SecretScanner.Scan(target, options);
            var scanned = summary.Results.Select(r => (Target: r.Path, r.Findings)).ToList();
            // The report counts results; say how much of the tree that stands for (a skipped file was not checked).
            parse.InvocationConfiguration.Error.WriteLine(
                $"moat: read {summary.FilesRead} file{(summary.FilesRead == 1 ? "" : "s")}" +
                (summary.FilesSkipped > 0 ? $", skipped {summary.FilesSkipped} (binary, larger than {maxMiB} MiB, or unreadable)" : "") +
                (summary.FilesExcluded > 0 ? $", excluded {summary.FilesExcluded}" : ""));
            if (parse.GetValue(history))
            {
                if (!Directory.Exists(target)) throw new CliInputException("--history needs a directory inside a git repository");
                GitHistoryScanner.HistoryScan scan;
                try
                {
                    scan = GitHistoryScanner.Scan(target, options, new GitHistoryScanner.HistoryOptions(parse.GetValue(historyLimit) * 1024L * 1024L));
                }
                catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    throw new CliInputException(ex.Message, ex);
                }
                scanned.AddRange(scan.Results);
                if (scan.Truncated) parse.InvocationConfiguration.Error.WriteLine($"moat: history scan stopped after {parse.GetValue(historyLimit)} MiB of patches ({scan.Commits} commits read)");
            }

            if (writeTo is not null)
            {
                AtomicFile.WriteAllText(writeTo.FullName, writer => SecretBaseline.Write(writer, scanned.SelectMany(r => r.Findings)));
                parse.InvocationConfiguration.Error.WriteLine($"moat: wrote {scanned.Sum(r => r.Findings.Count)} fingerprints to {writeTo.FullName}");
            }

            IReadOnlyList<ScanResult> results = scanned.Count == 0
                ? [ScanResult.From(target, TargetKind.File, [])]
                : [.. scanned.Select(r => ScanResult.From(r.Target, TargetKind.File, [.. r.Findings.Select(f => f.Finding)]))];
            var exit = common.Report(parse, results);
            return writeTo is null ? exit : ExitCodes.Clean;
        });
        return command;
    }

    private static IReadOnlySet<string> ReadBaseline(FileInfo file)
    {
        try
        {
            return SecretBaseline.Read(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidDataException)
        {
            throw new CliInputException($"cannot read baseline {file.FullName}: {ex.Message}", ex);
        }
    }
}
