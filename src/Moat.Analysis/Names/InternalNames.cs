using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>
/// An organisation's own package names and name prefixes (<c>--internal FILE</c>, <c>--internal-prefix acme-</c>):
/// what must never resolve from the public index, and what public names must not imitate.
/// </summary>
public sealed class InternalNames
{
    public InternalNames(IEnumerable<string> names, IEnumerable<string> prefixes)
    {
        Names = names.Select(n => n.Trim()).Where(n => n.Length > 0 && n[0] != '#' && ProjectName.IsValid(n))
            .Select(ProjectName.Normalize).ToHashSet(StringComparer.Ordinal);
        // A prefix is matched against normalized names, so "acme_" and "acme." mean "acme-".
        Prefixes = [.. prefixes.Select(p => p.Trim()).Where(p => p.Length > 0).Select(NormalizePrefix).Distinct()];
    }

    public static InternalNames None { get; } = new([], []);

    public IReadOnlySet<string> Names { get; }
    public IReadOnlyList<string> Prefixes { get; }
    public bool IsEmpty => Names.Count == 0 && Prefixes.Count == 0;

    /// <summary>True when the normalized name is an internal name or carries an internal prefix.</summary>
    public bool Contains(string normalized) => Names.Contains(normalized) || MatchingPrefix(normalized) is not null;

    public string? MatchingPrefix(string normalized)
    {
        // A loop, not LINQ: every checked name asks, and most checkers have no prefixes at all.
        foreach (var prefix in Prefixes)
        {
            if (normalized.Length > prefix.Length && normalized.StartsWith(prefix, StringComparison.Ordinal)) return prefix;
        }
        return null;
    }

    private static string NormalizePrefix(string prefix)
    {
        var normalized = ProjectName.Normalize(prefix);
        return prefix[^1] is '-' or '_' or '.' && normalized[^1] != '-' ? normalized + "-" : normalized;
    }
}
