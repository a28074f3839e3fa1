using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>Scripts that hide what they run: decoded base64 fed to a shell, or a download piped straight into one.</summary>
public static partial class ObfuscatedStepAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-013",
        "obfuscated-step",
        "A CI script decodes base64 into a shell or pipes a download straight into an interpreter.",
        Severity.High,
        "`echo … | base64 -d | sh` and `eval \"$(echo … | base64 -d)\"` exist to hide a command from review; compromised " +
        "workflows and malicious pull requests use them to run stealers. `curl … | bash` runs whatever the server sends " +
        "that minute, with the job's secrets (reported at medium severity: some installers still document it). Check " +
        "in the script, or download, verify a checksum, then run.",
        ["https://www.stepsecurity.io/blog/harden-runner-detection-tj-actions-changed-files-action-is-compromised"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var (job, step) in workflow.AllSteps())
        {
            if (step.Run is not { } run) continue;
            foreach (var line in WorkflowScripts.LogicalLines(run.Value))
            {
                var (severity, what) = DecodeToShell().IsMatch(line.Text) || EvalDecoded().IsMatch(line.Text) || PowerShellEncoded().IsMatch(line.Text)
                    ? (Severity.High, "runs base64-decoded code")
                    : DownloadToShell().IsMatch(line.Text) ? (Severity.Medium, "pipes a download straight into an interpreter")
                    : (Severity.Info, null);
                if (what is null) continue;
                yield return new Finding(Rule.Id, severity, severity == Severity.High ? Confidence.High : Confidence.Medium,
                    $"step '{step.Describe()}' in job '{job.Id}' {what}", workflow.Locate(run, line.Offset),
                    SecretExfiltrationAudit.Evidence(line.Text));
            }
        }
    }

    [GeneratedRegex(@"base64\s+(-d|--decode|-D)\b[^|]*\|\s*(sudo\s+)?(ba|z|da)?sh\b|base64\s+(-d|--decode|-D)\b[^|]*\|\s*(python[23]?|perl|ruby|node)\b|b64decode\(.*\bexec\(|\bexec\(.*b64decode\(")]
    private static partial Regex DecodeToShell();

    [GeneratedRegex(@"\beval\s+[""']?\$\(.*base64\s+(-d|--decode|-D)")]
    private static partial Regex EvalDecoded();

    [GeneratedRegex(@"(?i)(-enc(odedcommand)?\s+[A-Za-z0-9+/=]{20,}|FromBase64String\(.*\b(iex|Invoke-Expression)\b|\b(iex|Invoke-Expression)\b.*FromBase64String\()")]
    private static partial Regex PowerShellEncoded();

    [GeneratedRegex(@"\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(-E\s+)?(ba|z|da)?sh\b|\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(python[23]?|perl|ruby|node)\b|\b(iex|Invoke-Expression)\b.*\b(DownloadString|iwr|Invoke-WebRequest)\b")]
    private static partial Regex DownloadToShell();
}
