using System.Text;
using Moat.Packaging.Requirements;
using Moat.Packaging.Versions;

namespace Moat.Packaging.Metadata;

/// <summary>A <c>Project-URL</c> entry: <c>Label, https://…</c>.</summary>
public sealed record ProjectUrl(string Label, string Url);

/// <summary>
/// Core metadata (<c>METADATA</c> in wheels, <c>PKG-INFO</c> in sdists), versions 1.0 to 2.4: an RFC 822-style
/// header block with continuation lines and repeatable fields, then the description as the body.
/// Parsing never throws on content: every field stays available raw, and anything malformed (a missing name, an
/// invalid version or requirement, an unknown metadata version) is listed in <see cref="Problems"/>.
/// </summary>
public sealed class CoreMetadata
{
    public static readonly IReadOnlySet<string> KnownMetadataVersions = new HashSet<string> { "1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4" };

    private readonly Dictionary<string, List<string>> _raw;
    private readonly List<string> _problems = [];

    private CoreMetadata(Dictionary<string, List<string>> raw, string? body, List<string> problems)
    {
        _raw = raw;
        Raw = raw.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.AsReadOnly(), StringComparer.OrdinalIgnoreCase);
        _problems.AddRange(problems);

        MetadataVersion = Single("Metadata-Version");
        if (MetadataVersion is null) _problems.Add("Metadata-Version is missing");
        else if (!KnownMetadataVersions.Contains(MetadataVersion)) _problems.Add($"unknown Metadata-Version '{MetadataVersion}'");

        Name = Single("Name");
        if (Name is null) _problems.Add("Name is missing");
        else if (!ProjectName.IsValid(Name)) _problems.Add($"Name '{Name}' is not a valid project name");

        VersionText = Single("Version");
        if (VersionText is null) _problems.Add("Version is missing");
        else if (PackageVersion.TryParse(VersionText, out var version, out var versionError)) Version = version;
        else _problems.Add($"Version '{VersionText}' is invalid: {versionError}");

        Description = DescriptionFrom(body);

        var requirements = new List<Requirement>();
        foreach (var text in All("Requires-Dist"))
        {
            if (Requirement.TryParse(text, out var requirement, out var error)) requirements.Add(requirement);
            else _problems.Add($"Requires-Dist '{text}' is invalid: {error.Split('\n')[0]}");
        }
        RequiresDist = requirements;

        if (Single("Requires-Python") is { } requiresPython)
        {
            if (SpecifierSet.TryParse(requiresPython, out var set, out var error)) RequiresPython = set;
            else _problems.Add($"Requires-Python '{requiresPython}' is invalid: {error}");
        }

        var urls = new List<ProjectUrl>();
        foreach (var entry in All("Project-URL"))
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0) _problems.Add($"Project-URL '{entry}' has no 'label, url' comma");
            else urls.Add(new ProjectUrl(entry[..comma].Trim(), entry[(comma + 1)..].Trim()));
        }
        ProjectUrls = urls;
    }

    /// <summary>Every header as written (keys case-insensitive), each with all its values in order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Raw { get; }

    /// <summary>What was malformed or missing; empty for well-formed metadata.</summary>
    public IReadOnlyList<string> Problems => _problems;

    public string? MetadataVersion { get; }
    public string? Name { get; }
    public string? NormalizedName => Name is null ? null : ProjectName.Normalize(Name);
    public string? VersionText { get; }
    public PackageVersion? Version { get; }
    public string? Summary => Single("Summary");
    public string? Description { get; }
    public string? DescriptionContentType => Single("Description-Content-Type");
    public IReadOnlyList<string> Keywords => (Single("Keywords") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    public string? HomePage => Single("Home-page");
    public string? DownloadUrl => Single("Download-URL");
    public string? Author => Single("Author");
    public string? AuthorEmail => Single("Author-email");
    public string? Maintainer => Single("Maintainer");
    public string? MaintainerEmail => Single("Maintainer-email");
    public string? License => Single("License");
    /// <summary>The SPDX expression of metadata 2.4 (<c>License-Expression: MIT OR Apache-2.0</c>).</summary>
    public string? LicenseExpression => Single("License-Expression");
    public IReadOnlyList<string> LicenseFiles => All("License-File");
    public IReadOnlyList<string> Classifiers => All("Classifier");
    public IReadOnlyList<Requirement> RequiresDist { get; }
    public SpecifierSet? RequiresPython { get; }
    public IReadOnlyList<ProjectUrl> ProjectUrls { get; }
    public IReadOnlyList<string> ProvidesExtra => All("Provides-Extra");
    /// <summary>Metadata 2.2: fields the sdist's backend may fill differently when building a wheel.</summary>
    public IReadOnlyList<string> Dynamic => All("Dynamic");

    /// <summary>The first value of a header, continuation lines joined with spaces.</summary>
    public string? Single(string field) =>
        _raw.TryGetValue(field, out var values) && values.Count > 0 ? UnfoldSingleLine(values[0]) : null;

    /// <summary>Every value of a (repeatable) header, each unfolded to one line.</summary>
    public IReadOnlyList<string> All(string field) =>
        _raw.TryGetValue(field, out var values) ? values.Select(UnfoldSingleLine).ToArray() : [];

    private static string UnfoldSingleLine(string value) =>
        value.Contains('\n', StringComparison.Ordinal) ? string.Join(' ', value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)) : value;

    private string? DescriptionFrom(string? body)
    {
        var header = _raw.TryGetValue("Description", out var values) && values.Count > 0 ? UnfoldDescription(values[0]) : null;
        if (string.IsNullOrEmpty(body)) return header;
        if (header is not null) _problems.Add("the description is given both in a Description header and in the body; using the body");
        return body;
    }

    /// <summary>
    /// Description headers fold each line with 7 spaces and a <c>|</c> (older tools: 8 spaces); undo that so blank and
    /// indented lines survive.
    /// </summary>
    private static string UnfoldDescription(string value)
    {
        var lines = value.Split('\n');
        var builder = new StringBuilder(lines[0]);
        foreach (var line in lines.Skip(1))
        {
            builder.Append('\n');
            var trimmed = line.TrimStart(' ', '\t');
            if (trimmed.StartsWith('|') && line.Length - trimmed.Length <= 8) builder.Append(trimmed.AsSpan(1));
            else builder.Append(line.AsSpan(Math.Min(8, line.Length - trimmed.Length)));
        }
        return builder.ToString();
    }

    public static CoreMetadata Parse(byte[] utf8)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        var problems = new List<string>();
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            text = Encoding.UTF8.GetString(utf8);
            problems.Add("the metadata is not valid UTF-8 (invalid bytes were replaced)");
        }
        return Parse(text, problems);
    }

    public static CoreMetadata Parse(string text) => Parse(text, []);

    private static CoreMetadata Parse(string text, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var raw = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        List<string>? currentValues = null;
        // The current header's value while continuation lines follow it: appending to the string itself was
        // quadratic on a long indented Description header.
        StringBuilder? continued = null;
        void EndHeader()
        {
            if (continued is null) return;
            currentValues![^1] = continued.ToString();
            continued = null;
        }
        var position = 0;
        var lineNumber = 0;
        string? body = null;
        while (position < text.Length)
        {
            var end = text.IndexOf('\n', position);
            var next = end < 0 ? text.Length : end + 1;
            var line = text.AsSpan(position, (end < 0 ? text.Length : end) - position).TrimEnd('\r');
            lineNumber++;
            if (line.IsEmpty)
            {
                body = TrimBody(text[next..]);
                break;
            }
            if (line[0] is ' ' or '\t')
            {
                if (currentValues is null) problems.Add($"line {lineNumber} continues a header but no header precedes it");
                else (continued ??= new StringBuilder(currentValues[^1])).Append('\n').Append(line);
            }
            else
            {
                EndHeader();
                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    // As Python's email parser does: a non-header line ends the headers and starts the body.
                    problems.Add($"line {lineNumber} is not a 'Name: value' header; treating the rest as the description");
                    body = TrimBody(text[position..]);
                    break;
                }
                var name = line[..colon].Trim().ToString();
                var value = line[(colon + 1)..].Trim().ToString();
                if (!raw.TryGetValue(name, out currentValues)) raw[name] = currentValues = [];
                currentValues.Add(value);
            }
            position = next;
        }
        EndHeader();
        return new CoreMetadata(raw, body, problems);
    }

    private static string? TrimBody(string body)
    {
        var trimmed = body.TrimEnd('\r', '\n');
        return trimmed.Length == 0 ? null : trimmed.ReplaceLineEndings("\n");
    }
}
