namespace Moat.Analysis.Code;

/// <summary>Names spelled out of the text of Python's own objects.</summary>
public static class SpellingRules
{
    public static readonly Rule BuiltinTextSpelling = new("MOAT-CODE-055", "builtin-text-spelling",
        "Code spells names out of the text of Python's builtins (oct.__str__()[-3], copyright.__str__()[4]).", Severity.High,
        "`oct.__str__()` is `<built-in function oct>`, so `oct.__str__()[-3]` is `c`; `copyright.__str__()[4]` is `r`. " +
        "Obfuscators spell `chr`, `exec` or module names letter by letter from these strings so that no scanner sees the " +
        "word, then build their strings with `''.join(map(chr, [...]))` from shifted integers. Moat evaluates the spelling " +
        "(the strings it builds are scanned as usual), and reports the technique itself: no honest code indexes into the " +
        "text of a builtin. In setup.py or a .pth file, which run on install and interpreter start, it is critical.",
        ["https://checkmarx.com/blog/", "https://docs.python.org/3/library/constants.html#copyright"]);
}
