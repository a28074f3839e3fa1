using System.Globalization;
using System.Text;

namespace Moat.Analysis.Code;

/// <summary>
/// A tolerant recursive-descent parser for the parts of Python that detection needs. It never throws and always makes
/// progress: a token it cannot place is skipped, an unclosed bracket ends at the logical line, and nesting beyond
/// <see cref="MaxDepth"/> is cut off (the module is then marked truncated). Python 2 <c>print</c>/<c>exec</c>
/// statements are understood.
/// </summary>
public sealed class PyParser
{
    public const int MaxDepth = 120;
    private const int MaxFStringDepth = 4;

    // Python's keywords: a switch over the token's characters, so that each name in an expression is not hashed twice.
    private static bool IsHardKeyword(ReadOnlySpan<char> name) => name switch
    {
        "and" or "as" or "assert" or "async" or "await" or "break" or "class" or "continue" or "def" or "del" or "elif" or "else"
            or "except" or "finally" or "for" or "from" or "global" or "if" or "import" or "in" or "is" or "lambda" or "nonlocal"
            or "not" or "or" or "pass" or "raise" or "return" or "try" or "while" or "with" or "yield" => true,
        _ => false,
    };

    private readonly TokenList _list;
    private readonly Token[] _tokens;
    private readonly int _count;
    // Identifiers and other token texts, one string per distinct spelling for the whole parse (f-string fields
    // included): a module names the same few hundred identifiers thousands of times.
    private readonly SpellingTable _texts;
    private readonly int _fstringDepth;
    private int _p;
    private int _depth;
    private bool _truncated;

    private PyParser(TokenList list, int fstringDepth, SpellingTable texts)
    {
        _list = list;
        _texts = texts;
        _tokens = list.Buffer;
        _count = list.Count;
        _fstringDepth = fstringDepth;
        _truncated = list.Truncated;
    }

    public static PyModule Parse(string source, int maxTokens = PyLexer.DefaultMaxTokens)
    {
        var tokens = PyLexer.Lex(source, maxTokens);
        var texts = t_texts ?? new SpellingTable();
        t_texts = null; // taken: a parse inside this one (none today) gets its own
        try
        {
            var parser = new PyParser(tokens, 0, texts);
            var body = parser.ParseStatements(topLevel: true);
            return new PyModule(body, source, parser._truncated);
        }
        finally
        {
            tokens.Release(); // the tree holds strings and lines, never tokens
            // The table is kept for the thread's next parse, strings and all: growing one per parse was ~6% of what a
            // scan allocated, and the next file names mostly the same identifiers (self, os, the package's own names),
            // each a new string per file otherwise. Past a few thousand texts it starts empty again; a table grown by a
            // huge file is let go.
            if (texts.Count > MaxKeptTexts || texts.Chars > MaxKeptChars) texts.Clear();
            if (texts.Capacity <= 4 * MaxKeptTexts) t_texts = texts;
        }
    }

    private const int MaxKeptTexts = 1 << 14;
    private const long MaxKeptChars = 1 << 18;

    [ThreadStatic] private static SpellingTable? t_texts;

    /// <summary>Parses a single expression (an f-string field); null when there is none.</summary>
    private static Expr? ParseExpression(string source, int line, int fstringDepth, SpellingTable texts)
    {
        if (fstringDepth > MaxFStringDepth) return null;
        var tokens = PyLexer.Lex(source, 10_000);
        try
        {
            var parser = new PyParser(tokens, fstringDepth, texts);
            if (parser.Cur.Kind is TokenKind.End or TokenKind.Newline) return null;
            var expr = parser.ParseExprList(allowStar: true);
            return Relocate(expr, line);
        }
        finally { tokens.Release(); }
    }

    // f-string fields are parsed from their own text: report them at the line of the f-string.
    private static Expr Relocate(Expr expr, int line) => expr with { Line = line };

    private Token Cur => _tokens[_p];
    private Token Peek(int k = 1) => _tokens[Math.Min(_p + k, _count - 1)];
    private bool AtEnd => Cur.Kind == TokenKind.End;
    private bool AtLineEnd => Cur.Kind is TokenKind.Newline or TokenKind.End or TokenKind.Dedent or TokenKind.Indent;
    private void Advance() { if (!AtEnd) _p++; }

    private bool IsOp(string op) => IsOp(Cur, op);
    // Length first: most tokens compared against a spelling are not it, and most spellings are one character.
    private bool IsOp(Token t, string op) =>
        t.Kind == TokenKind.Op && t.Length == op.Length && (op.Length == 1 ? _list.Source[t.Start] == op[0] : _list.Text(t).SequenceEqual(op));
    private bool IsName(string name) => IsName(Cur, name);
    private bool IsName(Token t, string name) => t.Kind == TokenKind.Name && t.Length == name.Length && _list.Text(t).SequenceEqual(name);
    private string Text(Token t) => _texts.Intern(_list.Text(t));

    private bool Accept(string op)
    {
        if (!IsOp(op)) return false;
        Advance();
        return true;
    }

    private bool AcceptName(string name)
    {
        if (!IsName(name)) return false;
        Advance();
        return true;
    }

    private void SkipToLineEnd()
    {
        while (!AtLineEnd) Advance();
    }

    // ---------------------------------------------------------------- statements

    private List<Stmt> ParseStatements(bool topLevel)
    {
        var body = new List<Stmt>();
        var strayIndents = 0;
        while (!AtEnd)
        {
            var kind = Cur.Kind;
            if (kind == TokenKind.Newline) { Advance(); continue; }
            if (kind == TokenKind.Indent) { strayIndents++; Advance(); continue; }
            if (kind == TokenKind.Dedent)
            {
                Advance();
                if (strayIndents > 0) { strayIndents--; continue; }
                if (topLevel) continue;
                return body;
            }
            var before = _p;
            ParseStatement(body);
            if (_p == before) Advance(); // never stall
        }
        return body;
    }

    private void ParseStatement(List<Stmt> body)
    {
        List<Expr>? decorators = null; // most statements have none: no list for them
        while (IsOp("@"))
        {
            Advance();
            (decorators ??= []).Add(ParseTest());
            SkipToLineEnd();
            while (Cur.Kind == TokenKind.Newline) Advance();
        }
        if (IsName("async") && Peek().Kind == TokenKind.Name) Advance();

        var line = Cur.Line;
        if (Cur.Kind == TokenKind.Name)
        {
            switch (_list.Text(Cur))
            {
                case "def": body.Add(ParseDef(decorators ?? (IReadOnlyList<Expr>)[])); return;
                case "class": body.Add(ParseClass(decorators ?? (IReadOnlyList<Expr>)[])); return;
                case "if" or "elif" or "while":
                {
                    var keyword = Text(Cur);
                    Advance();
                    var test = ParseNamedTest();
                    body.Add(new BlockStmt(keyword, [test], [], ParseSuite(), line));
                    return;
                }
                case "else" or "try" or "finally" when IsOp(Peek(), ":"):
                {
                    var keyword = Text(Cur);
                    Advance();
                    body.Add(new BlockStmt(keyword, [], [], ParseSuite(), line));
                    return;
                }
                case "except":
                {
                    Advance();
                    if (IsOp("*")) Advance();
                    var header = new List<Expr>();
                    var bindings = new List<(Expr, Expr)>();
                    if (!IsOp(":"))
                    {
                        var type = ParseTest();
                        header.Add(type);
                        if (AcceptName("as") || Accept(",")) bindings.Add((ParseTest(), type));
                    }
                    body.Add(new BlockStmt("except", header, bindings, ParseSuite(), line));
                    return;
                }
                case "for":
                {
                    Advance();
                    var target = ParseExprList(allowStar: true, noIn: true);
                    AcceptName("in");
                    var iterable = ParseExprList(allowStar: true);
                    body.Add(new BlockStmt("for", [iterable], [(target, iterable)], ParseSuite(), line));
                    return;
                }
                case "with":
                {
                    Advance();
                    var header = new List<Expr>();
                    var bindings = new List<(Expr, Expr)>();
                    var parenthesized = IsOp("(") && LooksLikeParenthesizedWithItems();
                    if (parenthesized) Advance();
                    while (!AtLineEnd && !IsOp(":"))
                    {
                        var before = _p;
                        var item = ParseTest();
                        header.Add(item);
                        if (AcceptName("as")) bindings.Add((ParseBinary(5, noIn: false), item));
                        if (!Accept(",")) { if (_p == before) Advance(); else break; }
                    }
                    if (parenthesized) Accept(")");
                    body.Add(new BlockStmt("with", header, bindings, ParseSuite(), line));
                    return;
                }
                case "match" or "case" when LineEndsWithColon() && !IsOp(Peek(), "=") && !IsOp(Peek(), "."):
                {
                    var keyword = Text(Cur);
                    Advance();
                    var header = new List<Expr>();
                    while (!AtLineEnd && !IsOp(":"))
                    {
                        var before = _p;
                        header.Add(ParseTest());
                        if (_p == before) Advance();
                    }
                    body.Add(new BlockStmt(keyword, header, [], ParseSuite(), line));
                    return;
                }
            }
        }
        ParseSimpleStatements(body);
    }

    private bool LooksLikeParenthesizedWithItems()
    {
        // `with (open(a) as f, open(b) as g):` — an "as" at bracket depth 1 means the parentheses group items.
        var depth = 0;
        for (var k = _p; k < _count && _tokens[k].Kind != TokenKind.Newline; k++)
        {
            var t = _tokens[k];
            if (t.Kind == TokenKind.Op)
            {
                var c = _list.Source[t.Start];
                if (c is '(' or '[' or '{') depth++;
                else if (c is ')' or ']' or '}') { depth--; if (depth == 0) return false; }
            }
            else if (depth == 1 && IsName(t, "as")) return true;
        }
        return false;
    }

    private bool LineEndsWithColon()
    {
        var k = _p;
        while (k < _count && _tokens[k].Kind is not (TokenKind.Newline or TokenKind.End)) k++;
        return k > _p && IsOp(_tokens[k - 1], ":");
    }

    /// <summary>After a compound header: <c>:</c> then either an indented block or simple statements on the same line.</summary>
    private List<Stmt> ParseSuite()
    {
        while (!AtLineEnd && !IsOp(":")) Advance(); // tolerate junk before the colon
        Accept(":");
        if (Cur.Kind == TokenKind.Newline)
        {
            while (Cur.Kind == TokenKind.Newline) Advance();
            if (Cur.Kind != TokenKind.Indent) return [];
            Advance();
            if (_depth >= MaxDepth)
            {
                _truncated = true;
                SkipBlock();
                return [];
            }
            _depth++;
            try { return ParseStatements(topLevel: false); }
            finally { _depth--; }
        }
        var body = new List<Stmt>();
        if (!AtLineEnd) ParseSimpleStatements(body);
        return body;
    }

    private void SkipBlock()
    {
        var level = 1;
        while (!AtEnd && level > 0)
        {
            if (Cur.Kind == TokenKind.Indent) level++;
            else if (Cur.Kind == TokenKind.Dedent) level--;
            Advance();
        }
    }

    private FuncDef ParseDef(IReadOnlyList<Expr> decorators)
    {
        var line = Cur.Line;
        Advance();
        var name = Cur.Kind == TokenKind.Name ? Text(Cur) : "?";
        if (Cur.Kind == TokenKind.Name) Advance();
        var parameters = new List<string>();
        var defaults = new List<Expr>();
        if (Accept("("))
        {
            while (!AtLineEnd && !IsOp(")"))
            {
                var before = _p;
                if (Cur.Kind == TokenKind.Name) { parameters.Add(Text(Cur)); Advance(); }
                else if (Accept(":")) ParseTest();
                else if (Accept("=")) defaults.Add(ParseTest());
                else if (IsOp("(")) ParseAtom(); // Python 2 tuple parameters
                else Advance();
                if (_p == before) Advance();
            }
            Accept(")");
        }
        if (Accept("->")) ParseTest();
        var bodyStart = _p;
        var body = ParseSuite();
        return new FuncDef(name, parameters, defaults, decorators, body, line, EndLineSince(bodyStart));
    }

    private ClassDef ParseClass(IReadOnlyList<Expr> decorators)
    {
        var line = Cur.Line;
        Advance();
        var name = Cur.Kind == TokenKind.Name ? Text(Cur) : "?";
        if (Cur.Kind == TokenKind.Name) Advance();
        var bases = new List<Expr>();
        if (IsOp("("))
        {
            var call = ParseCallArguments(new NameExpr(name, line), line);
            bases.AddRange(call.Args);
            bases.AddRange(call.Keywords.Select(k => k.Value));
        }
        var bodyStart = _p;
        var body = ParseSuite();
        return new ClassDef(name, bases, decorators, body, line, EndLineSince(bodyStart));
    }

    private int EndLineSince(int start) => _p > start ? _tokens[Math.Max(start, _p - 1)].Line : _tokens[start].Line;

    private void ParseSimpleStatements(List<Stmt> body)
    {
        while (!AtLineEnd)
        {
            var before = _p;
            var statement = ParseSimpleStatement();
            if (statement is not null) body.Add(statement);
            if (Accept(";")) continue;
            if (_p == before) Advance();
            // Leftover tokens on the line (broken or unusual code): keep parsing them as further statements.
        }
        if (Cur.Kind == TokenKind.Newline) Advance();
    }

    private Stmt? ParseSimpleStatement()
    {
        var line = Cur.Line;
        if (Cur.Kind == TokenKind.Name)
        {
            switch (_list.Text(Cur))
            {
                case "import": Advance(); return ParseImport(line);
                case "from": Advance(); return ParseFromImport(line);
                case "return":
                    Advance();
                    return new ReturnStmt(AtLineEnd || IsOp(";") ? null : ParseExprList(allowStar: true), line);
                case "pass" or "break" or "continue":
                    Advance();
                    return null;
                case "global" or "nonlocal" or "del" or "raise" or "assert":
                {
                    var keyword = Text(Cur);
                    Advance();
                    return new OtherStmt(keyword, ParseLooseList(), line);
                }
                case "print" when !IsOp(Peek(), "(") && !IsOp(Peek(), "=") && !IsOp(Peek(), ".") && Peek().Kind is not (TokenKind.Newline or TokenKind.End):
                    Advance();
                    Accept(">>");
                    return new OtherStmt("print", ParseLooseList(), line);
                case "exec" when !IsOp(Peek(), "(") && !IsOp(Peek(), "=") && !IsOp(Peek(), ".") && Peek().Kind is not (TokenKind.Newline or TokenKind.End):
                {
                    // Python 2: `exec code in globals, locals`.
                    Advance();
                    var code = ParseTest(noIn: true);
                    var args = new List<Expr> { code };
                    if (AcceptName("in")) args.AddRange(ParseLooseList());
                    return new ExprStmt(new CallExpr(new NameExpr("exec", line), args, [], line), line);
                }
            }
        }

        var first = ParseExprList(allowStar: true);
        if (IsOp("="))
        {
            var targets = new List<Expr> { first };
            Expr value = first;
            while (Accept("="))
            {
                value = IsName("yield") ? ParseTest() : ParseExprList(allowStar: true);
                targets.Add(value);
            }
            targets.RemoveAt(targets.Count - 1);
            return new AssignStmt(targets, value, null, line);
        }
        if (Cur.Kind == TokenKind.Op && _list.Text(Cur) is { Length: >= 2 } op && op[^1] == '=' && op is not "==" and not "<=" and not ">=" and not "!=")
        {
            var augOp = op.ToString();
            Advance();
            return new AssignStmt([first], ParseExprList(allowStar: true), augOp, line);
        }
        if (Accept(":"))
        {
            ParseTest(); // annotation
            if (Accept("=")) return new AssignStmt([first], ParseExprList(allowStar: true), null, line);
            return null;
        }
        return new ExprStmt(first, line);
    }

    /// <summary>A comma-separated list of expressions up to the end of the statement.</summary>
    private List<Expr> ParseLooseList()
    {
        var items = new List<Expr>();
        while (!AtLineEnd && !IsOp(";"))
        {
            var before = _p;
            items.Add(ParseTest());
            if (!Accept(",") && !AcceptName("from") && _p == before) Advance();
        }
        return items;
    }

    private ImportStmt ParseImport(int line)
    {
        var names = new List<(string, string?)>();
        while (!AtLineEnd && !IsOp(";"))
        {
            var before = _p;
            var module = ParseDottedName();
            string? alias = null;
            if (AcceptName("as") && Cur.Kind == TokenKind.Name) { alias = Text(Cur); Advance(); }
            if (module.Length > 0) names.Add((module, alias));
            if (!Accept(",")) { if (_p == before) Advance(); else break; }
        }
        return new ImportStmt(names, line);
    }

    private FromImportStmt ParseFromImport(int line)
    {
        var module = new StringBuilder();
        while (IsOp(".") || IsOp("...")) { module.Append(Text(Cur)); Advance(); }
        module.Append(ParseDottedName());
        AcceptName("import");
        var parenthesized = Accept("(");
        var names = new List<(string, string?)>();
        while (!AtEnd && (parenthesized ? !IsOp(")") : !AtLineEnd && !IsOp(";")))
        {
            if (Cur.Kind is TokenKind.Newline or TokenKind.Indent or TokenKind.Dedent) { Advance(); continue; }
            var before = _p;
            if (Accept("*")) names.Add(("*", null));
            else if (Cur.Kind == TokenKind.Name)
            {
                var name = Text(Cur);
                Advance();
                string? alias = null;
                if (AcceptName("as") && Cur.Kind == TokenKind.Name) { alias = Text(Cur); Advance(); }
                names.Add((name, alias));
            }
            if (!Accept(",") && _p == before) Advance();
        }
        if (parenthesized) Accept(")");
        return new FromImportStmt(module.ToString(), names, line);
    }

    private string ParseDottedName()
    {
        if (Cur.Kind != TokenKind.Name) return "";
        var first = Text(Cur);
        if (!IsOp(Peek(), ".") || Peek(2).Kind != TokenKind.Name)
        {
            Advance();
            return first; // a plain name: the interned text, no builder
        }
        var name = new StringBuilder();
        while (Cur.Kind == TokenKind.Name)
        {
            name.Append(Text(Cur));
            Advance();
            if (!IsOp(".") || Peek().Kind != TokenKind.Name) break;
            name.Append('.');
            Advance();
        }
        return name.ToString();
    }

    // ---------------------------------------------------------------- expressions

    /// <summary>One expression or a bare tuple (<c>a, b</c>).</summary>
    private Expr ParseExprList(bool allowStar, bool noIn = false)
    {
        var line = Cur.Line;
        var first = ParseTest(noIn, allowStar);
        if (!IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (Accept(","))
        {
            if (!CanStartExpression()) break;
            var before = _p;
            items.Add(ParseTest(noIn, allowStar));
            if (_p == before) break;
        }
        return new SeqExpr('(', items, line);
    }

    private bool CanStartExpression()
    {
        var t = Cur;
        if (t.Kind is TokenKind.Name) return !IsName("in") && !IsName("for") && !IsName("if") && !IsName("else");
        if (t.Kind is TokenKind.Number or TokenKind.String) return true;
        if (t.Kind != TokenKind.Op) return false;
        return _list.Source[t.Start] is '(' or '[' or '{' or '-' or '+' or '~' or '*' or '.' or '`';
    }

    private Expr ParseNamedTest()
    {
        var line = Cur.Line;
        var test = ParseTest();
        if (Accept(":=")) return new BinExpr(":=", test, ParseTest(), line);
        return test;
    }

    private Expr ParseTest(bool noIn = false, bool allowStar = false)
    {
        var line = Cur.Line;
        if (_depth >= MaxDepth)
        {
            _truncated = true;
            Advance();
            return new OtherExpr("too-deep", [], line);
        }
        _depth++;
        try
        {
            if (allowStar && IsOp("*")) { Advance(); return new StarExpr(ParseBinary(5, noIn), line); }
            if (IsName("lambda")) return ParseLambda();
            if (IsName("yield"))
            {
                Advance();
                AcceptName("from");
                return new OtherExpr("yield", AtLineEnd || IsOp(")") ? [] : [ParseExprList(allowStar: true)], line);
            }
            var body = ParseBinary(1, noIn);
            if (IsName("if") && !noIn)
            {
                Advance();
                var test = ParseBinary(1, noIn);
                if (AcceptName("else")) return new CondExpr(body, test, ParseTest(noIn), line);
                return new CondExpr(body, test, new NameExpr("None", line), line);
            }
            if (IsOp(":=")) { Advance(); return new BinExpr(":=", body, ParseTest(noIn), line); }
            return body;
        }
        finally { _depth--; }
    }

    private Expr ParseLambda()
    {
        var line = Cur.Line;
        Advance();
        var parameters = new List<string>();
        while (!AtLineEnd && !IsOp(":"))
        {
            var before = _p;
            if (Cur.Kind == TokenKind.Name) { parameters.Add(Text(Cur)); Advance(); }
            else if (Accept("=")) ParseTest();
            else Advance();
            if (_p == before) Advance();
        }
        Accept(":");
        return new LambdaExpr(parameters, ParseTest(), line);
    }

    private (string Op, int Precedence, int Tokens) PeekBinary(bool noIn)
    {
        var t = Cur;
        if (t.Kind == TokenKind.Name)
        {
            switch (_list.Text(t))
            {
                case "or": return ("or", 1, 1);
                case "and": return ("and", 2, 1);
                case "in": return noIn ? ("", 0, 0) : ("in", 4, 1);
                case "not" when IsName(Peek(), "in"): return noIn ? ("", 0, 0) : ("not in", 4, 2);
                case "is": return IsName(Peek(), "not") ? ("is not", 4, 2) : ("is", 4, 1);
                default: return ("", 0, 0);
            }
        }
        if (t.Kind != TokenKind.Op) return ("", 0, 0);
        // Constant spellings, so that looking at the next operator allocates nothing.
        var (op, precedence) = _list.Text(t) switch
        {
            "<" => ("<", 4), ">" => (">", 4), "==" => ("==", 4), ">=" => (">=", 4), "<=" => ("<=", 4), "!=" => ("!=", 4), "<>" => ("<>", 4),
            "|" => ("|", 5),
            "^" => ("^", 6),
            "&" => ("&", 7),
            "<<" => ("<<", 8), ">>" => (">>", 8),
            "+" => ("+", 9), "-" => ("-", 9),
            "*" => ("*", 10), "/" => ("/", 10), "//" => ("//", 10), "%" => ("%", 10), "@" => ("@", 10),
            "**" => ("**", 12),
            _ => ("", 0),
        };
        return (op, precedence, precedence == 0 ? 0 : 1);
    }

    private Expr ParseBinary(int minPrecedence, bool noIn)
    {
        var line = Cur.Line;
        if (_depth >= MaxDepth)
        {
            _truncated = true;
            Advance();
            return new OtherExpr("too-deep", [], line);
        }
        _depth++;
        try
        {
            Expr left;
            if (IsName("not") && minPrecedence <= 3) { Advance(); left = new UnaryExpr("not", ParseBinary(3, noIn), line); }
            else if (IsOp("-") || IsOp("+") || IsOp("~"))
            {
                var op = Text(Cur);
                Advance();
                left = new UnaryExpr(op, ParseBinary(11, noIn), line);
            }
            else if (IsName("await")) { Advance(); left = new OtherExpr("await", [ParsePostfix()], line); }
            else left = ParsePostfix();

            while (true)
            {
                var (op, precedence, count) = PeekBinary(noIn);
                if (precedence == 0 || precedence < minPrecedence) break;
                for (var k = 0; k < count; k++) Advance();
                var right = ParseBinary(op == "**" ? precedence : precedence + 1, noIn);
                left = new BinExpr(op, left, right, line);
            }
            return left;
        }
        finally { _depth--; }
    }

    private Expr ParsePostfix()
    {
        var expr = ParseAtom();
        while (true)
        {
            if (IsOp("(")) expr = ParseCallArguments(expr, expr.Line);
            else if (IsOp("["))
            {
                var line = Cur.Line;
                Advance();
                var index = ParseSubscriptList();
                Accept("]");
                expr = new SubscriptExpr(expr, index, line);
            }
            else if (IsOp(".") && Peek().Kind == TokenKind.Name)
            {
                Advance();
                expr = new AttrExpr(expr, Text(Cur), Cur.Line);
                Advance();
            }
            else return expr;
        }
    }

    private CallExpr ParseCallArguments(Expr func, int line)
    {
        Advance(); // (
        // Created on first use: most calls have no keyword arguments, and many no arguments at all.
        List<Expr>? args = null;
        List<Keyword>? keywords = null;
        while (!AtEnd && !IsOp(")") && Cur.Kind is not (TokenKind.Newline or TokenKind.Dedent or TokenKind.Indent))
        {
            var before = _p;
            if (Accept("**")) (keywords ??= []).Add(new Keyword(null, ParseTest()));
            else if (Cur.Kind == TokenKind.Name && IsOp(Peek(), "=") && !IsName("lambda"))
            {
                var name = Text(Cur);
                Advance();
                Advance();
                (keywords ??= []).Add(new Keyword(name, ParseTest()));
            }
            else
            {
                var arg = ParseTest(allowStar: true);
                if (IsName("for") || (IsName("async") && IsName(Peek(), "for"))) arg = ParseComprehension('(', arg, arg.Line);
                (args ??= []).Add(arg);
            }
            if (!Accept(",") && _p == before) Advance();
            if (_p == before) break;
        }
        Accept(")");
        return new CallExpr(func, (IReadOnlyList<Expr>?)args ?? [], (IReadOnlyList<Keyword>?)keywords ?? [], line);
    }

    private Expr ParseSubscriptList()
    {
        var line = Cur.Line;
        var first = ParseSubscript();
        if (!IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (Accept(",") && !IsOp("]") && !AtLineEnd) items.Add(ParseSubscript());
        return new SeqExpr('(', items, line);
    }

    private Expr ParseSubscript()
    {
        var line = Cur.Line;
        Expr? lower = IsOp(":") ? null : ParseTest(allowStar: true);
        if (!IsOp(":")) return lower ?? new OtherExpr("empty", [], line);
        Advance();
        Expr? upper = IsOp(":") || IsOp("]") || IsOp(",") ? null : ParseTest();
        Expr? step = null;
        if (Accept(":") && !IsOp("]") && !IsOp(",")) step = ParseTest();
        return new SliceExpr(lower, upper, step, line);
    }

    private Expr ParseComprehension(char kind, Expr element, int line)
    {
        var targets = new List<Expr>();
        var iterables = new List<Expr>();
        var conditions = new List<Expr>();
        while (true)
        {
            AcceptName("async");
            if (!AcceptName("for")) break;
            targets.Add(ParseExprList(allowStar: true, noIn: true));
            AcceptName("in");
            iterables.Add(ParseBinary(1, noIn: false));
            while (AcceptName("if")) conditions.Add(ParseBinary(1, noIn: false));
        }
        return new CompExpr(kind, element, targets, iterables, conditions, line);
    }

    private Expr ParseAtom()
    {
        var t = Cur;
        var line = t.Line;
        switch (t.Kind)
        {
            case TokenKind.Name:
            {
                if (IsHardKeyword(_list.Text(t)))
                {
                    // A keyword where an expression should be: leave it to the caller (e.g. `in`, `else`).
                    return new OtherExpr("keyword", [], line);
                }
                Advance();
                return new NameExpr(Text(t), line);
            }
            case TokenKind.Number:
                Advance();
                return new NumExpr(ParseInteger(_list.Text(t)), _list.Text(t).Length, line);
            case TokenKind.String:
                return ParseStrings();
            case TokenKind.Op:
                break;
            default:
                return new OtherExpr("missing", [], line);
        }

        switch (_list.Text(t))
        {
            case "(":
            {
                Advance();
                if (Accept(")")) return new SeqExpr('(', [], line);
                var inner = IsName("yield") ? ParseTest() : ParseTest(allowStar: true);
                if (IsName("for") || IsName("async")) inner = ParseComprehension('(', inner, line);
                else if (IsOp(","))
                {
                    var items = new List<Expr> { inner };
                    while (Accept(",") && !IsOp(")") && !AtLineEnd) items.Add(ParseTest(allowStar: true));
                    inner = new SeqExpr('(', items, line);
                }
                else if (Accept(":=")) inner = new BinExpr(":=", inner, ParseTest(), line);
                SkipToClose(")");
                return inner;
            }
            case "[":
            {
                Advance();
                if (Accept("]")) return new SeqExpr('[', [], line);
                var first = ParseTest(allowStar: true);
                if (IsName("for") || IsName("async")) { var comp = ParseComprehension('[', first, line); SkipToClose("]"); return comp; }
                var items = new List<Expr> { first };
                while (Accept(",") && !IsOp("]") && !AtLineEnd) items.Add(ParseTest(allowStar: true));
                SkipToClose("]");
                return new SeqExpr('[', items, line);
            }
            case "{":
            {
                Advance();
                if (Accept("}")) return new DictExpr([], [], line);
                var keys = new List<Expr?>();
                var values = new List<Expr>();
                var items = new List<Expr>();
                while (!AtLineEnd && !IsOp("}"))
                {
                    var before = _p;
                    if (Accept("**")) { keys.Add(null); values.Add(ParseBinary(5, false)); }
                    else
                    {
                        var key = ParseTest(allowStar: true);
                        if (Accept(":"))
                        {
                            var value = ParseTest();
                            if (IsName("for") || IsName("async"))
                            {
                                var comp = ParseComprehension('{', new SeqExpr('(', [key, value], line), line);
                                SkipToClose("}");
                                return comp;
                            }
                            keys.Add(key);
                            values.Add(value);
                        }
                        else if (IsName("for") || IsName("async"))
                        {
                            var comp = ParseComprehension('{', key, line);
                            SkipToClose("}");
                            return comp;
                        }
                        else items.Add(key);
                    }
                    if (!Accept(",") && _p == before) Advance();
                    if (_p == before) break;
                }
                SkipToClose("}");
                return items.Count > 0 && keys.Count == 0 ? new SeqExpr('{', items, line) : new DictExpr(keys, values, line);
            }
            case "`":
            {
                // Python 2 backquotes: repr(expr).
                Advance();
                var inner = ParseExprList(allowStar: false);
                Accept("`");
                return new CallExpr(new NameExpr("repr", line), [inner], [], line);
            }
            case "...":
                Advance();
                return new OtherExpr("ellipsis", [], line);
            case ")" or "]" or "}" or ":" or "," or "=" or ";":
                return new OtherExpr("missing", [], line);
        }
        Advance();
        return new OtherExpr("unexpected", [], line);
    }

    private void SkipToClose(string close)
    {
        // Tolerance: skip what we did not understand up to the closing bracket, but never past the logical line.
        var depth = 0;
        while (!AtEnd && Cur.Kind is not (TokenKind.Newline or TokenKind.Dedent or TokenKind.Indent))
        {
            if (Cur.Kind == TokenKind.Op)
            {
                var c = _list.Source[Cur.Start];
                if (depth == 0 && IsOp(close)) { Advance(); return; }
                if (c is '(' or '[' or '{') depth++;
                else if (c is ')' or ']' or '}')
                {
                    if (depth == 0) return; // a different closer: let the caller deal with it
                    depth--;
                }
            }
            Advance();
        }
    }

    private Expr ParseStrings()
    {
        var line = Cur.Line;
        if (_list.Literals[Cur.Literal] is { IsFormatted: false } single && Peek().Kind != TokenKind.String)
        {
            // One plain literal (the usual case): its decoded value as is, no builder.
            Advance();
            return new StrExpr(single.Value, single.IsBytes, line);
        }
        var value = new StringBuilder();
        var isBytes = false;
        List<Expr>? fields = null;
        var formatted = false;
        while (Cur.Kind == TokenKind.String)
        {
            var literal = _list.Literals[Cur.Literal];
            value.Append(literal.Value);
            isBytes |= literal.IsBytes;
            if (literal.IsFormatted)
            {
                formatted = true;
                foreach (var field in literal.FormatExpressions)
                {
                    var expression = ParseExpression(StripConversion(field), Cur.Line, _fstringDepth + 1, _texts);
                    if (expression is not null) (fields ??= []).Add(expression);
                }
            }
            Advance();
        }
        return formatted ? new FStrExpr(value.ToString(), (IReadOnlyList<Expr>?)fields ?? [], line) : new StrExpr(value.ToString(), isBytes, line);
    }

    /// <summary>Drops an f-string field's <c>=</c>, <c>!r</c> and <c>:spec</c> tails (outside brackets and strings).</summary>
    private static string StripConversion(string field)
    {
        var depth = 0;
        char quote = '\0';
        for (var i = 0; i < field.Length; i++)
        {
            var c = field[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            if (c is '"' or '\'') { quote = c; continue; }
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth--;
            else if (depth == 0 && (c == ':' || (c == '!' && i + 1 < field.Length && field[i + 1] != '='))) return field[..i];
        }
        return field;
    }

    public static long? ParseInteger(ReadOnlySpan<char> text)
    {
        Span<char> clean = stackalloc char[Math.Min(text.Length, 64)];
        var n = 0;
        foreach (var c in text)
        {
            if (c == '_') continue;
            if (n == clean.Length) return null;
            clean[n++] = c;
        }
        var s = clean[..n];
        if (s.Length > 0 && (s[^1] == 'L' || s[^1] == 'l')) s = s[..^1]; // Python 2 long
        if (s.Length > 2 && s[0] == '0')
        {
            var radix = char.ToLowerInvariant(s[1]) switch { 'x' => 16, 'o' => 8, 'b' => 2, _ => 0 };
            if (radix != 0)
            {
                long value = 0;
                foreach (var c in s[2..])
                {
                    var d = PyLexer.HexValue(c);
                    if (d < 0 || d >= radix) return null;
                    if (value > (long.MaxValue - d) / radix) return null;
                    value = value * radix + d;
                }
                return value;
            }
        }
        // Python 2 octal literals like 0755.
        if (s.Length > 1 && s[0] == '0' && s.IndexOfAnyExceptInRange('0', '7') < 0)
        {
            long value = 0;
            foreach (var c in s[1..]) value = value * 8 + (c - '0');
            return value;
        }
        return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var result) ? result : null;
    }
}
