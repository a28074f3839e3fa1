using System.Globalization;
using System.Text;

namespace Moat.Analysis.Code;

public enum TokenKind : byte { Name, Number, String, Op, Newline, Indent, Dedent, End }

/// <summary>
/// One token. <see cref="Literal"/> is an index into <see cref="TokenList.Literals"/> for strings (−1 otherwise).
/// </summary>
public readonly record struct Token(TokenKind Kind, int Start, int Length, int Line, int Literal = -1);

/// <summary>A string literal's decoded value. Bytes are held as a string of chars 0–255, one per byte.</summary>
public sealed record StringLiteral(string Value, bool IsBytes, bool IsFormatted, IReadOnlyList<string> FormatExpressions);

/// <summary>The lexer's output: tokens over <see cref="Source"/>, plus decoded string literals.</summary>
public sealed class TokenList(string source, List<Token> tokens, List<StringLiteral> literals, bool truncated)
{
    public string Source { get; } = source;
    public IReadOnlyList<Token> Tokens { get; } = tokens;
    public IReadOnlyList<StringLiteral> Literals { get; } = literals;
    /// <summary>True when the token limit cut the file short; what was lexed is still usable.</summary>
    public bool Truncated { get; } = truncated;
    public ReadOnlySpan<char> Text(Token token) => Source.AsSpan(token.Start, token.Length);
}

/// <summary>
/// A tolerant Python tokenizer for Python 2 and 3 (through PEP 701 f-strings). It never throws: an unterminated string
/// runs to the end of its line (or file, for triple quotes), a stray character becomes an operator token, inconsistent
/// dedents snap to the nearest enclosing level. Work is linear in the input and the token count is capped.
/// </summary>
public static class PyLexer
{
    public const int DefaultMaxTokens = 2_000_000;

    public static TokenList Lex(string source, int maxTokens = DefaultMaxTokens)
    {
        var tokens = new List<Token>(Math.Min(source.Length / 4 + 16, 1 << 20));
        var literals = new List<StringLiteral>();
        var indents = new List<int> { 0 };
        var depth = 0; // bracket nesting: newlines inside brackets are not logical line ends
        var line = 1;
        var i = 0;
        var atLineStart = true;
        var truncated = false;
        var n = source.Length;

        while (i < n)
        {
            if (tokens.Count >= maxTokens) { truncated = true; break; }
            if (atLineStart && depth == 0)
            {
                // Measure indentation; blank and comment-only lines do not change it.
                var column = 0;
                var j = i;
                while (j < n && (source[j] == ' ' || source[j] == '\t' || source[j] == '\f'))
                {
                    column = source[j] == '\t' ? (column / 8 + 1) * 8 : source[j] == '\f' ? 0 : column + 1;
                    j++;
                }
                i = j;
                if (j >= n) break;
                var c0 = source[j];
                if (c0 == '\n' || c0 == '\r' || c0 == '#' || (c0 == '\\' && j + 1 < n && (source[j + 1] == '\n' || source[j + 1] == '\r')))
                {
                    if (c0 == '#') { while (i < n && source[i] != '\n' && source[i] != '\r') i++; }
                    else if (c0 == '\\') { i++; }
                    if (i < n) { i = SkipNewline(source, i); line++; }
                    continue;
                }
                atLineStart = false;
                if (column > indents[^1])
                {
                    indents.Add(column);
                    tokens.Add(new Token(TokenKind.Indent, i, 0, line));
                }
                else
                {
                    while (column < indents[^1] && indents.Count > 1)
                    {
                        indents.RemoveAt(indents.Count - 1);
                        tokens.Add(new Token(TokenKind.Dedent, i, 0, line));
                    }
                    // A dedent to a level never seen before: adopt it, so the next line at this level is not an indent.
                    if (column > indents[^1]) indents[^1] = column;
                }
            }

            var c = source[i];
            if (c == ' ' || c == '\t' || c == '\f') { i++; continue; }
            if (c == '\n' || c == '\r')
            {
                if (depth == 0)
                {
                    AddNewline(tokens, i, line);
                    atLineStart = true;
                }
                i = SkipNewline(source, i);
                line++;
                continue;
            }
            if (c == '#') { while (i < n && source[i] != '\n' && source[i] != '\r') i++; continue; }
            if (c == '\\')
            {
                // Line continuation (or a stray backslash, which we drop).
                i++;
                if (i < n && (source[i] == '\n' || source[i] == '\r')) { i = SkipNewline(source, i); line++; }
                continue;
            }

            if (IsIdentifierStart(c))
            {
                var start = i;
                while (i < n && IsIdentifierPart(source[i])) i++;
                // String prefixes: r, b, u, f, t and their combinations, directly followed by a quote.
                if (i < n && (source[i] == '"' || source[i] == '\'') && i - start <= 3 && IsStringPrefix(source.AsSpan(start, i - start)))
                {
                    var startLine = line;
                    var literal = ReadString(source, start, i - start, ref i, ref line);
                    literals.Add(literal);
                    tokens.Add(new Token(TokenKind.String, start, i - start, startLine, literals.Count - 1));
                    continue;
                }
                tokens.Add(new Token(TokenKind.Name, start, i - start, line));
                continue;
            }
            if (c == '"' || c == '\'')
            {
                var start = i;
                var startLine = line;
                var literal = ReadString(source, start, 0, ref i, ref line);
                literals.Add(literal);
                tokens.Add(new Token(TokenKind.String, start, i - start, startLine, literals.Count - 1));
                continue;
            }
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < n && char.IsAsciiDigit(source[i + 1])))
            {
                var start = i;
                i++;
                while (i < n && (char.IsAsciiLetterOrDigit(source[i]) || source[i] == '_' || source[i] == '.'
                                 || ((source[i] == '+' || source[i] == '-') && (source[i - 1] == 'e' || source[i - 1] == 'E') && !IsHexPrefixed(source, start))))
                    i++;
                tokens.Add(new Token(TokenKind.Number, start, i - start, line));
                continue;
            }

            // Operators: longest match first.
            var length = OperatorLength(source, i);
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth = Math.Max(0, depth - 1);
            tokens.Add(new Token(TokenKind.Op, i, length, line));
            i += length;
        }

        if (tokens.Count > 0 && tokens[^1].Kind != TokenKind.Newline) AddNewline(tokens, n, line);
        for (var k = 1; k < indents.Count; k++) tokens.Add(new Token(TokenKind.Dedent, n, 0, line));
        tokens.Add(new Token(TokenKind.End, n, 0, line));
        return new TokenList(source, tokens, literals, truncated);
    }

    private static void AddNewline(List<Token> tokens, int at, int line)
    {
        if (tokens.Count == 0 || tokens[^1].Kind is TokenKind.Newline or TokenKind.Indent or TokenKind.Dedent) return;
        tokens.Add(new Token(TokenKind.Newline, at, 0, line));
    }

    private static bool IsHexPrefixed(string s, int start) =>
        start + 1 < s.Length && s[start] == '0' && (s[start + 1] == 'x' || s[start + 1] == 'X');

    private static int SkipNewline(string s, int i) => s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? i + 2 : i + 1;

    public static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || (c > 127 && (char.IsLetter(c) || char.IsSurrogate(c)));

    public static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || (c > 127 && (char.IsLetterOrDigit(c) || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation));

    private static bool IsStringPrefix(ReadOnlySpan<char> prefix)
    {
        foreach (var ch in prefix)
        {
            if ("rRbBuUfFtT".IndexOf(ch) < 0) return false;
        }
        return true;
    }

    private static readonly string[] ThreeCharOps = ["**=", "//=", ">>=", "<<=", "...", "!=="];
    private static readonly string[] TwoCharOps = ["**", "//", ">>", "<<", "<=", ">=", "==", "!=", "->", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", ":=", "<>"];

    private static int OperatorLength(string s, int i)
    {
        var rest = s.AsSpan(i);
        foreach (var op in ThreeCharOps) if (rest.StartsWith(op, StringComparison.Ordinal) && op != "!==") return 3;
        foreach (var op in TwoCharOps) if (rest.StartsWith(op, StringComparison.Ordinal)) return 2;
        // A lone surrogate or other odd character is still one token; the parser skips what it does not understand.
        return 1;
    }

    /// <summary>Reads a string literal starting at <paramref name="start"/> (prefix included) and decodes its value.</summary>
    private static StringLiteral ReadString(string s, int start, int prefixLength, ref int i, ref int line)
    {
        var prefix = s.AsSpan(start, prefixLength);
        bool raw = false, bytes = false, formatted = false;
        foreach (var ch in prefix)
        {
            switch (char.ToLowerInvariant(ch))
            {
                case 'r': raw = true; break;
                case 'b': bytes = true; break;
                case 'f': case 't': formatted = true; break;
            }
        }
        var quote = s[i];
        var triple = i + 2 < s.Length && s[i + 1] == quote && s[i + 2] == quote;
        i += triple ? 3 : 1;
        var value = new StringBuilder();
        List<string>? expressions = null;
        var n = s.Length;
        while (i < n)
        {
            var c = s[i];
            if (c == quote)
            {
                if (!triple) { i++; break; }
                if (i + 2 < n && s[i + 1] == quote && s[i + 2] == quote) { i += 3; break; }
                value.Append(c);
                i++;
                continue;
            }
            if ((c == '\n' || c == '\r') && !triple)
            {
                break; // unterminated single-quoted string: stop at the line end (tolerance)
            }
            if (c == '\n' || (c == '\r' && !(i + 1 < n && s[i + 1] == '\n'))) line++;
            if (c == '\\' && i + 1 < n)
            {
                if (raw)
                {
                    // In raw strings a backslash still protects the quote from ending the string.
                    value.Append(c).Append(s[i + 1]);
                    if (s[i + 1] == '\n') line++;
                    i += 2;
                    continue;
                }
                i = DecodeEscape(s, i, bytes, value, ref line);
                continue;
            }
            if (formatted && c == '{')
            {
                if (i + 1 < n && s[i + 1] == '{') { value.Append('{'); i += 2; continue; }
                var exprStart = i + 1;
                var exprEnd = SkipReplacementField(s, exprStart, ref line);
                (expressions ??= []).Add(s[exprStart..Math.Min(exprEnd, n)]);
                value.Append('{').Append('}');
                i = Math.Min(exprEnd + 1, n);
                continue;
            }
            if (formatted && c == '}' && i + 1 < n && s[i + 1] == '}') { value.Append('}'); i += 2; continue; }
            value.Append(bytes && c > 255 ? '?' : c);
            i++;
        }
        return new StringLiteral(value.ToString(), bytes, formatted, (IReadOnlyList<string>?)expressions ?? []);
    }

    /// <summary>
    /// Skips an f-string replacement field (PEP 701: it may hold any string, even with the same quote, and nested
    /// fields in its format spec). Returns the index of the closing brace (or the end of input).
    /// </summary>
    private static int SkipReplacementField(string s, int i, ref int line)
    {
        var depth = 0;
        var n = s.Length;
        while (i < n)
        {
            var c = s[i];
            if (c == '\n') line++;
            if (c == '"' || c == '\'')
            {
                // Back up over a string prefix that is glued to the quote.
                var start = i;
                var p = i;
                while (p > 0 && i - p < 3 && char.IsAsciiLetter(s[p - 1])) p--;
                var prefixLength = IsStringPrefix(s.AsSpan(p, i - p)) && (p == 0 || !IsIdentifierPart(s[p - 1])) ? i - p : 0;
                _ = start;
                ReadString(s, i - prefixLength, prefixLength, ref i, ref line);
                continue;
            }
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']') depth = Math.Max(0, depth - 1);
            else if (c == '}')
            {
                if (depth == 0) return i;
                depth--;
            }
            i++;
        }
        return n;
    }

    private static int DecodeEscape(string s, int i, bool bytes, StringBuilder value, ref int line)
    {
        var next = s[i + 1];
        switch (next)
        {
            case '\n': line++; return i + 2;
            case '\r': line++; return i + 2 < s.Length && s[i + 2] == '\n' ? i + 3 : i + 2;
            case 'n': value.Append('\n'); return i + 2;
            case 't': value.Append('\t'); return i + 2;
            case 'r': value.Append('\r'); return i + 2;
            case '0' or '1' or '2' or '3' or '4' or '5' or '6' or '7':
            {
                var j = i + 1;
                var code = 0;
                while (j < s.Length && j < i + 4 && s[j] >= '0' && s[j] <= '7') { code = code * 8 + (s[j] - '0'); j++; }
                value.Append((char)(code & 0xFF));
                return j;
            }
            case 'x':
                if (TryHex(s, i + 2, 2, out var x)) { value.Append((char)x); return i + 4; }
                break;
            case 'u' when !bytes:
                if (TryHex(s, i + 2, 4, out var u)) { value.Append((char)u); return i + 6; }
                break;
            case 'U' when !bytes:
                if (TryHex(s, i + 2, 8, out var big) && big <= 0x10FFFF)
                {
                    value.Append(char.ConvertFromUtf32(big is >= 0xD800 and <= 0xDFFF ? 0xFFFD : big));
                    return i + 10;
                }
                break;
            case 'a': value.Append('\a'); return i + 2;
            case 'b': value.Append('\b'); return i + 2;
            case 'f': value.Append('\f'); return i + 2;
            case 'v': value.Append('\v'); return i + 2;
            case '\\' or '\'' or '"': value.Append(next); return i + 2;
        }
        value.Append('\\').Append(next);
        return i + 2;
    }

    private static bool TryHex(string s, int at, int count, out int value)
    {
        value = 0;
        if (at + count > s.Length) return false;
        for (var k = 0; k < count; k++)
        {
            var d = HexValue(s[at + k]);
            if (d < 0) return false;
            value = value * 16 + d;
        }
        return true;
    }

    public static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
