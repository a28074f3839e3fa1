using System.Text.RegularExpressions;
using Moat.Analysis.Text;

namespace Moat.Analysis.Workflows;

/// <summary>
/// Follows secrets through one <c>run:</c> script, read as shell with <see cref="ShellWords"/>: variable
/// assignments (sh and PowerShell), pipes, command substitutions, here-documents, redirections to files,
/// <c>$GITHUB_ENV</c> and <c>$GITHUB_OUTPUT</c>, <c>tee</c>, git remotes and staged files, and inline code handed to
/// python, node, perl, ruby, sh or PowerShell. Any command passes a tainted input on to its output (so every encoding
/// — base64, xxd, gzip, rev, tr, splitting and joining — keeps the taint, and is recorded); hashes and lengths do not.
/// Network clients, DNS tools, git remotes and printers of encoded values are sinks.
/// </summary>
internal sealed partial class ScriptFlow
{
    private const int MaxDepth = 4;

    private readonly Workflow _workflow;
    private readonly Job _job;
    private readonly Step _step;
    private readonly FlowState _state;
    private readonly List<SecretSink> _sinks;
    private readonly Dictionary<string, string> _remotes = new(StringComparer.Ordinal);
    private Taint? _staged;
    private YamlText _script = new("", 0, 0);
    private int _lineOffset;
    private string _lineText = "";

    /// <summary>Variables the script wrote to <c>$GITHUB_ENV</c>: in the environment of every later step.</summary>
    public Dictionary<string, Taint> EnvWrites { get; } = new(StringComparer.Ordinal);

    public ScriptFlow(Workflow workflow, Job job, Step step, FlowState state, List<SecretSink> sinks)
    {
        _workflow = workflow;
        _job = job;
        _step = step;
        // Shell variables live for the step only; outputs and files outlive it.
        _state = state with { Vars = new Dictionary<string, Taint>(state.Vars, StringComparer.Ordinal) };
        _sinks = sinks;
    }

    public void Run(YamlText script, string? shell)
    {
        _script = script;
        if (shell is not null && (shell.StartsWith("python", StringComparison.Ordinal) || shell.StartsWith("node", StringComparison.Ordinal)))
        {
            RunCode(script, shell.StartsWith("node", StringComparison.Ordinal) ? "node" : "python");
            return;
        }
        foreach (var line in Lines(script.Value))
        {
            _lineOffset = line.Offset;
            _lineText = line.Text;
            Evaluate(ShellWords.Parse(CompactExpressions(line.Text)), line.Heredoc, 0, captured: false);
        }
    }

    /// <summary>A whole script in one language (<c>shell: python</c>, a github-script body).</summary>
    public void RunCode(YamlText code, string language)
    {
        _script = code;
        _lineOffset = 0;
        _lineText = code.Value;
        Code(language, code.Value, null);
    }

    // --- lines ------------------------------------------------------------------------------------------------------

    private readonly record struct Line(int Offset, string Text, string? Heredoc);

    /// <summary>Logical lines: continuations joined, comments skipped, a here-document's body attached to its command.</summary>
    private static IEnumerable<Line> Lines(string script)
    {
        var raw = script.Split('\n');
        var offsets = new int[raw.Length];
        for (int i = 0, offset = 0; i < raw.Length; offset += raw[i].Length + 1, i++) offsets[i] = offset;
        for (var i = 0; i < raw.Length; i++)
        {
            var start = offsets[i];
            var text = raw[i].TrimEnd('\r');
            while ((text.EndsWith('\\') || text.EndsWith(" `", StringComparison.Ordinal)) && i + 1 < raw.Length)
                text = text[..^1] + " " + raw[++i].TrimEnd('\r');
            var trimmed = text.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#') continue;
            string? heredoc = null;
            if (text.Contains("<<", StringComparison.Ordinal) && HeredocStart().Match(text) is { Success: true } h)
            {
                var end = h.Groups["word"].Value;
                var body = new List<string>();
                while (++i < raw.Length && raw[i].Trim() != end) body.Add(raw[i].TrimEnd('\r'));
                heredoc = string.Join('\n', body);
                text = text.Remove(h.Index, h.Length);
            }
            yield return new Line(start, text, heredoc);
        }
    }

    /// <summary><c>${{ secrets.X }}</c> → <c>${{secrets.X}}</c>: GitHub substitutes it before the shell splits words.</summary>
    private static string CompactExpressions(string text)
    {
        if (!text.Contains("${{", StringComparison.Ordinal)) return text;
        var builder = new System.Text.StringBuilder(text.Length);
        var at = 0;
        foreach (var expression in WorkflowScripts.Expressions(text))
        {
            builder.Append(text, at, expression.Offset - at).Append("${{").Append(expression.Inner.Replace(" ", "", StringComparison.Ordinal)).Append("}}");
            at = expression.Offset + expression.Length;
        }
        return builder.Append(text, at, text.Length - at).ToString();
    }

    // --- commands ---------------------------------------------------------------------------------------------------

    /// <summary>Runs a list of simple commands; returns what the last one outputs (<paramref name="captured"/>: into a substitution, not the log).</summary>
    private Taint? Evaluate(List<SimpleCommand> commands, string? heredoc, int depth, bool captured)
    {
        Taint? piped = null;
        Taint? last = null;
        for (var i = 0; i < commands.Count; i++)
        {
            // A here-document feeds the first command of its line (the one that names it).
            last = Command(commands[i], piped, i == 0 ? heredoc : null, depth, captured);
            piped = commands[i].Next == "|" ? last : null;
        }
        return last;
    }

    private static readonly HashSet<string> Keywords = ["if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "(", ")", "time", "sudo", "exec", "nohup", "command", "builtin", "xargs"];
    private static readonly HashSet<string> DeclareWords = ["export", "local", "declare", "readonly", "typeset", "set-variable", "set-item"];

    private Taint? Command(SimpleCommand command, Taint? piped, string? heredoc, int depth, bool captured)
    {
        var argv = command.Argv.ToList();
        while (argv.Count > 0 && (Keywords.Contains(argv[0]) || argv[0] is "fi" or "done" or "esac" or ";;")) argv.RemoveAt(0);
        if (argv.Count == 0) return piped;

        // Assignments: NAME=value (sh, with export/local…), $name = value and $name=value (PowerShell).
        if (DeclareWords.Contains(argv[0].ToLowerInvariant()))
        {
            argv.RemoveAt(0);
            while (argv.Count > 0 && argv[0].StartsWith('-')) argv.RemoveAt(0);
        }
        if (argv.Count >= 2 && argv[0].StartsWith('$') && argv[1] == "=")
        {
            var value = string.Join(' ', argv.Skip(2));
            var assigned = WordTaint(value, depth);
            SetVar(argv[0][1..], assigned is not null && PowerShellEncoding(value) is { } psEncoding ? assigned.Encoded(psEncoding) : assigned);
            return null;
        }
        while (argv.Count > 0 && Assignment().Match(argv[0]) is { Success: true } assignment)
        {
            var value = assignment.Groups["value"].Value;
            var taint = WordTaint(value, depth);
            if (taint is not null && PowerShellEncoding(value) is { } valueEncoding) taint = taint.Encoded(valueEncoding);
            SetVar(assignment.Groups["name"].Value, taint);
            argv.RemoveAt(0);
        }
        if (argv.Count == 0) return null;

        // Redirections out of the words.
        var words = new List<string>();
        string? writeTo = null, readFrom = null;
        var hereString = false;
        for (var i = 0; i < argv.Count; i++)
        {
            var w = argv[i];
            if (w is ">" or ">>" or "1>" or "1>>" or "&>" or ">|") { if (i + 1 < argv.Count) writeTo = argv[++i]; continue; }
            if (w is "<") { if (i + 1 < argv.Count) readFrom = argv[++i]; continue; }
            if (w is "<<<") { hereString = true; continue; }
            if (w.StartsWith("2>", StringComparison.Ordinal) || w is ">&2" or "1>&2" or "2>&1") continue;
            if (w.StartsWith(">>", StringComparison.Ordinal) && w.Length > 2) { writeTo = w[2..]; continue; }
            if (w.StartsWith('>') && w.Length > 1 && w[1] != '&') { writeTo = w[1..]; continue; }
            if (w.StartsWith('<') && w.Length > 1 && w[1] != '<' && w[1] != '(') { readFrom = w[1..]; continue; }
            words.Add(w);
        }
        if (words.Count == 0) return piped;
        var program = ShellWords.BaseName(words[0]);
        var args = words.Skip(1).ToList();

        Taint? argTaint = null, bodyTaint = null;
        foreach (var a in args) argTaint ??= WordTaint(a, depth);
        if (hereString) { bodyTaint = argTaint; }
        var fileTaint = readFrom is not null ? _state.Files.GetValueOrDefault(NormalisePath(readFrom)) : null;
        foreach (var a in args) fileTaint ??= FileArgument(a);
        var heredocTaint = heredoc is not null ? TextTaint(heredoc, _state) : null;
        var input = argTaint ?? piped ?? fileTaint ?? heredocTaint;
        if (IsEnvironmentDump(program, args) && _state.Vars.Count > 0)
            input ??= Taint.Of("the whole environment");

        // Nested shells and interpreters with inline code.
        if (InlineCode(program, args, heredoc) is { } inline && depth < MaxDepth)
        {
            var codeTaint = inline.Language == "sh"
                ? Evaluate(ShellWords.Parse(inline.Code), null, depth + 1, captured)
                : Code(inline.Language, inline.Code, piped ?? fileTaint);
            input ??= codeTaint;
        }

        Sinks(program, args, input, argTaint, piped ?? fileTaint ?? heredocTaint, depth);

        var output = input;
        if (output is not null && Encoding(program, args) is { } encoding) output = output.Encoded(encoding);
        // A network client prints the server's answer, not what it sent; hashes and lengths do not carry their input.
        if (NonCarriers.Contains(program) || HttpClients.Contains(program) || Sockets.Contains(program) || program is "grep" && args.Any(a => a is "-q" or "-c" or "--quiet" or "--count")) output = null;

        if (writeTo is not null) Write(writeTo, output, program, args, heredoc);
        if (program is "tee" or "tee-object" or "out-file" or "set-content" or "add-content")
        {
            foreach (var a in args.Where(a => !a.StartsWith('-')))
            {
                if (IsGitHubFile(a) is not null) Write(a, output ?? piped, program, [], heredoc);
                else if (piped is not null || output is not null) _state.Files[NormalisePath(a)] = (output ?? piped)!.Through(NormalisePath(a));
            }
        }
        else if (!captured && writeTo is null && command.Next != "|" && output is { IsEncoded: true } && (Printers.Contains(program) || Encoders.ContainsKey(program)))
        {
            AddSink(SinkKind.Log, output, [], false, true);
        }
        return output;
    }

    private void SetVar(string name, Taint? taint)
    {
        if (taint is null) _state.Vars.Remove(name);
        else _state.Vars[name] = taint.Through("$" + name);
    }

    /// <summary>A redirection: to $GITHUB_ENV / $GITHUB_OUTPUT (later steps), the step summary (a log), a socket, or a file.</summary>
    private void Write(string target, Taint? output, string program, List<string> args, string? heredoc)
    {
        var github = IsGitHubFile(target);
        if (github is "GITHUB_ENV" or "GITHUB_OUTPUT")
        {
            var assignments = heredoc is not null ? heredoc.Split('\n') : [string.Join(' ', args)];
            foreach (var text in assignments)
            {
                if (KeyValue().Match(text.Trim()) is not { Success: true } kv) continue;
                var taint = TextTaint(kv.Groups["value"].Value, _state) ?? (heredoc is null ? output : null);
                if (taint is null) continue;
                var name = kv.Groups["name"].Value;
                if (github == "GITHUB_ENV") EnvWrites[name] = taint.Through("$" + name);
                else if (_step.Id is { } id) _state.Outputs[$"{id}.{name}"] = taint.Through($"steps.{id}.outputs.{name}");
            }
            return;
        }
        if (output is null) return;
        if (github == "GITHUB_STEP_SUMMARY")
        {
            if (output.IsEncoded) AddSink(SinkKind.Log, output, [], false, true);
            return;
        }
        if (DevTcp().Match(target) is { Success: true } tcp)
        {
            AddSink(SinkKind.Network, output, [tcp.Groups["host"].Value.ToLowerInvariant()], false, true);
            return;
        }
        if (target is "/dev/null" or "/dev/stderr" or "/dev/stdout") return;
        _state.Files[NormalisePath(target)] = output.Through(NormalisePath(target));
    }

    private static string? IsGitHubFile(string target)
    {
        var m = GitHubFile().Match(target);
        return m.Success ? m.Groups["name"].Value.ToUpperInvariant() : null;
    }

    /// <summary>A file argument the program reads: <c>@file</c>, <c>name=@file</c>, <c>--post-file=file</c>, or the path itself.</summary>
    private Taint? FileArgument(string argument)
    {
        if (_state.Files.Count == 0) return null;
        foreach (var candidate in new[] { argument, argument[(argument.LastIndexOf('@') + 1)..], argument[(argument.IndexOf('=') + 1)..] })
        {
            var path = NormalisePath(candidate.Split(';')[0]);
            if (path.Length > 0 && _state.Files.TryGetValue(path, out var taint)) return taint;
        }
        return null;
    }

    public static string NormalisePath(string path)
    {
        var p = path.Trim().Trim('"', '\'');
        if (p.StartsWith("file://", StringComparison.Ordinal)) p = p[7..];
        while (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
        p = p.Replace("$HOME", "~", StringComparison.Ordinal).Replace("${HOME}", "~", StringComparison.Ordinal)
            .Replace("${{ github.workspace }}/", "", StringComparison.Ordinal).Replace("$GITHUB_WORKSPACE/", "", StringComparison.Ordinal)
            .Replace("${GITHUB_WORKSPACE}/", "", StringComparison.Ordinal)
            .Replace("${{ runner.temp }}", "$RUNNER_TEMP", StringComparison.Ordinal).Replace("${RUNNER_TEMP}", "$RUNNER_TEMP", StringComparison.Ordinal);
        return p;
    }

    // --- taint of words ---------------------------------------------------------------------------------------------

    /// <summary>What a word carries: its command substitutions (run, with their encodings), then its expressions and variables.</summary>
    private Taint? WordTaint(string word, int depth)
    {
        if (word.Length == 0) return null;
        Taint? found = null;
        var rest = word;
        if (depth < MaxDepth && (word.Contains("$(", StringComparison.Ordinal) || word.Contains('`')))
        {
            foreach (Match sub in Substitution().Matches(word))
                found ??= Evaluate(ShellWords.Parse(sub.Groups["inner"].Value), null, depth + 1, captured: true);
            rest = Substitution().Replace(word, " ");
        }
        return found ?? TextTaint(rest, _state);
    }

    /// <summary>The taint a piece of text carries through expressions and variable references (no substitutions run).</summary>
    public static Taint? TextTaint(string text, FlowState state)
    {
        if (text.Contains("${{", StringComparison.Ordinal))
            foreach (var expression in WorkflowScripts.Expressions(text))
                if (ExpressionTaint(expression.Inner, state) is { } taint) return taint;
        if (text.AsSpan().IndexOfAny('$', '%', '[') < 0 && !text.Contains("env", StringComparison.OrdinalIgnoreCase)) return null;
        foreach (Match m in VariableReference().Matches(text))
        {
            var name = m.Groups["name"].Value;
            if (state.Vars.TryGetValue(name, out var taint)) return taint;
            if (state.Dialect == CiDialect.GitLab && SecretFlow.IsSecretLikeName(name)) return Taint.Of("$" + name);
        }
        return null;
    }

    private static Taint? ExpressionTaint(string inner, FlowState state)
    {
        if (ToJsonSecrets().IsMatch(inner)) return Taint.Of("toJSON(secrets)");
        if (SecretsContext().Match(inner) is { Success: true } secret) return Taint.Of(secret.Value);
        if (GitHubToken().IsMatch(inner)) return Taint.Of("github.token");
        foreach (Match m in EnvContext().Matches(inner))
            if (state.Vars.TryGetValue(m.Groups[1].Value, out var taint)) return taint.Through("env." + m.Groups[1].Value);
        foreach (Match m in StepOutput().Matches(inner))
            if (state.Outputs.TryGetValue($"{m.Groups[1].Value}.{m.Groups[2].Value}", out var taint)) return taint.Through(m.Value);
        if (state.JobOutputs is { } jobs)
            foreach (Match m in NeedsOutput().Matches(inner))
                if (jobs.TryGetValue($"{m.Groups[1].Value}.{m.Groups[2].Value}", out var taint)) return taint.Through(m.Value);
        return null;
    }

    public static bool DumpsEnvironment(string text) => EnvironmentDump().IsMatch(text);

    private static bool IsEnvironmentDump(string program, List<string> args) =>
        program is "env" or "printenv" && args.Count == 0 || program is "set" && args.Count == 0 || program == "export" && args is ["-p"]
        || program is "get-childitem" or "gci" or "dir" or "ls" && args.Any(a => a.StartsWith("env:", StringComparison.OrdinalIgnoreCase));

    // --- inline code ------------------------------------------------------------------------------------------------

    private sealed record Inline(string Language, string Code);

    private static Inline? InlineCode(string program, List<string> args, string? heredoc)
    {
        var language = program switch
        {
            _ when program.StartsWith("python", StringComparison.Ordinal) || program is "py" => "python",
            "node" or "nodejs" or "deno" or "bun" => "node",
            "perl" or "ruby" or "php" => program,
            "sh" or "bash" or "zsh" or "dash" or "ksh" or "pwsh" or "powershell" or "cmd" => "sh",
            _ => null,
        };
        if (language is null) return null;
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i].ToLowerInvariant();
            if (flag is "-c" or "-e" or "-p" or "-r" or "-command" or "/c" or "eval" && i + 1 < args.Count)
                return new Inline(language, string.Join(' ', args.Skip(i + 1)));
            if (flag is "-encodedcommand" or "-enc" or "-e" or "-ec" && i + 1 < args.Count && ShellWords.DecodePowerShell(args[i + 1]) is { } decoded)
                return new Inline(language, decoded);
        }
        if (heredoc is not null && (args.Count == 0 || args is ["-"] || args.All(a => a.StartsWith('-')))) return new Inline(language, heredoc);
        return null;
    }

    /// <summary>Code in another language: taint through its environment reads, and a sink when it talks to the network.</summary>
    private Taint? Code(string language, string code, Taint? stdin)
    {
        var taint = TextTaint(code, _state) ?? stdin;
        if (taint is null && _state.Vars.Count > 0 && EnvironmentDump().IsMatch(code)) taint = Taint.Of("the whole environment");
        if (language == "sh")
        {
            var saved = (_lineText, _lineOffset);
            taint = Evaluate(ShellWords.Parse(CompactExpressions(code)), null, 1, captured: false) ?? taint;
            (_lineText, _lineOffset) = saved;
            return taint;
        }
        if (taint is null || !CodeNetworkClient().IsMatch(code)) return taint;
        if (CodeEncoding().Match(code) is { Success: true } encoding) taint = taint.Encoded(encoding.Value.TrimEnd('('));
        var hosts = WorkflowScripts.Hosts(code).Concat(CodeSocketHost().Matches(code).Select(m => m.Groups["host"].Value.ToLowerInvariant())).Distinct().ToList();
        var dns = CodeDnsLookup().IsMatch(code);
        AddSink(dns && hosts.Count == 0 ? SinkKind.Dns : SinkKind.Network, taint, hosts, InHeaderOnly(code), true);
        return taint;
    }

    private bool InHeaderOnly(string code)
    {
        var stripped = CodeHeader().Replace(code, "");
        return stripped.Length != code.Length && TextTaint(stripped, _state) is null;
    }

    // --- sinks ------------------------------------------------------------------------------------------------------

    private static readonly HashSet<string> HttpClients = ["curl", "wget", "http", "https", "xh", "httpie", "invoke-webrequest", "iwr", "invoke-restmethod", "irm", "aria2c", "lwp-request", "post", "fetch"];
    private static readonly HashSet<string> Sockets = ["nc", "ncat", "netcat", "socat", "telnet", "openssl"];
    private static readonly HashSet<string> DnsTools = ["dig", "nslookup", "host", "ping", "ping6", "resolve-dnsname", "drill", "kdig", "getent"];
    private static readonly HashSet<string> RemoteCopies = ["scp", "rsync", "sftp", "ssh", "ftp"];

    private void Sinks(string program, List<string> args, Taint? input, Taint? argTaint, Taint? streamTaint, int depth)
    {
        if (program == "git") Git(args, input);
        if (input is null) return;
        if (HttpClients.Contains(program))
        {
            var hosts = args.SelectMany(WorkflowScripts.Hosts).Distinct().ToList();
            var headerOnly = streamTaint is null && argTaint is not null && NonHeaderTaint(program, args, depth) is null;
            var sends = streamTaint is not null || SendsData(program, args) || hosts.Count > 0;
            AddSink(SinkKind.Network, input, hosts, headerOnly, sends);
        }
        else if (Sockets.Contains(program) && (program != "openssl" || args.Contains("s_client")))
        {
            var hosts = SocketHosts(args).ToList();
            AddSink(SinkKind.Network, input, hosts, false, true);
        }
        else if (RemoteCopies.Contains(program) && (argTaint is not null || streamTaint is not null))
        {
            var hosts = args.Select(a => RemoteHost().Match(a)).Where(m => m.Success).Select(m => m.Groups["host"].Value.ToLowerInvariant()).Distinct().ToList();
            AddSink(SinkKind.Network, input, hosts, false, true);
        }
        else if (DnsTools.Contains(program) && argTaint is not null)
        {
            var name = args.FirstOrDefault(a => !a.StartsWith('-') && !a.StartsWith('@') && WordTaint(a, depth) is not null) ?? "";
            var suffix = DnsSuffix().Match(name);
            AddSink(SinkKind.Dns, input, suffix.Success ? [suffix.Groups["domain"].Value.ToLowerInvariant()] : [], false, true);
        }
        else if (program == "gh")
        {
            Gh(args, input, argTaint, streamTaint);
        }
    }

    private void Git(List<string> args, Taint? input)
    {
        var i = 0;
        while (i < args.Count && args[i].StartsWith('-')) i += args[i] is "-c" or "-C" ? 2 : 1;
        if (i >= args.Count) return;
        var sub = args[i];
        var rest = args.Skip(i + 1).Where(a => !a.StartsWith('-')).ToList();
        if (sub == "remote" && rest is ["add" or "set-url", var remote, var remoteUrl, ..])
        {
            _remotes[remote] = remoteUrl;
            return;
        }
        // A file holding a secret, or a commit message with one, goes wherever the branch is pushed.
        if (sub is "add" or "commit" && (input ?? rest.Select(path => _state.FileUnder(path)).FirstOrDefault(t => t is not null)) is { } staged) _staged = staged;
        if (sub is not ("push" or "clone" or "fetch" or "pull" or "ls-remote")) return;
        var target = rest.FirstOrDefault();
        var url = target is null ? null : _remotes.GetValueOrDefault(target) ?? (target.Contains("://", StringComparison.Ordinal) || target.Contains('@') ? target : null);
        if (url is null) return;
        var hosts = WorkflowScripts.Hosts(url).Concat(RemoteHost().Matches(url).Select(m => m.Groups["host"].Value.ToLowerInvariant())).Distinct().ToList();
        var taint = input ?? TextTaint(url, _state) ?? (sub == "push" ? _staged : null);
        if (taint is not null) AddSink(SinkKind.GitRemote, taint, hosts, false, true);
    }

    private void Gh(List<string> args, Taint input, Taint? argTaint, Taint? streamTaint)
    {
        if (args is ["gist", "create", ..])
            AddSink(SinkKind.Network, input, ["gist.github.com (a gist)"], false, true);
        else if (args is ["api", ..] && args.IndexOf("--hostname") is var at and >= 0 && at + 1 < args.Count)
            AddSink(SinkKind.Network, input, [args[at + 1].ToLowerInvariant()], false, true);
        else if (args is ["issue" or "pr" or "release", "comment" or "create" or "edit", ..] && argTaint is not null && streamTaint is null
                 && args.Any(a => a is "--body" or "-b" or "--title" or "-t" or "--notes" or "-n"))
            AddSink(SinkKind.Log, argTaint, [], false, true);
    }

    private void AddSink(SinkKind kind, Taint taint, IReadOnlyList<string> hosts, bool headerOnly, bool sends) =>
        _sinks.Add(new SecretSink(_job, _step, kind, taint, hosts, headerOnly, sends, _workflow.Locate(_script, _lineOffset), WorkflowScripts.Evidence(_lineText)));

    /// <summary>The taint of the arguments outside authentication headers and <c>-u user:pass</c>.</summary>
    private Taint? NonHeaderTaint(string program, List<string> args, int depth)
    {
        Taint? taint = null;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (HeaderFlags.Contains(a)) { i++; continue; }
            if (a.StartsWith("--header=", StringComparison.Ordinal) || a.StartsWith("--user=", StringComparison.Ordinal) || a.StartsWith("--oauth2-bearer=", StringComparison.Ordinal)) continue;
            if (program is "http" or "https" or "xh" or "httpie" && HttpieHeader().IsMatch(a)) continue;
            taint ??= WordTaint(a, depth);
        }
        return taint;
    }

    private static readonly HashSet<string> HeaderFlags = new(StringComparer.OrdinalIgnoreCase)
    {
        "-H", "--header", "-u", "--user", "--oauth2-bearer", "--http-password", "--password", "--http-user", "-Headers", "-Header", "-Credential", "-Token", "-a", "--auth",
    };

    private static bool SendsData(string program, List<string> args) =>
        args.Any(a => SendFlags.Contains(a) || a.StartsWith("--data", StringComparison.Ordinal) || a.StartsWith("--post-", StringComparison.Ordinal) || a.StartsWith("--form", StringComparison.Ordinal)
            || a.StartsWith("--body-", StringComparison.Ordinal) || a.StartsWith("-d", StringComparison.Ordinal) && a.Length > 2 && program == "curl")
        || program is "http" or "https" or "xh" && args.Any(a => a.Contains('=', StringComparison.Ordinal));

    private static readonly HashSet<string> SendFlags = new(StringComparer.OrdinalIgnoreCase)
    {
        "-d", "-F", "-T", "--upload-file", "-X", "--request", "-Body", "-InFile", "-Method", "--method",
    };

    private static IEnumerable<string> SocketHosts(List<string> args)
    {
        foreach (var a in args)
        {
            if (a.StartsWith('-')) continue;
            if (SocatAddress().Match(a) is { Success: true } socat) { yield return socat.Groups["host"].Value.ToLowerInvariant(); continue; }
            if (HostLike().IsMatch(a)) yield return a.Split(':')[0].ToLowerInvariant();
        }
    }

    // --- encodings and carriers -------------------------------------------------------------------------------------

    private static readonly Dictionary<string, string> Encoders = new(StringComparer.Ordinal)
    {
        ["base64"] = "base64", ["base32"] = "base32", ["basenc"] = "basenc", ["xxd"] = "xxd", ["od"] = "od", ["hexdump"] = "hexdump",
        ["gzip"] = "gzip", ["bzip2"] = "bzip2", ["xz"] = "xz", ["zstd"] = "zstd", ["rev"] = "rev", ["tr"] = "tr", ["openssl"] = "openssl",
        ["uuencode"] = "uuencode", ["cut"] = "cut", ["split"] = "split", ["fold"] = "fold", ["sed"] = "sed", ["awk"] = "awk", ["iconv"] = "iconv",
        ["zip"] = "zip", ["tar"] = "tar", ["jq"] = "jq", ["certutil"] = "certutil",
    };

    private static string? Encoding(string program, List<string> args) =>
        Encoders.TryGetValue(program, out var name) ? (args.Any(a => a is "-d" or "--decode" or "-D" or "-r") ? name + " -d" : name) : null;

    private static string? PowerShellEncoding(string value) =>
        value.Contains("ToBase64String", StringComparison.OrdinalIgnoreCase) ? "base64"
        : value.Contains("ToHexString", StringComparison.OrdinalIgnoreCase) ? "hex"
        : value.Contains("b64encode", StringComparison.Ordinal) ? "base64" : null;

    /// <summary>Programs whose output does not carry their input: hashes, lengths, tests.</summary>
    private static readonly HashSet<string> NonCarriers =
    [
        "wc", "sha1sum", "sha256sum", "sha512sum", "md5sum", "shasum", "b2sum", "cksum", "test", "[", "[[", "true", "false",
        "gpg", "gpg2", "gpg-agent", "docker", "twine", "pip", "uv", "poetry", "npm", "gh", "git", "hatch", "flit", "pdm", "cosign", "ssh-add", "ssh-keyscan",
    ];

    private static readonly HashSet<string> Printers = ["echo", "printf", "cat", "write-host", "write-output", "print", "tee", "write-information", "more", "less", "head", "tail"];

    // --- patterns ---------------------------------------------------------------------------------------------------

    [GeneratedRegex(@"^(?<name>[A-Za-z_]\w*)(?:\[[^\]]*\])?\+?=(?<value>.*)$", RegexOptions.Singleline)]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^(?<name>[A-Za-z_][\w-]*)(?:=|<<)(?<value>.*)$", RegexOptions.Singleline)]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"^[""']?\$\{?(?:env:)?(?<name>GITHUB_ENV|GITHUB_OUTPUT|GITHUB_STEP_SUMMARY|GITHUB_PATH)\}?[""']?$", RegexOptions.IgnoreCase)]
    private static partial Regex GitHubFile();

    [GeneratedRegex(@"<<-?\s*(?<q>['""]?)(?<word>[A-Za-z_]\w*)\k<q>")]
    private static partial Regex HeredocStart();

    [GeneratedRegex(@"\$\((?<inner>[^()]*(?:\([^()]*\)[^()]*)*)\)|`(?<inner>[^`]+)`")]
    private static partial Regex Substitution();

    // $NAME, ${NAME…} (not ${#NAME}, a length), $env:NAME, %NAME%, and the environment reads of python, node, ruby, perl.
    [GeneratedRegex(@"(?i:\$env:)(?<name>[A-Za-z_]\w*)|\$?ENV\{[""']?(?<name>\w+)|\$\{(?<name>[A-Za-z_]\w*)|\$(?<name>[A-Za-z_]\w*)|%(?<name>[A-Za-z_]\w*)%|environ(?:\.get\(|\[)\s*[""'](?<name>\w+)|getenv\(\s*[""'](?<name>\w+)|process\.env\.(?<name>\w+)|process\.env\[\s*[""'](?<name>\w+)|ENV\[\s*[""'](?<name>\w+)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"(?i)tojson\(\s*secrets\s*\)")]
    private static partial Regex ToJsonSecrets();

    [GeneratedRegex(@"\bsecrets(\.[A-Za-z_][\w-]*|\[[^\]]*\])")]
    private static partial Regex SecretsContext();

    [GeneratedRegex(@"\bgithub\.token\b")]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"\benv\.([A-Za-z_]\w*)")]
    private static partial Regex EnvContext();

    [GeneratedRegex(@"\bsteps\.([\w-]+)\.outputs\.([\w-]+)")]
    private static partial Regex StepOutput();

    [GeneratedRegex(@"\bneeds\.([\w-]+)\.outputs\.([\w-]+)")]
    private static partial Regex NeedsOutput();

    [GeneratedRegex(@"\bprintenv\b(?!\s+\w)|\$\(\s*env\s*\)|`env`|\benv\s*\||os\.environ\b(?!\s*\[|\.get|\.setdefault|\[)|process\.env\b(?![.\[])|Get-ChildItem\s+env:", RegexOptions.IgnoreCase)]
    private static partial Regex EnvironmentDump();

    [GeneratedRegex(@"urllib|urlopen|requests\.|httpx|http\.client|HTTPSConnection|aiohttp|socket|fetch\(|https?\.request|https?\.get\(|axios|XMLHttpRequest|Net::HTTP|LWP|HTTP::Tiny|IO::Socket|open-uri|curl_exec|file_get_contents\(\s*['""]https?|gethostbyname|getaddrinfo|dns\.|Resolv", RegexOptions.IgnoreCase)]
    private static partial Regex CodeNetworkClient();

    [GeneratedRegex(@"gethostbyname|getaddrinfo|dns\.(?:resolve|lookup)|Resolv")]
    private static partial Regex CodeDnsLookup();

    [GeneratedRegex(@"b64encode|b32encode|hexlify|\.hex\(\)|zlib\.compress|btoa\(|toString\(\s*['""](?:base64|hex)|\[::-1\]|encode_base64|pack\(['""]H")]
    private static partial Regex CodeEncoding();

    // connect(("host", 443)) and "host:80" as a socket address.
    [GeneratedRegex(@"\(\s*\(?\s*['""](?<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)['""]\s*,\s*\d+|['""](?<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+):\d+['""]")]
    private static partial Regex CodeSocketHost();

    [GeneratedRegex(@"(?i)['""]?(?:authorization|x-api-key|private-token|x-auth-token)['""]?\s*[:=]\s*[^,}\n]+|auth\s*=\s*\([^)]*\)|headers\s*=\s*\{[^}]*\}")]
    private static partial Regex CodeHeader();

    [GeneratedRegex(@"^[A-Za-z][\w-]*:(?!//)")]
    private static partial Regex HttpieHeader();

    [GeneratedRegex(@"/dev/(?:tcp|udp)/(?<host>[A-Za-z0-9.-]+)/")]
    private static partial Regex DevTcp();

    [GeneratedRegex(@"(?i)^(?:tcp[46]?|udp[46]?|openssl|ssl)[:-](?:connect:)?(?<host>[a-z0-9.-]+):\d+")]
    private static partial Regex SocatAddress();

    [GeneratedRegex(@"^(?:\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d+)?$")]
    private static partial Regex HostLike();

    [GeneratedRegex(@"(?:^|[@/])(?:[\w.-]+@)?(?<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+):")]
    private static partial Regex RemoteHost();

    [GeneratedRegex(@"[})\w]\.(?<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\.?$")]
    private static partial Regex DnsSuffix();
}
