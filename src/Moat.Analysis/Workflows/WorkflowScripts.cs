using System.Buffers;
using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows;

/// <summary>A <c>${{ … }}</c> expression inside a scalar: where it starts and its inner text.</summary>
public readonly record struct Expression(int Offset, int Length, string Inner);

/// <summary>One logical shell command (backslash or backtick continuations joined) and where it starts in its script.</summary>
public readonly record struct ScriptLine(int Offset, string Text);

/// <summary>The small text tools the script audits share: expressions, logical lines, URLs and hosts.</summary>
public static partial class WorkflowScripts
{
    public static IEnumerable<Expression> Expressions(string text)
    {
        var start = 0;
        while ((start = text.IndexOf("${{", start, StringComparison.Ordinal)) >= 0)
        {
            var end = text.IndexOf("}}", start + 3, StringComparison.Ordinal);
            if (end < 0) yield break;
            yield return new Expression(start, end + 2 - start, text[(start + 3)..end].Trim());
            start = end + 2;
        }
    }

    /// <summary>Splits a script into logical lines, joining <c>\</c> (sh) and <c>`</c> (PowerShell) continuations.</summary>
    public static IEnumerable<ScriptLine> LogicalLines(string script)
    {
        var offset = 0;
        var startOffset = -1;
        var current = new System.Text.StringBuilder();
        foreach (var raw in script.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (startOffset < 0) startOffset = offset;
            offset += raw.Length + 1;
            var trimmed = line.TrimEnd();
            if (trimmed.EndsWith('\\') || trimmed.EndsWith(" `", StringComparison.Ordinal))
            {
                current.Append(trimmed, 0, trimmed.Length - 1).Append(' ');
                continue;
            }
            current.Append(line);
            if (current.ToString().Trim() is { Length: > 0 } text && !text.StartsWith('#')) yield return new ScriptLine(startOffset, current.ToString());
            current.Clear();
            startOffset = -1;
        }
        if (current.Length > 0) yield return new ScriptLine(startOffset, current.ToString());
    }

    /// <summary>A script line as evidence: trimmed, at most 200 characters.</summary>
    public static string Evidence(string line)
    {
        var text = line.Trim();
        return text.Length <= 200 ? text : text[..197] + "...";
    }

    /// <summary>Hosts of the literal URLs in <paramref name="line"/> (lower-case), plus <c>/dev/tcp/HOST</c> targets.</summary>
    public static IEnumerable<string> Hosts(string line)
    {
        foreach (Match m in UrlHost().Matches(line)) yield return m.Groups["host"].Value.ToLowerInvariant();
        foreach (Match m in DevTcp().Matches(line)) yield return m.Groups["host"].Value.ToLowerInvariant();
        foreach (Match m in SocketHost().Matches(line)) yield return m.Groups["host"].Value.ToLowerInvariant();
    }

    /// <summary>True for a host a CI job legitimately sends credentials to: code hosts, package registries, cloud APIs.</summary>
    public static bool IsTrustedHost(string host) =>
        TrustedHosts.Any(t => host == t || host.EndsWith("." + t, StringComparison.Ordinal));

    private static readonly string[] TrustedHosts =
    [
        "github.com", "githubusercontent.com", "ghcr.io", "pypi.org", "pythonhosted.org", "npmjs.org", "npmjs.com",
        "docker.io", "docker.com", "codecov.io", "coveralls.io", "sonarcloud.io", "amazonaws.com", "googleapis.com",
        "azure.com", "gitlab.com", "readthedocs.org", "anaconda.org", "crates.io", "nuget.org", "localhost", "127.0.0.1",
    ];

    /// <summary>Commands that talk to the network: downloaders, raw sockets, and interpreter one-liners.</summary>
    public static bool IsNetworkCommand(string line) => line.AsSpan().IndexOfAny(NetworkHints) >= 0 && NetworkCommand().IsMatch(line);

    private static readonly SearchValues<string> NetworkHints = SearchValues.Create(
        ["curl", "wget", "Invoke-", "iwr", "irm", "nc ", "ncat", "netcat", "socat", "/dev/tcp/", "python", "node ", "perl ", "ruby ", "gh api", "urlopen", "requests."],
        StringComparison.OrdinalIgnoreCase);

    /// <summary>Flags that make a downloader send data (the GhostAction <c>curl -d</c>).</summary>
    public static bool SendsData(string line) => SendsDataFlag().IsMatch(line);

    [GeneratedRegex(@"(?<![\w.-])(curl|wget|Invoke-WebRequest|Invoke-RestMethod|iwr|irm|nc|ncat|netcat|socat|telnet)(?![\w-])|/dev/tcp/|(?<![\w-])(python[23]?|node|perl|ruby)\s+-[ce]\b|\bgh\s+api\b|urlopen\(|requests\.(post|get|put)\(", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NetworkCommand();

    [GeneratedRegex(@"(?<![\w-])(-d|--data[\w-]*|-F|--form[\w-]*|-T|--upload-file|--post-data|--post-file|--body-data|-Body|-InFile|-X\s*POST|-XPOST|--method[= ]POST|-Method\s+Post|data=)", RegexOptions.CultureInvariant)]
    private static partial Regex SendsDataFlag();

    [GeneratedRegex(@"(?i)\b(?:https?|wss?|ftp)://(?:[^\s/@'""`]+@)?(?<host>[a-z0-9][a-z0-9.-]*[a-z0-9])")]
    private static partial Regex UrlHost();

    [GeneratedRegex(@"(?<![\w-])(?:nc|ncat|netcat|socat|telnet)\s+(?:-\S+\s+)*(?:TCP4?:)?(?<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)[\s:]+\d+")]
    private static partial Regex SocketHost();

    [GeneratedRegex(@"/dev/tcp/(?<host>[A-Za-z0-9.-]+)/")]
    private static partial Regex DevTcp();
}
