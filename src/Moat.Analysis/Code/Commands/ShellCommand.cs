using System.Text;
using System.Text.RegularExpressions;

using Moat.Analysis.Text;

namespace Moat.Analysis.Code.Commands;

/// <summary>What a command line does, as far as Moat cares.</summary>
/// <param name="Download">A program that fetches from the network (curl, wget, certutil -urlcache, bitsadmin, Invoke-WebRequest…), with what it fetches.</param>
/// <param name="DownloadRun">The fetched data or file is then run: piped into a shell or interpreter, or started after the download.</param>
/// <param name="DecodeRun">Encoded text is decoded and piped into a shell or interpreter (<c>echo … | base64 -d | sh</c>).</param>
/// <param name="Exfil">Host data (user, host name, environment, files) is sent out: in a request body or URL, or in a DNS name looked up or pinged.</param>
/// <param name="Detached">A program is started detached or hidden (<c>start</c>, <c>start /b</c>, <c>nohup … &amp;</c>, <c>pythonw</c>, <c>-WindowStyle Hidden</c>).</param>
/// <param name="Interpreter">The detached program is a Python interpreter or a script file.</param>
/// <param name="InlineCode">Code handed to an interpreter inline (<c>python -c</c>, <c>powershell -EncodedCommand</c> decoded), to scan as a further layer.</param>
internal sealed record ShellFacts(string? Download, string? DownloadRun, string? DecodeRun, string? Exfil, string? Detached, bool Interpreter, IReadOnlyList<string> InlineCode)
{
    public bool Any => Download is not null || DownloadRun is not null || DecodeRun is not null || Exfil is not null || Detached is not null || InlineCode.Count > 0;
}

/// <summary>
/// What the command lines packages hand to <c>os.system</c>, <c>subprocess</c> and <c>os.popen</c> do, read from the
/// words <see cref="ShellWords"/> splits them into; command substitutions (<c>$(…)</c>, backticks) are analysed
/// too. Nested shells (<c>sh -c</c>,
/// <c>cmd /c</c>, <c>powershell -Command</c>, <c>powershell -EncodedCommand</c>) are unwrapped. It never runs anything:
/// it reads the words to say what the command would do.
/// </summary>
internal static partial class ShellCommand
{
    private const int MaxLength = ShellWords.MaxLength;
    private const int MaxDepth = 4;

    private static readonly HashSet<string> Shells = ["sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "cmd", "powershell", "pwsh"];
    /// <summary>
    /// True when nothing follows the program but redirections (<c>python3 &gt; /dev/null 2&gt;&amp;1</c>): it reads its code
    /// from what is piped into it.
    /// </summary>
    private static bool OnlyRedirections(List<string> argv)
    {
        for (var i = 1; i < argv.Count; i++)
        {
            var word = argv[i];
            var operatorLength = word.TakeWhile(char.IsAsciiDigit).Count();
            if (operatorLength == word.Length || word[operatorLength] is not ('>' or '<')) return false;
            var rest = word[operatorLength..].TrimStart('>', '<');
            if (rest.Length == 0 || rest == "&") i++; // the target is the next word
        }
        return true;
    }

    private static readonly HashSet<string> Interpreters = ["python", "python2", "python3", "pythonw", "py", "pyw", "perl", "ruby", "node", "php", "wscript", "cscript", "mshta", "rundll32", "regsvr32", "msiexec", "iex", "invoke-expression"];
    private static readonly HashSet<string> Downloaders = ["curl", "wget", "iwr", "invoke-webrequest", "irm", "invoke-restmethod", "certutil", "bitsadmin", "start-bitstransfer", "aria2c", "tftp", "fetch", "lwp-download"];
    private static readonly HashSet<string> DnsProbes = ["nslookup", "ping", "dig", "host", "resolve-dnsname", "ping6"];

    [GeneratedRegex(@"(?i)\b(?:https?|ftp)://[^\s'""|;&)]+")]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"(?i)\$\((?:[^)]*\b(?:whoami|hostname|id|uname|env|printenv|pwd|ls|cat|curl|ifconfig|ip)\b[^)]*)\)|`[^`]*\b(?:whoami|hostname|id|uname|env|pwd|cat)\b[^`]*`|\$\{?(?:USER|USERNAME|HOSTNAME|HOME|PWD|LOGNAME)\b|%(?:USERNAME|COMPUTERNAME|USERDOMAIN|USERPROFILE)%|\$env:(?:USERNAME|COMPUTERNAME)")]
    private static partial Regex HostDataPattern();

    [GeneratedRegex(@"(?i)\b(?:downloadstring|downloadfile|downloaddata|invoke-webrequest|invoke-restmethod|net\.webclient|start-bitstransfer)\b")]
    private static partial Regex PowerShellDownloadPattern();

    [GeneratedRegex(@"(?i)\b(?:iex|invoke-expression)\b|\|\s*iex\b")]
    private static partial Regex PowerShellRunPattern();

    /// <summary>Analyses a command line given as one string (os.system, shell=True).</summary>
    public static ShellFacts Analyze(string line) => Collect(ShellWords.Parse(UnwrapWholeQuotes(line)), 0);

    /// <summary>
    /// <c>os.system('"curl.exe -O https://…"')</c>: on Windows, cmd.exe /c removes the quotes around a command line that is
    /// one quoted string and runs what is inside, so that is the command.
    /// </summary>
    private static string UnwrapWholeQuotes(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Length > 2 && trimmed[0] == '"' && trimmed[^1] == '"' && trimmed.IndexOf('"', 1) == trimmed.Length - 1
               && trimmed.Contains(' ', StringComparison.Ordinal)
            ? trimmed[1..^1]
            : line;
    }

    /// <summary>Analyses a command given as an argument list (subprocess without a shell).</summary>
    public static ShellFacts Analyze(IReadOnlyList<string> argv) => argv.Count == 0 ? Collect([], 0) : Collect([new SimpleCommand(argv, "")], 0);

    private static ShellFacts Collect(List<SimpleCommand> commands, int depth)
    {
        string? download = null, downloadRun = null, decodeRun = null, exfil = null, detached = null;
        var interpreter = false;
        var inline = new List<string>();
        var fetched = new List<string>(); // files a download wrote
        var piping = PipeState.None;
        string? pipedFrom = null;

        void Merge(ShellFacts inner)
        {
            download ??= inner.Download;
            downloadRun ??= inner.DownloadRun;
            decodeRun ??= inner.DecodeRun;
            exfil ??= inner.Exfil;
            detached ??= inner.Detached;
            interpreter |= inner.Interpreter;
            inline.AddRange(inner.InlineCode);
        }

        foreach (var command in commands)
        {
            var argv = command.Argv.ToList();
            // Prefixes that do not change what runs, but say it runs detached.
            while (argv.Count > 1 && ShellWords.BaseName(argv[0]) is "nohup" or "setsid" or "sudo" or "exec" or "env" or "command" or "nice" or "timeout" or "start" or "call" or "cmd" or "disown")
            {
                var prefix = ShellWords.BaseName(argv[0]);
                if (prefix == "cmd")
                {
                    // cmd /c X, cmd /k X
                    var switchAt = argv.FindIndex(1, a => a.Length == 2 && a[0] == '/' && char.ToLowerInvariant(a[1]) is 'c' or 'k');
                    if (switchAt < 0) break;
                    if (depth < MaxDepth) Merge(Collect(ShellWords.Parse(string.Join(' ', argv.Skip(switchAt + 1))), depth + 1));
                    argv.Clear();
                    break;
                }
                argv.RemoveAt(0);
                if (prefix is "nohup" or "setsid" or "disown") detached ??= $"{prefix} {Describe(argv)}";
                if (prefix == "start")
                {
                    // start [/b] [/min] ["title"] program args
                    while (argv.Count > 1 && (argv[0].StartsWith('/') && argv[0].Length <= 8 || argv[0].Length == 0)) argv.RemoveAt(0);
                    detached ??= $"start {Describe(argv)}";
                }
                if (prefix is "timeout" && argv.Count > 1 && argv[0].All(char.IsAsciiDigit)) argv.RemoveAt(0);
            }
            if (argv.Count == 0) continue;
            var program = ShellWords.BaseName(argv[0]);
            var wholeText = string.Join(' ', argv);

            foreach (var word in argv)
                foreach (Match sub in SubstitutionPattern().Matches(word))
                    if (depth < MaxDepth) Merge(Collect(ShellWords.Parse(sub.Groups["inner"].Value), depth + 1));

            if (command.Next == "&" && !string.IsNullOrEmpty(program)) detached ??= $"{Describe(argv)} &";
            if (program is "pythonw" or "pyw") detached ??= Describe(argv);
            if (detached is not null && (Interpreters.Contains(program) || argv.Any(a => a.EndsWith(".py", StringComparison.OrdinalIgnoreCase) || a.EndsWith(".pyw", StringComparison.OrdinalIgnoreCase))
                || program.Contains("python", StringComparison.Ordinal) || program is "{}" || program.Contains("{}", StringComparison.Ordinal)))
                interpreter = true;

            // The program reads what the previous command piped into it.
            if (piping != PipeState.None && (Shells.Contains(program) && !argv.Skip(1).Any(a => a is "-c" or "/c" or "-command" or "-Command") || Interpreters.Contains(program) && OnlyRedirections(argv)
                || program is "iex" or "invoke-expression" || program is "python" or "python3" && argv.Skip(1).Any(a => a == "-")))
            {
                if (piping == PipeState.Downloaded) downloadRun ??= $"{pipedFrom} | {Describe(argv)}";
                else if (piping == PipeState.Decoded) decodeRun ??= $"{pipedFrom} | {Describe(argv)}";
            }

            // Nested shells and interpreters with inline code.
            if (Shells.Contains(program) && depth < MaxDepth)
            {
                for (var i = 1; i < argv.Count; i++)
                {
                    var flag = argv[i].ToLowerInvariant();
                    if (flag is "-c" or "/c" or "/k" or "-command" or "-cmd" && i + 1 < argv.Count)
                    {
                        Merge(Collect(ShellWords.Parse(string.Join(' ', argv.Skip(i + 1))), depth + 1));
                        if (program is "powershell" or "pwsh") Merge(PowerShellText(string.Join(' ', argv.Skip(i + 1))));
                        break;
                    }
                    if (flag is "-e" or "-ec" or "-enc" or "-encodedcommand" or "-en" or "-enco" && i + 1 < argv.Count && ShellWords.DecodePowerShell(argv[i + 1]) is { } decoded)
                    {
                        inline.Add(decoded);
                        Merge(Collect(ShellWords.Parse(decoded), depth + 1));
                        Merge(PowerShellText(decoded));
                        break;
                    }
                    if (flag is "-windowstyle" or "-w" && i + 1 < argv.Count && argv[i + 1].Equals("hidden", StringComparison.OrdinalIgnoreCase))
                        detached ??= Describe(argv);
                }
            }
            if (program.StartsWith("python", StringComparison.Ordinal) || program is "py" or "pyw")
            {
                var at = argv.FindIndex(a => a == "-c");
                if (at > 0 && at + 1 < argv.Count) inline.Add(argv[at + 1]);
            }

            // Downloads.
            var url = argv.Skip(1).Select(a => UrlPattern().Match(a)).FirstOrDefault(m => m.Success)?.Value;
            var isDownload = Downloaders.Contains(program) && (program != "certutil" || argv.Any(a => a.Contains("urlcache", StringComparison.OrdinalIgnoreCase) || a.Contains("verifyctl", StringComparison.OrdinalIgnoreCase)))
                && (program != "bitsadmin" || argv.Any(a => a.Contains("transfer", StringComparison.OrdinalIgnoreCase) || a.Contains("addfile", StringComparison.OrdinalIgnoreCase)));
            if (program is "powershell" or "pwsh" && PowerShellDownloadPattern().IsMatch(wholeText)) isDownload = true;
            var sendsHostData = false;
            if (isDownload)
            {
                download ??= $"{Describe(argv)}";
                var output = OutputFile(program, argv);
                if (output is not null) fetched.Add(output);
                // curl -d "$(whoami)" https://…, wget https://x/?u=$USER, curl -F f=@/etc/passwd
                if (argv.Skip(1).Any(a => HostDataPattern().IsMatch(a)) || argv.Any(a => a.Contains("=@", StringComparison.Ordinal) || a.StartsWith('@') && a.Length > 1)
                    || argv.Skip(1).Any(a => a is "-T" or "--upload-file" or "--post-file"))
                {
                    exfil ??= Describe(argv);
                    sendsHostData = true;
                }
            }
            if (DnsProbes.Contains(program) && argv.Skip(1).Any(a => HostDataPattern().IsMatch(a) && a.Contains('.', StringComparison.Ordinal) || a.StartsWith("$(", StringComparison.Ordinal) && a.Contains(").", StringComparison.Ordinal)))
                exfil ??= Describe(argv);

            // A downloaded file started later on the same line.
            if (!isDownload && fetched.Count > 0 && argv.Any(a => fetched.Any(f => f.Length > 0 && (ShellWords.BaseName(a) == ShellWords.BaseName(f) || a.EndsWith(f.TrimStart('.', '/'), StringComparison.Ordinal)))))
                downloadRun ??= $"{download} ; {Describe(argv)}";

            // What this command passes down its pipe.
            if (command.Next == "|")
            {
                if (isDownload && !sendsHostData && OutputFile(program, argv) is null) { piping = PipeState.Downloaded; pipedFrom = Describe(argv); }
                else if (program == "base64" && argv.Skip(1).Any(a => a is "-d" or "--decode" or "-D") || program is "xxd" && argv.Contains("-r") || program is "openssl" && argv.Contains("-d")
                         || piping == PipeState.Decoded && program is "gunzip" or "zcat" or "rev" or "tr")
                { piping = PipeState.Decoded; pipedFrom = (pipedFrom is null ? "" : pipedFrom + " | ") + Describe(argv); }
                else if (piping != PipeState.None && program is "gunzip" or "zcat" or "cat" or "tr" or "rev") { }
                else if (program is "echo" or "printf" or "cat") { piping = PipeState.Plain; pipedFrom = Describe(argv); }
                else piping = PipeState.Plain;
            }
            else
            {
                piping = PipeState.None;
                pipedFrom = null;
            }
        }
        return new ShellFacts(download, downloadRun, decodeRun, exfil, detached, interpreter, inline);
    }

    private enum PipeState { None, Plain, Downloaded, Decoded }

    [GeneratedRegex(@"\$\((?<inner>[^()]*(?:\([^()]*\)[^()]*)*)\)|`(?<inner>[^`]+)`")]
    private static partial Regex SubstitutionPattern();

    /// <summary>The file a download writes, when the command names one.</summary>
    private static string? OutputFile(string program, List<string> argv)
    {
        for (var i = 1; i + 1 < argv.Count; i++)
        {
            var a = argv[i];
            if (program == "curl" && a is "-o" or "--output") return argv[i + 1];
            if (program == "wget" && a is "-O" or "--output-document") return argv[i + 1];
            if (program is "iwr" or "invoke-webrequest" && a.Equals("-outfile", StringComparison.OrdinalIgnoreCase)) return argv[i + 1];
        }
        if (program == "curl" && argv.Any(a => a is "-O" or "--remote-name")) return UrlPattern().Match(string.Join(' ', argv)) is { Success: true } u ? u.Value[(u.Value.LastIndexOf('/') + 1)..] : null;
        if (program is "certutil" or "bitsadmin" && argv.Count > 2) return argv[^1];
        if (program == "wget" && UrlPattern().Match(string.Join(' ', argv)) is { Success: true } w) return w.Value[(w.Value.LastIndexOf('/') + 1)..];
        return null;
    }

    /// <summary>Downloads and IEX inside PowerShell text (a cradle is not words a tokenizer can split).</summary>
    private static ShellFacts PowerShellText(string script)
    {
        var download = PowerShellDownloadPattern().Match(script);
        var run = PowerShellRunPattern().IsMatch(script) || script.Contains("Start-Process", StringComparison.OrdinalIgnoreCase);
        var exfil = download.Success && HostDataPattern().IsMatch(script) ? Shorten(script) : null;
        var hidden = script.Contains("-WindowStyle Hidden", StringComparison.OrdinalIgnoreCase) || script.Contains("-w hidden", StringComparison.OrdinalIgnoreCase) ? Shorten(script) : null;
        return new ShellFacts(download.Success ? Shorten(script) : null, download.Success && run ? Shorten(script) : null, null, exfil, hidden, false, []);
    }

    private static string Describe(IReadOnlyList<string> argv) => Shorten(string.Join(' ', argv));

    private static string Shorten(string text) => text.Length > 160 ? string.Concat(text.AsSpan(0, 157), "…") : text;
}
