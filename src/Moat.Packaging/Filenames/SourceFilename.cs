using System.Diagnostics.CodeAnalysis;
using Moat.Packaging.Versions;
using static Moat.Packaging.ParseFailure;

namespace Moat.Packaging.Filenames;

/// <summary>The archive formats source distributions have been published in.</summary>
public enum SdistFormat
{
    TarGz,
    Zip,
    Tgz,
    TarBz2,
    TarXz,
    Tar,
}

/// <summary>
/// A source distribution filename: <c>{name}-{version}.tar.gz</c> (PEP 625), or a legacy <c>.zip</c>, <c>.tgz</c>,
/// <c>.tar.bz2</c>, <c>.tar.xz</c> or <c>.tar</c>. The version is after the last dash (PEP 440 versions have none).
/// </summary>
public sealed record SdistFilename(string Filename, string Name, PackageVersion Version, SdistFormat Format)
{
    private static readonly (string Extension, SdistFormat Format)[] Extensions =
    [
        (".tar.gz", SdistFormat.TarGz), (".zip", SdistFormat.Zip), (".tgz", SdistFormat.Tgz),
        (".tar.bz2", SdistFormat.TarBz2), (".tar.xz", SdistFormat.TarXz), (".tar", SdistFormat.Tar),
    ];

    public string NormalizedName => ProjectName.Normalize(Name);

    /// <summary>
    /// Whether the filename is exactly what PEP 625 requires: <c>.tar.gz</c>, the name normalized with <c>_</c>
    /// for <c>-</c>, and the version in normal form.
    /// </summary>
    public bool IsPep625 =>
        Format == SdistFormat.TarGz
        && Name == WheelFilename.FormatName(Name)
        && Filename == $"{Name}-{Version}.tar.gz";

    public static SdistFilename Parse(string filename) =>
        TryParse(filename, out var sdist, out var error) ? sdist : throw new FormatException(error);

    public static bool TryParse([NotNullWhen(true)] string? filename, [NotNullWhen(true)] out SdistFilename? sdist, [NotNullWhen(false)] out string? error)
    {
        sdist = null;
        if (filename is null) return Fail(out error, "the filename is missing");
        foreach (var (extension, format) in Extensions)
        {
            if (!filename.EndsWith(extension, StringComparison.OrdinalIgnoreCase)) continue;
            var stem = filename[..^extension.Length];
            var dash = stem.LastIndexOf('-');
            if (dash <= 0) return Fail(out error, $"Invalid sdist filename '{filename}': expected '{{name}}-{{version}}{extension}'");
            var name = stem[..dash];
            if (!ProjectName.IsValid(name)) return Fail(out error, $"Invalid sdist filename '{filename}': invalid project name '{name}'");
            if (!PackageVersion.TryParse(stem[(dash + 1)..], out var version, out var versionError))
                return Fail(out error, $"Invalid sdist filename '{filename}': invalid version '{stem[(dash + 1)..]}': {versionError}");
            sdist = new SdistFilename(filename, name, version, format);
            error = null;
            return true;
        }
        return Fail(out error, $"Invalid sdist filename '{filename}': the extension must be .tar.gz, .zip, .tgz, .tar.bz2, .tar.xz or .tar");
    }
}

/// <summary>A legacy egg filename: <c>{name}-{version}(-py{X.Y}(-{platform})?)?.egg</c>, with <c>_</c> for <c>-</c> in the name.</summary>
public sealed record EggFilename(string Filename, string Name, PackageVersion Version, string? PythonVersion, string? Platform)
{
    public string NormalizedName => ProjectName.Normalize(Name);

    public static EggFilename Parse(string filename) =>
        TryParse(filename, out var egg, out var error) ? egg : throw new FormatException(error);

    public static bool TryParse([NotNullWhen(true)] string? filename, [NotNullWhen(true)] out EggFilename? egg, [NotNullWhen(false)] out string? error)
    {
        egg = null;
        if (filename is null) return Fail(out error, "the filename is missing");
        if (!filename.EndsWith(".egg", StringComparison.OrdinalIgnoreCase))
            return Fail(out error, $"Invalid egg filename '{filename}': the extension must be '.egg'");
        var parts = filename[..^4].Split('-', 4);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
            return Fail(out error, $"Invalid egg filename '{filename}': expected '{{name}}-{{version}}[-py{{X.Y}}[-{{platform}}]].egg'");
        if (!ProjectName.IsValid(parts[0])) return Fail(out error, $"Invalid egg filename '{filename}': invalid project name '{parts[0]}'");
        if (!PackageVersion.TryParse(parts[1], out var version, out var versionError))
            return Fail(out error, $"Invalid egg filename '{filename}': invalid version '{parts[1]}': {versionError}");
        string? python = null;
        if (parts.Length >= 3)
        {
            if (!parts[2].StartsWith("py", StringComparison.Ordinal) || parts[2].Length == 2)
                return Fail(out error, $"Invalid egg filename '{filename}': expected a Python tag like 'py3.12', found '{parts[2]}'");
            python = parts[2][2..];
        }
        var platform = parts.Length == 4 ? parts[3] : null;
        if (platform is { Length: 0 }) return Fail(out error, $"Invalid egg filename '{filename}': empty platform");
        egg = new EggFilename(filename, parts[0], version, python, platform);
        error = null;
        return true;
    }
}

/// <summary>Any distribution filename: wheel, sdist or egg, chosen by extension.</summary>
public static class DistributionFilename
{
    /// <summary>Parses a wheel, sdist or egg filename; the result is a <see cref="WheelFilename"/>, <see cref="SdistFilename"/> or <see cref="EggFilename"/>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? filename, [NotNullWhen(true)] out object? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        if (filename is null) return Fail(out error, "the filename is missing");
        bool ok;
        if (filename.EndsWith(".whl", StringComparison.Ordinal))
        {
            ok = WheelFilename.TryParse(filename, out var wheel, out error);
            parsed = wheel;
        }
        else if (filename.EndsWith(".egg", StringComparison.OrdinalIgnoreCase))
        {
            ok = EggFilename.TryParse(filename, out var egg, out error);
            parsed = egg;
        }
        else
        {
            ok = SdistFilename.TryParse(filename, out var sdist, out error);
            parsed = sdist;
        }
        return ok;
    }
}
