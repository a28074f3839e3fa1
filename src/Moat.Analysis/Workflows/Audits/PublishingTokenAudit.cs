using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>Long-lived PyPI credentials used where Trusted Publishing (OIDC) would need none.</summary>
public static partial class PublishingTokenAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-003",
        "long-lived-publishing-token",
        "A workflow publishes to PyPI with a long-lived API token or password instead of Trusted Publishing.",
        Severity.Medium,
        "A PyPI API token stored as a CI secret lives until someone revokes it, works from anywhere, and is exactly what " +
        "GhostAction and the Ultralytics attackers stole and reused. Trusted Publishing exchanges the job's short-lived " +
        "OIDC identity for a token valid for 15 minutes and one project: configure a trusted publisher on PyPI, give the " +
        "publishing job `permissions: id-token: write`, and drop `password:`, `TWINE_PASSWORD`, `--token` and `.pypirc`.",
        ["https://docs.pypi.org/trusted-publishers/", "https://blog.pypi.org/posts/2024-12-11-ultralytics-attack-analysis/"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var job in workflow.Jobs)
        {
            var flow = SecretFlow.For(workflow, job);
            var envWithSecrets = workflow.Env.Concat(job.Env).Where(p => flow.FirstSecretReference(p.Value.Value) is not null).ToList();
            foreach (var step in job.Steps)
            {
                if (step.UsesAction("pypa/gh-action-pypi-publish") && step.With.TryGetValue("password", out var password))
                {
                    yield return Finding.Of(Rule, Confidence.High,
                        $"pypa/gh-action-pypi-publish in job '{job.Id}' is given a password (API token); use Trusted Publishing",
                        workflow.At(password.Line, password.Column), $"password: {password.Value}");
                }
                var stepEnv = envWithSecrets.Concat(step.Env.Where(p => flow.FirstSecretReference(p.Value.Value) is not null)).ToList();
                foreach (var (name, value) in stepEnv)
                {
                    if (CredentialVariable().IsMatch(name) && step.Run is { } script && PublishTool().IsMatch(script.Value))
                        yield return Finding.Of(Rule, Confidence.High,
                            $"step '{step.Describe()}' publishes with {name} from a secret; use Trusted Publishing",
                            workflow.At(value.Line, value.Column), $"{name}: {value.Value}");
                }
                if (step.Run is not { } run) continue;
                foreach (var line in WorkflowScripts.LogicalLines(run.Value))
                {
                    var reason = Reason(line.Text, flow);
                    if (reason is not null)
                        yield return Finding.Of(Rule, Confidence.High, $"step '{step.Describe()}' {reason}; use Trusted Publishing",
                            workflow.Locate(run, line.Offset), SecretExfiltrationAudit.Evidence(line.Text));
                }
            }
        }
    }

    private static string? Reason(string line, SecretFlow flow)
    {
        if (TwineWithPassword().IsMatch(line)) return "passes a password to twine upload";
        if (UvWithToken().IsMatch(line)) return "passes a token to uv publish";
        if (PoetryWithToken().IsMatch(line)) return "publishes with a Poetry PyPI token";
        if (line.Contains(".pypirc", StringComparison.Ordinal) && flow.FirstSecretReference(line) is not null) return "writes a secret into .pypirc";
        return null;
    }

    [GeneratedRegex(@"^(TWINE_PASSWORD|UV_PUBLISH_TOKEN|UV_PUBLISH_PASSWORD|POETRY_PYPI_TOKEN_\w+|POETRY_HTTP_BASIC_\w+_PASSWORD|FLIT_PASSWORD|HATCH_INDEX_AUTH|PDM_PUBLISH_PASSWORD)$")]
    private static partial Regex CredentialVariable();

    [GeneratedRegex(@"\b(twine|uv|poetry|flit|hatch|pdm)\b")]
    private static partial Regex PublishTool();

    [GeneratedRegex(@"\btwine\s+upload\b.*\s(-p|--password)[\s=]")]
    private static partial Regex TwineWithPassword();

    [GeneratedRegex(@"\buv\s+publish\b.*\s(-t|--token|--password|-p)[\s=]")]
    private static partial Regex UvWithToken();

    [GeneratedRegex(@"\bpoetry\s+(publish\b.*\s(-p|--password|-u\s+__token__|--username[\s=]__token__)[\s=]?|config\s+(pypi-token\.|http-basic\.))")]
    private static partial Regex PoetryWithToken();
}
