namespace Moat.Analysis.Code;

/// <summary>
/// Could-not-check rules: each says that some part of a package was not examined, and why. None of them is evidence
/// against the package; together they keep a package Moat could not read whole from being called clean
/// (<see cref="Verdict.Unverified"/>, which the index gate holds for an administrator).
/// </summary>
public static class LimitRules
{
    private const string FailClosed = "A security scanner fails closed: what it could not read is not reported as clean. ";

    public static readonly Rule ArchiveUnreadable = new("MOAT-PKG-010", "archive-unreadable",
        "Part of the archive could not be read (truncated, corrupt, encrypted, unsupported, or skipped for an unsafe name).", Severity.Medium,
        FailClosed + "The archive ends early, its data does not decode, a member is encrypted or compressed with a method Moat " +
        "cannot decode, or a member was skipped because its name is unsafe. Everything that could be read was still " +
        "analysed; the finding names what could not be. Re-download the file, or build it again: build tools never " +
        "produce such archives.",
        ["https://cwe.mitre.org/data/definitions/20.html"]) { CouldNotCheck = true };

    public static readonly Rule ArchiveLimit = new("MOAT-PKG-011", "archive-limit-exceeded",
        "A bound of the safe archive reader cut the read (member size, total size, member count, compression ratio, nesting).", Severity.Medium,
        FailClosed + "The reader bounds the work a hostile archive can force: 64 MiB per member, 512 MiB in total, 20,000 members, " +
        "a 200:1 compression ratio, archives nested 3 deep, 1,000 recorded issues. A member past the size bound is still " +
        "sampled (its first and last MiB are analysed, see MOAT-PKG-012); past the other bounds the rest is not read. " +
        "Padding a file past a scanner's limit is a known way to hide a payload.",
        ["https://cwe.mitre.org/data/definitions/409.html"]) { CouldNotCheck = true };

    public static readonly Rule SourcePartlyAnalysed = new("MOAT-PKG-012", "source-partly-analysed",
        "A Python file was too large to analyse whole: only its first and last MiB were, or none of it.", Severity.Medium,
        FailClosed + "Python files over 4 MiB (or over the archive's member limit) are analysed from their first and last " +
        "megabyte, where code that runs on import or at interpreter start has to be; the middle is not. Once a package's " +
        "Python source passes 64 MiB in total, further files are not analysed at all. Real modules are rarely this large; " +
        "padding is how a payload is pushed past a scanner.",
        ["https://cwe.mitre.org/data/definitions/400.html"]) { CouldNotCheck = true };

    public static readonly Rule ParseIncomplete = new("MOAT-CODE-090", "parse-incomplete",
        "The Python parser gave up on part of a file (nesting too deep, too many tokens).", Severity.Medium,
        FailClosed + "The parser recovers from broken Python, but stops descending past 120 nested blocks or brackets and " +
        "stops reading after 2,000,000 tokens. What lies beyond was not analysed. Machine-generated code can be this " +
        "deep; so can code written to exhaust a scanner.",
        ["https://docs.python.org/3/reference/lexical_analysis.html"]) { CouldNotCheck = true };

    public static readonly Rule DeobfuscationLimit = new("MOAT-CODE-091", "deobfuscation-limit",
        "Decoded layers went deeper or were more numerous than the deobfuscator follows.", Severity.Medium,
        FailClosed + "Moat decodes payload after payload (base64 in zlib in marshal, and so on) up to 8 layers deep and 200 " +
        "layers per package. A chain cut at that point was not analysed to its end; the last layer reached is named. " +
        "Legitimate code never nests encodings like this.",
        ["https://cwe.mitre.org/data/definitions/506.html"]) { CouldNotCheck = true };

    public static readonly Rule AnalysisBudget = new("MOAT-CODE-092", "analysis-budget-exhausted",
        "The analysis stopped at its work budget (evaluator steps or function walks) before the file was covered.", Severity.Medium,
        FailClosed + "The partial evaluator follows user-defined decoders for at most 3,000,000 steps per file, and function " +
        "bodies are walked at most 20,000 times per file. A file that needs more was only partly followed: constant " +
        "strings it builds may not have been decoded.",
        ["https://cwe.mitre.org/data/definitions/400.html"]) { CouldNotCheck = true };

    public static readonly Rule EncryptedCode = new("MOAT-CODE-093", "encrypted-code",
        "A module is encrypted by a code protector (PyArmor) and decrypted only when it runs.", Severity.Medium,
        FailClosed + "PyArmor replaces a module's code with `__pyarmor__(__name__, __file__, b'PYARMOR…')`: the bytes are " +
        "encrypted bytecode that its native runtime decrypts in memory on import. Nothing a reader or a static scanner can " +
        "see says what that code does, so whatever it does at import is unchecked. Vendors ship protected code too; ask for " +
        "the source, or review and allow the package.",
        ["https://pyarmor.readthedocs.io/en/latest/topic/obfuscated-script.html"]) { CouldNotCheck = true };
}
