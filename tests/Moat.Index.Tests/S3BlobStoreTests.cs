using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>What only the S3 store does: re-check the staged bytes at commit, verify the server's answer, refuse a bad bucket at start.</summary>
public sealed class S3BlobStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-s3-store", Guid.NewGuid().ToString("N"));

    [ServerFact(TestServer.S3)]
    public async Task A_staging_file_changed_after_staging_is_never_committed()
    {
        var blobs = BlobBackends.Open(BlobBackend.S3, _root);
        using var staged = await blobs.StageAsync(new MemoryStream("inspected content"u8.ToArray()), long.MaxValue, null, default);
        await File.WriteAllTextAsync(staged.Path, "swapped content!!");
        var error = await Assert.ThrowsAsync<IOException>(() => blobs.CommitAsync(staged, default));
        Assert.Contains("changed after it was staged", error.Message);
        Assert.False(await blobs.ExistsAsync(staged.Sha256, default));
        Assert.DoesNotContain(await blobs.ListAsync(), b => !b.Staging);
    }

    [ServerFact(TestServer.S3)]
    public async Task Listing_pages_through_the_bucket_and_skips_keys_this_store_did_not_write()
    {
        var options = BlobBackends.S3Options();
        var blobs = (S3BlobStore)BlobBackends.Open(BlobBackend.S3, _root, options);
        var written = new List<string>();
        for (var i = 0; i < 5; i++) written.Add(await blobs.PutAsync(System.Text.Encoding.UTF8.GetBytes($"blob {i}"), default));
        // Someone else's objects under the prefix: not at a blob's key, so never listed (and never swept).
        var sha = written[0];
        var client = new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(options.Connection!.AccessKeyId, options.Connection.SecretAccessKey),
            new Amazon.S3.AmazonS3Config { ServiceURL = options.Connection.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        foreach (var stray in new[] { "README.txt", sha, $"{sha[..2]}/{sha}", $"ff/ff/{sha}" })
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = options.S3!.Bucket, Key = options.S3.Prefix + stray, ContentBody = "not a blob", UseChunkEncoding = false });

        var paged = new S3BlobStore(client, options.S3!, Path.Combine(_root, "blob-staging"), presignedDownloads: false, Amazon.S3.Protocol.HTTP) { ListPageSize = 2 };
        Assert.Equal(written.Order(), (await paged.ListAsync()).Select(b => b.Name).Order());
        Assert.All(await paged.ListAsync(), b => Assert.InRange(b.LastWriteUtc, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public void The_put_answer_is_checked_against_the_content_sent()
    {
        var md5 = System.Security.Cryptography.MD5.HashData("abc"u8);
        var sha = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("abc"u8));
        Assert.Null(S3BlobStore.Verify(new Amazon.S3.Model.PutObjectResponse { ETag = $"\"{Convert.ToHexStringLower(md5)}\"" }, sha, md5));
        Assert.Null(S3BlobStore.Verify(new Amazon.S3.Model.PutObjectResponse { ChecksumSHA256 = sha, ETag = "\"opaque-etag\"" }, sha, md5));
        Assert.Contains("ETag", S3BlobStore.Verify(new Amazon.S3.Model.PutObjectResponse { ETag = $"\"{new string('0', 32)}\"" }, sha, md5));
        Assert.Contains("SHA-256", S3BlobStore.Verify(new Amazon.S3.Model.PutObjectResponse { ChecksumSHA256 = Convert.ToBase64String(new byte[32]) }, sha, md5));
    }

    [ServerFact(TestServer.S3)]
    public void Wrong_credentials_a_missing_bucket_and_an_unreachable_endpoint_are_one_line_each()
    {
        var good = BlobBackends.S3Options();
        string Refusal(BlobStorageOptions blobs) =>
            Assert.Throws<IndexConfigurationException>(() => BlobStores.Open(new IndexOptions { DataDirectory = _root, Blobs = blobs })).Message;

        // An unknown key id. (s3rver does not check SigV4 signatures, so a wrong secret, SignatureDoesNotMatch on a
        // real S3, takes the same path without being seen here.)
        var credentials = Refusal(good with { Connection = good.Connection! with { AccessKeyId = "NOBODY" } });
        Assert.Contains("the credentials were refused (InvalidAccessKeyId", credentials);
        Assert.Contains("check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", credentials);
        Assert.EndsWith("the bucket no-such-bucket does not exist", Refusal(good with { S3 = new S3Location("no-such-bucket", "") }));
        var unreachable = Refusal(good with { Connection = good.Connection! with { Endpoint = "http://127.0.0.1:9" } });
        Assert.Contains("at http://127.0.0.1:9", unreachable);
        Assert.Contains("unreachable", unreachable);
        Assert.All(new[] { credentials, unreachable }, m => Assert.DoesNotContain('\n', m));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// The S3 store's PUT as the wire sees it, against a loopback stand-in that records requests (s3rver ignores the
/// checksum headers, so only a recording server shows they are sent) and can answer with the wrong digest.
/// </summary>
public sealed class S3PutVerificationTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-s3-put", Guid.NewGuid().ToString("N"));
    private readonly List<(string Method, string Path, Dictionary<string, string> Headers)> _requests = [];
    private Microsoft.AspNetCore.Builder.WebApplication? _server;

    /// <summary>Answers every PUT with <paramref name="etag"/> (null: the MD5 of the body it received, as S3 does).</summary>
    private async Task<S3BlobStore> StartAsync(Func<byte[], string>? etag = null)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            lock (_requests)
                _requests.Add((context.Request.Method, context.Request.Path.Value!, context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));
            if (context.Request.Method == "PUT")
                context.Response.Headers.ETag = "\"" + (etag ?? (b => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(b))))(body.ToArray()) + "\"";
            else if (context.Request.Method == "DELETE")
                context.Response.StatusCode = 204;
        });
        await _server.StartAsync();
        var endpoint = _server.Urls.Single();
        return S3BlobStore.Create(new BlobStorageOptions
        {
            S3 = new S3Location("moat-files", "index/"),
            S3PathStyle = true,
            Connection = new S3Connection(endpoint, "us-east-1", "AKIAEXAMPLE", "example-secret"),
        }, Path.Combine(_root, "staging"));
    }

    [Fact]
    public async Task A_commit_is_one_put_carrying_content_md5_and_the_sha256_checksum()
    {
        var blobs = await StartAsync();
        var content = "wheel bytes"u8.ToArray();
        using var staged = await blobs.StageAsync(new MemoryStream(content), long.MaxValue, null, default);
        await blobs.CommitAsync(staged, default);

        var put = Assert.Single(_requests);
        Assert.Equal("PUT", put.Method);
        Assert.Equal($"/moat-files/index/{staged.Sha256[..2]}/{staged.Sha256[2..4]}/{staged.Sha256}", put.Path);
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(content)), put.Headers["content-md5"]);
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(content)), put.Headers["x-amz-checksum-sha256"]);
        Assert.False(put.Headers.ContainsKey("content-encoding")); // a plain body, not aws-chunked
        Assert.False(File.Exists(staged.Path));
    }

    [Fact]
    public async Task A_put_answered_with_another_digest_fails_and_the_object_is_deleted()
    {
        var blobs = await StartAsync(etag: _ => new string('0', 32));
        using var staged = await blobs.StageAsync(new MemoryStream("wheel bytes"u8.ToArray()), long.MaxValue, null, default);
        var error = await Assert.ThrowsAsync<IOException>(() => blobs.CommitAsync(staged, default));
        Assert.Contains("stored different content", error.Message);
        Assert.Equal(["PUT", "DELETE"], _requests.Select(r => r.Method));
        Assert.Equal(_requests[0].Path, _requests[1].Path);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
