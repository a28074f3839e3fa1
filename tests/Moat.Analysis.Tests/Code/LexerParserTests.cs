using System.Security.Cryptography;
using System.Text;
using Moat.Analysis.Code;

namespace Moat.Analysis.Tests.Code;

public class LexerParserTests
{
    [Fact]
    public void Lexer_decodes_prefixes_escapes_and_triple_quotes()
    {
        var tokens = PyLexer.Lex("a = rb'\\x41' + b'\\x41' + u'\\u00e9' + '''x\ny''' + f\"{d['k']!r:>{w}}\"\n");
        var literals = tokens.Literals.Select(l => l.Value).ToList();
        Assert.Equal(["\\x41", "A", "é", "x\ny", "{}"], literals);
        Assert.True(tokens.Literals[0].IsBytes);
        Assert.True(tokens.Literals[4].IsFormatted);
        Assert.Equal("d['k']!r:>{w}", tokens.Literals[4].FormatExpressions[0]);
    }

    [Fact]
    public void Lexer_reads_plain_unterminated_and_odd_strings_with_the_right_values_and_lines()
    {
        var tokens = PyLexer.Lex("a = '''x\"y''z'''\nb = 'open\nc = b'\u20ac' + \"\"\"l1\r\nl2\"\"\"\nd = r'\\'' + '\\n'\ne = 1");
        Assert.Equal(["x\"y''z", "open", "?", "l1\r\nl2", "\\'", "\n"], tokens.Literals.Select(l => l.Value));
        var names = tokens.Tokens.Where(t => t.Kind == TokenKind.Name).Select(t => (tokens.Text(t).ToString(), t.Line)).ToList();
        Assert.Equal([("a", 1), ("b", 2), ("c", 3), ("d", 5), ("e", 6)], names);
    }

    [Fact]
    public void Lexer_decodes_escaped_binary_with_plain_runs_between_and_keeps_what_is_not_an_escape()
    {
        // Escaped executables are megabytes of \xHH with printable bytes between; a malformed \x stays as written.
        var tokens = PyLexer.Lex("x = b'MZ\\x90\\x00This \\x41\\xzz\\x4'\ny = '''a\\tb\nc\u20ac\\x41'''\nz = b'ok\\n\u20ac'\nw = f'{a}\\x41{{'\nv = 1\n");
        Assert.Equal(["MZ\u0090\0This A\\xzz\\x4", "a\tb\nc\u20acA", "ok\n?", "{}A{"], tokens.Literals.Select(l => l.Value));
        var names = tokens.Tokens.Where(t => t.Kind == TokenKind.Name).Select(t => (tokens.Text(t).ToString(), t.Line)).ToList();
        Assert.Equal([("x", 1), ("y", 2), ("z", 4), ("w", 5), ("v", 6)], names);
    }

    [Fact]
    public void Lexer_takes_the_longest_operator()
    {
        var tokens = PyLexer.Lex("a **= b //= c >>= d <<= e ... f <> g != h -> i := j ** k // l >= m <= n == o -= p @= q ~ r !== s\n");
        var ops = tokens.Tokens.Where(t => t.Kind == TokenKind.Op).Select(t => tokens.Text(t).ToString());
        Assert.Equal(["**=", "//=", ">>=", "<<=", "...", "<>", "!=", "->", ":=", "**", "//", ">=", "<=", "==", "-=", "@=", "~", "!=", "="], ops);
    }

    [Fact]
    public void Pep701_fstrings_may_reuse_their_quote_inside_fields()
    {
        var module = PyParser.Parse("x = f\"{\", \".join(f\"{a}\" for a in items)}\"\ny = 1\n");
        Assert.Equal(2, module.Body.Count);
        var fstring = Assert.IsType<FStrExpr>(Assert.IsType<AssignStmt>(module.Body[0]).Value);
        Assert.IsType<CallExpr>(Assert.Single(fstring.Fields));
    }


    [Fact]
    public void A_field_broken_by_an_open_string_ends_at_its_line_and_the_rest_of_the_file_is_read()
    {
        // Python rejects the open string; a payload after it must not vanish into one endless field expression.
        var source = "m = f\"\"\"\nA: {d['a']}\nB: {d[' broken}\nC: {d['c']}\n\"\"\"\nURL = 'https://example.com/hook'\n";
        var tokens = PyLexer.Lex(source);
        Assert.Equal("https://example.com/hook", tokens.Literals[^1].Value);
        var url = tokens.Tokens.Single(t => t.Kind == TokenKind.Name && tokens.Text(t).SequenceEqual("URL"));
        Assert.Equal(6, url.Line);
        var module = PyParser.Parse(source);
        Assert.Equal(2, module.Body.Count);
    }
    [Fact]
    public void Parser_understands_imports_aliases_classes_and_python2()
    {
        const string source = "import base64 as b, os\nfrom x.y import (a as c,\n  d)\nclass K(install):\n\tdef run(self):\n\t\tprint 'hi'\n\t\texec code in ns\n";
        var module = PyParser.Parse(source.Replace("\n", "\r\n", StringComparison.Ordinal));
        var import = Assert.IsType<ImportStmt>(module.Body[0]);
        Assert.Equal(("base64", "b"), import.Names[0]);
        var from = Assert.IsType<FromImportStmt>(module.Body[1]);
        Assert.Equal([("a", "c"), ("d", (string?)null)], from.Names);
        var cls = Assert.IsType<ClassDef>(module.Body[2]);
        var run = Assert.IsType<FuncDef>(Assert.Single(cls.Body));
        var exec = Assert.IsType<ExprStmt>(run.Body[1]);
        Assert.Equal("exec", Assert.IsType<NameExpr>(Assert.IsType<CallExpr>(exec.Value).Func).Id);
    }

    [Fact]
    public void Minified_one_liners_are_split_into_statements()
    {
        var module = PyParser.Parse("import os;x=1;exec(x) if x else None;y=lambda a:a[::-1]");
        Assert.Equal(4, module.Body.Count);
        Assert.IsType<LambdaExpr>(Assert.IsType<AssignStmt>(module.Body[3]).Value);
    }

    [Theory]
    [InlineData("def f(:\n  x = (1, [2, {3\nclass\n")]
    [InlineData("'unterminated\n\"\"\"never closed")]
    [InlineData("))))]]]}}}:::@@@")]
    [InlineData("\tif x:\n  y\n\t\tz\n w\n")]
    public void Broken_code_never_throws(string source)
    {
        var module = PyParser.Parse(source);
        Assert.NotNull(module.Body);
    }

    [Fact]
    public void Random_bytes_and_deep_nesting_are_bounded()
    {
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var chars = new char[random.Next(1, 400)];
            const string alphabet = "()[]{}'\"\\:=.,ab1 \n\tfrif#";
            for (var k = 0; k < chars.Length; k++) chars[k] = alphabet[random.Next(alphabet.Length)];
            PyParser.Parse(new string(chars));
        }
        var deep = PyParser.Parse(new string('(', 50_000) + "x" + new string(')', 50_000));
        Assert.True(deep.Truncated);
    }
}
