namespace Moat.Index.Storage;

/// <summary>
/// How a stored file is described wherever it is handed out (the file routes, an S3 object's own headers for
/// pre-signed downloads, a reviewer's download): content-addressed, so cached for a year, with its archive's type.
/// </summary>
public static class BlobHeaders
{
    public const string ImmutableCaching = "public, max-age=31536000, immutable";

    /// <summary>The archive's own type; never Content-Encoding: gzip, which would make clients unpack a .tar.gz in flight.</summary>
    public static string ContentTypeOf(string filename) =>
        filename.EndsWith(".metadata", StringComparison.Ordinal) ? "text/plain; charset=utf-8"
        : filename.EndsWith(".whl", StringComparison.OrdinalIgnoreCase) || filename.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? "application/zip"
        : filename.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ? "application/gzip"
        : "application/octet-stream";
}
