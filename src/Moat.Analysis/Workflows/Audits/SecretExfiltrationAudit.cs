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
        "secrets were stolen. This audit follows each secret (secrets.*, toJSON(secrets), github.token) as data: through " +
        "env at every level, ${{ env.X }}, $GITHUB_ENV, step and job outputs, shell variables, pipes, command substitutions " +
        "and files written earlier, and through any encoding (base64, hex, xxd, gzip, rev, split and joined). It reports " +
        "the secret reaching curl, wget, httpie, Invoke-WebRequest, nc/socat, /dev/tcp, scp/ssh, a python/node/perl/ruby " +
        "one-liner with an HTTP or socket client, a DNS lookup (dig, nslookup, host), a git push or clone to another host, " +
        "a gist, an artifact or a cache, or the log in an encoded (unmaskable) form. A secret reaching an outside host is " +
        "critical whatever the encoding; code hosts, package registries, cloud APIs and the registry the workflow names " +
        "(repository-url, --index-url) are not outside hosts. In an authentication header only, or to a host Moat cannot " +
        "see (a variable), it is reported at lower severity. " +
        "Remove the step, rotate every secret the workflow could read, and review who can push workflows.",
        ["https://blog.gitguardian.com/ghostaction-campaign-3-325-secrets-stolen/", "https://blog.pypi.org/posts/2025-09-05-github-actions-token-exfiltration/"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var job in workflow.Jobs)
        {
            var flow = SecretFlow.For(workflow, job);
            foreach (var sink in flow.Sinks)
            {
                // A webhook or DSN secret is a URL: sending to it is its use.
                if (sink.Taint.Names.Any(n => UrlLikeSecret().IsMatch(n))) continue;
                if (Judge(sink, flow.PublishingHosts) is not { } judgement) continue;
                yield return new Finding(
                    Rule.Id, judgement.Severity, judgement.Confidence,
                    $"step '{sink.Step.Describe()}' in job '{job.Id}' sends {sink.Taint} to {judgement.Where}",
                    sink.Location,
                    sink.Evidence);
            }
        }
    }

    private sealed record Judgement(Severity Severity, Confidence Confidence, string Where);

    private static Judgement? Judge(SecretSink sink, IReadOnlySet<string> publishingHosts)
    {
        switch (sink.Kind)
        {
            case SinkKind.Dns:
                return new Judgement(Severity.Critical, Confidence.High,
                    sink.Hosts.Count > 0 ? $"a DNS lookup under {sink.Hosts[0]}" : "a DNS lookup of a name built from it");
            case SinkKind.Artifact:
                return new Judgement(Severity.Critical, Confidence.High, "a workflow artifact, which anyone who can read the repository can download");
            case SinkKind.Cache:
                return new Judgement(Severity.High, Confidence.High, "the Actions cache, which other workflows restore");
            case SinkKind.Log:
                return new Judgement(Severity.High, Confidence.Medium, "the job log or a public comment, where GitHub cannot mask it");
        }
        var foreign = sink.Hosts.Where(h => !WorkflowScripts.IsTrustedHost(h) && !publishingHosts.Contains(h)).Distinct().ToList();
        var what = sink.Kind == SinkKind.GitRemote ? "git remote on " : "outside host ";
        if (foreign.Count > 0)
        {
            var where = what + string.Join(", ", foreign);
            return sink.HeaderOnly
                ? new Judgement(Severity.Medium, Confidence.Medium, where + " in a request header (check it is the service this secret belongs to)")
                : new Judgement(Severity.Critical, Confidence.High, where);
        }
        if (sink.Hosts.Count > 0 || sink.HeaderOnly || !sink.SendsData || sink.Kind == SinkKind.GitRemote) return null;
        return new Judgement(Severity.High, Confidence.Medium, "a host Moat cannot see (a variable or computed URL)");
    }

    /// <summary>The <c>run:</c> script, or the <c>script:</c> input of actions/github-script.</summary>
    internal static IEnumerable<YamlText> Scripts(Step step)
    {
        if (step.Run is { } run) yield return run;
        if (step.UsesAction("actions/github-script") && step.With.TryGetValue("script", out var script)) yield return script;
    }

    internal static string Evidence(string line) => WorkflowScripts.Evidence(line);

    [GeneratedRegex(@"WEBHOOK|_URL\b|_URI\b|DSN|ENDPOINT", RegexOptions.IgnoreCase)]
    private static partial Regex UrlLikeSecret();



}
