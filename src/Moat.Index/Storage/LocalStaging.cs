using System.Security.Cryptography;

namespace Moat.Index.Storage;

/// <summary>
/// The local staging directory every blob store uploads through: the upload code inspects a staged file on disk
/// before anything is committed, whatever the store. Staging files are named by a random GUID; one a crash abandoned
/// is an orphan for <see cref="Admin.BlobSweep"/>.
/// </summary>
internal sealed class LocalStaging
{
    public string Directory { get; }

    public LocalStaging(string directory)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>Copies <paramref name="content"/> to a new staging file, flushed to disk, hashing it on the way.</summary>
    public async Task<StagedBlob> StageAsync(Stream content, long maxBytes, Action<byte[], int>? observe, CancellationToken ct)
    {
        var path = Path.Combine(Directory, Guid.NewGuid().ToString("N"));
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

    public IEnumerable<StoredBlob> List() =>
        new DirectoryInfo(Directory).EnumerateFiles().Select(file => new StoredBlob(file.Name, file.Length, file.LastWriteTimeUtc, Staging: true));

    public bool Delete(StoredBlob blob, DateTime writtenBefore) => DeleteIfWrittenBefore(Path.Combine(Directory, Path.GetFileName(blob.Name)), writtenBefore);

    /// <summary>Deletes the file unless it is gone or was written at or after <paramref name="writtenBefore"/> (looked at right before deleting).</summary>
    public static bool DeleteIfWrittenBefore(string path, DateTime writtenBefore)
    {
        try
        {
            if (!File.Exists(path) || File.GetLastWriteTimeUtc(path) >= writtenBefore) return false;
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
