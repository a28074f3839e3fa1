namespace Moat.Index.Storage;

/// <summary>What a blob copy did: blobs written, blobs the target already held, bytes written, and source blobs whose content does not match their name.</summary>
public sealed record BlobCopyResult(long Copied, long AlreadyThere, long Bytes, IReadOnlyList<string> Damaged);

/// <summary>
/// Copies every committed blob of one store into another — the data directory's files into a bucket, when an index
/// moves to object storage. Each blob is staged in the target, which hashes it, and committed only when the hash is
/// the blob's name: a damaged source blob is reported and never copied. Blobs the target already holds are skipped, so
/// a copy that was interrupted is finished by running it again. Staging files (uploads in flight or abandoned) are not
/// blobs and are not copied.
/// </summary>
public static class BlobCopy
{
    public static async Task<BlobCopyResult> CopyAsync(IBlobStore source, IBlobStore target, CancellationToken ct)
    {
        long copied = 0, already = 0, bytes = 0;
        var damaged = new List<string>();
        await foreach (var blob in source.ListAsync(ct))
        {
            if (blob.Staging) continue;
            if (await target.ExistsAsync(blob.Name, ct))
            {
                already++;
                continue;
            }
            await using var content = await source.OpenReadAsync(blob.Name, ct);
            if (content is null) continue; // deleted since it was listed (the sweep): nothing refers to it
            using var staged = await target.StageAsync(content, long.MaxValue, null, ct);
            if (!string.Equals(staged.Sha256, blob.Name, StringComparison.Ordinal))
            {
                damaged.Add($"{blob.Name} (its content hashes to {staged.Sha256})");
                continue;
            }
            await target.CommitAsync(staged, ct);
            copied++;
            bytes += staged.Size;
        }
        return new BlobCopyResult(copied, already, bytes, damaged);
    }
}
