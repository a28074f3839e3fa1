namespace Moat.Analysis.Reporting;

/// <summary>Writes results in the format the user asked for.</summary>
public static class ReportWriter
{
    /// <summary>
    /// Enumerates <paramref name="results"/> once. JSON and text are written result by result, so a sequence that
    /// produces results as they are scanned is never held whole; SARIF lists the rules used before the results, so it
    /// takes them all first.
    /// </summary>
    public static void Write(TextWriter output, IEnumerable<ScanResult> results, ReportFormat format, ReportOptions? options = null)
    {
        options ??= ReportOptions.Default;
        switch (format)
        {
            case ReportFormat.Json: JsonReport.Write(output, results, options); break;
            case ReportFormat.Sarif: SarifReport.Write(output, results as IReadOnlyList<ScanResult> ?? [.. results], options); break;
            default: TextReport.Write(output, results, options); break;
        }
    }
}

/// <summary>What a report needs besides the results: the tool version and, for text, whether to show clean targets.</summary>
/// <param name="DocumentationUrl">
/// Where the rules are documented: the base URL of a Moat index's web pages, which serve <c>/rules</c> and
/// <c>/rules/ID</c>. SARIF links there; null: no link (<see cref="MoatVersion.DocumentationUrl"/> is the usual value).
/// </param>
public sealed record ReportOptions(string ToolVersion, bool ShowClean = true, bool Color = false, string? DocumentationUrl = null)
{
    /// <summary>The advisory data an audit used, reported with its age; null for commands that use none.</summary>
    public AdvisoryData? Advisories { get; init; }

    public static readonly ReportOptions Default = new(MoatVersion.Current);
}

/// <summary>The product version, from the assembly (set once in Directory.Build.props).</summary>
public static class MoatVersion
{
    public static string Current { get; } =
        typeof(MoatVersion).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    /// <summary>
    /// Where the rules are documented: <c>MOAT_DOCS_URL</c> when set (a team's own Moat index), else the URL this build
    /// was given (<c>MoatDocumentationUrl</c> in Directory.Build.props), else null.
    /// </summary>
    public static string? DocumentationUrl =>
        Environment.GetEnvironmentVariable("MOAT_DOCS_URL") is { Length: > 0 } configured ? configured.TrimEnd('/')
        : typeof(MoatVersion).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).OfType<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "MoatDocumentationUrl")?.Value?.TrimEnd('/') is { Length: > 0 } built ? built : null;
}

/// <summary>Which advisory database a report's vulnerabilities come from, and how old its data is.</summary>
/// <param name="Stale">Older than the audit's limit (or undated): vulnerabilities published since are missing.</param>
public sealed record AdvisoryData(string Source, int Count, DateTimeOffset? AsOf, int? AgeDays, bool Stale);
