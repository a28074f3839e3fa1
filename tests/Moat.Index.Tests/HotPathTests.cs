using System.Net;
using System.Net.Http.Headers;

namespace Moat.Index.Tests;

/// <summary>
/// The cached-page fast path (a fresh page found by the path slice, remembered negotiation, kept header values) must
/// answer exactly as the full path does, and the kill switches it no longer reads per request must still show at once.
/// </summary>
public sealed class HotPathTests
{
    private const string Json = "application/vnd.pypi.simple.v1+json";

    private static HttpRequestMessage Get(string path, string accept, string? acceptEncoding = null, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (acceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        return request;
    }

    [Fact]
    public async Task A_cached_page_still_redirects_non_canonical_names_and_answers_head_and_conditional_requests()
    {
        await using var index = await TestIndex.StartAsync();
        await index.UploadWheelAsync(await index.TokenAsync("alpha-pkg"), "alpha-pkg", "1.0");
        using var warm = await index.Client.SendAsync(Get("/simple/alpha-pkg/", Json));
        var body = await warm.Content.ReadAsByteArrayAsync();

        foreach (var path in (string[])["/simple/Alpha_Pkg/", "/simple/alpha.pkg/", "/simple/alpha-pkg"])
        {
            using var redirect = await index.Client.SendAsync(Get(path, Json));
            Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
            Assert.Equal("/simple/alpha-pkg/", redirect.Headers.Location!.OriginalString);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await index.Client.SendAsync(Get("/simple/alpha-pkg/extra/", Json))).StatusCode);

        // The same Accept twice (remembered), then another one: each gets its own answer.
        using var again = await index.Client.SendAsync(Get("/simple/alpha-pkg/", Json));
        Assert.Equal(body, await again.Content.ReadAsByteArrayAsync());
        using var html = await index.Client.SendAsync(Get("/simple/alpha-pkg/", "text/html;q=0.5, application/vnd.pypi.simple.v1+html"));
        Assert.Equal("application/vnd.pypi.simple.v1+html", html.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", html.Content.Headers.ContentType.CharSet);
        using var refused = await index.Client.SendAsync(Get("/simple/alpha-pkg/", "image/png"));
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.StatusCode);
        Assert.Contains("Accept", refused.Headers.Vary);

        using var head = await index.Client.SendAsync(Get("/simple/alpha-pkg/", Json, method: HttpMethod.Head));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        Assert.Equal(warm.Headers.ETag, head.Headers.ETag);
        Assert.True(head.Headers.CacheControl is { MustRevalidate: true, MaxAge.TotalSeconds: 0 });

        var weak = Get("/simple/alpha-pkg/", Json);
        weak.Headers.TryAddWithoutValidation("If-None-Match", "\"other\", W/" + warm.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await index.Client.SendAsync(weak)).StatusCode);
        var other = Get("/simple/alpha-pkg/", Json);
        other.Headers.TryAddWithoutValidation("If-None-Match", "\"other\"");
        Assert.Equal(HttpStatusCode.OK, (await index.Client.SendAsync(other)).StatusCode);
    }

    [Fact]
    public async Task A_switch_flipped_by_another_process_shows_on_the_next_requests()
    {
        await using var index = await TestIndex.StartAsync();
        Assert.False((await index.Client.GetAsync("/simple/")).Headers.Contains("Moat-Notice"));

        // Another store on the same database, as `moat admin switch` opens it: the server's store sees no write of its own.
        using var databases = Moat.Index.Storage.IndexDatabases.Open(index.Options);
        var elsewhere = Moat.Index.Accounts.AccountStore.Open(databases.Index);
        await elsewhere.SetSwitchAsync("no-uploads", true, "incident 7");
        Assert.Contains("incident 7", (await NoticeSoonAsync(index, n => n is not null))!);

        await elsewhere.SetSwitchAsync("no-uploads", false, null);
        Assert.Null(await NoticeSoonAsync(index, n => n is null));
    }

    /// <summary>
    /// The Moat-Notice header once <paramref name="expected"/> holds, within two seconds: SQLite shows a change to the
    /// next request after a millisecond; PostgreSQL's notification takes a round trip to arrive.
    /// </summary>
    private static async Task<string?> NoticeSoonAsync(TestIndex index, Func<string?, bool> expected)
    {
        string? notice = null;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            await Task.Delay(10);
            using var response = await index.Client.GetAsync("/simple/");
            notice = response.Headers.TryGetValues("Moat-Notice", out var values) ? values.Single() : null;
            if (expected(notice)) return notice;
        }
        return notice;
    }
}
