using System.Text;
using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>
/// Plaintext passwords in the files Python tooling reads credentials from: <c>.pypirc</c> (including values split
/// over continuation lines or base64-encoded), <c>pip.conf</c>/<c>pip.ini</c> and <c>.netrc</c>.
/// </summary>
public static partial class ConfigFileDetector
{
    public static readonly Rule Rule = new(
        "MOAT-SECRET-011",
        "config-file-password",
        "A plaintext (or merely base64-encoded) password in .pypirc, pip.conf or .netrc.",
        Severity.High,
        ".pypirc, pip.conf and .netrc are read by twine, pip and curl, and are routinely committed, baked into images " +
        "and copied by stealers. A PyPI token in .pypirc is reported as critical; base64 encoding or splitting the value " +
        "over continuation lines hides nothing (configparser joins them, and Moat does too). Use keyring, Trusted " +
        "Publishing, or environment variables (TWINE_PASSWORD) set by CI.",
        ["https://packaging.python.org/en/latest/specifications/pypirc/", "https://pip.pypa.io/en/stable/topics/configuration/"]);

    public static readonly SecretDetector Detector = new("config-files", [], Scan, IsConfigFile);

    public static bool IsConfigFile(string fileName) =>
        fileName.ToLowerInvariant() is ".pypirc" or "pypirc" or "pip.conf" or "pip.ini" or ".netrc" or "_netrc" or ".pypirc.txt";

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        if (fileName.EndsWith("netrc", StringComparison.OrdinalIgnoreCase)) ScanNetrc(text, hits);
        else ScanIni(text, hits);
    }

    /// <summary>configparser semantics: <c>key = value</c> or <c>key: value</c>, indented lines continue the value.</summary>
    private static void ScanIni(string text, List<SecretHit> hits)
    {
        var section = "";
        string? key = null;
        var keyOffset = 0;
        var valueEnd = 0;
        var value = new StringBuilder();
        var offset = 0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var lineOffset = offset;
            offset += raw.Length + 1;
            if (key is not null && line.Length > 0 && char.IsWhiteSpace(line[0]) && line.Trim().Length > 0)
            {
                value.Append(line.Trim()); // continuation line
                valueEnd = lineOffset + line.Length;
                continue;
            }
            Flush();
            var trimmed = line.Trim();
            if (trimmed.StartsWith('[') && trimmed.EndsWith(']')) { section = trimmed[1..^1]; continue; }
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';') continue;
            var separator = trimmed.IndexOfAny(['=', ':']);
            if (separator <= 0) continue;
            key = trimmed[..separator].Trim().ToLowerInvariant();
            keyOffset = lineOffset + line.IndexOf(trimmed, StringComparison.Ordinal);
            value.Clear().Append(trimmed[(separator + 1)..].Trim());
            valueEnd = lineOffset + line.Length;
        }
        Flush();

        void Flush()
        {
            if (key is "password" or "token") Report(section, value.ToString(), keyOffset, valueEnd - keyOffset, hits);
            key = null;
        }
    }

    /// <param name="offset">Where the key starts.</param>
    /// <param name="length">From the key to the end of the value's last line, so that detectors matching inside it merge into this hit.</param>
    private static void Report(string section, string value, int offset, int length, List<SecretHit> hits)
    {
        if (SecretValues.IsPlaceholder(value)) return;
        var where = section.Length > 0 ? $"[{section}]" : "the file";
        if (PyPiTokenDetector.Describe(value) is { } token)
        {
            hits.Add(new SecretHit(Rule, Severity.Critical, token.Confidence, $"{token.Message} in {where}", offset, length, value));
            return;
        }
        if (Base64Text(value) is { } decoded)
        {
            var inner = PyPiTokenDetector.Describe(decoded) is { } t ? t.Message : "a password";
            hits.Add(new SecretHit(Rule, decoded.StartsWith("pypi-", StringComparison.Ordinal) ? Severity.Critical : Severity.High, Confidence.High,
                $"base64-encoded {inner} in {where}", offset, length, value));
            return;
        }
        hits.Add(new SecretHit(Rule, Severity.High, Confidence.High, $"plaintext password in {where}", offset, length, value));
    }

    /// <summary>The decoded text when <paramref name="value"/> is base64 of printable ASCII at least 16 long; else null.</summary>
    private static string? Base64Text(string value)
    {
        if (value.Length < 24 || value.Length % 4 == 1) return null;
        var bytes = Macaroon.Base64Url(value.TrimEnd('='));
        if (bytes is not { Length: >= 16 } || bytes.Any(b => b is < 0x20 or > 0x7e)) return null;
        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>.netrc is whitespace-separated tokens: <c>machine H login U password P</c>, over any number of lines.</summary>
    private static void ScanNetrc(string text, List<SecretHit> hits)
    {
        var machine = "default";
        var tokens = NetrcToken().Matches(text);
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            var word = tokens[i].Value;
            if (word == "machine") machine = tokens[i + 1].Value;
            if (word != "password") continue;
            var password = tokens[i + 1];
            if (SecretValues.IsPlaceholder(password.Value)) continue;
            hits.Add(new SecretHit(Rule, Severity.High, Confidence.High, $"plaintext password for {machine} in .netrc", password.Index, password.Length, password.Value));
        }
    }

    [GeneratedRegex(@"\S+")]
    private static partial Regex NetrcToken();
}
