using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>
/// A job that reads repository or organisation secrets without a deployment <c>environment:</c>, whose protection
/// rules (required reviewers, branch filters) are the only gate GitHub puts between a secret and any job that asks.
/// </summary>
public static partial class SecretsOutsideEnvAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-019",
        "secrets-outside-env",
        "A job uses secrets without a deployment environment to gate them.",
        Severity.Low,
        "Repository and organisation secrets are handed to every job of every workflow that names them; environment " +
        "secrets only to jobs that declare the environment and pass its protection rules (required reviewers, allowed " +
        "branches and tags). A job that publishes or deploys with a repository secret can be made to run by anyone who " +
        "can change a workflow on any branch. Move the secret into an environment and declare it on the job " +
        "(`environment: release`). Reported at medium severity when the job publishes; `secrets.GITHUB_TOKEN` is not " +
        "reported (its power is the job's `permissions:`), nor are calls of reusable workflows, which cannot declare one.",
        ["https://docs.github.com/en/actions/deployment/targeting-different-environments/using-environments-for-deployment#environment-secrets",
         "https://docs.zizmor.sh/audits/#secrets-outside-env"]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        if (workflow.Dialect != CiDialect.GitHubWorkflow) yield break; // actions and GitLab have no secrets context
        foreach (var job in workflow.Jobs)
        {
            if (job.Environment is not null || job.Uses is not null) continue;
            var values = job.Env.Values
                .Concat(job.Steps.SelectMany(s => s.Env.Values.Concat(s.With.Values)))
                .Concat(job.Steps.Where(s => s.Run is not null).Select(s => s.Run!));
            var named = new SortedSet<string>(StringComparer.Ordinal);
            YamlText? first = null;
            var firstOffset = 0;
            foreach (var value in values)
                foreach (var expression in WorkflowScripts.Expressions(value.Value))
                    foreach (Match m in SecretReference().Matches(expression.Inner))
                    {
                        var name = m.Groups["name"].Value;
                        if (name.Equals("GITHUB_TOKEN", StringComparison.OrdinalIgnoreCase)) continue;
                        if (named.Add(name) && first is null) (first, firstOffset) = (value, expression.Offset);
                    }
            if (first is null) continue;
            var publishes = Publishing.IsPublishJob(job);
            yield return new Finding(Rule.Id, publishes ? Severity.Medium : Severity.Low, Confidence.High,
                $"job '{job.Id}'{(publishes ? ", which publishes," : "")} uses {string.Join(", ", named.Select(n => "secrets." + n))} without an environment",
                workflow.Locate(first, firstOffset), WorkflowScripts.Evidence(first.Value.Substring(firstOffset, Math.Min(first.Value.Length - firstOffset, 120)).Split('\n')[0]));
        }
    }

    /// <summary><c>secrets.NAME</c> and <c>secrets['NAME']</c>; a whole-context <c>toJSON(secrets)</c> is secrets-dump's.</summary>
    [GeneratedRegex(@"\bsecrets\s*(?:\.\s*(?<name>[A-Za-z_][\w-]*)|\[\s*['""](?<name>[^'""]+)['""]\s*\])", RegexOptions.IgnoreCase)]
    private static partial Regex SecretReference();
}
