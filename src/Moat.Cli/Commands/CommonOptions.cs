using System.CommandLine;
using Moat.Analysis;
using Moat.Analysis.Reporting;

namespace Moat.Cli.Commands;

/// <summary>The options every scanning verb shares: <c>--format</c>, <c>--fail-on</c>, <c>--output</c>.</summary>
public sealed class CommonOptions
{
    public Option<string> Format { get; } = new("--format", "-f")
    {
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

    /// <param name="extraFormats">Formats only this command writes (audit's <c>cyclonedx</c>); the command handles them itself.</param>
    public CommonOptions(params string[] extraFormats)
    {
        string[] formats = ["text", "json", "sarif", .. extraFormats];
        Format.Description = $"Output format: {string.Join(", ", formats[..^1])} or {formats[^1]}.";
        Format.AcceptOnlyFromAmong(formats);
        FailOn.AcceptOnlyFromAmong("critical", "high", "medium", "low", "info", "never");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Format);
        command.Options.Add(FailOn);
        command.Options.Add(Output);
    }

    /// <summary>
    /// Writes the report where the user asked and returns the exit code for <c>--fail-on</c>, enumerating <paramref name="results"/> once:
    /// <c>moat scan</c> passes results as they are scanned, and none is kept once written.
    /// </summary>
    public int Report(ParseResult parse, IEnumerable<ScanResult> results, AdvisoryData? advisories = null)
    {
        var format = parse.GetValue(Format) switch
        {
            "json" => ReportFormat.Json,
            "sarif" => ReportFormat.Sarif,
            _ => ReportFormat.Text,
        };
        var options = new ReportOptions(MoatVersion.Current,
            Color: parse.GetValue(Output) is null && format == ReportFormat.Text && !Console.IsOutputRedirected && ReferenceEquals(parse.InvocationConfiguration.Output, Console.Out),
            DocumentationUrl: MoatVersion.DocumentationUrl)
        {
            Advisories = advisories,
        };
        var threshold = FailOnSeverity(parse);
        var fails = false;
        IEnumerable<ScanResult> Judged()
        {
            foreach (var result in results)
            {
                fails |= threshold is { } t && ReportNames.Fails(result, t);
                yield return result;
            }
        }
        Write(parse, writer => ReportWriter.Write(writer, Judged(), format, options));
        return fails ? 1 : 0;
    }

    /// <summary>Writes a report, whole or not at all, to standard output or to <c>--output</c>.</summary>
    public void Write(ParseResult parse, Action<TextWriter> write)
    {
        if (parse.GetValue(Output) is { } output) AtomicFile.WriteAllText(output.FullName, write);
        else SpooledText.WriteWhole(parse.InvocationConfiguration.Output, write);
    }

    /// <summary>The exit code for <c>--fail-on</c>.</summary>
    public int ExitCode(ParseResult parse, IReadOnlyList<ScanResult> results) => ReportNames.ExitCode(results, FailOnSeverity(parse));

    private Severity? FailOnSeverity(ParseResult parse) =>
        parse.GetValue(FailOn) is { } text && ReportNames.TryParseSeverity(text, out var severity) ? severity : null;
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
