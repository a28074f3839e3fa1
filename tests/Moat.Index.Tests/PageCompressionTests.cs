using System.IO.Compression;
using System.Net;
using Moat.Index.Simple;

namespace Moat.Index.Tests;

public sealed class PageCompressionTests
{
    private static async Task<TestIndex> IndexWithBigPageAsync()
    {
        var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("bigproject");
        for (var i = 0; i < 12; i++) Assert.True((await index.UploadWheelAsync(token, "bigproject", $"1.{i}")).IsSuccessStatusCode);
        return index;
    }

    private static async Task<HttpResponseMessage> GetAsync(TestIndex index, string acceptEncoding, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/simple/bigproject/");
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.pypi.simple.v1+json");
        if (acceptEncoding.Length > 0) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        if (ifNoneMatch is not null) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return await index.Client.SendAsync(request);
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, deflate, br", "br")]
    [InlineData("br;q=0, gzip", "gzip")]
    [InlineData("gzip;q=0.5, br;q=0.8", "br")]
    public async Task Pages_are_served_precompressed_when_the_client_accepts_it(string acceptEncoding, string expected)
    {
        await using var index = await IndexWithBigPageAsync();
        using var plain = await GetAsync(index, "");
        var identity = await plain.Content.ReadAsByteArrayAsync();
        Assert.Empty(plain.Content.Headers.ContentEncoding);

        using var compressed = await GetAsync(index, acceptEncoding);
        Assert.Equal([expected], compressed.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", compressed.Headers.Vary);
        var bytes = await compressed.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length < identity.Length);
        using var input = new MemoryStream(bytes);
        using Stream decoder = expected == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        Assert.Equal(identity, output.ToArray());

        // Each representation has its own strong ETag, and revalidates to 304.
        Assert.NotEqual(plain.Headers.ETag, compressed.Headers.ETag);
        using var revalidated = await GetAsync(index, acceptEncoding, compressed.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Theory]
    [InlineData("identity", PageCoding.Identity)]
    [InlineData("*", PageCoding.Brotli)]
    [InlineData("*;q=0", PageCoding.Identity)]
    [InlineData("gzip;q=0, br;q=0", PageCoding.Identity)]
    [InlineData("GZIP", PageCoding.Gzip)]
    public void Coding_choice_follows_q_values(string header, PageCoding expected) =>
        Assert.Equal(expected, PageResponses.ChooseCoding(header));
}
