using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;

namespace Moat.Index.Tests;

/// <summary>With no configured origin the server's origin is where it listens, so its forms work at the URL it prints.</summary>
public sealed class OriginTests
{
    private static Task<TestIndex> StartAsync(string urls, string? origin) => TestIndex.StartAsync(o => o with
    {
        Urls = urls,
        Security = origin is null ? new SecurityOptions { PasswordIterations = 1000 } : new SecurityOptions { PasswordIterations = 1000, Origin = origin },
    });

    private static async Task<(HttpStatusCode Status, string Body)> PostFormFromAsync(TestIndex index, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "alice", ["password"] = "x" }),
        };
        request.Headers.Add("Origin", origin);
        using var response = await index.Client.SendAsync(request);
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080")]
    [InlineData("http://0.0.0.0:9000;https://0.0.0.0:9443", "http://localhost:9000")]
    [InlineData("http://[::]:8080", "http://localhost:8080")]
    public async Task Without_a_configured_origin_the_origin_is_the_first_listener(string urls, string expected)
    {
        await using var index = await StartAsync(urls, origin: null);
        var security = index.App.Services.GetRequiredService<SecurityOptions>();
        Assert.Equal(expected, security.Origin);
        Assert.False(security.OriginConfigured);
    }

    [Fact]
    public async Task A_form_from_another_origin_says_which_origin_the_server_has()
    {
        await using (var index = await StartAsync("http://127.0.0.1:8080", origin: null))
        {
            var (status, body) = await PostFormFromAsync(index, "http://localhost:8080");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("This form was sent from http://localhost:8080, but this server's origin is http://127.0.0.1:8080 (where it listens;", body);
        }
        await using (var index = await StartAsync("http://127.0.0.1:8080", origin: "http://moat.example.com:8080"))
        {
            var (status, body) = await PostFormFromAsync(index, "http://127.0.0.1:8080");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("but this server's origin is http://moat.example.com:8080 ([security] origin in moat.toml)", body);
        }
    }
}
