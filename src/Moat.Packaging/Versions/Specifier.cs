using System.Diagnostics.CodeAnalysis;
using static Moat.Packaging.ParseFailure;

namespace Moat.Packaging.Versions;

/// <summary>The PEP 440 comparison operators.</summary>
public enum SpecifierOperator : byte
{
    Compatible,      // ~=
    Equal,           // ==
    NotEqual,        // !=
    LessOrEqual,     // <=
    GreaterOrEqual,  // >=
    Less,            // <
    Greater,         // >
    ArbitraryEqual,  // ===
}

/// <summary>
/// One PEP 440 version specifier such as <c>&gt;=1.0</c>, <c>==1.2.*</c>, <c>~=2.2</c> or <c>===foobar</c>.
/// Matching follows PEP 440 and the current <c>packaging</c> library: local labels are ignored unless the
/// specifier has one, <c>&gt;V</c> excludes V's post-releases and <c>&lt;V</c> excludes V's pre-releases (unless V
/// is itself one), and pre-releases are excluded only when asked to (see <see cref="Contains(PackageVersion, bool?)"/>).
/// </summary>
public sealed class Specifier : IEquatable<Specifier>
{
    private static readonly PackageVersion MinimumVersion = PackageVersion.Parse("0.dev0");

    private readonly PackageVersion? _version;
    // Precomputed bounds: == V.* / != V.* match [Lower, Upper); ~= V matches [V, Upper); > and < use Bound.
    private readonly PackageVersion? _lower;
    private readonly PackageVersion? _upper;

    private Specifier(SpecifierOperator op, string operatorText, string versionText, PackageVersion? version, bool isWildcard, bool? prereleases)
    {
        Operator = op;
        OperatorText = operatorText;
        VersionText = versionText;
        _version = version;
        IsWildcard = isWildcard;
        ExplicitPrereleases = prereleases;
        if (version is null) return;
        switch (op)
        {
            case SpecifierOperator.Equal or SpecifierOperator.NotEqual when isWildcard:
                _lower = version.WithRelease([.. version.ReleaseSpan], dev: 0);
                _upper = NextPrefixDev0(version, version.ReleaseSpan);
                break;
            case SpecifierOperator.Compatible:
                _upper = NextPrefixDev0(version, version.ReleaseSpan[..^1]);
                break;
            case SpecifierOperator.Greater when version.Dev is { } dev:
                _lower = version.WithSuffixes(version.Pre, version.Post, dev + 1);
                break;
            case SpecifierOperator.Greater when version.Post is { } post:
                _lower = version.WithSuffixes(version.Pre, post + 1, 0);
                break;
            case SpecifierOperator.Less:
                _upper = version.IsPrerelease ? version : version.WithSuffixes(version.Pre, version.Post, 0);
                break;
        }
    }

    public SpecifierOperator Operator { get; }

    /// <summary>The operator as written: <c>~=</c>, <c>==</c>, …</summary>
    public string OperatorText { get; }

    /// <summary>The version part as written (trimmed), including a trailing <c>.*</c>.</summary>
    public string VersionText { get; }

    /// <summary>The parsed version (without <c>.*</c>); null only for <c>===</c> with a non-PEP 440 string.</summary>
    public PackageVersion? Version => _version;

    public bool IsWildcard { get; }

    /// <summary>The pre-release choice given at construction (null: decide from the specifier).</summary>
    public bool? ExplicitPrereleases { get; }

    /// <summary>
    /// Whether this specifier asks for pre-releases: explicitly, or because its version is one (<c>&gt;=1.0a1</c>).
    /// <c>!=</c> and wildcards never do; <c>===</c> with a non-version string is undecided (null).
    /// </summary>
    public bool? Prereleases
    {
        get
        {
            if (ExplicitPrereleases is { } explicitly) return explicitly;
            if (Operator == SpecifierOperator.NotEqual || IsWildcard) return false;
            return _version?.IsPrerelease;
        }
    }

    private static PackageVersion NextPrefixDev0(PackageVersion version, ReadOnlySpan<long> prefix)
    {
        var release = prefix.ToArray();
        release[^1]++;
        return version.WithRelease(release, dev: 0);
    }

    // ---------------------------------------------------------------- parsing

    public static Specifier Parse(string text, bool? prereleases = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out var specifier, out var error, prereleases))
            throw new FormatException($"Invalid specifier '{text}': {error}");
        return specifier;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Specifier? specifier) =>
        TryParse(text, out specifier, out _);

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Specifier? specifier,
        [NotNullWhen(false)] out string? error, bool? prereleases = null)
    {
        specifier = null;
        if (text is null) return Fail(out error, "the specifier is missing");
        var span = text.AsSpan().Trim();
        var (op, opLength) = ReadOperator(span);
        if (opLength == 0) return Fail(out error, "expected an operator (~=, ==, !=, <=, >=, <, >, ===) at the start");
        var operatorText = span[..opLength].ToString();
        var versionSpan = span[opLength..].Trim();
        var versionText = versionSpan.ToString();

        if (op == SpecifierOperator.ArbitraryEqual)
        {
            var bad = versionSpan.IndexOfAny(" \t\r\n;)");
            if (bad >= 0 || ContainsWhitespace(versionSpan)) return Fail(out error, "an arbitrary-equality version cannot contain whitespace, ';' or ')'");
            PackageVersion.TryParse(versionText, out var arbitrary);
            specifier = new Specifier(op, operatorText, versionText, arbitrary, false, prereleases);
            error = null;
            return true;
        }

        if (versionSpan.IsEmpty) return Fail(out error, $"expected a version after '{operatorText}'");
        var isWildcard = versionSpan.EndsWith(".*");
        if (isWildcard && op is not (SpecifierOperator.Equal or SpecifierOperator.NotEqual))
            return Fail(out error, $"'.*' wildcards are only allowed with == and !=, not {operatorText}");
        var toParse = isWildcard ? versionSpan[..^2] : versionSpan;
        if (ContainsWhitespace(toParse)) return Fail(out error, "the version contains whitespace");
        if (!PackageVersion.TryParse(toParse.ToString(), out var version, out var versionError))
            return Fail(out error, $"invalid version '{toParse}': {versionError}");
        if (isWildcard && (version.Pre is not null || version.Post is not null || version.Dev is not null || version.HasLocal))
            return Fail(out error, "a '.*' wildcard can only follow a release (no pre, post, dev or local part)");
        if (version.HasLocal && op is not (SpecifierOperator.Equal or SpecifierOperator.NotEqual))
            return Fail(out error, $"local versions ('+{version.Local}') are only allowed with == and !=, not {operatorText}");
        if (op == SpecifierOperator.Compatible && version.Release.Count < 2) return Fail(out error, "~= needs a release with at least two components (e.g. ~=1.0)");
        specifier = new Specifier(op, operatorText, versionText, version, isWildcard, prereleases);
        error = null;
        return true;
    }

    private static bool ContainsWhitespace(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (char.IsWhiteSpace(c)) return true;
        return false;
    }

    internal static (SpecifierOperator Op, int Length) ReadOperator(ReadOnlySpan<char> s)
    {
        if (s.StartsWith("===")) return (SpecifierOperator.ArbitraryEqual, 3);
        if (s.StartsWith("~=")) return (SpecifierOperator.Compatible, 2);
        if (s.StartsWith("==")) return (SpecifierOperator.Equal, 2);
        if (s.StartsWith("!=")) return (SpecifierOperator.NotEqual, 2);
        if (s.StartsWith("<=")) return (SpecifierOperator.LessOrEqual, 2);
        if (s.StartsWith(">=")) return (SpecifierOperator.GreaterOrEqual, 2);
        if (s.StartsWith("<")) return (SpecifierOperator.Less, 1);
        if (s.StartsWith(">")) return (SpecifierOperator.Greater, 1);
        return (default, 0);
    }

    // ---------------------------------------------------------------- matching

    /// <summary>
    /// Whether <paramref name="version"/> satisfies the operator, ignoring pre-release policy.
    /// </summary>
    public bool Matches(PackageVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (Operator == SpecifierOperator.ArbitraryEqual) return string.Equals(version.ToString(), VersionText, StringComparison.OrdinalIgnoreCase);
        var spec = _version!;
        switch (Operator)
        {
            case SpecifierOperator.Equal:
                return IsWildcard ? InPrefixRange(version) : EqualsSpec(version, spec);
            case SpecifierOperator.NotEqual:
                return IsWildcard ? !InPrefixRange(version) : !EqualsSpec(version, spec);
            case SpecifierOperator.GreaterOrEqual:
                return version >= spec;
            case SpecifierOperator.LessOrEqual:
                // A local label never lifts a version above the specifier: <=1.0 contains 1.0+anything.
                return PackageVersion.ComparePublic(version, spec) <= 0;
            case SpecifierOperator.Less:
                // <V excludes V's own pre-releases (V.dev0 is the first of them) unless V is a pre-release.
                return _upper! > MinimumVersion && version < _upper!;
            case SpecifierOperator.Greater:
                if (_lower is not null) return version >= _lower; // V was a dev- or post-release
                // >V excludes V+local and every V.postN: anything above V that shares V's epoch, release and pre.
                return version > spec && !SameReleaseAndPre(version, spec);
            case SpecifierOperator.Compatible:
                return version >= spec && version < _upper!;
            default:
                return false;
        }
    }

    private bool InPrefixRange(PackageVersion version) => version >= _lower! && version < _upper!;

    private static bool EqualsSpec(PackageVersion version, PackageVersion spec) =>
        spec.HasLocal ? version.Equals(spec) : PackageVersion.ComparePublic(version, spec) == 0;

    private static bool SameReleaseAndPre(PackageVersion x, PackageVersion y) =>
        x.Epoch == y.Epoch && PackageVersion.CompareRelease(x.ReleaseSpan, y.ReleaseSpan) == 0 && x.Pre == y.Pre;

    /// <summary>
    /// Whether the version is contained. <paramref name="prereleases"/>: true accepts pre-releases, false rejects
    /// them, null (the default) defers to <see cref="ExplicitPrereleases"/> and otherwise accepts a matching
    /// pre-release — PEP 440's "unless no final release is available", for a single candidate.
    /// </summary>
    public bool Contains(PackageVersion version, bool? prereleases = null)
    {
        ArgumentNullException.ThrowIfNull(version);
        var effective = prereleases ?? ExplicitPrereleases ?? (Prereleases == true ? true : null);
        if (effective == false && version.IsPrerelease) return false;
        return Matches(version);
    }

    /// <summary>String form: <c>===</c> compares the raw string; others parse it (an invalid version never matches).</summary>
    public bool Contains(string version, bool? prereleases = null)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (Operator == SpecifierOperator.ArbitraryEqual)
        {
            if (!string.Equals(version, VersionText, StringComparison.OrdinalIgnoreCase)) return false;
            var effective = prereleases ?? ExplicitPrereleases ?? (Prereleases == true ? true : null);
            return !(effective == false && PackageVersion.TryParse(version, out var parsed) && parsed.IsPrerelease);
        }
        return PackageVersion.TryParse(version, out var v) && Contains(v, prereleases);
    }

    /// <summary>
    /// The versions this specifier contains, in input order. With <paramref name="prereleases"/> null, pre-releases
    /// are dropped if any final release matches, and returned if none does (PEP 440).
    /// </summary>
    public IEnumerable<PackageVersion> Filter(IEnumerable<PackageVersion> versions, bool? prereleases = null)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var effective = prereleases ?? ExplicitPrereleases ?? (Prereleases == true ? true : null);
        return PrereleasePolicy.Apply(versions.Where(Matches), effective);
    }

    // ---------------------------------------------------------------- equality and text

    public override string ToString() => OperatorText + VersionText;

    /// <summary>Operator and canonical version: <c>==1.2.3</c> equals <c>== 1.2.3.0</c> (not for <c>~=</c>, where zeros matter).</summary>
    internal string CanonicalKey =>
        Operator == SpecifierOperator.ArbitraryEqual || IsWildcard || _version is null
            ? OperatorText + VersionText
            : OperatorText + (Operator == SpecifierOperator.Compatible ? _version.ToString() : _version.ToCanonicalString());

    public bool Equals(Specifier? other) => other is not null && CanonicalKey == other.CanonicalKey;
    public override bool Equals(object? obj) => obj is Specifier other && Equals(other);
    public override int GetHashCode() => CanonicalKey.GetHashCode(StringComparison.Ordinal);
}

/// <summary>PEP 440's pre-release rule for a sequence of matching versions.</summary>
internal static class PrereleasePolicy
{
    public static IEnumerable<PackageVersion> Apply(IEnumerable<PackageVersion> matches, bool? prereleases) => prereleases switch
    {
        true => matches,
        false => matches.Where(v => !v.IsPrerelease),
        null => FinalsUnlessNone(matches),
    };

    private static IEnumerable<PackageVersion> FinalsUnlessNone(IEnumerable<PackageVersion> matches)
    {
        List<PackageVersion>? buffered = [];
        foreach (var version in matches)
        {
            if (!version.IsPrerelease)
            {
                buffered = null;
                yield return version;
            }
            else buffered?.Add(version);
        }
        if (buffered is not null) foreach (var version in buffered) yield return version;
    }
}
