using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Moat.Index.Errors;
using Moat.Index.Storage;

namespace Moat.Index.Upload;

/// <summary>A parsed legacy upload: the form fields (repeated fields keep every value) and the staged <c>content</c> file.</summary>
public sealed class UploadForm : IDisposable
{
    public Dictionary<string, List<string>> Fields { get; } = new(StringComparer.Ordinal);
    public string? Filename { get; set; }
    public StagedBlob? Content { get; set; }
    public string? Md5 { get; set; }
    public string? Blake2b256 { get; set; }

    public string? this[string name] => Fields.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    public void Dispose() => Content?.Dispose();
}

/// <summary>Invalid upload input: answered as <see cref="IndexError.Invalid"/> unless said otherwise, with this message.</summary>
public sealed class UploadRejectedException(string message, IndexError? error = null) : Exception(message)
{
    public IndexError Error => error ?? IndexError.Invalid;
}

/// <summary>
/// Reads the multipart body as a stream: small fields into memory (bounded in count and size), the <c>content</c>
/// part straight into blob staging while MD5 and BLAKE2b-256 are computed on the same pass (sha256 is the blob
/// store's). Nothing is buffered twice.
/// </summary>
public static class UploadFormReader
{
    private const int MaxFields = 2000;
    private const int MaxFieldBytes = 1024 * 1024;
    private const long MaxTotalFieldBytes = 8L * 1024 * 1024;

    public static async Task<UploadForm> ReadAsync(HttpRequest request, IBlobStore blobs, long maxFileBytes, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            throw new UploadRejectedException("Invalid upload: expected a multipart/form-data body.");

        var form = new UploadForm();
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
            long fieldBytes = 0;
            var fieldCount = 0;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !(disposition.IsFormDisposition() || disposition.IsFileDisposition()))
                    throw new UploadRejectedException("Invalid upload: a form part has no form-data disposition.");
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition())
                {
                    if (name != "content") continue; // e.g. gpg_signature: not kept
                    if (form.Content is not null) throw new UploadRejectedException("Invalid upload: more than one content file.");
                    form.Filename = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    using var md5 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
                    using var blake2 = new Blake2b256();
                    form.Content = await blobs.StageAsync(section.Body, maxFileBytes, (chunk, length) =>
                    {
                        md5.AppendData(chunk, 0, length);
                        blake2.Append(chunk, length);
                    }, ct);
                    form.Md5 = Convert.ToHexStringLower(md5.GetHashAndReset());
                    form.Blake2b256 = blake2.FinishHex();
                    continue;
                }
                if (++fieldCount > MaxFields) throw new UploadRejectedException("Invalid upload: too many form fields.");
                var value = await ReadFieldAsync(section.Body, ct);
                fieldBytes += value.Length;
                if (fieldBytes > MaxTotalFieldBytes) throw new UploadRejectedException("Invalid upload: the form fields are too large.");
                if (!form.Fields.TryGetValue(name, out var values)) form.Fields[name] = values = [];
                values.Add(value);
            }
            return form;
        }
        catch (BlobTooLargeException ex)
        {
            form.Dispose();
            throw new UploadRejectedException(ex.Message, IndexError.TooLarge);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's body limit, hit by a body that did not announce its length: too large, not malformed.
            form.Dispose();
            throw new UploadRejectedException($"Upload too large: the limit is {maxFileBytes / (1024 * 1024)} MiB per file.", IndexError.TooLarge);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && ex is not OperationCanceledException)
        {
            form.Dispose();
            throw new UploadRejectedException("Invalid upload: malformed multipart body.");
        }
        catch
        {
            form.Dispose();
            throw;
        }
    }

    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxFieldBytes) throw new UploadRejectedException("Invalid upload: a form field is larger than 1 MiB.");
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
