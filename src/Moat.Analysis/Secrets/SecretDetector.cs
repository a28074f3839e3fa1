using System.Buffers;

namespace Moat.Analysis.Secrets;

/// <summary>
/// One secret the scanner found: the rule, how sure, a message, and where the secret sits in the text
/// (<see cref="Offset"/>, <see cref="Length"/>). <see cref="Secret"/> is the raw value: it is hashed into the
/// baseline fingerprint and redacted for output, and never printed whole.
/// </summary>
public sealed record SecretHit(Rule Rule, Severity Severity, Confidence Confidence, string Message, int Offset, int Length, string Secret)
{
    /// <summary>What to show instead of the redacted secret (a URL with its password masked); null for the usual redaction.</summary>
    public string? Evidence { get; init; }

    public static SecretHit Of(Rule rule, Confidence confidence, string message, int offset, string secret, int? length = null) =>
        new(rule, rule.Severity, confidence, message, offset, length ?? secret.Length, secret);
}

/// <summary>
/// A detector: the cheap anchors that must occur in a text before its regexes run (a token prefix, a keyword), or a
/// file-name test for detectors that read whole config files, and the scan itself.
/// </summary>
public sealed class SecretDetector
{
    public string Name { get; }
    public IReadOnlyList<string> Anchors { get; }
    public bool IgnoreCase { get; }
    private readonly SearchValues<string> _anchors;
    private readonly Func<string, bool>? _appliesToFile;
    private readonly Action<string, string, List<SecretHit>> _scan;

    /// <param name="scan">(text, file name, hits): appends what it finds.</param>
    /// <param name="ignoreCase">Whether the anchors match in any case (keywords) or exactly (token prefixes).</param>
    public SecretDetector(string name, IReadOnlyList<string> anchors, Action<string, string, List<SecretHit>> scan,
        Func<string, bool>? appliesToFile = null, bool ignoreCase = false)
    {
        Name = name;
        Anchors = anchors;
        IgnoreCase = ignoreCase;
        _anchors = SearchValues.Create([.. anchors], ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        _scan = scan;
        _appliesToFile = appliesToFile;
    }

    /// <summary>True when the file is one this detector always reads (.pypirc), whatever its content.</summary>
    public bool AppliesToFile(string fileName) => _appliesToFile?.Invoke(fileName) ?? false;

    public bool MayMatch(ReadOnlySpan<char> text) => Anchors.Count > 0 && text.IndexOfAny(_anchors) >= 0;

    public void Scan(string text, string fileName, List<SecretHit> hits) => _scan(text, fileName, hits);
}
