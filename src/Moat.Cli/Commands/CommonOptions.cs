using System.CommandLine;
using Moat.Analysis;
using Moat.Analysis.Reporting;

namespace Moat.Cli.Commands;

/// <summary>The options every scanning verb shares: <c>--format</c>, <c>--fail-on</c>, <c>--output</c>.</summary>
public sealed class CommonOptions
{
    public Option<string> Format { get; } = new("--format", "-f")
    {
        Description = "Output format: text, json or sarif.",
        DefaultValueFactory = _ => "text",
    };

    public Option<string> FailOn { get; } = new("--fail-on")
    {
        Description = "Exit with 1 when a finding is at or above this severity: critical, high, medium, low, info, or never.",
        DefaultValueFactory = _ => "high",
    };

    public Option<FileInfo?> Output { get; } = new("--output", "-o")
    {
        Description = "Write the report to this file instead of standard output (written whole or not at all).",
    };

    public CommonOptions()
    {
        Format.AcceptOnlyFromAmong("text", "json", "sarif");
        FailOn.AcceptOnlyFromAmong("critical", "high", "medium", "low", "info", "never");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Format);
        command.Options.Add(FailOn);
        command.Options.Add(Output);
    }

    /// <summary>Writes the report where the user asked and returns the exit code for <c>--fail-on</c>.</summary>
    public int Report(ParseResult parse, IReadOnlyList<ScanResult> results)
    {
        var format = parse.GetValue(Format) switch
        {
            "json" => ReportFormat.Json,
            "sarif" => ReportFormat.Sarif,
            _ => ReportFormat.Text,
        };
        var output = parse.GetValue(Output);
        var console = parse.InvocationConfiguration.Output;
        var options = new ReportOptions(MoatVersion.Current, Color: output is null && format == ReportFormat.Text && !Console.IsOutputRedirected && ReferenceEquals(console, Console.Out),
            DocumentationUrl: MoatVersion.DocumentationUrl);

        if (output is null)
        {
            ReportWriter.Write(console, results, format, options);
        }
        else
        {
            AtomicFile.WriteAllText(output.FullName, writer => ReportWriter.Write(writer, results, format, options));
        }

        var failOn = parse.GetValue(FailOn) is { } text && ReportNames.TryParseSeverity(text, out var severity) ? severity : (Severity?)null;
        return ReportNames.ExitCode(results, failOn);
    }
}

/// <summary>Writes a file through a temporary sibling and a rename, so a failure never leaves half a report.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, Action<TextWriter> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var writer = new StreamWriter(temporary)) write(writer);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new CliInputException($"cannot write {path}: {ex.Message}", ex);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
