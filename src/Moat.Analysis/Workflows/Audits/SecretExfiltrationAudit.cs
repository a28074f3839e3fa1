using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>
/// The GhostAction shape: a step hands a secret (or a variable or output derived from one, or the whole environment)
/// to a network command — <c>curl -d</c>, <c>wget --post-data</c>, <c>Invoke-WebRequest</c>, <c>nc</c>, a python or
/// node one-liner — aimed at a host that is not a code host, registry or cloud API.
/// </summary>
public static partial class SecretExfiltrationAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-001",
        "secret-exfiltration",
        "A workflow step sends a secret to a network command aimed at an outside host.",
        Severity.Critical,
        "In 2025 the GhostAction campaign pushed a workflow to hundreds of repositories that, on push or manual dispatch, " +
        "curl-POSTed the repository's PyPI, npm, DockerHub and cloud tokens to an attacker's server; more than 3,000 " +
        "secrets were stolen. This audit follows secrets through env variables, $GITHUB_ENV and step outputs and reports " +
        "any that reach curl, wget, Invoke-WebRequest, nc, a python/node one-liner or `gh api --hostname` with a host " +
        "other than a code host, package registry or cloud API. Sending a secret in a request body or URL to such a host " +
        "is critical; in a header, or to a host Moat cannot see (a variable), it is reported at lower severity. " +
        "Remove the step, rotate every secret the workflow could read, and review who can push workflows.",
        ["https://blog.gitguardian.com/ghostaction-campaign-3-325-secrets-stolen/", "https://blog.pypi.org/posts/2025-09-05-github-actions-token-exfiltration/"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var job in workflow.Jobs)
        {
            var flow = SecretFlow.For(workflow, job);
            foreach (var step in job.Steps)
            {
                foreach (var script in Scripts(step))
                {
                    foreach (var line in WorkflowScripts.LogicalLines(script.Value))
                    {
                        if (!WorkflowScripts.IsNetworkCommand(line.Text)) continue;
                        var secret = flow.FirstSecretReference(line.Text);
                        if (secret is null || UrlLikeSecret().IsMatch(secret)) continue;
                        if (Judge(line.Text, flow) is not { } judgement) continue;
                        yield return new Finding(
                            Rule.Id, judgement.Severity, judgement.Confidence,
                            $"step '{step.Describe()}' in job '{job.Id}' sends {secret} to {judgement.Where}",
                            workflow.Locate(script, line.Offset),
                            Evidence(line.Text));
                    }
                }
            }
        }
    }

    private sealed record Judgement(Severity Severity, Confidence Confidence, string Where);

    private static Judgement? Judge(string line, SecretFlow flow)
    {
        var foreign = WorkflowScripts.Hosts(line).Where(h => !WorkflowScripts.IsTrustedHost(h)).Distinct().ToList();
        var isGhApi = GhApi().IsMatch(line);
        if (isGhApi && !line.Contains("--hostname", StringComparison.Ordinal)) return null; // gh api talks to GitHub
        if (foreign.Count > 0)
        {
            var where = "outside host " + string.Join(", ", foreign);
            return InHeaderOnly(line, flow)
                ? new Judgement(Severity.Medium, Confidence.Medium, where + " in a request header (check it is the service this secret belongs to)")
                : new Judgement(Severity.Critical, Confidence.High, where);
        }
        if (WorkflowScripts.Hosts(line).Any()) return null; // only trusted hosts
        if (InHeaderOnly(line, flow)) return null; // an API call authenticated to a configured endpoint
        return WorkflowScripts.SendsData(line) || line.Contains("/dev/tcp/", StringComparison.Ordinal) || NetcatLike().IsMatch(line)
            ? new Judgement(Severity.High, Confidence.Medium, "a host Moat cannot see (a variable or computed URL)")
            : null;
    }

    /// <summary>True when the secret appears only in an <c>Authorization</c>-style header or <c>-u user:pass</c>.</summary>
    private static bool InHeaderOnly(string line, SecretFlow flow)
    {
        var stripped = HeaderArgument().Replace(line, "");
        return stripped.Length != line.Length && flow.FirstSecretReference(stripped) is null;
    }

    /// <summary>The <c>run:</c> script, or the <c>script:</c> input of actions/github-script.</summary>
    internal static IEnumerable<YamlText> Scripts(Step step)
    {
        if (step.Run is { } run) yield return run;
        if (step.UsesAction("actions/github-script") && step.With.TryGetValue("script", out var script)) yield return script;
    }

    internal static string Evidence(string line)
    {
        var text = line.Trim();
        return text.Length <= 200 ? text : text[..197] + "...";
    }

    [GeneratedRegex(@"WEBHOOK|_URL\b|_URI\b|DSN|ENDPOINT", RegexOptions.IgnoreCase)]
    private static partial Regex UrlLikeSecret();

    [GeneratedRegex(@"\bgh\s+api\b")]
    private static partial Regex GhApi();

    [GeneratedRegex(@"(?<![\w-])(nc|ncat|netcat|socat|telnet)\s")]
    private static partial Regex NetcatLike();

    [GeneratedRegex(@"(?:-H|--header|-Headers?|-u|--user)\s+(?:""[^""]*""|'[^']*'|@\{[^}]*\}|\S+)")]
    private static partial Regex HeaderArgument();
}
