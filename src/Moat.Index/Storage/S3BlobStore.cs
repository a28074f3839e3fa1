using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Moat.Index.Storage;

/// <summary>
/// Blobs as objects of an S3-compatible bucket, at <c>prefix/ab/cd/abcd…</c> (the layout of
/// <see cref="FileSystemBlobStore"/>, so a blob directory copied into the bucket is found as it is). Uploads are
/// staged in a local directory, where the upload code inspects them, then committed with a single PUT: S3 makes an
/// object visible only once its whole body has arrived, so a crash at any point leaves either no object or the whole
/// blob. Every PUT carries Content-MD5 and the SHA-256 checksum, which the server checks against the body it
/// received, and the answer is checked in turn (<see cref="Verify"/>).
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>How long a pre-signed download URL works: long enough to start the download, short enough not to be worth sharing.</summary>
    public static readonly TimeSpan PresignedExpiry = TimeSpan.FromMinutes(5);

    private readonly IAmazonS3 _s3;
    private readonly S3Location _location;
    private readonly LocalStaging _staging;
    private readonly bool _presignedDownloads;
    private readonly Protocol _protocol;

    public S3BlobStore(IAmazonS3 s3, S3Location location, string stagingDirectory, bool presignedDownloads, Protocol protocol = Protocol.HTTPS)
    {
        _s3 = s3;
        _location = location;
        _staging = new LocalStaging(stagingDirectory);
        _presignedDownloads = presignedDownloads;
        _protocol = protocol;
    }

    /// <summary>The store for <paramref name="options"/>; staging files go to <paramref name="stagingDirectory"/> (on local disk).</summary>
    public static S3BlobStore Create(BlobStorageOptions options, string stagingDirectory)
    {
        var location = options.S3 ?? throw new ArgumentException("no S3 location configured", nameof(options));
        var connection = options.Connection ?? S3Connection.FromEnvironment();
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.S3PathStyle,
            // The SDK's default adds CRC32 trailers in aws-chunked bodies, which not every S3-compatible server
            // decodes; the checksums this store sends itself are plain headers (Content-MD5, x-amz-checksum-sha256).
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 3,
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (connection.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = connection.Region ?? "us-east-1";
        }
        else if (connection.Region is { } region)
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        }
        var client = connection.AccessKeyId is { } key && connection.SecretAccessKey is { } secret
            ? new AmazonS3Client(new BasicAWSCredentials(key, secret), config)
            : new AmazonS3Client(config);
        var protocol = connection.Endpoint?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS;
        return new S3BlobStore(client, location, stagingDirectory, options.S3PresignedDownloads, protocol);
    }

    /// <summary>Keys per ListObjectsV2 page (S3's maximum; smaller in tests, to page through a small bucket).</summary>
    internal int ListPageSize { get; init; } = 1000;

    public string KeyOf(string sha256) => $"{_location.Prefix}{sha256[..2]}/{sha256[2..4]}/{sha256}";

    /// <summary>
    /// Lists one key under the prefix: proves at start that the endpoint answers, the credentials are accepted and
    /// the bucket exists and may be listed (the orphan sweep lists it). Throws <see cref="IndexConfigurationException"/>
    /// with one line naming the problem.
    /// </summary>
    public async Task CheckAccessAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var where = $"storage.blobs = \"{_location}\" at {EndpointName}";
        try
        {
            await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _location.Bucket, Prefix = _location.Prefix, MaxKeys = 1 }, timeout.Token);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "NoSuchBucket")
        {
            throw new IndexConfigurationException($"{where}: the bucket {_location.Bucket} does not exist");
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken" or "AccessDenied"
                                           || ex.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            throw new IndexConfigurationException($"{where}: the credentials were refused ({ex.ErrorCode ?? ex.StatusCode.ToString()}: {OneLine(ex.Message)}); " +
                "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and that they may list, read, write and delete in the bucket");
        }
        catch (AmazonS3Exception ex)
        {
            throw new IndexConfigurationException($"{where}: the storage answered {(int)ex.StatusCode} {ex.ErrorCode}: {OneLine(ex.Message)}");
        }
        catch (AmazonClientException ex) when (ex.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            throw new IndexConfigurationException($"{where}: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ({OneLine(ex.Message)})");
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new IndexConfigurationException($"{where}: the storage is unreachable ({OneLine(Innermost(ex).Message)}); check AWS_ENDPOINT_URL and the network");
        }
    }

    private string EndpointName => _s3.Config.ServiceURL is { Length: > 0 } url ? url : $"AWS S3 ({_s3.Config.RegionEndpoint?.SystemName ?? "default region"})";

    public Task<StagedBlob> StageAsync(Stream content, long maxBytes, Action<byte[], int>? observe, CancellationToken ct) =>
        _staging.StageAsync(content, maxBytes, observe, ct);

    /// <summary>
    /// PUTs the staged file (even when the object exists: the same bytes again, and a fresh LastModified that keeps
    /// the orphan sweep off a blob that just became referenced), then removes the staging file.
    /// </summary>
    public async Task CommitAsync(StagedBlob staged, CancellationToken ct)
    {
        await using (var file = new FileStream(staged.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            // Hashed again as it is sent: the staging file is what was inspected, and only its exact bytes may be
            // committed under its sha256 (a disk error or a tampered file must not become a blob).
            var (sha256, md5) = await DigestsAsync(file, ct);
            if (sha256 != staged.Sha256)
                throw new IOException($"the staging file {staged.Path} changed after it was staged (sha256 {sha256}, staged as {staged.Sha256}); nothing was committed");
            file.Position = 0;
            await PutVerifiedAsync(staged.Sha256, file, md5, ct);
        }
        staged.Dispose();
    }

    private static async Task<(string Sha256, byte[] Md5)> DigestsAsync(Stream content, CancellationToken ct)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(buffer, ct)) > 0)
        {
            sha256.AppendData(buffer, 0, read);
            md5.AppendData(buffer, 0, read);
        }
        return (Convert.ToHexStringLower(sha256.GetHashAndReset()), md5.GetHashAndReset());
    }

    public async Task<string> PutAsync(ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        var bytes = content.ToArray();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await PutVerifiedAsync(sha256, new MemoryStream(bytes, writable: false), MD5.HashData(bytes), ct);
        return sha256;
    }

    private async Task PutVerifiedAsync(string sha256, Stream body, byte[] md5, CancellationToken ct)
    {
        var sha256Base64 = Convert.ToBase64String(Convert.FromHexString(sha256));
        var response = await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _location.Bucket,
            Key = KeyOf(sha256),
            InputStream = body,
            AutoCloseStream = false,
            ContentType = "application/octet-stream",
            MD5Digest = Convert.ToBase64String(md5),
            ChecksumSHA256 = sha256Base64,
            // Plain signed payload: streaming (aws-chunked) signatures are not decoded by every S3-compatible server.
            UseChunkEncoding = false,
        }, ct);
        if (Verify(response, sha256Base64, md5) is { } mismatch)
        {
            // Wrong bytes under a content address must not stay: a later read would serve them as this sha256.
            await _s3.DeleteObjectAsync(_location.Bucket, KeyOf(sha256), ct);
            throw new IOException($"object storage stored different content for blob {sha256}: {mismatch}");
        }
    }

    /// <summary>
    /// Checks the PUT's answer against the content sent: the SHA-256 checksum when the server returns one, else the
    /// ETag, which is the body's MD5 for a single-part PUT on S3 and the compatible servers. Null when they agree.
    /// </summary>
    public static string? Verify(PutObjectResponse response, string sha256Base64, byte[] md5)
    {
        if (!string.IsNullOrEmpty(response.ChecksumSHA256))
            return response.ChecksumSHA256 == sha256Base64 ? null : $"SHA-256 checksum {response.ChecksumSHA256}, expected {sha256Base64}";
        var etag = response.ETag?.Trim('"');
        if (etag is { Length: 32 } && etag.All(char.IsAsciiHexDigit))
            return string.Equals(etag, Convert.ToHexStringLower(md5), StringComparison.OrdinalIgnoreCase) ? null : $"ETag {etag}, expected MD5 {Convert.ToHexStringLower(md5)}";
        return null; // no digest in the answer (an encrypting server): the server itself checked Content-MD5
    }

    public async Task<Stream?> OpenReadAsync(string sha256, CancellationToken ct) =>
        await MetadataAsync(sha256, ct) is { } metadata ? new S3ReadStream(_s3, _location.Bucket, KeyOf(sha256), metadata.ContentLength) : null;

    public async Task<bool> ExistsAsync(string sha256, CancellationToken ct) => await MetadataAsync(sha256, ct) is not null;

    private async Task<GetObjectMetadataResponse?> MetadataAsync(string sha256, CancellationToken ct)
    {
        if (!IBlobStore.IsSha256(sha256)) return null;
        try
        {
            return await _s3.GetObjectMetadataAsync(_location.Bucket, KeyOf(sha256), ct);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Uri? DirectDownloadUrl(string sha256, string filename)
    {
        if (!_presignedDownloads || !IBlobStore.IsSha256(sha256)) return null;
        var url = _s3.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = _location.Bucket,
            Key = KeyOf(sha256),
            Verb = HttpVerb.GET,
            Protocol = _protocol,
            Expires = DateTime.UtcNow + PresignedExpiry,
            ResponseHeaderOverrides =
            {
                ContentType = BlobHeaders.ContentTypeOf(filename),
                ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = filename, DispositionType = "attachment" }.ToString(),
                CacheControl = BlobHeaders.ImmutableCaching,
            },
        });
        return new Uri(url);
    }

    public async IAsyncEnumerable<StoredBlob> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var staging in _staging.List()) yield return staging;
        var request = new ListObjectsV2Request { BucketName = _location.Bucket, Prefix = _location.Prefix, MaxKeys = ListPageSize };
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, ct);
            foreach (var item in page.S3Objects ?? [])
            {
                // Only what this store wrote: a sha256 at its own key. Anything else in the bucket is not ours to delete.
                var name = item.Key[(item.Key.LastIndexOf('/') + 1)..];
                if (IBlobStore.IsSha256(name) && item.Key == KeyOf(name))
                    yield return new StoredBlob(name, item.Size ?? 0, (item.LastModified ?? DateTime.MaxValue).ToUniversalTime(), Staging: false);
            }
            if (page.IsTruncated != true) yield break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public async Task<bool> DeleteAsync(StoredBlob blob, DateTime writtenBefore, CancellationToken ct)
    {
        if (blob.Staging) return _staging.Delete(blob, writtenBefore);
        // Looked at again right before deleting: a re-upload of the same bytes refreshes LastModified (CommitAsync).
        if (await MetadataAsync(blob.Name, ct) is not { } current || (current.LastModified ?? DateTime.MaxValue).ToUniversalTime() >= writtenBefore) return false;
        await _s3.DeleteObjectAsync(_location.Bucket, KeyOf(blob.Name), ct);
        return true;
    }

    public void Dispose() => _s3.Dispose();

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
