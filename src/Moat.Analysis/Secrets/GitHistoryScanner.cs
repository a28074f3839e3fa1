using System.Diagnostics;
using System.Text;

namespace Moat.Analysis.Secrets;

/// <summary>
/// Secrets that were ever added in a git repository's history. Streams <c>git log -p --all -U0</c> (the real
/// <c>git</c>, read-only), collects the added lines of each file in each commit, and scans them like a file. Bounded:
/// reading stops after <see cref="HistoryOptions.MaxBytes"/> of patch text, and a secret seen in several commits is
/// reported once, at the newest commit that added it.
/// </summary>
public static class GitHistoryScanner
{
    public sealed record HistoryOptions(long MaxBytes = 1L << 30, string Git = "git");

    public sealed record HistoryScan(IReadOnlyList<(string Target, IReadOnlyList<SecretFinding> Findings)> Results, int Commits, bool Truncated);

    public static HistoryScan Scan(string repository, SecretScanOptions options, HistoryOptions? history = null)
    {
        history ??= new HistoryOptions();
        var start = new ProcessStartInfo(history.Git)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in new[] { "-C", repository, "-c", "core.quotepath=off", "log", "-p", "--all", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--format=commit %H" })
            start.ArgumentList.Add(arg);

        using var git = Process.Start(start) ?? throw new InvalidOperationException("could not start git");
        var errors = git.StandardError.ReadToEndAsync();
        var results = new List<(string, IReadOnlyList<SecretFinding>)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? commit = null;
        string? file = null;
        var added = new StringBuilder();
        var addedLines = new List<int>();
        var nextLine = 0;
        long bytes = 0;
        var commits = 0;
        var truncated = false;

        void Flush()
        {
            if (commit is not null && file is not null && added.Length > 0)
            {
                var lineNumbers = addedLines.ToArray();
                var findings = SecretScanner.ScanText(added.ToString(), file, options, line => line - 1 < lineNumbers.Length ? lineNumbers[line - 1] : 0)
                    .Where(f => seen.Add(f.Fingerprint))
                    .Select(f => f with { Finding = f.Finding with { Message = $"{f.Finding.Message} (added in commit {commit[..12]})" } })
                    .ToList();
                if (findings.Count > 0) results.Add(($"{commit[..12]}:{file}", findings));
            }
            added.Clear();
            addedLines.Clear();
        }

        while (git.StandardOutput.ReadLine() is { } line)
        {
            bytes += line.Length + 1;
            if (bytes > history.MaxBytes)
            {
                truncated = true;
                break;
            }
            if (line.StartsWith("commit ", StringComparison.Ordinal) && line.Length is 47 or 71)
            {
                Flush();
                commit = line[7..];
                file = null;
                commits++;
            }
            else if (line.StartsWith("+++ ", StringComparison.Ordinal))
            {
                Flush();
                file = line == "+++ /dev/null" ? null : line.StartsWith("+++ b/", StringComparison.Ordinal) ? line[6..] : line[4..];
            }
            else if (line.StartsWith("@@ ", StringComparison.Ordinal))
            {
                nextLine = HunkStart(line);
            }
            else if (file is not null && line.Length > 0 && line[0] == '+')
            {
                added.Append(line, 1, line.Length - 1).Append('\n');
                addedLines.Add(nextLine++);
            }
        }
        Flush();
        if (truncated)
        {
            try { git.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        git.WaitForExit();
        if (!truncated && git.ExitCode != 0)
            throw new InvalidOperationException($"git log failed in {repository}: {errors.Result.Trim()}");
        return new HistoryScan(results, commits, truncated);
    }

    /// <summary>The new-file line number a hunk starts at: <c>@@ -a,b +c,d @@</c> → c.</summary>
    private static int HunkStart(string line)
    {
        var plus = line.IndexOf(" +", StringComparison.Ordinal);
        if (plus < 0) return 0;
        var end = plus + 2;
        while (end < line.Length && char.IsAsciiDigit(line[end])) end++;
        return int.TryParse(line.AsSpan(plus + 2, end - plus - 2), out var n) ? n : 0;
    }
}
