namespace Moat.Index.Storage;

/// <summary>Opens the blob store <c>[storage]</c> names: files under the data directory, or an S3-compatible bucket checked at once.</summary>
public static class BlobStores
{
    /// <summary>S3's limit for one PUT; a larger upload limit would accept files the store cannot commit.</summary>
    public const long S3MaxPutBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// The store for <paramref name="options"/>. A bucket that cannot be reached, is missing or refuses the
    /// credentials stops here with an <see cref="IndexConfigurationException"/> (one line), not on the first upload.
    /// </summary>
    public static IBlobStore Open(IndexOptions options)
    {
        if (options.Blobs.S3 is null) return new FileSystemBlobStore(options.BlobDirectory);
        if (options.MaxUploadBytes > S3MaxPutBytes)
            throw new IndexConfigurationException($"server.max-upload-mb is {options.MaxUploadBytes / (1024 * 1024)} but one S3 upload holds at most {S3MaxPutBytes / (1024 * 1024)} MB");
        var store = S3BlobStore.Create(options.Blobs, Path.Combine(options.DataDirectory, "blob-staging"));
        try
        {
            store.CheckAccessAsync(CancellationToken.None).GetAwaiter().GetResult();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Where the blobs are, for the start-up log.</summary>
    public static string Describe(IndexOptions options) =>
        options.Blobs.S3 is { } s3 ? $"{s3}{(options.Blobs.S3PresignedDownloads ? " (downloads redirect to pre-signed URLs)" : "")}" : Path.GetFullPath(options.BlobDirectory);
}
