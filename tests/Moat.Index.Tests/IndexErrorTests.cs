using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Errors;

namespace Moat.Index.Tests;

/// <summary>The one table of refusals and how one is written: its status, the sanitized reason phrase, the exact body.</summary>
public sealed class IndexErrorTests
{
    [Fact]
    public async Task A_refusal_is_written_with_its_status_an_ascii_reason_phrase_and_the_exact_utf8_body()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        await IndexError.Blocked.Result("pkg-1.0.tar.gz is blocked: base64 → exec").ExecuteAsync(context);

        Assert.Equal(403, context.Response.StatusCode);
        Assert.Equal("pkg-1.0.tar.gz is blocked: base64 -> exec", context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase);
        Assert.Equal("text/plain; charset=utf-8", context.Response.ContentType);
        Assert.Equal("pkg-1.0.tar.gz is blocked: base64 → exec\n", Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray()));
    }

    [Fact]
    public void Every_kind_is_a_client_or_server_error_with_a_metric_label()
    {
        var kinds = typeof(IndexError).GetFields().Where(f => f.IsStatic && f.FieldType == typeof(IndexError)).Select(f => (IndexError)f.GetValue(null)!).ToList();
        Assert.Contains(IndexError.Unauthenticated, kinds);
        Assert.All(kinds, kind =>
        {
            Assert.InRange(kind.Status, 400, 599);
            Assert.Matches("^[a-z]+(-[a-z]+)*$", kind.Metric);
        });
    }
}
