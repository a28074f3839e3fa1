using Moat.Analysis.Workflows.Audits;

namespace Moat.Analysis.Workflows;

/// <summary>
/// <c>moat ci</c>'s engine: finds a repository's CI files (GitHub workflows and composite actions, GitLab
/// pipelines), parses each once and runs every audit over it. One <see cref="ScanResult"/> per file.
/// </summary>
public static class WorkflowAuditor
{
    public static readonly Rule ParseErrorRule = new(
        "MOAT-CI-000",
        "unreadable-ci-file",
        "A CI file could not be parsed, so it was not audited.",
        Severity.Low,
        "The file is not valid YAML, is not a mapping, lacks what its kind of CI file must have (a GitHub workflow's " +
        "'on' and 'jobs', an action's 'runs'), or is larger than Moat reads (2 MiB). GitHub would reject most such files " +
        "too; if it does not, audit the file by hand. What was not audited is never reported clean: the result is unverified.")
    { CouldNotCheck = true };

    /// <summary>Every audit, in rule order. Each is a pure function of the parsed workflow.</summary>
    public static readonly IReadOnlyList<Func<Workflow, IEnumerable<Finding>>> Audits =
    [
        SecretExfiltrationAudit.Run,
        SecretsDumpAudit.Run,
        PublishingTokenAudit.Run,
        DangerousTriggerAudit.Run,
        TemplateInjectionAudit.Run,
        UnpinnedActionAudit.Run,
        TyposquattedActionAudit.Run,
        ExcessivePermissionsAudit.Run,
        SecretsInheritAudit.Run,
        CachePoisoningAudit.Run,
        ArtipackedAudit.Run,
        SelfHostedRunnerAudit.Run,
        ObfuscatedStepAudit.Run,
        GitHubEnvAudit.Run,
        BotConditionAudit.Run,
        UnredactedSecretAudit.Run,
        KnownVulnerableActionAudit.Run,
        ForbiddenUsesAudit.Run,
        SecretsOutsideEnvAudit.Run,
        ObfuscatedExpressionAudit.Run,
        InsecureCommandsAudit.Run,
    ];

    /// <summary>Audits a file, or every CI file under a directory. Paths in results are relative to <paramref name="path"/>'s directory.</summary>
    /// <remarks>A directory's .moat/ci.toml policy applies to every file under it; a malformed policy throws <see cref="InvalidDataException"/>.</remarks>
    public static IReadOnlyList<ScanResult> AuditPath(string path)
    {
        if (File.Exists(path)) return [AuditFile(path, Path.GetFileName(path))];
        if (!Directory.Exists(path)) throw new FileNotFoundException($"no such file or directory: {path}", path);
        var policy = CiPolicy.Load(path);
        return [.. FindCiFiles(path).Select(f => AuditFile(f, Path.GetRelativePath(path, f).Replace('\\', '/'), policy))];
    }

    /// <summary>Parses and audits one file; unreadable files become a low finding rather than an exception.</summary>
    public static ScanResult AuditFile(string file, string displayPath, CiPolicy? policy = null)
    {
        try
        {
            var info = new FileInfo(file);
            if (info.Length > WorkflowParser.MaxFileBytes)
                return Unreadable(displayPath, $"larger than {WorkflowParser.MaxFileBytes / 1024 / 1024} MiB", 0, 0);
            return AuditText(File.ReadAllText(file), displayPath, WorkflowParser.DialectOf(file), policy);
        }
        catch (IOException ex)
        {
            return Unreadable(displayPath, ex.Message, 0, 0);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Unreadable(displayPath, ex.Message, 0, 0);
        }
    }

    public static ScanResult AuditText(string yaml, string displayPath, CiDialect dialect, CiPolicy? policy = null)
    {
        Workflow workflow;
        try
        {
            workflow = WorkflowParser.Parse(yaml, displayPath, dialect);
        }
        catch (WorkflowParseException ex)
        {
            return Unreadable(displayPath, ex.Message, ex.Line, ex.Column);
        }
        return ScanResult.From(displayPath, TargetKind.Workflow, Audit(workflow with { Policy = policy ?? CiPolicy.Empty }));
    }

    /// <summary>
    /// Runs every audit; a finding reported twice at one place (a shared env var seen from two steps) is kept once, and
    /// findings the policy or an inline <c># moat: ignore[rule]</c> comment silences are dropped.
    /// </summary>
    public static IReadOnlyList<Finding> Audit(Workflow workflow) =>
        [.. Audits.SelectMany(audit => audit(workflow))
            .Where(f => !workflow.Policy.Silences(f, workflow))
            .DistinctBy(f => (f.RuleId, f.Location, f.Message))
            .OrderBy(f => f.Location.Line).ThenBy(f => f.Location.Column).ThenBy(f => f.RuleId, StringComparer.Ordinal)];

    private const string NotAuditedPrefix = "not audited: ";

    private static ScanResult Unreadable(string displayPath, string why, int line, int column) =>
        ScanResult.From(displayPath, TargetKind.Workflow,
            [Finding.Of(ParseErrorRule, Confidence.High, NotAuditedPrefix + why, new Location(displayPath, line, column))]);

    /// <summary>Why <paramref name="result"/>'s file could not be audited at all, or null when it was audited.</summary>
    public static string? NotAudited(ScanResult result) =>
        result.Findings.FirstOrDefault(f => f.RuleId == ParseErrorRule.Id)?.Message is { } message && message.StartsWith(NotAuditedPrefix, StringComparison.Ordinal)
            ? message[NotAuditedPrefix.Length..] : null;

    /// <summary>
    /// .github/workflows/*.y(a)ml, action.y(a)ml anywhere (but not in dependencies or VCS folders) and GitLab files at
    /// the root. A directory that is itself a workflows folder (has YAML but no .github) is read as workflows.
    /// </summary>
    public static IEnumerable<string> FindCiFiles(string root)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var workflows = Path.Combine(root, ".github", "workflows");
        if (Directory.Exists(workflows))
        {
            foreach (var file in Directory.EnumerateFiles(workflows)) if (IsYaml(file)) found.Add(file);
        }
        else if (!Directory.Exists(Path.Combine(root, ".github")))
        {
            foreach (var file in Directory.EnumerateFiles(root)) if (IsYaml(file) && WorkflowParser.DialectOf(file) == CiDialect.GitHubWorkflow && !IsGitLab(file) && LooksLikeWorkflow(file)) found.Add(file);
        }
        foreach (var file in Directory.EnumerateFiles(root))
            if (IsGitLab(file)) found.Add(file);
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 8, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in Directory.EnumerateFiles(root, "action.y*ml", options))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Split('/').Any(part => part is "node_modules" or ".git" or ".venv" or "venv" or "site-packages")) continue;
            if (WorkflowParser.DialectOf(file) == CiDialect.GitHubAction) found.Add(file);
        }
        return found;
    }

    private static bool IsYaml(string file) => file.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase);

    private static bool IsGitLab(string file) => WorkflowParser.DialectOf(file) == CiDialect.GitLab;

    /// <summary>A loose YAML file counts as a workflow when it has top-level <c>jobs:</c> (cheap check, no parse).</summary>
    private static bool LooksLikeWorkflow(string file)
    {
        try
        {
            using var reader = new StreamReader(file);
            for (var i = 0; i < 500 && reader.ReadLine() is { } line; i++)
                if (line.StartsWith("jobs:", StringComparison.Ordinal)) return true;
        }
        catch (IOException) { }
        return false;
    }
}
