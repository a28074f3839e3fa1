namespace Moat.Analysis.Reporting;

/// <summary>Writes results in the format the user asked for.</summary>
public static class ReportWriter
{
    public static void Write(TextWriter output, IReadOnlyList<ScanResult> results, ReportFormat format, ReportOptions? options = null)
    {
        options ??= ReportOptions.Default;
        switch (format)
        {
            case ReportFormat.Json: JsonReport.Write(output, results, options); break;
            case ReportFormat.Sarif: SarifReport.Write(output, results, options); break;
            default: TextReport.Write(output, results, options); break;
        }
    }
}

/// <summary>What a report needs besides the results: the tool version and, for text, whether to show clean targets.</summary>
public sealed record ReportOptions(string ToolVersion, bool ShowClean = true, bool Color = false)
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
}

/// <summary>Which advisory database a report's vulnerabilities come from, and how old its data is.</summary>
/// <param name="Stale">Older than the audit's limit (or undated): vulnerabilities published since are missing.</param>
public sealed record AdvisoryData(string Source, int Count, DateTimeOffset? AsOf, int? AgeDays, bool Stale);
