using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>Where a test's blobs go: the matrix the storage-facing tests run over.</summary>
public enum BlobBackend { FileSystem, S3 }

/// <summary>
/// Stores for each <see cref="BlobBackend"/>. A theory over both takes <c>[InlineData(BlobBackend.FileSystem)]</c> and
/// <c>[ServerData(TestServer.S3, BlobBackend.S3)]</c>: the S3 row is skipped with a reason when no S3 server is given
/// (and fails when servers are required, as in CI).
/// </summary>
internal static class BlobBackends
{
    /// <summary>A fresh, empty store: under <paramref name="root"/>, or under a new prefix of the test bucket.</summary>
    public static IBlobStore Open(BlobBackend backend, string root, BlobStorageOptions? s3 = null) => backend switch
    {
        BlobBackend.FileSystem => new FileSystemBlobStore(Path.Combine(root, "blobs")),
        _ => S3BlobStore.Create(s3 ?? S3Options(), Path.Combine(root, "blob-staging")),
    };

    /// <summary><c>[storage]</c> settings for a new prefix of the test server's bucket.</summary>
    public static BlobStorageOptions S3Options(bool presignedDownloads = false) => TestStorage.S3Blobs(presignedDownloads);

    public static async Task<List<StoredBlob>> ListAsync(this IBlobStore blobs)
    {
        var listed = new List<StoredBlob>();
        await foreach (var blob in blobs.ListAsync(default)) listed.Add(blob);
        return listed;
    }

    public static async Task<byte[]?> ReadAllAsync(this IBlobStore blobs, string sha256)
    {
        await using var stream = await blobs.OpenReadAsync(sha256, default);
        if (stream is null) return null;
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }
}
