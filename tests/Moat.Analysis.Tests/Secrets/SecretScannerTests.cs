using System.Text;
using Moat.Analysis.Secrets;
using Moat.Testing;

namespace Moat.Analysis.Tests.Secrets;

public sealed class SecretScannerTests : IDisposable
{
    private readonly FakeSecrets _fake = new();
    private readonly string _root = Directory.CreateTempSubdirectory("moat-secrets-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static IReadOnlyList<Finding> Scan(string text, string path = "file.txt") =>
        [.. SecretScanner.ScanText(text, path).Select(f => f.Finding)];

    /// <summary>Copies a template fixture into the temp dir with its holes filled.</summary>
    private string Materialize(string template, IReadOnlyDictionary<string, string> values)
    {
        var source = TestPaths.Fixtures("secrets", "templates", template);
        var text = File.ReadAllText(source);
        foreach (var (name, value) in values) text = text.Replace($"@@{name}@@", value, StringComparison.Ordinal);
        Assert.DoesNotContain("@@", text);
        var target = Path.Combine(_root, template[..^3]);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllText(target, text);
        return target;
    }

    [Fact]
    public void GitHub_tokens_are_reported_only_with_a_valid_checksum()
    {
        foreach (var prefix in new[] { "ghp", "gho", "ghu", "ghs", "ghr" })
        {
            var token = _fake.GitHubToken(prefix);
            var finding = Assert.Single(Scan($"token: {token}\n"));
            Assert.Equal(GitHubTokenDetector.Rule.Id, finding.RuleId);
            Assert.Equal(Confidence.High, finding.Confidence);
            Assert.Equal(Redaction.Redact(token), finding.Evidence);
            Assert.DoesNotContain(token, finding.Evidence + finding.Message);
        }
        Assert.Empty(Scan($"x = {_fake.GitHubTokenWithBadChecksum()}\n"));
    }

    [Fact]
    public void Checksum_matches_a_published_example()
    {
        // The CRC32 of "123456789" is 0xCBF43926 (the standard check value); in base62 (0-9A-Za-z) that is "3jZRME".
        Assert.Equal("3jZRME", TokenChecksum.Compute("123456789"));
        Assert.Equal("000000", TokenChecksum.Base62(0, 6));
        Assert.Equal("4gfFC3", TokenChecksum.Base62(uint.MaxValue, 6));
    }

    [Fact]
    public void PyPI_and_TestPyPI_tokens_are_decoded_and_named()
    {
        var pypi = _fake.PyPiToken();
        var test = _fake.PyPiToken("test.pypi.org", """[1, ["sampleproject"]]""");
        var findings = Scan($"A={pypi}\nB={test}\n");
        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Message == "PyPI API token (user-scoped: all the user's projects)" && f.Location.Line == 1 && f.Location.Column == 3);
        Assert.Contains(findings, f => f.Message == "TestPyPI API token (projects: sampleproject)" && f.Location.Line == 2);
        Assert.All(findings, f => Assert.Equal(Severity.Critical, f.Severity));
    }

    [Theory]
    [InlineData("pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoLWlqa2wtbW5vcC1xcnN0LXV2d3h5ejEyMzQ1AAAGIAAA")] // truncated signature
    [InlineData("pypi-thisisnotamacaroonatallbutitislongenoughtolooklikeatokenfromadistance")]
    public void Strings_that_merely_start_with_pypi_are_not_reported(string text) => Assert.Empty(Scan(text));

    [Fact]
    public void Macaroon_parser_reads_location_identifier_and_caveats()
    {
        var token = _fake.PyPiToken("test.pypi.org", "{\"version\": 1, \"permissions\": {\"projects\": [\"a\", \"b\"]}}");
        var macaroon = Macaroon.TryDecode(token[5..]);
        Assert.NotNull(macaroon);
        Assert.Equal("test.pypi.org", macaroon.Location);
        Assert.True(Guid.TryParse(macaroon.Identifier, out _));
        Assert.Single(macaroon.Caveats);
        Assert.Equal("TestPyPI API token (projects: a, b)", PyPiTokenDetector.Describe(token)?.Message);
        // Real tokens begin with these bytes: version 2, location field, length 8, "pypi.org".
        Assert.StartsWith("pypi-AgEIcHlwaS5vcmc", _fake.PyPiToken());
    }

    [Fact]
    public void Aws_key_pairs_are_reported_with_the_account()
    {
        var id = _fake.AwsAccessKeyId(123456789012);
        Assert.Equal(123456789012, AwsKeyDetector.AccountId(id));
        var findings = Scan($"aws_access_key_id = {id}\naws_secret_access_key = {_fake.AwsSecretKey()}\n", "credentials");
        Assert.Contains(findings, f => f.RuleId == AwsKeyDetector.AccessKeyRule.Id && f.Message.Contains("account 123456789012"));
        Assert.Contains(findings, f => f.RuleId == AwsKeyDetector.SecretKeyRule.Id && f.Confidence == Confidence.High && f.Location.Line == 2);
    }

    [Fact]
    public void Forty_character_strings_far_from_aws_context_are_not_secret_keys()
    {
        var text = $"checksum = \"{_fake.AwsSecretKey()}\"\n";
        Assert.DoesNotContain(Scan(text), f => f.RuleId == AwsKeyDetector.SecretKeyRule.Id);
    }

    [Fact]
    public void Realistic_settings_file_reports_each_secret_once_and_honours_allow_comments()
    {
        var allowed = _fake.GitHubToken();
        var file = Materialize("settings.py.in", new Dictionary<string, string>
        {
            ["GITHUB_TOKEN"] = _fake.GitHubToken(),
            ["AWS_KEY_ID"] = _fake.AwsAccessKeyId(210987654321),
            ["AWS_SECRET"] = _fake.AwsSecretKey(),
            ["SLACK_WEBHOOK"] = _fake.SlackWebhook(),
            ["GENERIC"] = "sk9Lq2Xv8RtY4mN6pB3wZ7cK1",
            ["ALLOWED_GITHUB_TOKEN"] = allowed,
        });
        var findings = SecretScanner.ScanPath(_root).Single().Findings.Select(f => f.Finding).ToList();
        var rules = findings.Select(f => f.RuleId).Order().ToList();
        Assert.Equal([GitHubTokenDetector.Rule.Id, AwsKeyDetector.AccessKeyRule.Id, AwsKeyDetector.SecretKeyRule.Id, ChatWebhookDetector.WebhookRule.Id, GenericSecretDetector.Rule.Id], rules);
        Assert.Contains(findings, f => f.RuleId == GitHubTokenDetector.Rule.Id && f.Location.Line == 8);
        Assert.Contains(findings, f => f.RuleId == GenericSecretDetector.Rule.Id && f.Message.Contains("STRIPE_API_KEY"));
        Assert.DoesNotContain(findings, f => f.Location.Line == 16); // moat: allow-secret
        Assert.Equal("settings.py", Path.GetFileName(file));
    }

    [Fact]
    public void Pypirc_tokens_split_across_lines_and_base64_encoded_are_found()
    {
        var testToken = _fake.PyPiToken("test.pypi.org");
        Materialize(".pypirc.in", new Dictionary<string, string>
        {
            ["PYPI_TOKEN"] = _fake.PyPiToken(),
            ["TESTPYPI_TOKEN_PART1"] = testToken[..60],
            ["TESTPYPI_TOKEN_PART2"] = testToken[60..],
        });
        Materialize("encoded/.pypirc.in", new Dictionary<string, string>
        {
            ["PYPI_TOKEN_BASE64"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(_fake.PyPiToken())),
        });
        var results = SecretScanner.ScanPath(_root).ToDictionary(r => r.Path, r => r.Findings.Select(f => f.Finding).ToList());
        var plain = results[".pypirc"];
        Assert.True(plain.Count == 2, string.Join("\n", plain.Select(f => $"{f.RuleId} {f.Location.Line} {f.Message}")));
        Assert.Contains(plain, f => f.Message.StartsWith("PyPI API token") && f.Message.EndsWith("in [pypi]") && f.Location.Line == 8);
        Assert.Contains(plain, f => f.Message.StartsWith("TestPyPI API token") && f.Message.EndsWith("in [testpypi]") && f.Location.Line == 13);
        var encoded = Assert.Single(results["encoded/.pypirc"]);
        Assert.StartsWith("base64-encoded PyPI API token", encoded.Message);
        Assert.Equal(Severity.Critical, encoded.Severity);
    }

    [Fact]
    public void Pip_conf_and_netrc_passwords_are_found()
    {
        var password = _fake.Password();
        Materialize("pip.conf.in", new Dictionary<string, string> { ["PASSWORD"] = password });
        Materialize(".netrc.in", new Dictionary<string, string> { ["PASSWORD"] = password });
        var results = SecretScanner.ScanPath(_root).ToDictionary(r => r.Path, r => r.Findings.Select(f => f.Finding).ToList());
        var index = Assert.Single(results["pip.conf"]);
        Assert.Equal(UrlCredentialsDetector.Rule.Id, index.RuleId);
        Assert.Contains("package index URL", index.Message);
        Assert.Equal(Severity.High, index.Severity);
        var netrc = Assert.Single(results[".netrc"]);
        Assert.Equal(ConfigFileDetector.Rule.Id, netrc.RuleId);
        Assert.Equal(3, netrc.Location.Line);
    }

    [Fact]
    public void Private_keys_and_service_account_files_are_found_once()
    {
        var pem = FakeSecrets.PrivateKeyPem();
        Materialize("id_ed25519.in", new Dictionary<string, string> { ["PEM"] = pem });
        Materialize("service-account.json.in", new Dictionary<string, string>
        {
            ["KEY_ID"] = _fake.Characters("0123456789abcdef", 40),
            ["PEM_JSON"] = pem.Replace("\n", "\\n"),
        });
        var results = SecretScanner.ScanPath(_root).ToDictionary(r => r.Path, r => r.Findings.Select(f => f.Finding).ToList());
        Assert.Equal(PrivateKeyDetector.Rule.Id, Assert.Single(results["id_ed25519"]).RuleId);
        var gcp = Assert.Single(results["service-account.json"]);
        Assert.Equal(GcpServiceAccountDetector.Rule.Id, gcp.RuleId);
        Assert.Contains("ci-publisher@moat-fixture.iam.gserviceaccount.com", gcp.Message);
    }

    [Fact]
    public void A_key_whose_base64_lines_start_or_end_with_plus_is_found_bare_and_inside_string_concatenation()
    {
        // A random key's 64-character lines start or end with '+' about one time in ten: that is base64, not syntax.
        string[] lines = ["+" + new string('A', 62) + "+", "+" + new string('B', 62) + "/", "/" + new string('C', 62) + "+"];
        File.WriteAllText(Path.Combine(_root, "deploy_key"), $"-----BEGIN PRIVATE KEY-----\n{string.Join("\n", lines)}\n-----END PRIVATE KEY-----\n");
        File.WriteAllText(Path.Combine(_root, "keys.py"), "KEY = (\"-----BEGIN PRIVATE KEY-----\\n\" +\n"
            + string.Concat(lines.Select(l => $"       \"{l}\" +\n")) + "       \"-----END PRIVATE KEY-----\")\n");
        var results = SecretScanner.ScanPath(_root).ToDictionary(r => r.Path, r => r.Findings.Select(f => f.Finding).ToList());
        Assert.Equal(PrivateKeyDetector.Rule.Id, Assert.Single(results["deploy_key"]).RuleId);
        Assert.Equal(PrivateKeyDetector.Rule.Id, Assert.Single(results["keys.py"]).RuleId);
    }

    [Fact]
    public void Webhooks_telegram_and_npm_tokens_are_found()
    {
        Materialize("notify.sh.in", new Dictionary<string, string>
        {
            ["DISCORD_WEBHOOK"] = _fake.DiscordWebhook(),
            ["TELEGRAM_TOKEN"] = _fake.TelegramToken(),
            ["NPM_TOKEN"] = _fake.NpmToken(),
        });
        var findings = SecretScanner.ScanPath(_root).Single().Findings.Select(f => f.Finding).ToList();
        Assert.Contains(findings, f => f.RuleId == ChatWebhookDetector.WebhookRule.Id && f.Message.Contains("Discord") && f.Location.Line == 3);
        Assert.Contains(findings, f => f.RuleId == ChatWebhookDetector.TelegramRule.Id && f.Location.Line == 4);
        Assert.Contains(findings, f => f.RuleId == NpmTokenDetector.Rule.Id && f.Confidence == Confidence.High && f.Location.Line == 5);
        Assert.Equal(3, findings.Count);
    }

    [Fact]
    public void Clean_fixtures_have_no_findings()
    {
        var results = SecretScanner.ScanPath(TestPaths.Fixtures("secrets", "clean"));
        Assert.True(results.Count == 0, string.Join("\n", results.SelectMany(r => r.Findings).Select(f => $"{f.Finding.Location.Path}:{f.Finding.Location.Line} {f.Finding.RuleId} {f.Finding.Message}")));
    }

    [Fact]
    public void Templates_on_disk_hold_no_token_shaped_strings()
    {
        var results = SecretScanner.ScanPath(TestPaths.Fixtures("secrets"));
        Assert.Empty(results);
    }

    [Fact]
    public void Baseline_suppresses_known_findings_only()
    {
        var known = _fake.GitHubToken();
        var text = $"a = {known}\n";
        var first = SecretScanner.ScanText(text, "config.txt");
        var baseline = new HashSet<string> { Assert.Single(first).Fingerprint };
        Assert.Empty(SecretScanner.ScanText(text, "config.txt", new SecretScanOptions { Baseline = baseline }));
        Assert.Single(SecretScanner.ScanText(text + $"b = {_fake.GitHubToken()}\n", "config.txt", new SecretScanOptions { Baseline = baseline }));

        var writer = new StringWriter();
        SecretBaseline.Write(writer, first);
        var path = Path.Combine(_root, "baseline.json");
        File.WriteAllText(path, writer.ToString());
        Assert.Equal(baseline, SecretBaseline.Read(path));
        Assert.DoesNotContain(known, writer.ToString());
    }

    [Fact]
    public void Binary_and_oversized_files_and_dependency_folders_are_skipped()
    {
        var token = _fake.GitHubToken();
        File.WriteAllBytes(Path.Combine(_root, "blob.bin"), [0, 1, 2, .. Encoding.ASCII.GetBytes(token)]);
        File.WriteAllText(Path.Combine(_root, "big.txt"), token + new string('x', 2048));
        Directory.CreateDirectory(Path.Combine(_root, "node_modules", "pkg"));
        File.WriteAllText(Path.Combine(_root, "node_modules", "pkg", "index.js"), token);
        File.WriteAllText(Path.Combine(_root, "small.txt"), token);
        var results = SecretScanner.ScanPath(_root, new SecretScanOptions { MaxFileBytes = 1024 });
        Assert.Equal(["small.txt"], results.Select(r => r.Path));
    }

    [Theory]
    [InlineData("api_key = \"AbCdEfGh1234\"")] // too short
    [InlineData("password = \"aaaaaaaaaaaaaaaaaaaa\"")] // no entropy
    [InlineData("token = get_token(\"production-deploy-2024\")")] // a call
    [InlineData("SECRET_KEY = settings.SECRET_KEY_FROM_VAULT")] // a reference
    [InlineData("client_secret: ${{ secrets.CLIENT_SECRET }}")]
    [InlineData("password: <your-password-here-1234567>")]
    public void Generic_detector_skips_non_secrets(string line) => Assert.Empty(Scan(line + "\n", "app.py"));

    [Fact]
    public void Generic_detector_reports_high_entropy_assignments()
    {
        var finding = Assert.Single(Scan("DB_PASSWORD = \"Xk9#mQ2vL8pR4tW7zN1c\"\n", "app.py"));
        Assert.Equal(GenericSecretDetector.Rule.Id, finding.RuleId);
        Assert.Equal("Xk9#mQ…z N1c".Replace(" ", ""), finding.Evidence);
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string B64Url(string text) => B64(text).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public void A_PyPI_token_inside_HTTP_Basic_credentials_is_unwrapped_and_judged_by_the_PyPI_detector()
    {
        var token = _fake.PyPiToken();
        var finding = Assert.Single(Scan($"headers = {{\"Authorization\": \"Basic {B64("__token__:" + token)}\"}}\n", "client.py"));
        Assert.Equal(WrappedSecretDetector.Rule.Id, finding.RuleId);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Contains("HTTP Basic credentials wrapping", finding.Message);
        Assert.Contains("PyPI", finding.Message);
        Assert.DoesNotContain(token, finding.Evidence + finding.Message);
    }

    [Fact]
    public void Docker_auth_fields_JWT_payloads_and_bare_base64_tokens_are_unwrapped()
    {
        var github = _fake.GitHubToken();
        var docker = Assert.Single(Scan($"{{\"auths\": {{\"ghcr.io\": {{\"auth\": \"{B64("bot:" + github)}\"}}}}}}\n", "config.json"));
        Assert.Contains("docker config auth field wrapping", docker.Message);
        Assert.Contains("GitHub", docker.Message);

        var jwt = $"eyJhbGciOiJIUzI1NiJ9.{B64Url($$"""{"sub":"ci","gh":"{{github}}"}""")}.c2lnbmF0dXJl";
        var inJwt = Assert.Single(Scan($"TOKEN={jwt}\n", "settings.env"));
        Assert.Equal(WrappedSecretDetector.Rule.Id, inJwt.RuleId);
        Assert.Contains("JWT payload", inJwt.Message);

        var blob = Assert.Single(Scan($"password_b64: {B64("__token__:" + _fake.PyPiToken())}\n", "deploy.yaml"));
        Assert.Equal(Severity.Critical, blob.Severity);
        Assert.Contains("base64 blob", blob.Message);
    }

    [Fact]
    public void Wrapped_placeholders_and_invalid_tokens_are_not_reported()
    {
        Assert.Empty(Scan($"Authorization: Basic {B64("user:password")}\n", "README.md"));
        Assert.Empty(Scan($"auth = {B64("__token__:" + _fake.GitHubTokenWithBadChecksum())}\n", "notes.txt"));
        // A JWT with ordinary claims is not a credential by itself.
        Assert.Empty(Scan($"example = eyJhbGciOiJIUzI1NiJ9.{B64Url("""{"sub":"1234567890","name":"Jane"}""")}.c2ln\n", "doc.md"));
    }

    [Theory]
    [InlineData("pip.conf", "[global]\nindex-url = https://alice:Qz8rTy5uIo3p@pkgs.corp.example.org/simple/\n")]
    [InlineData("requirements.txt", "--extra-index-url https://bob:Qz8rTy5uIo3p@pkgs.corp.example.org/simple/\nrequests\n")]
    [InlineData(".pypirc", "[corp]\nrepository = https://carol:Qz8rTy5uIo3p@upload.corp.example.org/legacy/\n")]
    [InlineData("uv.toml", "[[index]]\nurl = \"https://dave:Qz8rTy5uIo3p@pkgs.corp.example.org/simple/\"\n")]
    [InlineData("pyproject.toml", "[[tool.uv.index]]\nname = \"corp\"\nurl = \"https://erin:Qz8rTy5uIo3p@pkgs.corp.example.org/simple/\"\n")]
    [InlineData("poetry.toml", "[repositories.corp]\nurl = \"https://frank:Qz8rTy5uIo3p@pkgs.corp.example.org/simple/\"\n")]
    public void Index_urls_with_credentials_are_high_and_shown_with_the_password_masked(string file, string text)
    {
        var finding = Assert.Single(Scan(text, file));
        Assert.Equal(UrlCredentialsDetector.Rule.Id, finding.RuleId);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.StartsWith("https://", finding.Evidence);
        Assert.Contains(":****@", finding.Evidence);
        Assert.DoesNotContain("Qz8r", finding.Evidence + finding.Message);
    }

    [Fact]
    public void The_scan_counts_files_read_skipped_and_excluded_and_honours_exclude_globs()
    {
        File.WriteAllText(Path.Combine(_root, "a.txt"), "nothing here\n");
        File.WriteAllBytes(Path.Combine(_root, "b.bin"), [1, 0, 2, 0]);
        Directory.CreateDirectory(Path.Combine(_root, "vendor", "lib"));
        File.WriteAllText(Path.Combine(_root, "vendor", "lib", "pip.conf"), "[global]\nindex-url = https://alice:Qz8rTy5uIo3p@pkgs.corp.example.org/simple/\n");
        var all = SecretScanner.Scan(_root);
        Assert.Equal((2, 1, 0), (all.FilesRead, all.FilesSkipped, all.FilesExcluded));
        Assert.Single(all.Results);
        var excluded = SecretScanner.Scan(_root, new SecretScanOptions { Exclude = ["vendor/*"] });
        Assert.Equal((1, 1, 1), (excluded.FilesRead, excluded.FilesSkipped, excluded.FilesExcluded));
        Assert.Empty(excluded.Results);
    }

    [Fact]
    public void Secrets_toml_is_read_strictly()
    {
        var config = SecretScanConfig.Parse("exclude = [\"tests/fixtures/*\", \"*.min.js\"]\nmax-file-size = 20\n", "s.toml");
        Assert.Equal(["tests/fixtures/*", "*.min.js"], config.Exclude);
        Assert.Equal(20, config.MaxFileSizeMiB);
        Assert.Throws<InvalidDataException>(() => SecretScanConfig.Parse("exclud = []\n", "s.toml"));
        Assert.Throws<InvalidDataException>(() => SecretScanConfig.Parse("exclude = \"tests\"\n", "s.toml"));
        Assert.Throws<InvalidDataException>(() => SecretScanConfig.Parse("exclude = [\n", "s.toml"));
    }
}
