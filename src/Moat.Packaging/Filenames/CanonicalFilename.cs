using Moat.Packaging.Versions;

namespace Moat.Packaging.Filenames;

/// <summary>
/// The form in which two distribution filenames name the same file, as PyPI compares them: the project name PEP 503
/// normalized (with <c>_</c> for <c>-</c>), the version PEP 440 normalized without trailing <c>.0</c> release
/// components (<c>3.0.0</c> and <c>3.0</c> are one release), wheel tags lower-cased with each compressed tag set
/// sorted (<c>py3.py2</c> is <c>py2.py3</c>), and the extension lower-cased. <c>Hostile-3.0.0.tar.gz</c> and
/// <c>hostile-3.0.tar.gz</c> have the same key; so do <c>…-PY3-none-any.whl</c> and <c>…-py3-none-any.whl</c>.
/// </summary>
public static class CanonicalFilename
{
    /// <summary>The canonical key of a wheel, sdist or egg filename; null when it is none of them.</summary>
    public static string? Key(string filename)
    {
        if (!DistributionFilename.TryParse(filename, out var parsed, out _)) return null;
        return parsed switch
        {
            WheelFilename wheel => string.Join('-', new[]
                {
                    WheelFilename.FormatName(wheel.Name), Release(wheel.Version), wheel.BuildTag?.ToString(),
                    TagSet(wheel.PythonTags), TagSet(wheel.AbiTags), TagSet(wheel.PlatformTags),
                }.OfType<string>()) + ".whl",
            SdistFilename sdist => $"{WheelFilename.FormatName(sdist.Name)}-{Release(sdist.Version)}{Extension(filename, sdist.Format)}",
            EggFilename egg => $"{WheelFilename.FormatName(egg.Name)}-{Release(egg.Version)}{(egg.PythonVersion is { } py ? "-py" + py : "")}{(egg.Platform is { } platform ? "-" + platform.ToLowerInvariant() : "")}.egg",
            _ => null,
        };
    }

    /// <summary>The key of a release: versions equal under PEP 440 (<c>3.0</c>, <c>3.0.0</c>, <c>v3.0</c>) are one release.</summary>
    public static string Release(PackageVersion version) => version.ToCanonicalString();

    /// <summary>The release key of a version string; the text itself, lower-cased, when it is not a PEP 440 version.</summary>
    public static string Release(string version) =>
        PackageVersion.TryParse(version, out var parsed) ? Release(parsed) : version.Trim().ToLowerInvariant();

    private static string TagSet(IReadOnlyList<string> tags) => string.Join('.', tags.Select(t => t.ToLowerInvariant()).Order(StringComparer.Ordinal));

    private static string Extension(string filename, SdistFormat format) => format switch
    {
        SdistFormat.TarGz => ".tar.gz",
        SdistFormat.Zip => ".zip",
        SdistFormat.Tgz => ".tgz",
        SdistFormat.TarBz2 => ".tar.bz2",
        SdistFormat.TarXz => ".tar.xz",
        SdistFormat.Tar => ".tar",
        _ => Path.GetExtension(filename).ToLowerInvariant(),
    };
}
