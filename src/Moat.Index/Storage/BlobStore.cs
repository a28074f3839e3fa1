namespace Moat.Index.Storage;

/// <summary>
/// Content-addressed file storage: files under the data directory (<see cref="FileSystemBlobStore"/>) or an
/// S3-compatible bucket (<see cref="S3BlobStore"/>). Uploads are staged first (a local temporary file the upload code
/// can inspect), then committed under their sha256 so that a blob is either whole or absent. A blob nobody's row
/// refers to is harmless: <see cref="Admin.BlobSweep"/> removes it.
/// </summary>
public interface IBlobStore
{
    /// <summary>Copies <paramref name="content"/> into a staging file, at most <paramref name="maxBytes"/>, calling <paramref name="observe"/> on each chunk (for the other digests).</summary>
    Task<StagedBlob> StageAsync(Stream content, long maxBytes, Action<byte[], int>? observe, CancellationToken ct);

    /// <summary>Makes the staged content durable under its sha256 (idempotent; refreshes a present blob's write time) and removes the staging file.</summary>
    Task CommitAsync(StagedBlob staged, CancellationToken ct);

    /// <summary>Stores small content (extracted core metadata) directly; returns its sha256.</summary>
    Task<string> PutAsync(ReadOnlyMemory<byte> content, CancellationToken ct);

    /// <summary>A seekable read stream with a known length (Range requests need one), or null when there is no such blob.</summary>
    Task<Stream?> OpenReadAsync(string sha256, CancellationToken ct);

    Task<bool> ExistsAsync(string sha256, CancellationToken ct);

    /// <summary>
    /// A URL a client may fetch the blob from directly for a short while (a pre-signed GET), or null: stream it
    /// through the server. Not checked for existence: the storage answers 404 itself.
    /// </summary>
    Uri? DirectDownloadUrl(string sha256, string filename);

    /// <summary>Every committed blob and every staging file, with size and last write time (for the orphan sweep).</summary>
    IAsyncEnumerable<StoredBlob> ListAsync(CancellationToken ct);

    /// <summary>
    /// Deletes <paramref name="blob"/> unless it was written (or re-committed) at or after <paramref name="writtenBefore"/>;
    /// false when it was kept or is already gone.
    /// </summary>
    Task<bool> DeleteAsync(StoredBlob blob, DateTime writtenBefore, CancellationToken ct);

    /// <summary>A content address this store accepts: 64 lower-case hex digits (anything else could name a path).</summary>
    static bool IsSha256(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);
}

/// <summary>A committed blob (named by its sha256) or a staging file (an upload in flight, or one a crash abandoned).</summary>
public sealed record StoredBlob(string Name, long Bytes, DateTime LastWriteUtc, bool Staging);

/// <summary>An upload in staging: the local file, its size and sha256 (lower-case hex). Dispose to discard it.</summary>
public sealed class StagedBlob(string path, long size, string sha256) : IDisposable
{
    public string Path { get; } = path;
    public long Size { get; } = size;
    public string Sha256 { get; } = sha256;

    public void Dispose()
    {
        try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The upload is larger than the configured limit.</summary>
public sealed class BlobTooLargeException(long limit) : Exception($"File too large: the limit is {limit} bytes.");

/// <summary>
/// Blobs as files under <c>root/ab/cd/abcd…</c>. Commit writes are crash-safe: the staging file is flushed to disk
/// (fsync), then renamed into place — a rename within one filesystem is atomic, so a blob path either holds the whole
/// content or does not exist. Staging files live in <c>root/.staging</c> on the same filesystem.
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private readonly string _root;
    private readonly LocalStaging _staging;

    public FileSystemBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        _staging = new LocalStaging(Path.Combine(_root, ".staging"));
    }

    public string PathOf(string sha256) => Path.Combine(_root, sha256[..2], sha256[2..4], sha256);

    public Task<StagedBlob> StageAsync(Stream content, long maxBytes, Action<byte[], int>? observe, CancellationToken ct) =>
        _staging.StageAsync(content, maxBytes, observe, ct);

    public Task CommitAsync(StagedBlob staged, CancellationToken ct)
    {
        var target = PathOf(staged.Sha256);
        if (File.Exists(target))
        {
            try
            {
                // Content-addressed: the same bytes are already durable. They may be an orphan the sweep is about to
                // delete, so mark them young again; the sweep never deletes a blob written within its grace period.
                File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
                staged.Dispose();
                return Task.CompletedTask;
            }
            catch (FileNotFoundException) { } // swept just now: store this copy instead
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(staged.Path, target, overwrite: true);
        FlushDirectory(Path.GetDirectoryName(target)!);
        return Task.CompletedTask;
    }

    public async Task<string> PutAsync(ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        using var staged = await StageAsync(new MemoryStream(content.ToArray(), writable: false), long.MaxValue, null, ct);
        await CommitAsync(staged, ct);
        return staged.Sha256;
    }

    public Task<Stream?> OpenReadAsync(string sha256, CancellationToken ct)
    {
        if (!IBlobStore.IsSha256(sha256)) return Task.FromResult<Stream?>(null);
        try
        {
            return Task.FromResult<Stream?>(new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (FileNotFoundException) { return Task.FromResult<Stream?>(null); }
        catch (DirectoryNotFoundException) { return Task.FromResult<Stream?>(null); }
    }

    public Task<bool> ExistsAsync(string sha256, CancellationToken ct) => Task.FromResult(IBlobStore.IsSha256(sha256) && File.Exists(PathOf(sha256)));

    public Uri? DirectDownloadUrl(string sha256, string filename) => null;

    public async IAsyncEnumerable<StoredBlob> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await Task.CompletedTask;
        foreach (var staging in _staging.List()) yield return staging;
        foreach (var file in new DirectoryInfo(_root).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            // Only what this store wrote: a sha256 at its own path. Anything else in the tree is not ours to delete.
            if (IBlobStore.IsSha256(file.Name) && file.FullName == PathOf(file.Name))
                yield return new StoredBlob(file.Name, file.Length, file.LastWriteTimeUtc, Staging: false);
        }
    }

    public Task<bool> DeleteAsync(StoredBlob blob, DateTime writtenBefore, CancellationToken ct) =>
        // Looked at again right before deleting: a re-upload of the same bytes refreshes the time (CommitAsync).
        Task.FromResult(blob.Staging ? _staging.Delete(blob, writtenBefore)
            : IBlobStore.IsSha256(blob.Name) && LocalStaging.DeleteIfWrittenBefore(PathOf(blob.Name), writtenBefore));

    /// <summary>fsync the directory so the rename itself survives a crash (POSIX; a no-op where directories cannot be opened).</summary>
    private static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
