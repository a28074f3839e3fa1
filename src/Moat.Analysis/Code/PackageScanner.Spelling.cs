using System.Text.RegularExpressions;

namespace Moat.Analysis.Code;

/// <summary>Source patterns read across the package's files (<see cref="SpellingRules"/>).</summary>
public static partial class PackageScanner
{
    [GeneratedRegex(@"\b(?:oct|hex|bin|chr|ord|abs|all|any|len|id|copyright|credits|license|str|int|float|type|print|repr|open|dir|vars|zip|map|min|max|sum)\s*\.\s*__(?:str|repr|doc|name|qualname)__\s*(?:\(\s*\))?\s*\[", RegexOptions.CultureInvariant)]
    private static partial Regex BuiltinTextIndexPattern();

    [GeneratedRegex(@"\b(?:str|repr)\s*\(\s*(?:oct|hex|bin|chr|ord|abs|len|copyright|credits|license|print|open)\s*\)\s*\[", RegexOptions.CultureInvariant)]
    private static partial Regex BuiltinTextCallIndexPattern();

    /// <summary>The end of every <see cref="BuiltinTextIndexPattern"/> match.</summary>
    [GeneratedRegex(@"__(?:str|repr|doc|name|qualname)__\s*(?:\(\s*\))?\s*\[", RegexOptions.CultureInvariant)]
    private static partial Regex BuiltinTextIndexTailPattern();

    /// <summary>The end of every <see cref="BuiltinTextCallIndexPattern"/> match.</summary>
    [GeneratedRegex(@"\(\s*(?:oct|hex|bin|chr|ord|abs|len|copyright|credits|license|print|open)\s*\)\s*\[", RegexOptions.CultureInvariant)]
    private static partial Regex BuiltinTextCallIndexTailPattern();

    [GeneratedRegex(@"\b(?:eval|exec|compile|getattr|__import__|import_module)\s*\(\s*(?:[\w.]+\s*,\s*)?[bu]?(?<q>[""'])(?<body>(?:\\(?:x[0-9a-fA-F]{2}|[0-7]{1,3})|[^""'\\\r\n]){3,400})\k<q>", RegexOptions.CultureInvariant)]
    private static partial Regex EscapedArgumentPattern();

    // globals()['\x65\x76\x61\x6c'] is eval fetched from a namespace by an escaped name (the Hyperion obfuscator's way).
    [GeneratedRegex(@"(?:\b(?:globals|locals|vars)\s*\(\s*\)|\b__builtins__(?:\s*\.\s*__dict__)?)\s*\[\s*[bu]?(?<q>[""'])(?<body>(?:\\(?:x[0-9a-fA-F]{2}|[0-7]{1,3})|[^""'\\\r\n]){3,400})\k<q>\s*\]", RegexOptions.CultureInvariant)]
    private static partial Regex EscapedNamespaceLookupPattern();

    [GeneratedRegex(@"^[A-Za-z_]\w*\s*=\s*(?:eval|exec|compile)\s*\(\s*(?<q>[""'])(?<body>(?:\\(?:x[0-9a-fA-F]{2}|[0-7]{1,3})){3,80})\k<q>\s*\)", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex EscapedAliasPattern();

    /// <summary>True when <paramref name="body"/> (a literal's source) is mostly escapes and decodes to printable ASCII with letters.</summary>
    private static bool IsEscapeSpelled(string body)
    {
        var escapes = 0;
        var plain = 0;
        var decoded = new System.Text.StringBuilder();
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '\\' && i + 1 < body.Length)
            {
                int value;
                if (body[i + 1] == 'x' && i + 3 < body.Length) { value = Convert.ToInt32(body.Substring(i + 2, 2), 16); i += 3; }
                else
                {
                    var j = i + 1;
                    while (j < body.Length && j < i + 4 && body[j] is >= '0' and <= '7') j++;
                    if (j == i + 1) return false;
                    value = Convert.ToInt32(body[(i + 1)..j], 8);
                    i = j - 1;
                }
                escapes++;
                decoded.Append((char)value);
            }
            else { plain++; decoded.Append(body[i]); }
        }
        if (escapes < 3 || escapes < 3 * plain) return false;
        var text = decoded.ToString();
        return text.All(c => c is >= ' ' and < (char)0x7F) && text.Count(char.IsAsciiLetter) >= 3;
    }

    /// <summary>True when <paramref name="text"/> holds at least <paramref name="count"/> escapes \x.. or \[0-7].</summary>
    private static bool HasNumericEscapes(string text, int count)
    {
        var found = 0;
        for (var at = text.IndexOf('\\'); at >= 0 && at + 1 < text.Length; at = text.IndexOf('\\', at + 2))
            if (text[at + 1] is 'x' or (>= '0' and <= '7') && ++found >= count) return true;
        return false;
    }

    private static void AddSpellingSignals(PackageContents contents, string prefix, List<Finding> findings, bool singleFile)
    {
        foreach (var source in contents.Sources)
        {
            var text = source.Text;
            AddEscapeSpelling(source, text, prefix, findings, singleFile);
            if (!text.Contains("__", StringComparison.Ordinal) && !text.Contains("str(", StringComparison.Ordinal) && !text.Contains("repr(", StringComparison.Ordinal)) continue;
            // Each pattern starts with a name from a set of common words, so it tries a match at almost every letter;
            // its tail starts with "__" or "(" and is found quickly. No tail, no match.
            var mayIndex = BuiltinTextIndexTailPattern().IsMatch(text);
            var mayCall = BuiltinTextCallIndexTailPattern().IsMatch(text);
            var match = mayIndex ? BuiltinTextIndexPattern().Match(text) : Match.Empty;
            if (!match.Success && mayCall) match = BuiltinTextCallIndexPattern().Match(text);
            if (!match.Success) continue;
            // Two spellings at least: one alone could be a curiosity in a tutorial; obfuscators spell every name.
            if ((mayIndex ? BuiltinTextIndexPattern().Count(text) : 0) + (mayCall ? BuiltinTextCallIndexPattern().Count(text) : 0) < 2) continue;
            var relative = source.Path.Length >= prefix.Length ? source.Path[prefix.Length..] : source.Path;
            var role = RoleOf(relative, new HashSet<string>(), singleFile);
            var line = text.AsSpan(0, match.Index).Count('\n') + 1 + source.LineOffset;
            var lineStart = text.LastIndexOf('\n', match.Index) + 1;
            var lineEnd = text.IndexOf('\n', match.Index);
            var evidence = text[lineStart..(lineEnd < 0 ? text.Length : lineEnd)].Trim();
            if (evidence.Length > 160) evidence = string.Concat(evidence.AsSpan(0, 157), "…");
            var (severity, confidence) = role switch
            {
                FileRole.Setup or FileRole.Pth or FileRole.BuildBackend => (Severity.Critical, Confidence.High),
                FileRole.Test => (Severity.Low, Confidence.Low),
                _ => (Severity.High, Confidence.High),
            };
            findings.Add(new Finding(SpellingRules.BuiltinTextSpelling.Id, severity, confidence,
                "Names are spelled out of the text of Python builtins", new Location(source.Path, line), evidence));
        }
    }

    private static void AddEscapeSpelling(SourceFile source, string text, string prefix, List<Finding> findings, bool singleFile)
    {
        // Every pattern below counts only with three hex or octal escapes in one literal: fewer in the whole file, no hit.
        if (!HasNumericEscapes(text, 3)) return;
        Match? hit = null;
        foreach (Match m in EscapedAliasPattern().Matches(text))
            if (IsEscapeSpelled(m.Groups["body"].Value)) { hit = m; break; }
        if (hit is null)
        {
            var count = 0;
            foreach (var m in EscapedArgumentPattern().Matches(text).Concat(EscapedNamespaceLookupPattern().Matches(text)))
            {
                if (!IsEscapeSpelled(m.Groups["body"].Value)) continue;
                hit ??= m;
                if (++count >= 2) break;
            }
            if (count < 2) hit = null; // one escaped argument could be a quirk; obfuscators escape every one
        }
        if (hit is null) return;
        var relative = source.Path.Length >= prefix.Length ? source.Path[prefix.Length..] : source.Path;
        var role = RoleOf(relative, new HashSet<string>(), singleFile);
        var line = text.AsSpan(0, hit.Index).Count('\n') + 1 + source.LineOffset;
        var evidence = hit.Value.Length > 160 ? string.Concat(hit.Value.AsSpan(0, 157), "…") : hit.Value;
        var (severity, confidence) = role switch
        {
            FileRole.Setup or FileRole.Pth or FileRole.BuildBackend or FileRole.Module => (Severity.Critical, Confidence.High),
            FileRole.Test => (Severity.Low, Confidence.Low),
            _ => (Severity.High, Confidence.High),
        };
        findings.Add(new Finding(SpellingRules.EscapeSpelledName.Id, severity, confidence,
            "Names or code written entirely in escape sequences are evaluated", new Location(source.Path, line), evidence));
    }
}
