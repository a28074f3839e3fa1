namespace Moat.Analysis.Workflows;

/// <summary>Which CI system a file belongs to; audits that only make sense for one of them check this.</summary>
public enum CiDialect { GitHubWorkflow, GitHubAction, GitLab }

/// <summary>
/// A scalar from the YAML and where it starts (1-based, from YamlDotNet's marks). <see cref="IsBlock"/> is true for
/// <c>|</c> and <c>&gt;</c> scalars, whose text starts on the line after the mark.
/// </summary>
public sealed record YamlText(string Value, int Line, int Column, bool IsBlock = false)
{
    public override string ToString() => Value;
}

/// <summary>An event that starts the workflow (<c>on:</c>), with its filters flattened to text for the few audits that read them.</summary>
public sealed record Trigger(string Name, int Line, int Column, IReadOnlyList<string> Tags);

/// <summary>
/// A <c>permissions:</c> block: either a shorthand (<c>write-all</c>, <c>read-all</c>, <c>{}</c>) or a scope map
/// (<c>contents: read</c>, <c>id-token: write</c>).
/// </summary>
public sealed record Permissions(string? Shorthand, IReadOnlyDictionary<string, string> Scopes, int Line, int Column)
{
    public bool IsWriteAll => Shorthand == "write-all";
    public bool Grants(string scope, string level) =>
        IsWriteAll || (Scopes.TryGetValue(scope, out var value) && value == level);
}

/// <summary>
/// One step: an action (<c>uses:</c> with <c>with:</c> inputs) or a script (<c>run:</c>). GitLab script lines are
/// modelled as steps with only <see cref="Run"/>, so the script audits serve both systems.
/// </summary>
public sealed record Step(
    int Index,
    string? Id,
    string? Name,
    YamlText? Uses,
    YamlText? Run,
    IReadOnlyDictionary<string, YamlText> With,
    IReadOnlyDictionary<string, YamlText> Env,
    string? If,
    int Line,
    int Column)
{
    /// <summary>The action's <c>owner/repo</c> (lower-case, sub-path and ref removed), or null for scripts, local and docker actions.</summary>
    public string? ActionName => Uses is null ? null : ActionReference.Parse(Uses.Value).Name;

    public bool UsesAction(string ownerRepo) => string.Equals(ActionName, ownerRepo, StringComparison.OrdinalIgnoreCase);

    public string Describe() => Name ?? Id ?? (Uses is not null ? Uses.Value : $"step {Index + 1}");

    /// <summary>The <c>shell:</c> a script runs in (bash, pwsh, python…), lower-case; null for the runner's default.</summary>
    public string? Shell { get; init; }
}

/// <summary>One job: where it runs, what it may do, and its steps (or the reusable workflow it calls).</summary>
public sealed record Job(
    string Id,
    string? Name,
    IReadOnlyList<string> RunsOn,
    Permissions? Permissions,
    IReadOnlyDictionary<string, YamlText> Env,
    IReadOnlyList<Step> Steps,
    string? If,
    string? Environment,
    YamlText? Uses,
    YamlText? SecretsInherit,
    IReadOnlyDictionary<string, YamlText> Outputs,
    int Line,
    int Column)
{
    /// <summary>The <c>container:</c> and <c>services:</c> images the job runs (GitHub workflows only).</summary>
    public IReadOnlyList<YamlText> Images { get; init; } = [];
}

/// <summary>
/// A parsed CI file: a GitHub workflow, a composite action (one pseudo-job holding its steps) or a GitLab pipeline
/// (one job per GitLab job). <see cref="Path"/> is the path reported in findings.
/// </summary>
public sealed record Workflow(
    string Path,
    CiDialect Dialect,
    string? Name,
    IReadOnlyList<Trigger> Triggers,
    Permissions? Permissions,
    IReadOnlyDictionary<string, YamlText> Env,
    IReadOnlyList<Job> Jobs)
{
    public bool IsTriggeredBy(string name) => Triggers.Any(t => t.Name == name);

    /// <summary>
    /// Events an outsider can start (a fork's pull request, a comment, an issue) that still run with the repository's
    /// secrets and a write token: the first of them this workflow runs on, or null.
    /// </summary>
    public Trigger? PrivilegedTrigger => Triggers.FirstOrDefault(t => PrivilegedTriggerNames.Contains(t.Name));

    private static readonly string[] PrivilegedTriggerNames =
        ["pull_request_target", "workflow_run", "issue_comment", "issues", "discussion", "discussion_comment"];

    public IEnumerable<(Job Job, Step Step)> AllSteps() => Jobs.SelectMany(j => j.Steps.Select(s => (j, s)));

    /// <summary>Every value that can hold <c>${{ … }}</c> expressions: env at each level, step inputs and run scripts.</summary>
    public IEnumerable<YamlText> ExpressionValues() => Env.Values
        .Concat(Jobs.SelectMany(j => j.Env.Values))
        .Concat(AllSteps().SelectMany(p => p.Step.Env.Values.Concat(p.Step.With.Values)))
        .Concat(AllSteps().Where(p => p.Step.Run is not null).Select(p => p.Step.Run!));

    public Location At(int line, int column) => new(Path, line, column);

    /// <summary>The repository's policy (.moat/ci.toml) the file is audited under.</summary>
    public CiPolicy Policy { get; init; } = CiPolicy.Empty;

    /// <summary>The file's lines, for placing a finding on the exact line and column inside a multi-line script.</summary>
    public IReadOnlyList<string> Lines { get; init; } = [];

    /// <summary>Where character <paramref name="offset"/> of a scalar's value is in the file.</summary>
    public Location Locate(YamlText text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Value.Length);
        var before = text.Value.AsSpan(0, offset);
        var newlines = before.Count('\n');
        var lineStart = before.LastIndexOf('\n') + 1;
        var inLine = offset - lineStart;
        if (!text.IsBlock)
        {
            return newlines == 0 ? At(text.Line, text.Column + inLine) : At(text.Line + newlines, 0);
        }
        var line = text.Line + 1 + newlines;
        // A literal block's line is the source line less its indentation: the column is that indentation plus the offset.
        var valueLineEnd = text.Value.IndexOf('\n', lineStart);
        var valueLine = valueLineEnd < 0 ? text.Value[lineStart..] : text.Value[lineStart..valueLineEnd];
        var column = line - 1 < Lines.Count && Lines[line - 1].EndsWith(valueLine, StringComparison.Ordinal)
            ? Lines[line - 1].Length - valueLine.Length + inLine + 1
            : 0;
        return At(line, column);
    }
}

/// <summary>A parsed <c>uses:</c> value: <c>owner/repo[/path]@ref</c>, <c>./local</c> or <c>docker://image</c>.</summary>
public sealed record ActionReference(string Raw, string? Name, string? SubPath, string? Ref, bool IsLocal, bool IsDocker)
{
    public static ActionReference Parse(string uses)
    {
        var raw = uses.Trim();
        if (raw.StartsWith("./", StringComparison.Ordinal) || raw.StartsWith("../", StringComparison.Ordinal))
            return new(raw, null, raw, null, IsLocal: true, IsDocker: false);
        if (raw.StartsWith("docker://", StringComparison.OrdinalIgnoreCase))
            return new(raw, null, null, null, IsLocal: false, IsDocker: true);
        var at = raw.LastIndexOf('@');
        var path = at < 0 ? raw : raw[..at];
        var reference = at < 0 ? null : raw[(at + 1)..];
        var parts = path.Split('/', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0) return new(raw, null, null, reference, false, false);
        var name = $"{parts[0]}/{parts[1]}".ToLowerInvariant();
        return new(raw, name, parts.Length == 3 ? parts[2] : null, reference, false, false);
    }

    public bool IsPinnedToCommit => Ref is { Length: 40 } r && r.All(char.IsAsciiHexDigit);
}
