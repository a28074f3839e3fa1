using System.Diagnostics.CodeAnalysis;
using static Moat.Packaging.ParseFailure;

namespace Moat.Packaging.Versions;

/// <summary>
/// A comma-separated set of PEP 440 specifiers (<c>&gt;=1.0,!=1.3.*,&lt;2</c>); a version is contained when every
/// specifier contains it. The empty set contains every version.
/// </summary>
public sealed class SpecifierSet : IEquatable<SpecifierSet>
{
    public static SpecifierSet Empty { get; } = new([], null);

    private readonly Specifier[] _specifiers;

    public SpecifierSet(IEnumerable<Specifier> specifiers, bool? prereleases = null)
    {
        ArgumentNullException.ThrowIfNull(specifiers);
        _specifiers = specifiers.ToArray();
        ExplicitPrereleases = prereleases;
    }

    public IReadOnlyList<Specifier> Specifiers => _specifiers;
    public int Count => _specifiers.Length;
    public bool? ExplicitPrereleases { get; }

    /// <summary>Explicit choice, else true when any specifier asks for pre-releases, else undecided (null).</summary>
    public bool? Prereleases =>
        ExplicitPrereleases ?? (_specifiers.Length == 0 ? null : _specifiers.Any(s => s.Prereleases == true) ? true : null);

    public static SpecifierSet Parse(string text, bool? prereleases = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out var set, out var error, prereleases))
            throw new FormatException($"Invalid specifier set '{text}': {error}");
        return set;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out SpecifierSet? set) =>
        TryParse(text, out set, out _);

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out SpecifierSet? set,
        [NotNullWhen(false)] out string? error, bool? prereleases = null)
    {
        set = null;
        if (text is null) return Fail(out error, "the specifier set is missing");
        var specifiers = new List<Specifier>();
        foreach (var part in text.Split(','))
        {
            var trimmed = part.Trim();
            if (trimmed.Length == 0) continue;
            if (!Specifier.TryParse(trimmed, out var specifier, out var specError)) return Fail(out error, $"'{trimmed}': {specError}");
            specifiers.Add(specifier);
        }
        set = new SpecifierSet(specifiers, prereleases);
        error = null;
        return true;
    }

    /// <summary>
    /// Whether every specifier contains <paramref name="version"/>. <paramref name="prereleases"/> null defers to
    /// <see cref="Prereleases"/>; when that is undecided too, a matching pre-release is accepted (a single
    /// candidate has no final release to prefer). <paramref name="installed"/> accepts an installed pre-release.
    /// </summary>
    public bool Contains(PackageVersion version, bool? prereleases = null, bool installed = false)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (installed && version.IsPrerelease) prereleases = true;
        var effective = prereleases ?? Prereleases;
        if (effective == false && version.IsPrerelease) return false;
        foreach (var specifier in _specifiers)
        {
            if (!specifier.Matches(version)) return false;
        }
        return true;
    }

    /// <summary>String form: a string that is not a PEP 440 version can only be matched by <c>===</c> specifiers.</summary>
    public bool Contains(string version, bool? prereleases = null, bool installed = false)
    {
        ArgumentNullException.ThrowIfNull(version);
        var parsed = PackageVersion.TryParse(version, out var v) ? v : null;
        var hasArbitrary = _specifiers.Any(s => s.Operator == SpecifierOperator.ArbitraryEqual);
        if (!hasArbitrary) return parsed is not null && Contains(parsed, prereleases, installed);

        if (installed && parsed is { IsPrerelease: true }) prereleases = true;
        var effective = prereleases ?? Prereleases;
        if (effective == false && parsed is { IsPrerelease: true }) return false;
        foreach (var specifier in _specifiers)
        {
            var ok = specifier.Operator == SpecifierOperator.ArbitraryEqual
                ? string.Equals(version, specifier.VersionText, StringComparison.OrdinalIgnoreCase)
                : parsed is not null && specifier.Matches(parsed);
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>
    /// The contained versions in input order. With <paramref name="prereleases"/> null (and no decision in the set),
    /// pre-releases are dropped when any final release matches and returned when none does.
    /// </summary>
    public IEnumerable<PackageVersion> Filter(IEnumerable<PackageVersion> versions, bool? prereleases = null)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var effective = prereleases ?? Prereleases;
        return PrereleasePolicy.Apply(versions.Where(v => _specifiers.All(s => s.Matches(v))), effective);
    }

    /// <summary>Filter over strings: unparseable strings pass only <c>===</c> or an empty set.</summary>
    public IEnumerable<string> Filter(IEnumerable<string> versions, bool? prereleases = null)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var effective = prereleases ?? Prereleases;
        // The empty set lets everything through, even strings that are not versions (as packaging does).
        var matching = _specifiers.Length == 0 ? versions.ToList() : versions.Where(v => Contains(v, prereleases: true)).ToList();
        if (effective == true) return matching;
        var isPre = matching.Select(v => PackageVersion.TryParse(v, out var p) && p.IsPrerelease).ToList();
        if (effective == false) return matching.Where((_, i) => !isPre[i]).ToList();
        // Unparseable strings behave like finals here: they are never dropped.
        return isPre.Any(p => !p) ? matching.Where((_, i) => !isPre[i]).ToList() : matching;
    }

    /// <summary>Canonical text: specifiers sorted and de-duplicated, joined with commas.</summary>
    public override string ToString() =>
        string.Join(',', _specifiers.Select(s => s.ToString()).Distinct().Order(StringComparer.Ordinal));

    public SpecifierSet And(SpecifierSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        bool? prereleases = ExplicitPrereleases is null || ExplicitPrereleases == other.ExplicitPrereleases
            ? other.ExplicitPrereleases
            : other.ExplicitPrereleases is null
                ? ExplicitPrereleases
                : throw new InvalidOperationException("Cannot combine specifier sets with opposite pre-release choices.");
        return new SpecifierSet(_specifiers.Concat(other._specifiers), prereleases);
    }

    private string[] CanonicalKeys => _specifiers.Select(s => s.CanonicalKey).Distinct().Order(StringComparer.Ordinal).ToArray();

    public bool Equals(SpecifierSet? other) => other is not null && CanonicalKeys.SequenceEqual(other.CanonicalKeys);
    public override bool Equals(object? obj) => obj is SpecifierSet other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var key in CanonicalKeys) hash.Add(key, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
