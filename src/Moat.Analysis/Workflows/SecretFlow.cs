using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Moat.Analysis.Workflows;

/// <summary>
/// Secrets followed as data through a workflow. Sources are <c>secrets.*</c>, <c>toJSON(secrets)</c> and
/// <c>github.token</c> in expressions (and, for GitLab, whose secrets are CI/CD variables declared outside the file,
/// variables with secret-like names). They travel through <c>env:</c> at workflow, job and step level,
/// <c>${{ env.X }}</c>, <c>$GITHUB_ENV</c>, step outputs (<c>$GITHUB_OUTPUT</c>), job outputs (<c>needs.*.outputs</c>),
/// shell variables, pipes, command substitutions and files written by an earlier step, and through any encoding; the
/// scripts are read by <see cref="ScriptFlow"/>. The result is the list of <see cref="SecretSink"/>s: the places a
/// secret can leave the job. Each workflow is analysed once and shared by the audits that ask.
/// </summary>
public sealed partial class SecretFlow
{
    private static readonly ConditionalWeakTable<Workflow, IReadOnlyDictionary<Job, SecretFlow>> Cache = new();

    private readonly Workflow _workflow;
    private readonly HashSet<string> _jobNames = new(StringComparer.Ordinal); // every env name set from a secret anywhere in the job
    private readonly Dictionary<string, Taint> _outputs = new(StringComparer.Ordinal);
    private readonly List<SecretSink> _sinks = [];

    private SecretFlow(Workflow workflow) => _workflow = workflow;

    /// <summary>Where the job's secrets can leave it.</summary>
    public IReadOnlyList<SecretSink> Sinks => _sinks;

    /// <summary>Hosts the workflow itself names as the registry it publishes to (<c>repository-url</c>, <c>--index-url</c>…).</summary>
    public IReadOnlySet<string> PublishingHosts { get; private set; } = new HashSet<string>();

    public bool HasSecretEnv => _jobNames.Count > 0;

    public static SecretFlow For(Workflow workflow, Job job) => Cache.GetValue(workflow, Analyse)[job];

    /// <summary>
    /// The first reference to a secret in <paramref name="text"/> (for a message), or null: a source in an
    /// expression, a name set from a secret anywhere in the job, a tainted output, or a dump of the environment.
    /// </summary>
    public string? FirstSecretReference(string text)
    {
        var vars = _jobNames.ToDictionary(n => n, n => Taint.Of(n), StringComparer.Ordinal);
        var state = new FlowState(_workflow.Dialect, vars, _outputs, new Dictionary<string, Taint>(StringComparer.Ordinal), null);
        if (ScriptFlow.TextTaint(text, state) is { } taint) return taint.Via.Count > 0 ? taint.Via[0] : taint.Source;
        if (_jobNames.Count > 0 && ScriptFlow.DumpsEnvironment(text)) return "the whole environment";
        return null;
    }

    private static IReadOnlyDictionary<Job, SecretFlow> Analyse(Workflow workflow)
    {
        // Job outputs feed later jobs (needs.J.outputs.O); two passes catch a consumer declared before its producer.
        var jobOutputs = new Dictionary<string, Taint>(StringComparer.Ordinal);
        var flows = new Dictionary<Job, SecretFlow>();
        for (var pass = 0; pass < 2; pass++)
        {
            flows.Clear();
            foreach (var job in workflow.Jobs)
            {
                var flow = new SecretFlow(workflow);
                flow.Walk(job, jobOutputs);
                flows[job] = flow;
            }
        }
        return flows;
    }

    private void Walk(Job job, Dictionary<string, Taint> jobOutputs)
    {
        var workflow = _workflow;
        var env = new Dictionary<string, Taint>(StringComparer.Ordinal);
        var files = new Dictionary<string, Taint>(StringComparer.Ordinal);
        var state = new FlowState(workflow.Dialect, env, _outputs, files, jobOutputs);
        var publishing = new HashSet<string>(StringComparer.Ordinal);
        PublishingHosts = publishing;
        AddEnv(workflow.Env, state, env);
        AddEnv(job.Env, state, env);
        foreach (var step in job.Steps)
            foreach (var value in step.With.Values.Concat(step.Env.Values).Concat(job.Env.Values).Concat(workflow.Env.Values))
                foreach (var host in RegistryHosts(value.Value)) publishing.Add(host);
        foreach (var step in job.Steps)
            if (step.Run is { } run) foreach (var host in RegistryHosts(run.Value)) publishing.Add(host);

        foreach (var step in job.Steps)
        {
            var stepEnv = new Dictionary<string, Taint>(env, StringComparer.Ordinal);
            var stepState = state with { Vars = stepEnv };
            AddEnv(step.Env, stepState, stepEnv);
            foreach (var name in stepEnv.Keys) _jobNames.Add(name);

            if (step.Run is { } run)
            {
                var script = new ScriptFlow(workflow, job, step, stepState, _sinks);
                script.Run(run, step.Shell);
                foreach (var (name, taint) in script.EnvWrites) { env[name] = taint; _jobNames.Add(name); }
            }
            else if (step.UsesAction("actions/github-script") && step.With.TryGetValue("script", out var code))
            {
                new ScriptFlow(workflow, job, step, stepState, _sinks).RunCode(code, "node");
            }
            else if (step.Uses is not null)
            {
                UploadSinks(job, step, stepState);
            }
        }
        foreach (var (name, value) in job.Outputs)
            if (ScriptFlow.TextTaint(value.Value, state) is { } taint) jobOutputs[$"{job.Id}.{name}"] = taint.Through($"needs.{job.Id}.outputs.{name}");
    }

    private static void AddEnv(IReadOnlyDictionary<string, YamlText> values, FlowState state, Dictionary<string, Taint> into)
    {
        foreach (var (name, value) in values)
        {
            if (ScriptFlow.TextTaint(value.Value, state) is { } taint) into[name] = taint.Through("$" + name);
            else into.Remove(name);
        }
    }

    /// <summary>actions/upload-artifact and actions/cache of a path that holds a file written from a secret.</summary>
    private void UploadSinks(Job job, Step step, FlowState state)
    {
        var kind = step.UsesAction("actions/upload-artifact") ? SinkKind.Artifact
            : step.UsesAction("actions/cache") && !step.Uses!.Value.Contains("/restore@", StringComparison.Ordinal) ? SinkKind.Cache
            : (SinkKind?)null;
        if (kind is null || !step.With.TryGetValue("path", out var path)) return;
        foreach (var entry in path.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.StartsWith('!')) continue;
            var taint = ScriptFlow.TextTaint(entry, state) ?? state.FileUnder(entry);
            if (taint is null) continue;
            _sinks.Add(new SecretSink(job, step, kind.Value, taint.Through(entry), [], false, true, _workflow.At(path.Line, path.Column), $"path: {entry}"));
            return;
        }
    }

    /// <summary>Hosts a value names as a package registry: <c>repository-url:</c>, <c>--index-url</c>, <c>TWINE_REPOSITORY_URL</c>.</summary>
    private static IEnumerable<string> RegistryHosts(string text)
    {
        foreach (Match m in RegistryUrl().Matches(text)) yield return m.Groups["host"].Value.ToLowerInvariant();
    }

    [GeneratedRegex(@"(?i)(?:repository[-_]url|index[-_]url|publish[-_]url|registry(?:[-_]url)?)[""']?\s*[:=\s]\s*[""']?https?://(?:[^\s/@'""]+@)?(?<host>[a-z0-9.-]+)")]
    private static partial Regex RegistryUrl();

    /// <summary>A variable name that usually holds a credential: <c>PYPI_TOKEN</c>, <c>AWS_SECRET_ACCESS_KEY</c>, <c>DEPLOY_PASSWORD</c>.</summary>
    public static bool IsSecretLikeName(string name) => SecretLikeName().IsMatch(name) && !NotSecretName().IsMatch(name);

    [GeneratedRegex(@"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL|AUTH", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLikeName();

    // Names that mention a secret but hold none: URLs of webhooks, files, flags, usernames, non-secret GitLab variables.
    [GeneratedRegex(@"URL|URI|ENDPOINT|HOST|FILE|PATH|USER(NAME)?$|_ID$|ENABLED|^CI_(?!JOB_TOKEN)|TYPE", RegexOptions.IgnoreCase)]
    private static partial Regex NotSecretName();
}

/// <summary>
/// What is tainted at one point of a job: variables in scope (env and shell), step outputs ("step.name"), job outputs
/// ("job.name") and files written on the runner.
/// </summary>
internal sealed record FlowState(
    CiDialect Dialect,
    Dictionary<string, Taint> Vars,
    Dictionary<string, Taint> Outputs,
    Dictionary<string, Taint> Files,
    Dictionary<string, Taint>? JobOutputs)
{
    /// <summary>A file written from a secret at <paramref name="path"/> or below it (a directory uploaded whole).</summary>
    public Taint? FileUnder(string path)
    {
        var dir = ScriptFlow.NormalisePath(path).TrimEnd('/');
        foreach (var (file, taint) in Files)
        {
            if (file == dir) return taint.Through(file);
            var relative = !file.StartsWith('/') && !file.StartsWith('~');
            if (dir is "." or "" or "*" or "**" or "./*" or "**/*" or "${{ github.workspace }}" && relative) return taint.Through(file);
            if (file.StartsWith(dir + "/", StringComparison.Ordinal)) return taint.Through(file);
        }
        return null;
    }
}
