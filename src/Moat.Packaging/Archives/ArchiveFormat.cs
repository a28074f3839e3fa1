namespace Moat.Packaging.Archives;

/// <summary>The container formats Moat reads. Wheels, <c>.egg</c> files and <c>.zip</c> sdists are all <see cref="Zip"/>.</summary>
public enum ArchiveFormat
{
    Unknown,
    Zip,
    Tar,
    TarGzip,
    TarBzip2,
    TarXz,
}
