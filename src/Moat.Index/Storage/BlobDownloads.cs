using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Moat.Index.Storage;

/// <summary>A stored file handed out as the immutable file its content address makes it (hosted and proxied files alike).</summary>
public static class BlobDownloads
{
    /// <summary>
    /// A file's row names a blob the storage no longer holds: an operator's problem (a lost disk, a bucket emptied by
    /// hand), logged at Error with the blob it needs, while the client gets a 500 that says only which file.
    /// </summary>
    public static void LogMissing(HttpContext context, string filename, string blob) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BlobDownloads))
            .LogError("The content of {Filename} (blob {Blob}) is missing from storage", filename, blob);

    /// <summary><see cref="LogMissing"/>, answered as a 500 problem.</summary>
    public static IResult Missing(HttpContext context, string filename, string blob)
    {
        LogMissing(context, filename, blob);
        return Results.Problem($"The content of {filename} is missing from storage.", statusCode: 500);
    }

    /// <summary>
    /// A 302 to the storage's pre-signed URL when <c>[storage] s3-presigned-downloads</c> is on (not cached: the URL
    /// expires, the route's does not), else the blob streamed with Range support. Null when the blob is missing.
    /// </summary>
    public static async Task<IResult?> ServeAsync(HttpContext context, IBlobStore blobs, string blob, string filename, DateTimeOffset? lastModified)
    {
        if (blobs.DirectDownloadUrl(blob, filename) is { } direct)
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Redirect(direct.OriginalString);
        }
        var stream = await blobs.OpenReadAsync(blob, context.RequestAborted);
        if (stream is null) return null;
        context.Response.Headers.CacheControl = BlobHeaders.ImmutableCaching;
        return Results.Stream(stream, BlobHeaders.ContentTypeOf(filename), lastModified: lastModified,
            entityTag: new EntityTagHeaderValue("\"" + blob + "\""), enableRangeProcessing: true);
    }
}
