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

    public static readonly Rule EscapeSpelledName = new("MOAT-CODE-056", "escape-spelled-code",
        "A name or code string written entirely in escape sequences is passed to eval, exec, compile, getattr or __import__, or looked up in globals().", Severity.High,
        "`eval(\"\\145\\166\\x61\\x6c\")` is `eval(\"eval\")`: obfuscators (BlankOBF and its kin) write every name and code " +
        "fragment as octal and hex escapes, mixed at random, so that neither a reader nor a scanner matching names sees " +
        "`exec`, `compile` or `__import__('base64')`; others fetch `globals()['\\x65\\x76\\x61\\x6c']`, which is `eval`. Escapes have honest uses (binary data, control characters); plain " +
        "ASCII names and code written escape by escape and then evaluated have none. In code that runs on install, import or " +
        "interpreter start it is critical.",
        ["https://github.com/Blank-c/BlankOBF", "https://docs.python.org/3/reference/lexical_analysis.html#escape-sequences"]);
}
