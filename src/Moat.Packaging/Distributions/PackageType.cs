namespace Moat.Packaging.Distributions;

/// <summary>The two kinds of distribution file an index takes: a built wheel and a source distribution.</summary>
public enum PackageType { Wheel, Sdist }

/// <summary>
/// The wire names of <see cref="PackageType"/>: what the upload form's <c>filetype</c> and the JSON API's
/// <c>packagetype</c> say, and what the file rows store.
/// </summary>
public static class PackageTypeNames
{
    public static string Of(PackageType type) => type switch
    {
        PackageType.Wheel => "bdist_wheel",
        PackageType.Sdist => "sdist",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>False for anything but the two wire names (older kinds such as <c>bdist_egg</c> are not taken).</summary>
    public static bool TryParse(string? text, out PackageType type)
    {
        switch (text)
        {
            case "bdist_wheel": type = PackageType.Wheel; return true;
            case "sdist": type = PackageType.Sdist; return true;
            default: type = default; return false;
        }
    }

    /// <summary>A stored name; one this build did not write is corrupt data, not a third kind.</summary>
    public static PackageType Parse(string text) =>
        TryParse(text, out var type) ? type : throw new InvalidDataException($"Unknown package type '{text}'.");
}
