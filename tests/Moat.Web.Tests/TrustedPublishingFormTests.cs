using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using Moat.Index;
using Moat.Index.Accounts;
using Moat.Index.Publishing;

namespace Moat.Web.Tests;

/// <summary>
/// A stand-in for GitHub's REST API on 127.0.0.1 (the real one is not reachable from tests): <c>/users/acme</c> is an
/// organisation with id 4242, any other name is 404. The index under test is configured with
/// <c>[security] github-api</c> pointing at it.
/// </summary>
public sealed class FakeGitHubFixture : WebFixture
{
    private readonly WebApplication _github;
    public string GitHubUrl { get; }
    public ConcurrentQueue<string> Requests { get; } = new();

    public FakeGitHubFixture()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _github = builder.Build();
        _github.MapGet("/users/{name}", (string name, HttpRequest request) =>
        {
            Requests.Enqueue($"{name} {request.Headers.UserAgent} {request.Headers.Accept}");
            return name == "acme" ? Results.Json(new { login = "acme", id = 4242, type = "Organization" }) : Results.Json(new { message = "Not Found" }, statusCode: 404);
        });
        _github.StartAsync().GetAwaiter().GetResult();
        GitHubUrl = _github.Urls.First();
    }

    protected override IndexOptions Configure(IndexOptions options) => options with { Security = options.Security with { GitHubApi = GitHubUrl } };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _github.DisposeAsync();
    }
}

public sealed class TrustedPublishingFormTests(FakeGitHubFixture web) : IClassFixture<FakeGitHubFixture>
{
    [Fact]
    public async Task The_form_looks_up_a_github_owner_id_and_explains_where_to_find_one_it_cannot()
    {
        await using var browser = await web.NewSessionAsync();
        await browser.SignUpAndInAsync("pat", totp: true);
        await web.Server.Accounts.SetRoleAsync("pat-lib", (await web.Server.Accounts.UserByNameAsync("pat"))!.Id, "owner");
        var page = browser.Page;
        await browser.GoAsync("/account/publishing");
        var add = page.Locator("form[action='/account/publishing']");
        await add.GetByLabel("Project").SelectOptionAsync("pat-lib");
        await add.GetByLabel("Repository").FillAsync("acme/pat-lib");
        await add.GetByLabel("Workflow").FillAsync("release.yml");
        // The owner id is left empty: Moat asks the (fake) GitHub API for acme's id.
        await page.ClickAndWaitForUrlAsync(add.GetByRole(AriaRole.Button, new() { Name = "Add publisher" }), new Regex("done=publisher-added"));
        Assert.Equal("4242", Assert.Single(await web.Server.Accounts.ProjectPublishersAsync("pat-lib")).OwnerId);
        Assert.Contains(web.Requests, r => r.StartsWith("acme moat-index application/vnd.github+json", StringComparison.Ordinal));

        // An owner GitHub does not know: the form stays, saying why and where the id is found.
        add = page.Locator("form[action='/account/publishing']");
        await add.GetByLabel("Project").SelectOptionAsync("pat-lib");
        await add.GetByLabel("Repository").FillAsync("ghost-org/pat-lib");
        await add.GetByLabel("Workflow").FillAsync("other.yml");
        await add.GetByRole(AriaRole.Button, new() { Name = "Add publisher" }).ClickAsync();
        var error = await page.Locator(".notice-error").InnerTextAsync();
        Assert.Contains("GitHub has no user or organisation named 'ghost-org'", error);
        Assert.Contains($"{web.GitHubUrl}/users/ghost-org", error);
        Assert.Single(await web.Server.Accounts.ProjectPublishersAsync("pat-lib"));
        await browser.ScreenshotAsync("publishing-owner-lookup");
        browser.AssertClean();
    }

    [Fact]
    public async Task An_unreachable_api_is_a_problem_with_where_to_look_never_an_id()
    {
        using var http = new HttpClient();
        var lookup = new GitHubOwnerLookup(new SecurityOptions { GitHubApi = "http://127.0.0.1:9" }, http); // discard port: nothing listens
        var result = await lookup.LookupAsync("acme", CancellationToken.None);
        Assert.Null(result.Id);
        Assert.Equal("http://127.0.0.1:9 could not be reached from this server", result.Problem);
        Assert.Equal("http://127.0.0.1:9/users/acme", lookup.WhereToFind("acme"));
        Assert.Null((await lookup.LookupAsync("../admin", CancellationToken.None)).Id); // not a GitHub name: never requested
    }
}
