using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows;

/// <summary>
/// Which names carry a secret inside one job: environment variables set from <c>${{ secrets.* }}</c> (at workflow, job
/// or step level, or written to <c>$GITHUB_ENV</c>), step outputs written from a secret to <c>$GITHUB_OUTPUT</c>,
/// and — for GitLab, whose secrets are CI/CD variables declared outside the file — variables with secret-like names.
/// </summary>
public sealed partial class SecretFlow
{
    private readonly HashSet<string> _envNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _outputs = new(StringComparer.Ordinal); // "stepid.output"
    private readonly CiDialect _dialect;

    private SecretFlow(CiDialect dialect) => _dialect = dialect;

    /// <summary>The names tainted by secrets anywhere in <paramref name="job"/> (a step's own env counts for that step only in reality; over-approximating keeps it simple and errs towards reporting).</summary>
    public static SecretFlow For(Workflow workflow, Job job)
    {
        var flow = new SecretFlow(workflow.Dialect);
        // Two passes so that a variable derived from a derived variable is caught too.
        for (var pass = 0; pass < 2; pass++)
        {
            flow.AddEnv(workflow.Env);
            flow.AddEnv(job.Env);
            foreach (var step in job.Steps)
            {
                flow.AddEnv(step.Env);
                if (step.Run is { } run) flow.AddScriptWrites(step, run.Value);
            }
        }
        return flow;
    }

    public bool HasSecretEnv => _envNames.Count > 0;

    private void AddEnv(IReadOnlyDictionary<string, YamlText> env)
    {
        foreach (var (name, value) in env)
        {
            if (FirstSecretReference(value.Value) is not null) _envNames.Add(name);
        }
    }

    private void AddScriptWrites(Step step, string script)
    {
        foreach (Match m in GitHubFileWrite().Matches(script))
        {
            var value = m.Groups["value"].Value;
            if (FirstSecretReference(value) is null) continue;
            var name = m.Groups["name"].Value;
            if (m.Groups["file"].Value == "GITHUB_ENV") _envNames.Add(name);
            else if (step.Id is { } id) _outputs.Add($"{id}.{name}");
        }
    }

    /// <summary>
    /// The first reference to a secret in <paramref name="text"/> (for the message), or null. Covers secrets in
    /// expressions, tainted env vars and outputs, and whole-environment dumps while secrets are in the environment.
    /// </summary>
    public string? FirstSecretReference(string text)
    {
        foreach (var expression in WorkflowScripts.Expressions(text))
        {
            var inner = expression.Inner;
            if (SecretsContext().Match(inner) is { Success: true } secret) return secret.Value;
            foreach (Match m in EnvContext().Matches(inner))
                if (_envNames.Contains(m.Groups[1].Value)) return $"env.{m.Groups[1].Value}";
            foreach (Match m in StepOutput().Matches(inner))
                if (_outputs.Contains($"{m.Groups[1].Value}.{m.Groups[2].Value}")) return m.Value;
        }
        if (_envNames.Count > 0 || _dialect == CiDialect.GitLab)
        {
            foreach (Match m in ShellVariable().Matches(text))
            {
                var name = m.Groups["name"].Value;
                if (_envNames.Contains(name)) return "$" + name;
                if (_dialect == CiDialect.GitLab && IsSecretLikeName(name)) return "$" + name;
            }
        }
        if (_envNames.Count > 0 && EnvironmentDump().IsMatch(text)) return "the whole environment";
        return null;
    }

    /// <summary>A variable name that usually holds a credential: <c>PYPI_TOKEN</c>, <c>AWS_SECRET_ACCESS_KEY</c>, <c>DEPLOY_PASSWORD</c>.</summary>
    public static bool IsSecretLikeName(string name) => SecretLikeName().IsMatch(name) && !NotSecretName().IsMatch(name);

    [GeneratedRegex(@"\bsecrets(\.[A-Za-z_][\w-]*|\[[^\]]*\])?")]
    private static partial Regex SecretsContext();

    [GeneratedRegex(@"\benv\.([A-Za-z_]\w*)")]
    private static partial Regex EnvContext();

    [GeneratedRegex(@"\bsteps\.([\w-]+)\.outputs\.([\w-]+)")]
    private static partial Regex StepOutput();

    // $NAME, ${NAME}, $env:NAME, %NAME%, os.environ["NAME"], os.getenv("NAME"), process.env.NAME
    [GeneratedRegex(@"(?:\$\{?|\$env:|%|environ\[['""]|getenv\(['""]|process\.env\.)(?<name>[A-Za-z_]\w*)")]
    private static partial Regex ShellVariable();

    [GeneratedRegex(@"\bprintenv\b|\$\(\s*env\s*\)|`env`|\benv\s*\||\bset\s*\||os\.environ\b(?!\[|\.get)|process\.env\b(?!\.)|Get-ChildItem\s+env:", RegexOptions.IgnoreCase)]
    private static partial Regex EnvironmentDump();

    [GeneratedRegex(@"(?<name>[A-Za-z_]\w*)=(?<value>[^\n]*?)[""']?\s*>>\s*[""']?\$\{?(?<file>GITHUB_ENV|GITHUB_OUTPUT)")]
    private static partial Regex GitHubFileWrite();

    [GeneratedRegex(@"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL|AUTH", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLikeName();

    // Names that mention a secret but hold none: URLs of webhooks, files, flags, usernames, non-secret GitLab variables.
    [GeneratedRegex(@"URL|URI|ENDPOINT|HOST|FILE|PATH|USER(NAME)?$|_ID$|ENABLED|^CI_(?!JOB_TOKEN)|TYPE", RegexOptions.IgnoreCase)]
    private static partial Regex NotSecretName();
}
