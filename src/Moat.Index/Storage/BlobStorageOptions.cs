using Tomlyn.Model;

namespace Moat.Index.Storage;

/// <summary>
/// Where distribution files live (<c>[storage]</c>): under the data directory by default, or in an S3-compatible
/// bucket with <c>blobs = "s3://bucket/prefix"</c>. The endpoint, region and credentials come from the standard
/// variables (<see cref="S3Connection.FromEnvironment"/>), never from the file.
/// </summary>
public sealed record BlobStorageOptions
{
    /// <summary>The <c>[storage]</c> keys this record reads.</summary>
    public static readonly string[] SettingKeys = ["blobs", "s3-path-style", "s3-presigned-downloads"];

    /// <summary>The bucket and key prefix (<c>[storage] blobs</c>); null keeps the files under the data directory.</summary>
    public S3Location? S3 { get; init; }

    /// <summary>
    /// Path-style addressing (<c>http://host/bucket/key</c>) instead of virtual-hosted (<c>http://bucket.host/key</c>),
    /// <c>[storage] s3-path-style</c>: what most self-hosted S3-compatible servers (MinIO, s3rver) need.
    /// </summary>
    public bool S3PathStyle { get; init; }

    /// <summary>
    /// Downloads answer 302 to a pre-signed GET of the bucket (<c>[storage] s3-presigned-downloads</c>), valid for
    /// <see cref="S3BlobStore.PresignedExpiry"/>, so the bytes do not pass through the server.
    /// </summary>
    public bool S3PresignedDownloads { get; init; }

    /// <summary>The endpoint and credentials; null: <see cref="S3Connection.FromEnvironment"/> when the store is opened (tests give their own).</summary>
    public S3Connection? Connection { get; init; }

    /// <summary>Reads the <c>[storage]</c> table's blob keys (other keys of the section are someone else's).</summary>
    public static BlobStorageOptions Apply(BlobStorageOptions options, TomlTable storage, string source)
    {
        if (storage.TryGetValue("blobs", out var blobs))
            options = options with { S3 = blobs is string uri ? S3Location.Parse(uri, source) : throw Bad(source, "storage.blobs", "a string: \"s3://bucket/prefix\"") };
        if (storage.TryGetValue("s3-path-style", out var pathStyle))
            options = options with { S3PathStyle = pathStyle as bool? ?? throw Bad(source, "storage.s3-path-style", "true or false") };
        if (storage.TryGetValue("s3-presigned-downloads", out var presigned))
            options = options with { S3PresignedDownloads = presigned as bool? ?? throw Bad(source, "storage.s3-presigned-downloads", "true or false") };
        if (options.S3 is null && (options.S3PathStyle || options.S3PresignedDownloads))
            throw new IndexConfigurationException($"{source}: storage.s3-path-style and storage.s3-presigned-downloads need storage.blobs = \"s3://bucket/prefix\"");
        return options;
    }

    private static IndexConfigurationException Bad(string source, string key, string expected) => new($"{source}: {key} must be {expected}");
}

/// <summary>A bucket and the key prefix under which blobs are written (empty, or ending in <c>/</c>).</summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    public static S3Location Parse(string value, string source)
    {
        const string Scheme = "s3://";
        if (!value.StartsWith(Scheme, StringComparison.Ordinal))
            throw new IndexConfigurationException($"{source}: storage.blobs must be \"s3://bucket/prefix\" (got \"{value}\"); leave it out to keep files under the data directory");
        var rest = value[Scheme.Length..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        // S3's bucket naming rules: 3 to 63 lower-case letters, digits, dots and hyphens.
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-'))
            throw new IndexConfigurationException($"{source}: storage.blobs names the bucket \"{bucket}\": a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens");
        if (prefix.Length > 0 && prefix.Split('/').Any(part => part is "" or "." or ".."))
            throw new IndexConfigurationException($"{source}: storage.blobs has an empty, \".\" or \"..\" part in its prefix \"{prefix}\"");
        return new S3Location(bucket, prefix.Length == 0 ? "" : prefix + "/");
    }

    public override string ToString() => $"s3://{Bucket}/{Prefix}";
}

/// <summary>
/// Where the S3 API is and who calls it: <c>AWS_ENDPOINT_URL</c> (absent: AWS itself), <c>AWS_REGION</c>, and
/// <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c> (absent: the SDK's other sources, such as an instance role).
/// </summary>
public sealed record S3Connection(string? Endpoint, string? Region, string? AccessKeyId, string? SecretAccessKey)
{
    public static S3Connection FromEnvironment() => new(
        Variable("AWS_ENDPOINT_URL_S3") ?? Variable("AWS_ENDPOINT_URL"), Variable("AWS_REGION") ?? Variable("AWS_DEFAULT_REGION"),
        Variable("AWS_ACCESS_KEY_ID"), Variable("AWS_SECRET_ACCESS_KEY"));

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
