namespace Moat.Analysis.Code;

/// <summary>
/// The text Python gives for its own builtins: <c>str(hex)</c> is <c>&lt;built-in function hex&gt;</c>,
/// <c>copyright.__str__()</c> is the copyright notice. Obfuscators index into these strings to spell names without
/// writing them (<c>oct.__str__()[-3] + hex.__str__()[-4] + copyright.__str__()[4]</c> is <c>chr</c>), so the
/// evaluator needs them as constants to follow the code.
/// </summary>
internal static partial class BuiltinText
{
    private static readonly HashSet<string> Classes =
    [
        "str", "int", "bytes", "bytearray", "list", "tuple", "dict", "set", "frozenset", "float", "bool", "complex", "object",
        "type", "range", "map", "filter", "zip", "enumerate", "reversed", "slice", "memoryview", "property", "staticmethod",
        "classmethod", "super",
    ];

    private static readonly HashSet<string> Functions =
    [
        "abs", "all", "any", "ascii", "bin", "breakpoint", "callable", "chr", "compile", "delattr", "dir", "divmod", "eval",
        "exec", "format", "getattr", "globals", "hasattr", "hash", "hex", "id", "input", "isinstance", "issubclass", "iter",
        "len", "locals", "max", "min", "next", "oct", "open", "ord", "pow", "print", "repr", "round", "setattr", "sorted",
        "sum", "vars", "__import__",
    ];

    /// <summary>Names the evaluator should know as builtins so that their text can be taken.</summary>
    public static readonly string[] ExtraBuiltins = ["oct", "ascii", "issubclass", "delattr", "complex", "copyright", "credits", "license"];

    private const string Copyright =
        "Copyright (c) 2001-2023 Python Software Foundation.\nAll Rights Reserved.\n\nCopyright (c) 2000 BeOpen.com.\nAll Rights Reserved.\n\n"
        + "Copyright (c) 1995-2001 Corporation for National Research Initiatives.\nAll Rights Reserved.\n\n"
        + "Copyright (c) 1991-1995 Stichting Mathematisch Centrum, Amsterdam.\nAll Rights Reserved.";

    private const string Credits =
        "    Thanks to CWI, CNRI, BeOpen, Zope Corporation, the Python Software Foundation,\n    and a cast of thousands for supporting Python\n"
        + "    development.  See www.python.org for more information.";

    /// <summary>The text of builtin <paramref name="builtin"/> as str() or repr() gives it, or null when it is not one.</summary>
    public static string? Of(string builtin) => builtin switch
    {
        "copyright" => Copyright,
        "credits" => Credits,
        "license" => "Type license() to see the full license text",
        _ when Classes.Contains(builtin) => $"<class '{builtin}'>",
        _ when Functions.Contains(builtin) => $"<built-in function {builtin}>",
        _ => null,
    };

    /// <summary>
    /// <c>hex.__str__()</c>, <c>hex.__repr__()</c>, <c>str(hex)</c>, <c>repr(hex)</c>, <c>format(hex)</c> of a builtin: its text; otherwise null.
    /// </summary>
    public static string? OfCall(string name, IReadOnlyList<Value> args)
    {
        if (args.Count == 0 && (name.EndsWith(".__str__", StringComparison.Ordinal) || name.EndsWith(".__repr__", StringComparison.Ordinal)))
            return Of(name[..name.LastIndexOf('.')]);
        if (args.Count == 1 && name is "str" or "repr" or "format" && args[0] is { Kind: ValueKind.Ref, Text: { } text, Bound: null })
            return Of(text);
        return null;
    }

    /// <summary>
    /// What an eval of <paramref name="code"/> names when the code is only a builtin's name (<c>"exec"</c>) or an import
    /// of one module (<c>"__import__('base64')"</c>); (null, null) otherwise.
    /// </summary>
    public static (string? Builtin, string? Module) EvalAlias(string code)
    {
        var text = code.Trim();
        if (text.Length is 0 or > 80) return (null, null);
        if (Functions.Contains(text) || Classes.Contains(text) || text is "exec" or "eval" or "compile" or "__import__") return (text, null);
        var m = ImportPattern().Match(text);
        return m.Success ? (null, m.Groups[1].Value) : (null, null);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^__import__\(\s*['""]([A-Za-z_][\w.]*)['""]\s*\)$")]
    private static partial System.Text.RegularExpressions.Regex ImportPattern();
}
