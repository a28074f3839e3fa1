using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Moat.Analysis.Workflows;

/// <summary>
/// Reads GitHub workflows, composite actions and GitLab pipelines into the typed <see cref="Workflow"/> model with
/// YamlDotNet's representation model. Only the keys the audits read are mapped; everything else is ignored, so a file
/// with unknown keys still parses. Aliases are not expanded (YamlDotNet shares the node), and the walk only descends
/// into known keys, so an alias bomb costs nothing.
/// </summary>
public static class WorkflowParser
{
    /// <summary>Files larger than this are not parsed (a real workflow is a few kilobytes).</summary>
    public const int MaxFileBytes = 2 * 1024 * 1024;

    /// <summary>Parses <paramref name="yaml"/>; throws <see cref="WorkflowParseException"/> when it is not a YAML mapping.</summary>
    public static Workflow Parse(string yaml, string path, CiDialect dialect)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new WorkflowParseException($"not valid YAML: {ex.Message}", (int)ex.Start.Line, (int)ex.Start.Column);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new WorkflowParseException("the file is not a YAML mapping", 1, 1);

        // A mapping is not yet a CI file: without what its kind must have, it is some other YAML (or not YAML at all).
        if (dialect == CiDialect.GitHubWorkflow && (Get(root, "jobs") is null || (Get(root, "on") ?? Get(root, "true")) is null))
            throw new WorkflowParseException("not a GitHub Actions workflow: it has no 'on' and 'jobs'", (int)root.Start.Line, (int)root.Start.Column);
        if (dialect == CiDialect.GitHubAction && Get(root, "runs") is null)
            throw new WorkflowParseException("not a GitHub action: it has no 'runs'", (int)root.Start.Line, (int)root.Start.Column);

        var workflow = dialect switch
        {
            CiDialect.GitLab => ParseGitLab(root, path),
            CiDialect.GitHubAction => ParseAction(root, path),
            _ => ParseWorkflow(root, path),
        };
        return workflow with { Lines = yaml.Split('\n').Select(l => l.TrimEnd('\r')).ToArray() };
    }

    /// <summary>Which dialect a file is, from its name: <c>.gitlab-ci.yml</c>, <c>action.yml</c>, else a workflow.</summary>
    public static CiDialect DialectOf(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".gitlab-ci.yml", StringComparison.Ordinal) || name.EndsWith(".gitlab-ci.yaml", StringComparison.Ordinal)) return CiDialect.GitLab;
        if (name is "action.yml" or "action.yaml") return CiDialect.GitHubAction;
        return CiDialect.GitHubWorkflow;
    }

    private static Workflow ParseWorkflow(YamlMappingNode root, string path) => new(
        path,
        CiDialect.GitHubWorkflow,
        ScalarText(Get(root, "name")),
        Triggers(Get(root, "on") ?? Get(root, "true")),
        PermissionsOf(Get(root, "permissions")),
        StringMap(Get(root, "env")),
        Get(root, "jobs") is YamlMappingNode jobs
            ? [.. jobs.Children.Where(p => p.Key is YamlScalarNode).Select(p => ParseJob(((YamlScalarNode)p.Key).Value ?? "", p.Value))]
            : []);

    private static Workflow ParseAction(YamlMappingNode root, string path)
    {
        var runs = Get(root, "runs") as YamlMappingNode;
        var steps = runs is null ? [] : Steps(Get(runs, "steps"));
        var job = new Job("action", ScalarText(Get(root, "name")), [], null, EmptyMap, steps, null, null, null, null, EmptyMap,
            (int)root.Start.Line, (int)root.Start.Column);
        return new Workflow(path, CiDialect.GitHubAction, ScalarText(Get(root, "name")), [], null, EmptyMap, [job]);
    }

    private static Job ParseJob(string id, YamlNode node)
    {
        if (node is not YamlMappingNode job)
            return new Job(id, null, [], null, EmptyMap, [], null, null, null, null, EmptyMap, (int)node.Start.Line, (int)node.Start.Column);
        var secrets = Get(job, "secrets") is YamlScalarNode { Value: "inherit" } inherit ? Text(inherit) : null;
        var environment = Get(job, "environment") switch
        {
            YamlScalarNode s => s.Value,
            YamlMappingNode m => ScalarText(Get(m, "name")),
            _ => null,
        };
        return new Job(
            id,
            ScalarText(Get(job, "name")),
            RunsOn(Get(job, "runs-on")),
            PermissionsOf(Get(job, "permissions")),
            StringMap(Get(job, "env")),
            Steps(Get(job, "steps")),
            ScalarText(Get(job, "if")),
            environment,
            Get(job, "uses") is YamlScalarNode uses ? Text(uses) : null,
            secrets,
            StringMap(Get(job, "outputs")),
            (int)node.Start.Line,
            (int)node.Start.Column)
        { Images = Images(job) };
    }

    /// <summary>The job's <c>container:</c> image and each <c>services:</c> image (a string, or a mapping's <c>image</c>).</summary>
    private static List<YamlText> Images(YamlMappingNode job)
    {
        static YamlText? ImageOf(YamlNode? node) => node switch
        {
            YamlScalarNode { Value.Length: > 0 } s => Text(s),
            YamlMappingNode m when Get(m, "image") is YamlScalarNode { Value.Length: > 0 } image => Text(image),
            _ => null,
        };
        var images = new List<YamlText>();
        if (ImageOf(Get(job, "container")) is { } container) images.Add(container);
        if (Get(job, "services") is YamlMappingNode services)
            foreach (var (_, service) in services.Children)
                if (ImageOf(service) is { } image) images.Add(image);
        return images;
    }

    private static List<Step> Steps(YamlNode? node)
    {
        var steps = new List<Step>();
        if (node is not YamlSequenceNode sequence) return steps;
        foreach (var item in sequence.Children)
        {
            if (item is not YamlMappingNode step) continue;
            steps.Add(new Step(
                steps.Count,
                ScalarText(Get(step, "id")),
                ScalarText(Get(step, "name")),
                Get(step, "uses") is YamlScalarNode uses ? Text(uses) : null,
                Get(step, "run") is YamlScalarNode run ? Text(run) : null,
                StringMap(Get(step, "with")),
                StringMap(Get(step, "env")),
                ScalarText(Get(step, "if")),
                (int)item.Start.Line,
                (int)item.Start.Column) { Shell = ScalarText(Get(step, "shell"))?.Trim().ToLowerInvariant() });
        }
        return steps;
    }

    private static List<Trigger> Triggers(YamlNode? node) => node switch
    {
        YamlScalarNode s when s.Value is { } name => [new Trigger(name, (int)s.Start.Line, (int)s.Start.Column, [])],
        YamlSequenceNode seq => [.. seq.Children.OfType<YamlScalarNode>().Where(s => s.Value is not null)
            .Select(s => new Trigger(s.Value!, (int)s.Start.Line, (int)s.Start.Column, []))],
        YamlMappingNode map => [.. map.Children.Where(p => p.Key is YamlScalarNode { Value: not null })
            .Select(p => new Trigger(((YamlScalarNode)p.Key).Value!, (int)p.Key.Start.Line, (int)p.Key.Start.Column, FilterKeys(p.Value)))],
        _ => [],
    };

    /// <summary>The filter names under a trigger (<c>tags</c>, <c>branches</c>, <c>types</c>, <c>workflows</c>…), one level deep.</summary>
    private static List<string> FilterKeys(YamlNode node) =>
        node is YamlMappingNode map ? [.. map.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "")] : [];

    private static Permissions? PermissionsOf(YamlNode? node) => node switch
    {
        YamlScalarNode s => new Permissions(s.Value, EmptyStrings, (int)s.Start.Line, (int)s.Start.Column),
        YamlMappingNode m => new Permissions(
            m.Children.Count == 0 ? "{}" : null,
            m.Children.Where(p => p.Key is YamlScalarNode && p.Value is YamlScalarNode)
                .ToDictionary(p => ((YamlScalarNode)p.Key).Value ?? "", p => ((YamlScalarNode)p.Value).Value ?? "", StringComparer.Ordinal),
            (int)m.Start.Line,
            (int)m.Start.Column),
        _ => null,
    };

    private static List<string> RunsOn(YamlNode? node) => node switch
    {
        YamlScalarNode s => [s.Value ?? ""],
        YamlSequenceNode seq => [.. seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "")],
        YamlMappingNode m => [.. RunsOn(Get(m, "labels")), .. RunsOn(Get(m, "group"))],
        _ => [],
    };

    // --- GitLab -----------------------------------------------------------------------------------------------------

    private static readonly HashSet<string> GitLabGlobalKeys = new(StringComparer.Ordinal)
    {
        "stages", "variables", "default", "include", "workflow", "image", "services", "cache", "before_script", "after_script",
    };

    private static Workflow ParseGitLab(YamlMappingNode root, string path)
    {
        var jobs = new List<Job>();
        var defaults = new List<Step>();
        AddScripts(defaults, Get(root, "before_script"));
        AddScripts(defaults, Get(root, "after_script"));
        if (Get(root, "default") is YamlMappingNode defaultNode)
        {
            AddScripts(defaults, Get(defaultNode, "before_script"));
            AddScripts(defaults, Get(defaultNode, "after_script"));
        }
        if (defaults.Count > 0)
            jobs.Add(new Job("default", null, [], null, EmptyMap, defaults, null, null, null, null, EmptyMap, (int)root.Start.Line, (int)root.Start.Column));

        foreach (var (key, value) in root.Children)
        {
            if (key is not YamlScalarNode { Value: { } id } || GitLabGlobalKeys.Contains(id) || value is not YamlMappingNode job) continue;
            var steps = new List<Step>();
            AddScripts(steps, Get(job, "before_script"));
            AddScripts(steps, Get(job, "script"));
            AddScripts(steps, Get(job, "after_script"));
            var tags = RunsOn(Get(job, "tags"));
            var environment = Get(job, "environment") switch { YamlScalarNode s => s.Value, YamlMappingNode m => ScalarText(Get(m, "name")), _ => null };
            jobs.Add(new Job(id, null, tags, null, GitLabVariables(Get(job, "variables")), steps, null, environment, null, null, EmptyMap,
                (int)key.Start.Line, (int)key.Start.Column));
        }
        return new Workflow(path, CiDialect.GitLab, null, [], null, GitLabVariables(Get(root, "variables")), jobs);
    }

    /// <summary>A GitLab script is a string or a list of strings (lists may nest through anchors); each line becomes a step.</summary>
    private static void AddScripts(List<Step> steps, YamlNode? node, int depth = 0)
    {
        if (depth > 4) return;
        switch (node)
        {
            case YamlScalarNode s when s.Value is not null:
                steps.Add(new Step(steps.Count, null, null, null, Text(s), EmptyMap, EmptyMap, null, (int)s.Start.Line, (int)s.Start.Column));
                break;
            case YamlSequenceNode seq:
                foreach (var child in seq.Children) AddScripts(steps, child, depth + 1);
                break;
        }
    }

    private static Dictionary<string, YamlText> GitLabVariables(YamlNode? node)
    {
        var map = new Dictionary<string, YamlText>(StringComparer.Ordinal);
        if (node is not YamlMappingNode m) return map;
        foreach (var (key, value) in m.Children)
        {
            if (key is not YamlScalarNode { Value: { } name }) continue;
            var scalar = value as YamlScalarNode ?? (value is YamlMappingNode v ? Get(v, "value") as YamlScalarNode : null);
            if (scalar?.Value is not null) map[name] = Text(scalar);
        }
        return map;
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private static readonly IReadOnlyDictionary<string, YamlText> EmptyMap = new Dictionary<string, YamlText>();
    private static readonly IReadOnlyDictionary<string, string> EmptyStrings = new Dictionary<string, string>();

    private static YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && name == key) return v;
        }
        return null;
    }

    private static string? ScalarText(YamlNode? node) => (node as YamlScalarNode)?.Value;

    private static YamlText Text(YamlScalarNode node) => new(
        node.Value ?? "",
        (int)node.Start.Line,
        (int)node.Start.Column + (node.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0),
        node.Style is ScalarStyle.Literal or ScalarStyle.Folded);

    /// <summary>A mapping of scalars (<c>env:</c>, <c>with:</c>, <c>outputs:</c>); non-scalar values are skipped.</summary>
    private static Dictionary<string, YamlText> StringMap(YamlNode? node)
    {
        var map = new Dictionary<string, YamlText>(StringComparer.Ordinal);
        if (node is not YamlMappingNode m) return map;
        foreach (var (key, value) in m.Children)
        {
            if (key is YamlScalarNode { Value: { } name } && value is YamlScalarNode scalar) map[name] = Text(scalar);
        }
        return map;
    }
}

/// <summary>A CI file that is not YAML or not a mapping; the auditor reports it as a finding rather than crashing.</summary>
public sealed class WorkflowParseException(string message, int line, int column) : Exception(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}
