using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>Passwords inside URLs: <c>https://user:pass@host/simple</c> in pip configuration, requirements, CI scripts.</summary>
public static partial class UrlCredentialsDetector
{
    public static readonly Rule Rule = new(
        "MOAT-SECRET-010",
        "url-credentials",
        "A URL with a password in it (https://user:password@host), above all a package index URL.",
        Severity.High,
        "Index URLs with credentials (`--index-url https://user:token@pypi.example.com/simple`) end up in requirements " +
        "files, pip.conf, Dockerfiles and logs, and every tool that echoes the URL leaks the password. Use keyring or " +
        "netrc-style credential helpers, or an environment variable (`https://${PIP_USER}:${PIP_PASSWORD}@…`, which " +
        "Moat does not report). Index URLs are found in pip.conf (index-url, extra-index-url), requirements files " +
        "(--index-url, --extra-index-url), .pypirc (repository), uv.toml and pyproject.toml ([[tool.uv.index]]), " +
        "poetry.toml and anywhere else; the URL is shown with its password masked. Database URLs to localhost are " +
        "reported at low severity.",
        ["https://pip.pypa.io/en/stable/topics/authentication/"]);

    public static readonly SecretDetector Detector = new("url-credentials", ["://"], Scan);

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        if (!text.Contains('@')) return;
        // Only "://" followed by an '@' before the next whitespace can carry credentials; the regex runs from there.
        var position = 0;
        while ((position = text.IndexOf("://", position, StringComparison.Ordinal)) >= 0)
        {
            var scheme = position;
            while (scheme > 0 && position - scheme < 16 && (char.IsAsciiLetterOrDigit(text[scheme - 1]) || text[scheme - 1] is '+' or '.' or '-')) scheme--;
            var end = text.AsSpan(position).IndexOfAny(UrlEnd);
            var url = end < 0 ? text.AsSpan(position) : text.AsSpan(position, end);
            position += 3;
            if (url.IndexOf('@') < 0 || scheme == position - 3) continue;
            var m = UrlWithPassword().Match(text, scheme);
            if (!m.Success || m.Index != scheme) continue;
            Report(text, m, hits);
            position = m.Index + m.Length;
        }
    }

    private static readonly System.Buffers.SearchValues<char> UrlEnd = System.Buffers.SearchValues.Create(" \t\r\n\"'<>`");

    private static void Report(string text, Match m, List<SecretHit> hits)
    {
        var user = m.Groups["user"].Value;
        var password = m.Groups["password"].Value;
        var host = m.Groups["host"].Value.ToLowerInvariant();
        if (SecretValues.IsPlaceholder(password) || SecretValues.IsPlaceholder(user) || password.Length < 4 || host is "example.com" || host.EndsWith(".example.com", StringComparison.Ordinal) || password == user) return;
        var isIndex = m.Groups["path"].Value.Contains("/simple", StringComparison.Ordinal) || IndexContext().IsMatch(LinePrefix(text, m.Index));
        var isLocal = host is "localhost" or "127.0.0.1" or "0.0.0.0" or "db" or "postgres" or "mysql" or "redis";
        var severity = isIndex ? Severity.High : isLocal ? Severity.Low : Severity.Medium;
        hits.Add(new SecretHit(Rule, severity, isLocal ? Confidence.Low : Confidence.Medium,
            isIndex ? $"package index URL with a password for {host}" : $"URL with a password for {host}",
            m.Groups["password"].Index, password.Length, password)
        {
            Evidence = string.Concat(m.Value.AsSpan(0, m.Groups["password"].Index - m.Index), "****", m.Value.AsSpan(m.Groups["password"].Index + password.Length - m.Index)),
        });
    }

    private static string LinePrefix(string text, int index)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        return text[start..index];
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9+.-])(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]{1,15})://(?<user>[^\s:/@'""<>`]{1,64}):(?<password>[^\s/@'""<>`]{1,200})@(?<host>[A-Za-z0-9.-]+)(?::\d+)?(?<path>/[^\s'""<>`]*)?")]
    private static partial Regex UrlWithPassword();

    [GeneratedRegex(@"(?i)index[-_]url|find[-_]links|repository[-_]url|^\s*repository\s*[=:]|\[\[tool\.(uv|poetry)|pip\s+install")]
    private static partial Regex IndexContext();
}
