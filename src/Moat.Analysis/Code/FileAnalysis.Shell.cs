using Moat.Analysis.Code.Commands;

namespace Moat.Analysis.Code;

/// <summary>
/// Command lines handed to os.system, os.popen and subprocess, read word by word (<see cref="ShellCommand"/>): downloads,
/// download-and-run, decode-and-run, host data sent out, detached launches, and inline code to scan as a further layer.
/// </summary>
internal sealed partial class FileAnalysis
{
    private void InspectShell(IReadOnlyList<Value> args, string name, int line)
    {
        if (args.Count == 0) return;
        var first = args[0];
        ShellFacts facts;
        // A one-item list given to a shell (Popen(["cd x && curl …"], shell=True)) is a command line, not an argv.
        if (first.Kind == ValueKind.List && first.Items is [{ KnownText: { } only }] && only.Contains(' ', StringComparison.Ordinal))
            facts = ShellCommand.Analyze(only);
        else if (first.Kind == ValueKind.List && first.Items is { Count: > 0 } items)
            facts = ShellCommand.Analyze([.. items.Select(i => i.KnownText ?? "{}")]);
        else if (first.KnownText is { Length: > 1 } text)
            facts = ShellCommand.Analyze(text);
        else return;
        if (!facts.Any) return;

        var when = Describe(_context);
        if (facts.DownloadRun is { } run)
        {
            _tracedDownloadExec = true;
            Emit(ThreatRules.DownloadExec, Confidence.High, $"A shell command downloads and runs what it fetched ({name}): {run}", line);
        }
        if (facts.DecodeRun is { } decodeRun)
            Emit(ThreatRules.DecodeExec, Confidence.High, $"A shell command decodes text and pipes it into an interpreter ({name}): {decodeRun}", line);
        if (facts.Exfil is { } exfil)
        {
            _tracedExfil = true;
            // At run time a command a user asked for may upload what they chose; one that posts host data to a raw
            // public IP or a request collector written into it is not that.
            var toAttackerHost = _shared.FindIndicators(exfil).Any(i => i.Kind is IndicatorKind.RawIpUrl or IndicatorKind.Collector or IndicatorKind.Webhook);
            Emit(ThreatRules.HarvestExfil, IsLoadTime || toAttackerHost ? Confidence.High : Confidence.Medium, $"A shell command sends host data out ({name}): {exfil}", line,
                severity: IsLoadTime || toAttackerHost ? null : Severity.High);
        }
        // Downloads and detached launches are what CLIs and servers do when asked; only at load time are they a finding.
        if (facts.Download is { } download && facts.DownloadRun is null && IsLoadTime)
            Emit(CommandRules.ShellDownload, Confidence.High, $"A shell command downloads at {when} ({name}): {download}", line);
        // A detached interpreter (or a program Moat cannot name, started on a file) at load time outlives the install: a payload.
        if (facts.Detached is { } detached && IsLoadTime)
            Emit(CommandRules.DetachedLaunch, facts.Interpreter ? Confidence.High : Confidence.Medium, $"A program is started detached or hidden at {when} ({name}): {detached}", line,
                severity: facts.Interpreter ? Severity.Critical : null);
        foreach (var code in facts.InlineCode.Take(4))
            if (code.Length > 8 && !code.Contains("{}", StringComparison.Ordinal)) ScanLayer(code, "inline command code", line);
    }
}
