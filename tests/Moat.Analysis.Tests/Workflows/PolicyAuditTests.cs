using Moat.Analysis.Workflows;
using Moat.Analysis.Workflows.Audits;
using Moat.Testing;
using static Moat.Analysis.Tests.Workflows.WorkflowFixtures;

namespace Moat.Analysis.Tests.Workflows;

/// <summary>The zizmor-parity audits, the rule catalog's fixture check for CI rules, and repository policy (.moat/ci.toml, inline ignores).</summary>
public class PolicyAuditTests
{
    [Fact]
    public void Every_ci_rule_has_a_vulnerable_and_a_fixed_fixture()
    {
        var folders = Directory.GetDirectories(TestPaths.Fixtures("workflows")).Select(Path.GetFileName).ToList();
        foreach (var rule in RuleCatalog.All.Where(r => r.Family == "CI" && r.Id != WorkflowAuditor.ParseErrorRule.Id))
        {
            var folder = folders.Where(f => rule.Name.Contains(f!, StringComparison.Ordinal)).OrderByDescending(f => f!.Length).FirstOrDefault();
            Assert.True(folder is not null, $"{rule.Id} {rule.Name} has no fixture folder under tests/fixtures/workflows");
            var dir = TestPaths.Fixtures("workflows", folder!);
            Assert.True(Directory.GetFiles(dir, "vulnerable*").Length > 0 && Directory.GetFiles(dir, "fixed*").Length > 0, $"{rule.Id}: {folder} needs vulnerable and fixed fixtures");
            var raised = Directory.GetFiles(dir, "vulnerable*").SelectMany(f => WorkflowAuditor.AuditFile(f, Path.GetFileName(f), Policy(folder!)).Findings);
            Assert.True(raised.Any(f => f.RuleId == rule.Id), $"{rule.Id}: no vulnerable fixture in {folder} raises it");
            foreach (var file in Directory.GetFiles(dir, "fixed*"))
                Assert.DoesNotContain(WorkflowAuditor.AuditFile(file, Path.GetFileName(file), Policy(folder!)).Findings, f => f.RuleId == rule.Id && f.Severity >= Severity.High);
        }
    }

    private static CiPolicy Policy(string folder) =>
        folder == "forbidden-uses" ? CiPolicy.Parse("forbidden-uses = [\"tj-actions/*\"]\n", "ci.toml") : CiPolicy.Empty;

    [Theory]
    [InlineData("github-env")]
    [InlineData("bot-condition")]
    [InlineData("unredacted-secret")]
    [InlineData("known-vulnerable-action")]
    [InlineData("forbidden-uses")]
    [InlineData("secrets-outside-env")]
    [InlineData("obfuscated-expression")]
    [InlineData("insecure-commands")]
    public void Fixed_fixtures_are_clean(string audit) => AssertClean($"{audit}/fixed.yml");

    [Fact]
    public void Untrusted_values_written_to_GITHUB_ENV_are_reported_directly_and_through_env()
    {
        var findings = Audit("github-env/vulnerable.yml").Of(GitHubEnvAudit.Rule);
        Assert.True(findings.Count == 2, Describe(findings));
        Assert.Contains(findings, f => f.Location.Line == 9 && f.Message.Contains("github.head_ref"));
        Assert.Contains(findings, f => f.Location.Line == 10 && f.Message.Contains("$TITLE"));
    }

    [Fact]
    public void A_bot_actor_condition_is_high_under_pull_request_target()
    {
        var finding = Assert.Single(Audit("bot-condition/vulnerable.yml").Of(BotConditionAudit.Rule));
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal(7, finding.Location.Line);
    }

    [Fact]
    public void A_field_of_a_json_secret_is_reported()
    {
        var finding = Assert.Single(Audit("unredacted-secret/vulnerable.yml").Of(UnredactedSecretAudit.Rule));
        Assert.Equal(12, finding.Location.Line);
    }

    [Fact]
    public void Vulnerable_action_versions_respect_major_only_tags_and_sha_pins_are_read_at_their_commented_version()
    {
        var findings = Audit("known-vulnerable-action/vulnerable.yml").Of(KnownVulnerableActionAudit.Rule);
        Assert.True(findings.Count == 4, Describe(findings));
        Assert.Contains(findings, f => f.Message.Contains("CVE-2025-30066") && f.Location.Line == 9 && f.Severity == Severity.High);
        Assert.Contains(findings, f => f.Message.Contains("CVE-2024-42471") && f.Location.Line == 10);
        Assert.Contains(findings, f => f.Message.Contains("CVE-2024-42471") && f.Location.Line == 13);
        // The commit the attackers moved every tag to is critical however it is pinned.
        Assert.Contains(findings, f => f.Message.Contains("CVE-2025-30066") && f.Location.Line == 14 && f.Severity == Severity.Critical);
        Assert.True(KnownVulnerableActionAudit.All.Count >= 5);
        Assert.True(KnownVulnerableActionAudit.AllCommits.Count >= 2);
    }

    [Fact]
    public void Repository_secrets_in_a_job_without_an_environment_are_low_and_medium_when_the_job_publishes()
    {
        var finding = Assert.Single(Audit("secrets-outside-env/vulnerable.yml").Of(SecretsOutsideEnvAudit.Rule));
        Assert.Equal(Severity.Low, finding.Severity);
        Assert.Equal(17, finding.Location.Line);
        Assert.Contains("secrets.DOCS_DEPLOY_KEY", finding.Message);
        var publishing = WorkflowAuditor.AuditText("""
            on: push
            permissions: {}
            jobs:
              publish:
                runs-on: ubuntu-latest
                steps:
                  - run: python -m twine upload dist/*
                    env:
                      TWINE_PASSWORD: ${{ secrets['PYPI_TOKEN'] }}
                  - run: gh release list
                    env:
                      GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}
            """, "publish.yml", CiDialect.GitHubWorkflow).Findings.Of(SecretsOutsideEnvAudit.Rule);
        Assert.Equal(Severity.Medium, Assert.Single(publishing).Severity);
        Assert.Contains("secrets.PYPI_TOKEN", publishing[0].Message);
        Assert.DoesNotContain("GITHUB_TOKEN", publishing[0].Message);
    }

    [Fact]
    public void Literal_format_calls_json_round_trips_and_dotted_action_paths_are_obfuscation()
    {
        var findings = Audit("obfuscated-expression/vulnerable.yml").Of(ObfuscatedExpressionAudit.Rule);
        Assert.True(findings.Count == 4, Describe(findings));
        Assert.Contains(findings, f => f.Location.Line == 12 && f.Message.Contains("'.'"));
        Assert.Contains(findings, f => f.Location.Line == 15 && f.Severity == Severity.Medium && f.Message.Contains("'collector'"));
        Assert.Contains(findings, f => f.Location.Line == 17 && f.Severity == Severity.High && f.Message.Contains("secret's name"));
        Assert.Contains(findings, f => f.Location.Line == 18 && f.Message.Contains("round trip"));
        Assert.Null(ObfuscatedExpressionAudit.Describe("format('{0}-{1}', matrix.os, 'x')"));
        Assert.Null(ObfuscatedExpressionAudit.Describe("fromJSON(steps.meta.outputs.json).tags"));
    }

    [Fact]
    public void Re_enabled_set_env_commands_are_medium_high_where_outsiders_reach_secrets_and_an_explicit_false_is_not_reported()
    {
        var finding = Assert.Single(Audit("insecure-commands/vulnerable.yml").Of(InsecureCommandsAudit.Rule));
        Assert.Equal(Severity.Medium, finding.Severity);
        Assert.Equal(9, finding.Location.Line);
        static IReadOnlyList<Finding> AuditWith(string trigger, string value) => WorkflowAuditor.AuditText($"""
            on: {trigger}
            permissions: {"{}"}
            env:
              ACTIONS_ALLOW_UNSECURE_COMMANDS: {value}
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: make
            """, "w.yml", CiDialect.GitHubWorkflow).Findings.Of(InsecureCommandsAudit.Rule);
        Assert.Equal(Severity.High, Assert.Single(AuditWith("workflow_run", "'yes'")).Severity);
        Assert.Empty(AuditWith("workflow_run", "false"));
    }

    [Fact]
    public void Ci_toml_forbids_actions_and_ignores_rules_and_inline_comments_silence_one_finding()
    {
        var root = Directory.CreateTempSubdirectory("moat-ci-policy-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, ".github", "workflows"));
            Directory.CreateDirectory(Path.Combine(root, ".moat"));
            File.Copy(TestPaths.Fixtures("workflows", "forbidden-uses", "vulnerable.yml"), Path.Combine(root, ".github", "workflows", "a.yml"));
            File.WriteAllText(Path.Combine(root, ".github", "workflows", "b.yml"), """
                on: push
                permissions: {}
                jobs:
                  j:
                    runs-on: ubuntu-latest
                    steps:
                      # moat: ignore[unpinned-action]
                      - uses: example-org/tool@v1
                      - uses: example-org/other@v1
                """);
            File.WriteAllText(Path.Combine(root, ".moat", "ci.toml"), "forbidden-uses = [\"tj-actions/*\"]\nignore = [\"MOAT-CI-017\"]\n");
            var results = WorkflowAuditor.AuditPath(root).ToDictionary(r => r.Target, r => r.Findings);
            Assert.Contains(results[".github/workflows/a.yml"], f => f.RuleId == ForbiddenUsesAudit.Rule.Id && f.Location.Line == 9);
            var unpinned = Assert.Single(results[".github/workflows/b.yml"], f => f.RuleId == UnpinnedActionAudit.Rule.Id);
            Assert.Equal(9, unpinned.Location.Line);

            // The allow-list form: everything not listed is reported, local actions never.
            File.WriteAllText(Path.Combine(root, ".moat", "ci.toml"), "allowed-uses = [\"example-org/tool\"]\n");
            var allowed = WorkflowAuditor.AuditPath(root).ToDictionary(r => r.Target, r => r.Findings);
            Assert.Equal("example-org/other@v1", Assert.Single(allowed[".github/workflows/b.yml"], f => f.RuleId == ForbiddenUsesAudit.Rule.Id).Evidence);
            Assert.Contains(allowed[".github/workflows/a.yml"], f => f.RuleId == ForbiddenUsesAudit.Rule.Id && f.Message.Contains("allowed-uses"));

            File.WriteAllText(Path.Combine(root, ".moat", "ci.toml"), "forbidden_uses = []\n");
            Assert.Throws<InvalidDataException>(() => WorkflowAuditor.AuditPath(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
