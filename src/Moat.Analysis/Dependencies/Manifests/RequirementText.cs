using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Moat.Packaging;
using Moat.Packaging.Filenames;
using Moat.Packaging.Requirements;
using Moat.Packaging.Versions;

namespace Moat.Analysis.Dependencies.Manifests;

/// <summary>What an audit needs from one requirement: a PEP 508 string, or pip's bare URL/path forms.</summary>
public sealed record ParsedRequirement(string Name, string? Specifier, string? PinnedVersion, IReadOnlyList<string> Extras, string? Marker, string? Url);

public static partial class RequirementText
{
    /// <summary>
    /// Reads a requirement as pip does: PEP 508 (<c>name[extra]&gt;=1; marker</c>, <c>name @ url</c>), or a URL/path
    /// whose project name comes from an <c>#egg=</c> fragment or from a wheel/sdist file name.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out ParsedRequirement? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        if (LooksLikeUrlOrPath(text))
        {
            var name = EggName(text) ?? NameFromArchive(text);
            if (name is null)
            {
                error = $"cannot tell the project name of {text} (add #egg=NAME or use NAME @ URL)";
                return false;
            }
            parsed = new ParsedRequirement(name, null, null, [], null, text);
            error = null;
            return true;
        }
        if (!Requirement.TryParse(text, out var requirement, out var reason))
        {
            error = $"not a valid requirement: {reason}";
            return false;
        }
        var specifier = requirement.Specifier.Count == 0 ? null : requirement.Specifier.ToString();
        parsed = new ParsedRequirement(
            requirement.Name, specifier, PinnedVersion(requirement.Specifier), requirement.Extras,
            requirement.Marker?.ToString(), requirement.Url);
        error = null;
        return true;
    }

    /// <summary>The one version a specifier set allows, when it allows exactly one (<c>==1.2</c>, <c>===1.2</c>), else null.</summary>
    public static string? PinnedVersion(SpecifierSet set)
    {
        var exact = set.Specifiers.Where(s => s.Operator is SpecifierOperator.Equal or SpecifierOperator.ArbitraryEqual && !s.IsWildcard).ToList();
        return exact.Count == 1 ? exact[0].VersionText : null;
    }

    /// <summary>The commit a VCS URL pins (<c>git+https://…@&lt;40 hex&gt;</c>), or null when it names a branch, a tag or nothing.</summary>
    public static string? CommitOf(string url)
    {
        var match = VcsRevision().Match(url);
        return match.Success ? match.Groups["rev"].Value : null;
    }

    public static bool IsVcs(string url) =>
        url.StartsWith("git+", StringComparison.OrdinalIgnoreCase) || url.StartsWith("hg+", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("svn+", StringComparison.OrdinalIgnoreCase) || url.StartsWith("bzr+", StringComparison.OrdinalIgnoreCase);

    /// <summary>pip's bare forms: a URL, a VCS URL or a local path — but not PEP 508's <c>name @ url</c>.</summary>
    private static bool LooksLikeUrlOrPath(string text)
    {
        if (NamedUrl().IsMatch(text)) return false;
        return text.Contains("://", StringComparison.Ordinal) || IsVcs(text)
            || text.StartsWith('.') || text.StartsWith('/') || text.StartsWith('~')
            || text.EndsWith(".whl", StringComparison.OrdinalIgnoreCase) || text.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase)
            || text.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
    }

    private static string? EggName(string url)
    {
        var match = EggFragment().Match(url);
        return match.Success ? match.Groups["name"].Value : null;
    }

    private static string? NameFromArchive(string location)
    {
        var fileName = location.Split('#')[0].Split('?')[0].TrimEnd('/');
        fileName = fileName[(fileName.LastIndexOf('/') + 1)..];
        if (WheelFilename.TryParse(fileName, out var wheel, out _)) return wheel.Name;
        if (SdistFilename.TryParse(fileName, out var sdist, out _)) return sdist.Name;
        return null;
    }

    [GeneratedRegex(@"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")]
    private static partial Regex NamedUrl();

    [GeneratedRegex(@"[#&]egg=(?<name>[A-Za-z0-9][A-Za-z0-9._-]*)")]
    private static partial Regex EggFragment();

    [GeneratedRegex(@"^(git|hg)\+[^#]*@(?<rev>[0-9a-fA-F]{40}|[0-9a-fA-F]{64})(?:[#?]|$)")]
    private static partial Regex VcsRevision();

    internal static string Normalize(string name) => ProjectName.Normalize(name);
}
