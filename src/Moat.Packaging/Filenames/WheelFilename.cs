using System.Diagnostics.CodeAnalysis;
using Moat.Packaging.Versions;
using static Moat.Packaging.ParseFailure;

namespace Moat.Packaging.Filenames;

/// <summary>One compatibility tag triple, lowercased: <c>cp312-cp312-manylinux_2_17_x86_64</c>.</summary>
public readonly record struct WheelTag(string Interpreter, string Abi, string Platform)
{
    public override string ToString() => $"{Interpreter}-{Abi}-{Platform}";
}

/// <summary>A wheel's optional build tag: a number, then anything (<c>1</c>, <c>2abc</c>); sorts by number then text.</summary>
public readonly record struct WheelBuildTag(long Number, string Suffix)
{
    public override string ToString() => Number.ToString(System.Globalization.CultureInfo.InvariantCulture) + Suffix;
}

/// <summary>
/// A wheel filename (PEP 427/491): <c>{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl</c>, where each tag
/// part may be a dot-separated set (<c>py2.py3-none-any</c>) that expands to every combination.
/// </summary>
public sealed record WheelFilename(
    string Filename,
    string Name,
    PackageVersion Version,
    WheelBuildTag? BuildTag,
    IReadOnlyList<string> PythonTags,
    IReadOnlyList<string> AbiTags,
    IReadOnlyList<string> PlatformTags)
{
    /// <summary>The PEP 503 normalized project name.</summary>
    public string NormalizedName => ProjectName.Normalize(Name);

    /// <summary>The expanded tag triples, in filename order.</summary>
    public IReadOnlyList<WheelTag> Tags =>
        [.. from python in PythonTags from abi in AbiTags from platform in PlatformTags select new WheelTag(python, abi, platform)];

    /// <summary>The name as a wheel filename must spell it: normalized, with <c>_</c> for <c>-</c>.</summary>
    public static string FormatName(string name) => ProjectName.Normalize(name).Replace('-', '_');

    public static WheelFilename Parse(string filename) =>
        TryParse(filename, out var wheel, out var error) ? wheel : throw new FormatException(error);

    public static bool TryParse([NotNullWhen(true)] string? filename, [NotNullWhen(true)] out WheelFilename? wheel, [NotNullWhen(false)] out string? error)
    {
        wheel = null;
        if (filename is null) return Fail(out error, "the filename is missing");
        if (!filename.EndsWith(".whl", StringComparison.Ordinal)) return Fail(out error, $"Invalid wheel filename '{filename}': the extension must be '.whl'");
        var stem = filename[..^4];
        var parts = stem.Split('-');
        if (parts.Length is not (5 or 6))
            return Fail(out error, $"Invalid wheel filename '{filename}': expected 5 or 6 dash-separated parts (name-version[-build]-python-abi-platform), found {parts.Length}");
        var name = parts[0];
        if (name.Length == 0 || name.Contains("__", StringComparison.Ordinal) || !name.All(c => char.IsLetterOrDigit(c) || c is '_' or '.'))
            return Fail(out error, $"Invalid wheel filename '{filename}': invalid project name '{name}'");
        if (!PackageVersion.TryParse(parts[1], out var version, out var versionError))
            return Fail(out error, $"Invalid wheel filename '{filename}': invalid version '{parts[1]}': {versionError}");
        WheelBuildTag? build = null;
        if (parts.Length == 6)
        {
            var tag = parts[2];
            var digits = 0;
            while (digits < tag.Length && char.IsAsciiDigit(tag[digits])) digits++;
            if (digits == 0 || digits > 18) return Fail(out error, $"Invalid wheel filename '{filename}': the build tag '{tag}' must start with a number");
            build = new WheelBuildTag(long.Parse(tag.AsSpan(0, digits), System.Globalization.CultureInfo.InvariantCulture), tag[digits..]);
        }
        var python = SplitTagSet(parts[^3]);
        var abi = SplitTagSet(parts[^2]);
        var platform = SplitTagSet(parts[^1]);
        if (python is null || abi is null || platform is null)
            return Fail(out error, $"Invalid wheel filename '{filename}': empty compatibility tag in '{parts[^3]}-{parts[^2]}-{parts[^1]}'");
        wheel = new WheelFilename(filename, name, version, build, python, abi, platform);
        error = null;
        return true;
    }

    private static string[]? SplitTagSet(string part)
    {
        var tags = part.ToLowerInvariant().Split('.');
        return tags.Any(t => t.Length == 0) ? null : tags;
    }
}
