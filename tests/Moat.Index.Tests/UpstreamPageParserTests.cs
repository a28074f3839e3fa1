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
}
