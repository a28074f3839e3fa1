using System.Text;
using Moat.Index.Proxy;

namespace Moat.Index.Tests;

public sealed class UpstreamPageParserTests
{
    private static readonly Uri Page = new("https://upstream.example.com/simple/demo/");
    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void Html_anchors_give_absolute_urls_hashes_requires_python_yanks_and_metadata()
    {
        var html = $"""
            <html><body>
            <a href="../../packages/demo-1.0.tar.gz#sha256={Sha}" data-requires-python="&gt;=3.8">demo-1.0.tar.gz</a>
            <A HREF='https://files.example.com/demo-1.1-py3-none-any.whl#md5=x&amp;sha256={Sha.ToUpperInvariant()}' data-yanked="broken" data-dist-info-metadata="sha256={Sha}">w</A>
            <a href="demo-2.0.tar.gz" data-core-metadata="true" data-yanked>no hash</a>
            <a name="no-href">x</a>
            </body></html>
            """;
        var files = UpstreamPageParser.ParseHtml(html, Page);
        Assert.Equal(3, files.Count);
        Assert.Equal("https://upstream.example.com/packages/demo-1.0.tar.gz", files[0].Url);
        Assert.Equal(Sha, files[0].Sha256);
        Assert.Equal(">=3.8", files[0].RequiresPython);
        Assert.False(files[0].Yanked);
        Assert.Equal("demo-1.1-py3-none-any.whl", files[1].Filename);
        Assert.Equal(Sha, files[1].Sha256); // upper-case hex normalized
        Assert.True(files[1].Yanked);
        Assert.Equal("broken", files[1].YankedReason);
        Assert.Equal(Sha, files[1].CoreMetadataSha256);
        Assert.Null(files[2].Sha256);
        Assert.True(files[2].Yanked);
        Assert.Null(files[2].CoreMetadataSha256); // "true" without a hash cannot be verified
    }

    [Fact]
    public void Json_pages_give_upload_times_sizes_and_yank_reasons_and_tolerate_junk()
    {
        var json = $$$"""
            {"meta":{"api-version":"1.1"},"name":"demo","files":[
              {"filename":"demo-1.0.tar.gz","url":"/f/demo-1.0.tar.gz","hashes":{"sha256":"{{{Sha}}}"},"upload-time":"2024-01-02T03:04:05.123456Z","size":42,"yanked":"bad build","core-metadata":{"sha256":"{{{Sha}}}"}},
              {"filename":"demo-1.1.tar.gz","url":"/f/demo-1.1.tar.gz","hashes":{"sha256":"not-hex"},"dist-info-metadata":true,"yanked":true},
              {"filename":5}, "junk"
            ]}
            """;
        var files = UpstreamPageParser.ParseJson(Encoding.UTF8.GetBytes(json), Page);
        Assert.Equal(2, files.Count);
        Assert.Equal("https://upstream.example.com/f/demo-1.0.tar.gz", files[0].Url);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 123, TimeSpan.Zero).AddTicks(4560), files[0].UploadTime);
        Assert.Equal(42, files[0].Size);
        Assert.Equal("bad build", files[0].YankedReason);
        Assert.Equal(Sha, files[0].CoreMetadataSha256);
        Assert.Null(files[1].Sha256);
        Assert.True(files[1].Yanked);
        Assert.Empty(UpstreamPageParser.ParseJson("{not json"u8, Page));
        Assert.Empty(UpstreamPageParser.ParseHtml("<a href=", Page));
    }

    /// <summary>Hands out at most a few bytes per read, as a slow network does: every token and file straddles buffers.</summary>
    private sealed class TrickleStream(byte[] data, int step) : MemoryStream(data, writable: false)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(step, buffer.Length)]);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => base.ReadAsync(buffer[..Math.Min(step, buffer.Length)], ct);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public async Task Pages_read_in_pieces_give_the_same_files_as_whole_ones(int step)
    {
        // 3,000 files, one with a yank reason longer than the first buffer, and a large member before "files".
        var longReason = new string('r', 200_000);
        var json = new StringBuilder("{\"meta\":{\"api-version\":\"1.1\"},\"versions\":[");
        json.AppendJoin(',', Enumerable.Range(0, 20_000).Select(i => $"\"{i}.0\""));
        json.Append("],\"name\":\"demo\",\"files\":[");
        var html = new StringBuilder("<html><body>");
        for (var i = 0; i < 3000; i++)
        {
            var reason = i == 1500 ? longReason : null;
            json.Append(i == 0 ? "" : ",").Append($$"""{"filename":"demo-{{i}}.tar.gz","url":"../../f/demo-{{i}}.tar.gz","hashes":{"sha256":"{{Sha}}"},"yanked":{{(reason is null ? "false" : $"\"{reason}\"")}},"size":{{i}}}""");
            html.Append($"<a href=\"../../f/demo-{i}.tar.gz#sha256={Sha}\"{(reason is null ? "" : $" data-yanked=\"{reason}\"")}>demo-{i}</a>\n<abbr>not an anchor</abbr>");
        }
        json.Append("],\"meta2\":{\"files\":[{\"filename\":\"nested-1.0.tar.gz\",\"url\":\"x\"}]}}");
        html.Append("</body></html>");

        var fromJson = await UpstreamPageParser.ParseJsonAsync(new TrickleStream(Encoding.UTF8.GetBytes(json.ToString()), step), Page, CancellationToken.None);
        var fromHtml = await UpstreamPageParser.ParseHtmlAsync(new TrickleStream(Encoding.UTF8.GetBytes(html.ToString()), step), Page, CancellationToken.None);
        foreach (var files in new[] { fromJson, fromHtml })
        {
            Assert.Equal(3000, files.Count);
            Assert.Equal(Enumerable.Range(0, 3000).Select(i => $"demo-{i}.tar.gz"), files.Select(f => f.Filename));
            Assert.All(files, f => Assert.Equal(Sha, f.Sha256));
            Assert.Equal("https://upstream.example.com/f/demo-2999.tar.gz", files[2999].Url);
            Assert.Equal(longReason, files[1500].YankedReason);
            Assert.Single(files, f => f.Yanked);
        }
        Assert.Equal(2999, fromJson[2999].Size);
    }

    [Fact]
    public async Task A_page_over_the_limit_stops_the_read_with_its_own_exception()
    {
        var json = Encoding.UTF8.GetBytes("{\"files\":[" + string.Join(',', Enumerable.Range(0, 1000).Select(i => $$"""{"filename":"d-{{i}}.tar.gz","url":"f"}""")) + "]}");
        await Assert.ThrowsAsync<PageTooLargeException>(() => UpstreamPageParser.ParseJsonAsync(new BoundedStream(new TrickleStream(json, 100), 10_000), Page, CancellationToken.None));
        Assert.Equal(1000, (await UpstreamPageParser.ParseJsonAsync(new BoundedStream(new MemoryStream(json), json.Length), Page, CancellationToken.None)).Count);
    }
}
