using Moat.Analysis;
using Moat.Analysis.Workflows;

namespace Moat.Analysis.Tests.Workflows;

public class WorkflowParserTests
{
    [Fact]
    public void Parses_triggers_permissions_jobs_and_steps_with_positions()
    {
        const string yaml = """
            name: CI
            on:
              push:
                tags: ["v*"]
              pull_request_target:
            permissions:
              contents: read
            jobs:
              build:
                runs-on: [self-hosted, linux]
                environment: { name: pypi }
                steps:
                  - id: one
                    uses: actions/checkout@v4
                    with:
                      ref: main
                  - run: |
                      echo one
                      echo two
            """;
        var workflow = WorkflowParser.Parse(yaml, "ci.yml", CiDialect.GitHubWorkflow);
        Assert.Equal(["push", "pull_request_target"], workflow.Triggers.Select(t => t.Name));
        Assert.Contains("tags", workflow.Triggers[0].Tags);
        Assert.Equal("read", workflow.Permissions!.Scopes["contents"]);
        var job = Assert.Single(workflow.Jobs);
        Assert.Equal(["self-hosted", "linux"], job.RunsOn);
        Assert.Equal("pypi", job.Environment);
        Assert.Equal(2, job.Steps.Count);
        Assert.Equal("actions/checkout", job.Steps[0].ActionName);
        Assert.Equal(new YamlText("actions/checkout@v4", 14, 15), job.Steps[0].Uses);
        var run = job.Steps[1].Run!;
        Assert.True(run.IsBlock);
        // "echo two" is the second line of the block, on line 19, indented 10 spaces.
        Assert.Equal(new Location("ci.yml", 19, 11), workflow.Locate(run, run.Value.IndexOf("echo two", StringComparison.Ordinal)));
    }

    [Fact]
    public void Composite_actions_become_one_job()
    {
        const string yaml = """
            name: Setup
            runs:
              using: composite
              steps:
                - run: echo hi
                  shell: bash
            """;
        var workflow = WorkflowParser.Parse(yaml, "action.yml", CiDialect.GitHubAction);
        Assert.Equal("echo hi", Assert.Single(Assert.Single(workflow.Jobs).Steps).Run!.Value);
    }

    [Theory]
    [InlineData("jobs: [unclosed")]
    [InlineData("- just\n- a list")]
    [InlineData("")]
    [InlineData("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")] // /etc/passwd: one plain scalar
    [InlineData("name: settings\nvalues: [1, 2]\n")] // YAML, but no 'on' and 'jobs'
    [InlineData("on: push\n")]
    public void Files_that_are_not_workflows_are_not_audited_and_never_clean(string yaml)
    {
        var result = WorkflowAuditor.AuditText(yaml, "broken.yml", CiDialect.GitHubWorkflow);
        var finding = Assert.Single(result.Findings);
        Assert.Equal(WorkflowAuditor.ParseErrorRule.Id, finding.RuleId);
        Assert.Equal(Verdict.Unverified, result.Verdict);
        Assert.NotNull(WorkflowAuditor.NotAudited(result));
    }

    [Fact]
    public void An_action_file_without_runs_is_not_an_action()
    {
        var result = WorkflowAuditor.AuditText("name: x\ndescription: y\n", "action.yml", CiDialect.GitHubAction);
        Assert.Equal("not a GitHub action: it has no 'runs'", WorkflowAuditor.NotAudited(result));
    }

    [Fact]
    public void Alias_bombs_do_not_explode()
    {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n" +
                   string.Concat(Enumerable.Range(0, 20).Select(i => $"b{i}: &b{i} [*{(i == 0 ? "a" : "b" + (i - 1))}, *{(i == 0 ? "a" : "b" + (i - 1))}, *{(i == 0 ? "a" : "b" + (i - 1))}]\n")) +
                   "on: push\njobs:\n  x:\n    runs-on: *b19\n    steps: []\n";
        var result = WorkflowAuditor.AuditText(yaml, "bomb.yml", CiDialect.GitHubWorkflow);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Repository_discovery_finds_workflows_actions_and_gitlab()
    {
        var root = Directory.CreateTempSubdirectory("moat-ci-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, ".github", "workflows"));
            Directory.CreateDirectory(Path.Combine(root, ".github", "actions", "setup"));
            Directory.CreateDirectory(Path.Combine(root, "node_modules", "x"));
            File.WriteAllText(Path.Combine(root, ".github", "workflows", "ci.yml"), "on: push\njobs: {}\n");
            File.WriteAllText(Path.Combine(root, ".github", "workflows", "notes.txt"), "not yaml");
            File.WriteAllText(Path.Combine(root, ".github", "actions", "setup", "action.yml"), "runs:\n  using: composite\n  steps: []\n");
            File.WriteAllText(Path.Combine(root, "node_modules", "x", "action.yml"), "runs: {}\n");
            File.WriteAllText(Path.Combine(root, ".gitlab-ci.yml"), "build:\n  script: [make]\n");
            var results = WorkflowAuditor.AuditPath(root);
            Assert.Equal([".github/actions/setup/action.yml", ".github/workflows/ci.yml", ".gitlab-ci.yml"], results.Select(r => r.Target).Order(StringComparer.Ordinal));
            Assert.All(results, r => Assert.Equal(TargetKind.Workflow, r.Kind));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
