using Moat.Packaging.Distributions;
using System.Security.Cryptography;
using Moat.Index.Admin;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// What every blob store promises, run against each backend (the filesystem and an S3-compatible server): staged
/// content is invisible until committed, committed content reads back whole or by range, listing and deleting serve
/// the orphan sweep, and a re-commit protects a blob the sweep listed just before.
/// </summary>
public sealed class BlobStoreContractTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-blob-contract", Guid.NewGuid().ToString("N"));

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task Staged_content_is_invisible_until_committed_then_reads_back_under_its_sha256(BlobBackend backend)
    {
        var blobs = BlobBackends.Open(backend, _root);
        var content = RandomBytes(200_000, 1);
        long observed = 0;
        using var staged = await blobs.StageAsync(new MemoryStream(content), long.MaxValue, (_, n) => observed += n, default);

        Assert.Equal(content.Length, observed);
        Assert.Equal(Sha256(content), staged.Sha256);
        Assert.Equal(content.Length, staged.Size);
        Assert.Equal(content, await File.ReadAllBytesAsync(staged.Path)); // the upload code inspects this local file
        Assert.False(await blobs.ExistsAsync(staged.Sha256, default));
        Assert.Null(await blobs.OpenReadAsync(staged.Sha256, default));
        Assert.True(Assert.Single(await blobs.ListAsync()).Staging);

        await blobs.CommitAsync(staged, default);
        Assert.False(File.Exists(staged.Path));
        Assert.True(await blobs.ExistsAsync(staged.Sha256, default));
        Assert.Equal(content, await blobs.ReadAllAsync(staged.Sha256));
        var listed = Assert.Single(await blobs.ListAsync());
        Assert.Equal((staged.Sha256, content.Length, false), (listed.Name, listed.Bytes, listed.Staging));

        // Committing the same bytes again is fine and still one blob.
        using var again = await blobs.StageAsync(new MemoryStream(content), long.MaxValue, null, default);
        await blobs.CommitAsync(again, default);
        Assert.Single(await blobs.ListAsync());
    }

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task Small_content_is_put_directly_and_only_content_addresses_are_read(BlobBackend backend)
    {
        var blobs = BlobBackends.Open(backend, _root);
        var sha = await blobs.PutAsync("Metadata-Version: 2.1\nName: alpha\n"u8.ToArray(), default);
        Assert.Equal(Sha256("Metadata-Version: 2.1\nName: alpha\n"u8.ToArray()), sha);
        Assert.Equal(sha, await blobs.PutAsync("Metadata-Version: 2.1\nName: alpha\n"u8.ToArray(), default));
        Assert.Equal("Metadata-Version: 2.1\nName: alpha\n"u8.ToArray(), await blobs.ReadAllAsync(sha));

        Assert.Null(await blobs.OpenReadAsync("../../etc/passwd", default));
        Assert.Null(await blobs.OpenReadAsync(sha.ToUpperInvariant(), default));
        Assert.False(await blobs.ExistsAsync(new string('0', 64), default));
        Assert.Null(await blobs.OpenReadAsync(new string('0', 64), default));
        Assert.Equal([sha], (await blobs.ListAsync()).Select(b => b.Name));
    }

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task A_read_stream_has_its_length_and_seeks_anywhere_for_range_requests(BlobBackend backend)
    {
        var blobs = BlobBackends.Open(backend, _root);
        var content = RandomBytes(300_000, 2);
        var sha = await blobs.PutAsync(content, default);
        await using var stream = (await blobs.OpenReadAsync(sha, default))!;
        Assert.True(stream.CanSeek);
        Assert.Equal(content.Length, stream.Length);

        async Task<byte[]> ReadAt(long offset, int count)
        {
            stream.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[count];
            await stream.ReadExactlyAsync(buffer);
            return buffer;
        }
        Assert.Equal(content[^22..], await ReadAt(content.Length - 22, 22));          // a zip's end of central directory
        Assert.Equal(content[1000..1500], await ReadAt(1000, 500));                     // a member in the middle
        Assert.Equal(content[1500..1600], await ReadAt(1500, 100));                     // and straight on from there
        Assert.Equal(content[..10], await ReadAt(0, 10));                               // back to the start
        stream.Seek(0, SeekOrigin.End);
        Assert.Equal(0, await stream.ReadAsync(new byte[10]));
    }

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task Oversized_or_failed_staging_leaves_nothing(BlobBackend backend)
    {
        var blobs = BlobBackends.Open(backend, _root);
        await Assert.ThrowsAsync<BlobTooLargeException>(() => blobs.StageAsync(new MemoryStream(new byte[1000]), 999, null, default));
        await Assert.ThrowsAsync<IOException>(() => blobs.StageAsync(new FailingStream(50_000), long.MaxValue, null, default));
        Assert.Empty(await blobs.ListAsync());
    }

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task A_crash_between_stage_and_commit_leaves_no_blob_only_a_staging_file_the_sweep_removes(BlobBackend backend)
    {
        var s3 = backend == BlobBackend.S3 ? BlobBackends.S3Options() : null;
        var before = BlobBackends.Open(backend, _root, s3);
        var content = RandomBytes(10_000, 3);
        var staged = await before.StageAsync(new MemoryStream(content), long.MaxValue, null, default);
        // The process dies here: no commit, no dispose. The restarted server opens the same storage.
        var after = BlobBackends.Open(backend, _root, s3);
        Assert.False(await after.ExistsAsync(staged.Sha256, default));
        Assert.Null(await after.OpenReadAsync(staged.Sha256, default));
        var leftover = Assert.Single(await after.ListAsync());
        Assert.True(leftover.Staging);
        Assert.Equal(content.Length, leftover.Bytes);

        var clock = new ShiftableClock();
        var sweep = new BlobSweep(SqlMetadataStore.Open(Path.Combine(_root, "moat.db")), null, after, clock);
        Assert.Equal(1, (await sweep.RunAsync(BlobSweep.DefaultGrace, delete: true)).TooYoung); // an upload in flight, perhaps
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal([leftover.Name], (await sweep.RunAsync(BlobSweep.DefaultGrace, delete: true)).Deleted.Select(b => b.Name));
        Assert.Empty(await after.ListAsync());
    }

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task The_sweep_deletes_old_orphans_and_keeps_referenced_and_recommitted_blobs(BlobBackend backend)
    {
        var blobs = BlobBackends.Open(backend, _root);
        var store = SqlMetadataStore.Open(Path.Combine(_root, "moat.db"));
        var referenced = await blobs.PutAsync("referenced"u8.ToArray(), default);
        var orphan = await blobs.PutAsync("orphan"u8.ToArray(), default);
        var recommitted = await blobs.PutAsync("recommitted"u8.ToArray(), default);
        await store.AddFileAsync(new FileRecord("alpha-1.0-py3-none-any.whl", "alpha", "1.0", PackageType.Wheel, "py3", null, referenced, null, new string('2', 32), 10,
            DateTimeOffset.UtcNow, null, false, null, FileState.Available, null, null, null), "alpha");
        var listedBefore = (await blobs.ListAsync()).Single(b => b.Name == recommitted);

        // An upload of the recommitted bytes lands after the sweep listed them: the sweep must not delete them now.
        // (Whole seconds: S3 keeps LastModified to the second.)
        var now = DateTime.UtcNow;
        var commitStarted = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        Assert.True(listedBefore.LastWriteUtc < commitStarted.AddSeconds(1)); // without the re-commit it would go
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // the first write's second is over
        using (var staged = await blobs.StageAsync(new MemoryStream("recommitted"u8.ToArray()), long.MaxValue, null, default))
            await blobs.CommitAsync(staged, default);
        Assert.False(await blobs.DeleteAsync(listedBefore, commitStarted.AddSeconds(1), default));
        Assert.True(await blobs.ExistsAsync(recommitted, default));

        var clock = new ShiftableClock();
        clock.Advance(TimeSpan.FromHours(2));
        var report = await new BlobSweep(store, null, blobs, clock).RunAsync(BlobSweep.DefaultGrace, delete: true);
        Assert.Equal(new[] { orphan, recommitted }.Order(), report.Deleted.Select(b => b.Name).Order()); // two hours later both are orphans
        Assert.Equal(1, report.Referenced);
        Assert.Equal([referenced], (await blobs.ListAsync()).Select(b => b.Name));
        Assert.False(await blobs.DeleteAsync(listedBefore, DateTime.UtcNow.AddHours(3), default)); // already gone
    }

    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task A_large_file_streams_through_staging_commit_and_read(BlobBackend backend)
    {
        var blobs = BlobBackends.Open(backend, _root);
        const long Size = 48L * 1024 * 1024;
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var staged = await blobs.StageAsync(new GeneratedStream(Size, 4), long.MaxValue, (chunk, n) => expected.AppendData(chunk, 0, n), default);
        var sha = Convert.ToHexStringLower(expected.GetHashAndReset());
        Assert.Equal(sha, staged.Sha256);
        await blobs.CommitAsync(staged, default);

        await using var stream = (await blobs.OpenReadAsync(sha, default))!;
        Assert.Equal(Size, stream.Length);
        Assert.Equal(sha, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>Pseudo-random bytes made on the fly: a large upload without a large array.</summary>
    private sealed class GeneratedStream(long length, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private long _position;
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            _random.NextBytes(buffer.AsSpan(offset, n));
            _position += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>An upload whose connection drops after <paramref name="failAfter"/> bytes.</summary>
    private sealed class FailingStream(int failAfter) : Stream
    {
        private int _position;
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter) throw new IOException("connection reset");
            var n = Math.Min(count, failAfter - _position);
            _position += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
