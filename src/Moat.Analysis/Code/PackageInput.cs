using Moat.Packaging.Archives;

namespace Moat.Analysis.Code;

/// <summary>
/// Tells input that is not a package at all (random bytes named <c>x.tar.gz</c>, a program, an empty directory) from
/// a package Moat could only partly read. The first is a usage error for the command line; the second is scanned and
/// judged <see cref="Verdict.Unverified"/>. An archive whose leading bytes are right for its format counts as a
/// package however broken the rest is: what can be read of it is still worth scanning, and its result joins back to
/// the input like any other.
/// </summary>
public static class PackageInput
{
    /// <summary>Null when <paramref name="path"/> can be scanned as a package; otherwise one short line saying why not.</summary>
    public static string? Problem(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            var walk = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
            if (Directory.EnumerateFiles(path, "*", walk).Any()) return null;
            // Links are not followed out of a directory being scanned: say so, or "empty" would puzzle a user whose
            // directory is full of links (a download cache).
            var links = Directory.EnumerateDirectories(path, "*", walk).Prepend(path)
                .Sum(directory => Directory.EnumerateFileSystemEntries(directory).Count(entry => new FileInfo(entry).LinkTarget is not null));
            return links == 0 ? "empty directory: no files to scan"
                : $"no files to scan: the directory holds only symbolic links ({links}), which are not followed";
        }
        if (!File.Exists(path)) return "no such file or directory";
        if (PackageScanner.IsSourceName(path)) return null;

        var header = new byte[SafeArchive.HeaderLength];
        int length;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096))
            length = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (length == 0) return "empty file, not a package";
        // Magic bytes only: the name is what the user claims, the bytes are what the file is.
        if (SafeArchive.DetectFormat("", header.AsSpan(0, length)) != ArchiveFormat.Unknown) return null;
        var claimed = SafeArchive.FormatFromName(path);
        if (claimed == ArchiveFormat.Tar) return null; // an old V7 tar has no magic to check
        var executable = PackageScanner.ExecutableKind(header.AsSpan(0, length)) is { } kind
            ? $"{("AEIOU".Contains(kind[0], StringComparison.Ordinal) ? "an" : "a")} {kind} executable, " : "";
        return claimed switch
        {
            ArchiveFormat.Zip => $"{executable}not a zip archive",
            ArchiveFormat.TarGzip => $"{executable}not a gzip/tar archive",
            ArchiveFormat.TarBzip2 => $"{executable}not a bzip2/tar archive",
            ArchiveFormat.TarXz => $"{executable}not an xz/tar archive",
            _ => $"{executable}not a package (expected a .whl, .tar.gz or .zip archive, a package directory, or a .py/.pth file)",
        };
    }
}
