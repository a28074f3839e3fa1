using System.Text;
using Moat.Packaging.Archives;

namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>Reads OSV documents out of an archive through the safe archive reader: a database download is untrusted input too.</summary>
internal static class OsvArchive
{
    /// <summary>
    /// Bounds for an advisory archive, not a package: osv.dev's PyPI export holds tens of thousands of small JSON
    /// documents (the malicious-package feed alone is over ten thousand), far beyond a package's member budget.
    /// Documents stay small, and nested archives are never opened.
    /// </summary>
    private static readonly ArchiveLimits Limits = new()
    {
        MaxMembers = 2_000_000,
        MaxTotalBytes = 8L * 1024 * 1024 * 1024,
        MaxMemberBytes = 16L * 1024 * 1024,
        MaxDepth = 0,
    };

    public static IReadOnlyList<(string Name, string Text)> ReadDocuments(string path, Func<string, bool> isDocument)
    {
        using var stream = File.OpenRead(path);
        return ReadDocuments(stream, path, isDocument);
    }

    /// <summary>
    /// Every document in the archive. Throws <see cref="InvalidDataException"/> when the archive is not one or could not
    /// be read whole: an advisory database missing part of its documents would pass vulnerable versions as clean.
    /// </summary>
    public static IReadOnlyList<(string Name, string Text)> ReadDocuments(Stream stream, string fileName, Func<string, bool> isDocument)
    {
        var documents = new List<(string, string)>();
        var result = SafeArchive.Read(stream, fileName, member =>
        {
            if (member.Kind == ArchiveMemberKind.File && isDocument(member.Path))
            {
                documents.Add((member.Path, Encoding.UTF8.GetString(member.ReadAllBytes())));
            }
        }, Limits);
        if (result.Format == ArchiveFormat.Unknown)
        {
            throw new InvalidDataException($"{fileName}: not an OSV database (expected a directory, a .json/.yaml file, or a .tar.gz/.zip archive)");
        }
        if (result.Issues.FirstOrDefault(i => i.StopsRead || i.Kind is ArchiveIssueKind.MemberSizeExceeded or ArchiveIssueKind.CompressionRatioExceeded
                or ArchiveIssueKind.Corrupt or ArchiveIssueKind.Truncated or ArchiveIssueKind.TooManyIssues) is { } incomplete)
        {
            throw new InvalidDataException($"{fileName}: the advisory archive could not be read whole ({incomplete.Message}); refusing a partial database");
        }
        return documents;
    }
}
