using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Moat.Analysis.Code;

public enum TokenKind : byte { Name, Number, String, Op, Newline, Indent, Dedent, End }

/// <summary>
/// One token. <see cref="Literal"/> is an index into <see cref="TokenList.Literals"/> for strings (−1 otherwise).
/// Packed into 16 bytes (kind and literal index share an int): a module has about one token per four characters.
/// </summary>
public readonly struct Token(TokenKind kind, int start, int length, int line, int literal = -1)
{
    private readonly int _literalAndKind = ((literal + 1) << 4) | (int)kind;

    public TokenKind Kind => (TokenKind)(_literalAndKind & 0xF);
    public int Start { get; } = start;
    public int Length { get; } = length;
    public int Line { get; } = line;
    public int Literal => (_literalAndKind >> 4) - 1;
}

/// <summary>A string literal's decoded value. Bytes are held as a string of chars 0–255, one per byte.</summary>
public sealed record StringLiteral(string Value, bool IsBytes, bool IsFormatted, IReadOnlyList<string> FormatExpressions);

/// <summary>
/// The lexer's output: tokens over <see cref="Source"/>, plus decoded string literals. The token array is rented from
/// <see cref="ArrayPool{T}.Shared"/>; the parser gives it back with <see cref="Release"/> once it has built the tree.
/// </summary>
public sealed class TokenList
{
    private Token[] _buffer;

    internal TokenList(string source, Token[] buffer, int count, List<StringLiteral> literals, bool truncated)
    {
        Source = source;
        _buffer = buffer;
        Count = count;
        Literals = literals;
        Truncated = truncated;
    }

    public string Source { get; }
    public int Count { get; private set; }
    public IReadOnlyList<Token> Tokens => new ArraySegment<Token>(_buffer, 0, Count);
    public IReadOnlyList<StringLiteral> Literals { get; }
    /// <summary>True when the token limit cut the file short; what was lexed is still usable.</summary>
    public bool Truncated { get; }
    /// <summary>The tokens, followed by unused slots: index below <see cref="Count"/> only.</summary>
    internal Token[] Buffer => _buffer;
    public ReadOnlySpan<char> Text(Token token) => Source.AsSpan(token.Start, token.Length);

    /// <summary>Returns the token array to the pool; the list is empty afterwards.</summary>
    internal void Release()
    {
        var buffer = _buffer;
        _buffer = [];
        Count = 0;
        if (buffer.Length > 0) ArrayPool<Token>.Shared.Return(buffer);
    }
}

/// <summary>Appends tokens to a pooled array (a List would re-allocate, and cannot be given back to a pool).</summary>
internal struct TokenBuffer(int capacity)
{
    public Token[] Items = ArrayPool<Token>.Shared.Rent(capacity);
    public int Count;

    public readonly Token Last => Items[Count - 1];

    public void Add(Token token)
    {
        if (Count == Items.Length)
        {
            var larger = ArrayPool<Token>.Shared.Rent(Items.Length * 2);
            Items.AsSpan(0, Count).CopyTo(larger);
            ArrayPool<Token>.Shared.Return(Items);
            Items = larger;
        }
        Items[Count++] = token;
    }
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
        // At most 64K tokens (1 MB) to start, grown by doubling from the pool: a file of a few long strings (payloads)
        // has few tokens, and sizing for one token per three characters rented, and often allocated, up to 16 MB for it.
        var tokens = new TokenBuffer(Math.Min(source.Length / 3 + 16, 1 << 16));
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
                    AddNewline(ref tokens, i, line);
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

        if (tokens.Count > 0 && tokens.Last.Kind != TokenKind.Newline) AddNewline(ref tokens, n, line);
        for (var k = 1; k < indents.Count; k++) tokens.Add(new Token(TokenKind.Dedent, n, 0, line));
        tokens.Add(new Token(TokenKind.End, n, 0, line));
        return new TokenList(source, tokens.Items, tokens.Count, literals, truncated);
    }

    private static void AddNewline(ref TokenBuffer tokens, int at, int line)
    {
        if (tokens.Count == 0 || tokens.Last.Kind is TokenKind.Newline or TokenKind.Indent or TokenKind.Dedent) return;
        tokens.Add(new Token(TokenKind.Newline, at, 0, line));
    }

    private static bool IsHexPrefixed(string s, int start) =>
        start + 1 < s.Length && s[start] == '0' && (s[start + 1] == 'x' || s[start + 1] == 'X');

    private static int SkipNewline(string s, int i) => s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? i + 2 : i + 1;

    // The ASCII test inline, the Unicode one a call: called for every character of every identifier, the whole test as
    // one call was a sixth of the lexing of typical code.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsIdentifierStart(char c) => c < 128 ? char.IsAsciiLetter(c) || c == '_' : IsNonAsciiIdentifierStart(c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsIdentifierPart(char c) => c < 128 ? char.IsAsciiLetterOrDigit(c) || c == '_' : IsNonAsciiIdentifierPart(c);

    private static bool IsNonAsciiIdentifierStart(char c) => char.IsLetter(c) || char.IsSurrogate(c);

    private static bool IsNonAsciiIdentifierPart(char c) =>
        char.IsLetterOrDigit(c) || char.IsSurrogate(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation;

    private static bool IsStringPrefix(ReadOnlySpan<char> prefix)
    {
        foreach (var ch in prefix)
        {
            if ("rRbBuUfFtT".IndexOf(ch) < 0) return false;
        }
        return true;
    }

    /// <summary>Operator length by longest match (3, 2 or 1 chars), without comparing against a list of spellings.</summary>
    private static int OperatorLength(string s, int i)
    {
        var c = s[i];
        var c1 = i + 1 < s.Length ? s[i + 1] : '\0';
        var c2 = i + 2 < s.Length ? s[i + 2] : '\0';
        switch (c)
        {
            case '*' or '/' or '>' or '<':
                if (c1 == c) return c2 == '=' ? 3 : 2;           // ** // >> << and **= //= >>= <<=
                if (c1 == '=') return 2;                          // *= /= >= <=
                if (c == '<' && c1 == '>') return 2;              // <> (Python 2)
                return 1;
            case '.':
                return c1 == '.' && c2 == '.' ? 3 : 1;            // ...
            case '-':
                return c1 is '>' or '=' ? 2 : 1;                  // -> -=
            case '=' or '!' or '+' or '%' or '&' or '|' or '^' or '@' or ':':
                return c1 == '=' ? 2 : 1;                         // == != += %= &= |= ^= @= :=
            default:
                // A lone surrogate or other odd character is still one token; the parser skips what it does not understand.
                return 1;
        }
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
        if (!formatted && TryReadPlainString(s, quote, triple, bytes, ref i, ref line) is { } plain)
            return new StringLiteral(plain, bytes, false, []);
        var value = new StringBuilder();
        List<string>? expressions = null;
        var n = s.Length;
        var stops = quote == '\'' ? formatted ? FormattedSingleQuoteEscapeStops : SingleQuoteEscapeStops
                    : formatted ? FormattedDoubleQuoteEscapeStops : DoubleQuoteEscapeStops;
        while (i < n)
        {
            // Characters that stand for themselves are copied a run at a time (an escaped executable is megabytes of
            // `\x90\x00` with printable bytes between).
            var run = stops.Contains(s[i]) ? 0 : s.AsSpan(i).IndexOfAny(stops);
            var length = run < 0 ? n - i : run;
            if (length > 0)
            {
                var verbatim = s.AsSpan(i, length);
                if (bytes && verbatim.ContainsAnyExceptInRange('\0', '\xFF')) foreach (var ch in verbatim) value.Append(ch > 255 ? '?' : ch);
                else value.Append(verbatim);
                i += length;
                if (i >= n) break;
            }
            var c = s[i];
            // \xHH here, not through DecodeEscape: in escaped binary the general escape switch per escape cost more than
            // the run copy saves (a megabyte lexed in 5.0 ms without this, 3.3 ms with it).
            if (c == '\\' && !raw && i + 3 < n && s[i + 1] == 'x')
            {
                var high = HexValue(s[i + 2]);
                var low = HexValue(s[i + 3]);
                if ((high | low) >= 0)
                {
                    value.Append((char)(high * 16 + low));
                    i += 4;
                    continue;
                }
            }
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

    // Where the general decoder must look at a character: quotes, escapes, line ends, and an f-string's braces.
    private static readonly SearchValues<char> SingleQuoteEscapeStops = SearchValues.Create("'\\\n\r");
    private static readonly SearchValues<char> DoubleQuoteEscapeStops = SearchValues.Create("\"\\\n\r");
    private static readonly SearchValues<char> FormattedSingleQuoteEscapeStops = SearchValues.Create("'\\\n\r{}");
    private static readonly SearchValues<char> FormattedDoubleQuoteEscapeStops = SearchValues.Create("\"\\\n\r{}");

    private static readonly SearchValues<char> SingleQuoteStops = SearchValues.Create("'\\\n\r");
    private static readonly SearchValues<char> DoubleQuoteStops = SearchValues.Create("\"\\\n\r");
    private static readonly SearchValues<char> TripleSingleStops = SearchValues.Create("'\\\r");
    private static readonly SearchValues<char> TripleDoubleStops = SearchValues.Create("\"\\\r");

    /// <summary>
    /// The common case without a char-by-char copy: a string with no backslash (and, when triple-quoted, no carriage
    /// return) is its source text. Returns null, leaving <paramref name="i"/> alone, when the general decoder is needed.
    /// </summary>
    private static string? TryReadPlainString(string s, char quote, bool triple, bool bytes, ref int i, ref int line)
    {
        var body = s.AsSpan(i);
        int length, consumed;
        if (!triple)
        {
            var stop = body.IndexOfAny(quote == '\'' ? SingleQuoteStops : DoubleQuoteStops);
            if (stop >= 0 && body[stop] != quote && body[stop] != '\n' && body[stop] != '\r') return null; // a backslash
            // Closing quote, or an unterminated string that stops at the line end or the end of input.
            length = stop < 0 ? body.Length : stop;
            consumed = stop >= 0 && body[stop] == quote ? length + 1 : length;
        }
        else
        {
            var stops = quote == '\'' ? TripleSingleStops : TripleDoubleStops;
            var at = 0;
            while (true)
            {
                var stop = body[at..].IndexOfAny(stops);
                if (stop < 0) { length = consumed = body.Length; break; } // unterminated: runs to the end of input
                at += stop;
                if (body[at] != quote) return null;
                if (at + 2 < body.Length && body[at + 1] == quote && body[at + 2] == quote) { length = at; consumed = at + 3; break; }
                at++;
            }
            line += body[..length].Count('\n');
        }
        var text = body[..length];
        if (bytes && text.ContainsAnyExceptInRange('\0', '\xFF')) return null;
        i += consumed;
        return text.ToString();
    }

    /// <summary>
    /// Skips an f-string replacement field (PEP 701: it may hold any string, even with the same quote, and nested
    /// fields in its format spec). Returns the index of the closing brace (or the end of input, or the last character
    /// before a line end that broke the field: the caller goes on after it).
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
                var triple = i + 2 < n && s[i + 1] == c && s[i + 2] == c;
                ReadString(s, i - prefixLength, prefixLength, ref i, ref line);
                // A single-quoted string left open at the line end breaks the field (Python rejects it there). Ending the
                // field at that line keeps the rest of the enclosing string, and the rest of the file, readable instead
                // of swallowing it as one endless expression.
                if (!triple && i < n && s[i] is '\n' or '\r' && !(s[i - 1] == c && i - 1 > start)) return i - 1;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HexValue(char c) => c < 128 ? HexDigits[c] : -1;

    // The value of each ASCII hex digit, -1 for any other character.
    private static ReadOnlySpan<sbyte> HexDigits =>
    [
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
        -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    ];
}
