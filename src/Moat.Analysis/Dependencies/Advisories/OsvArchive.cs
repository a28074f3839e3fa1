using System.Text;
using Moat.Packaging.Archives;

namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>Reads OSV documents out of an archive through the safe archive reader: a database download is untrusted input too.</summary>
internal static class OsvArchive
{
    public static IReadOnlyList<(string Name, string Text)> ReadDocuments(string path, Func<string, bool> isDocument)
    {
        using var stream = File.OpenRead(path);
        return ReadDocuments(stream, path, isDocument);
    }

    public static IReadOnlyList<(string Name, string Text)> ReadDocuments(Stream stream, string fileName, Func<string, bool> isDocument)
    {
        var documents = new List<(string, string)>();
        var result = SafeArchive.Read(stream, fileName, member =>
        {
            if (member.Kind == ArchiveMemberKind.File && isDocument(member.Path))
            {
                documents.Add((member.Path, Encoding.UTF8.GetString(member.ReadAllBytes())));
            }
        });
        if (result.Format == ArchiveFormat.Unknown)
        {
            throw new InvalidDataException($"{fileName}: not an OSV database (expected a directory, a .json/.yaml file, or a .tar.gz/.zip archive)");
        }
        return documents;
    }
}
