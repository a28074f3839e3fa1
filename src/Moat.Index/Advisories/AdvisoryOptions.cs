using Tomlyn.Model;

namespace Moat.Index.Advisories;

/// <summary>
/// <c>[advisories]</c>: where the index refreshes its known-vulnerability data from (<c>source</c>: osv.dev's PyPI
/// export by default, a mirror URL, or a file) and how often (<c>refresh-hours</c>, 24 by default, 0 off: an
/// air-gapped index keeps the database it has, or the embedded one, and logs its age).
/// </summary>
public sealed record AdvisoryOptions
{
    public static readonly string[] SettingKeys = ["source", "refresh-hours"];

    public string Source { get; init; } = AdvisoryUpdater.DefaultSource;

    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromHours(24);

    public static AdvisoryOptions Apply(AdvisoryOptions options, TomlTable table, string source) => options with
    {
        Source = !table.TryGetValue("source", out var url) ? options.Source
            : url is string { Length: > 0 } text ? text : throw new IndexConfigurationException($"{source}: advisories.source must be a URL or a path"),
        RefreshInterval = !table.TryGetValue("refresh-hours", out var hours) ? options.RefreshInterval
            : hours is long h and >= 0 ? TimeSpan.FromHours(h)
            : throw new IndexConfigurationException($"{source}: advisories.refresh-hours must be a whole number of hours (0 turns the refresh off)"),
    };
}
