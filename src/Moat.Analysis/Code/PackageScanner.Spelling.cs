using System.Text.RegularExpressions;

namespace Moat.Analysis.Code;

/// <summary>Source patterns read across the package's files (<see cref="SpellingRules"/>).</summary>
public static partial class PackageScanner
{
    [GeneratedRegex(@"\b(?:oct|hex|bin|chr|ord|abs|all|any|len|id|copyright|credits|license|str|int|float|type|print|repr|open|dir|vars|zip|map|min|max|sum)\s*\.\s*__(?:str|repr|doc|name|qualname)__\s*(?:\(\s*\))?\s*\[", RegexOptions.CultureInvariant)]
    private static partial Regex BuiltinTextIndexPattern();

    [GeneratedRegex(@"\b(?:str|repr)\s*\(\s*(?:oct|hex|bin|chr|ord|abs|len|copyright|credits|license|print|open)\s*\)\s*\[", RegexOptions.CultureInvariant)]
    private static partial Regex BuiltinTextCallIndexPattern();

    private static void AddSpellingSignals(PackageContents contents, string prefix, List<Finding> findings, bool singleFile)
    {
        foreach (var source in contents.Sources)
        {
            var text = source.Text;
            if (!text.Contains("__", StringComparison.Ordinal) && !text.Contains("str(", StringComparison.Ordinal) && !text.Contains("repr(", StringComparison.Ordinal)) continue;
            var match = BuiltinTextIndexPattern().Match(text);
            if (!match.Success) match = BuiltinTextCallIndexPattern().Match(text);
            if (!match.Success) continue;
            // Two spellings at least: one alone could be a curiosity in a tutorial; obfuscators spell every name.
            if (BuiltinTextIndexPattern().Count(text) + BuiltinTextCallIndexPattern().Count(text) < 2) continue;
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
}
