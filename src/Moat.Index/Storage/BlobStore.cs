using System.Security.Cryptography;

namespace Moat.Index.Storage;

/// <summary>
/// Content-addressed file storage. A seam for a real second implementation: the filesystem now, S3-compatible
/// storage later. Uploads are staged first (a local temporary file the upload code can inspect), then committed
/// under their sha256. A blob nobody's row refers to is harmless: <see cref="Admin.BlobSweep"/> removes it.
/// </summary>
public interface IBlobStore
{
    /// <summary>Copies <paramref name="content"/> into a staging file, at most <paramref name="maxBytes"/>, calling <paramref name="observe"/> on each chunk (for the other digests).</summary>
    Task<StagedBlob> StageAsync(Stream content, long maxBytes, Action<byte[], int>? observe, CancellationToken ct);

    /// <summary>Makes the staged content durable under its sha256 (idempotent) and removes the staging file.</summary>
    Task CommitAsync(StagedBlob staged, CancellationToken ct);

    /// <summary>Stores small content (extracted core metadata) directly; returns its sha256.</summary>
    Task<string> PutAsync(ReadOnlyMemory<byte> content, CancellationToken ct);

    /// <summary>A seekable read stream (Range requests need one), or null when there is no such blob.</summary>
    Stream? OpenRead(string sha256);

    /// <summary>Every committed blob and every staging file, with size and last write time (for the orphan sweep).</summary>
    IEnumerable<StoredBlob> List();

    /// <summary>
    /// Deletes <paramref name="blob"/> unless it was written (or re-committed) at or after <paramref name="writtenBefore"/>;
    /// false when it was kept or is already gone.
    /// </summary>
    bool Delete(StoredBlob blob, DateTime writtenBefore);
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
    private readonly string _staging;

    public FileSystemBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        _staging = Path.Combine(_root, ".staging");
        Directory.CreateDirectory(_staging);
    }

    public string PathOf(string sha256) => Path.Combine(_root, sha256[..2], sha256[2..4], sha256);

    public async Task<StagedBlob> StageAsync(Stream content, long maxBytes, Action<byte[], int>? observe, CancellationToken ct)
    {
        var path = Path.Combine(_staging, Guid.NewGuid().ToString("N"));
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        var buffer = new byte[81920];
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > maxBytes) throw new BlobTooLargeException(maxBytes);
                    sha256.AppendData(buffer, 0, read);
                    observe?.Invoke(buffer, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                file.Flush(flushToDisk: true);
            }
            return new StagedBlob(path, size, Convert.ToHexStringLower(sha256.GetHashAndReset()));
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

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

    public Stream? OpenRead(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower)) return null;
        try
        {
            return new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    public IEnumerable<StoredBlob> List()
    {
        foreach (var file in new DirectoryInfo(_staging).EnumerateFiles())
            yield return new StoredBlob(file.Name, file.Length, file.LastWriteTimeUtc, Staging: true);
        foreach (var file in new DirectoryInfo(_root).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            // Only what this store wrote: a sha256 at its own path. Anything else in the tree is not ours to delete.
            if (file.Name.Length == 64 && file.Name.All(char.IsAsciiHexDigitLower) && file.FullName == PathOf(file.Name))
                yield return new StoredBlob(file.Name, file.Length, file.LastWriteTimeUtc, Staging: false);
        }
    }

    public bool Delete(StoredBlob blob, DateTime writtenBefore)
    {
        var path = blob.Staging ? Path.Combine(_staging, Path.GetFileName(blob.Name)) : PathOf(blob.Name);
        try
        {
            // Look again right before deleting: a re-upload of the same bytes refreshes the time (CommitAsync).
            if (!File.Exists(path) || File.GetLastWriteTimeUtc(path) >= writtenBefore) return false;
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

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
