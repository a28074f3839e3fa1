using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Moat.Testing;

namespace Moat.EndToEnd.Tests;

/// <summary>
/// <c>moat serve</c> at its HTTP edge, as the README lays it out: Kestrel on plain http behind a proxy that terminates
/// TLS (<c>origin = "https://…"</c>). The test plays the proxy: it connects from 127.0.0.1 and adds the forwarding headers.
/// </summary>
public sealed partial class HttpEdgeEndToEndTests : IDisposable
{
    private const string Origin = "https://moat.example.com";
    private const string Password = "blue-Harbor-lantern-42";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-e2e", Guid.NewGuid().ToString("N"));

    private string Config(string toml)
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, Guid.NewGuid().ToString("N") + ".toml");
        File.WriteAllText(path, toml);
        return path;
    }

    private static HttpClient Client(MoatServer server) =>
        new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromSeconds(30) };

    private static HttpRequestMessage Request(HttpMethod method, string path, IReadOnlyDictionary<string, string> headers, string? cookies = null)
    {
        var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        if (cookies is not null) request.Headers.Add("Cookie", cookies);
        return request;
    }

    private static readonly Dictionary<string, string> ViaTlsProxy = new()
    {
        ["X-Forwarded-Proto"] = "https", ["X-Forwarded-For"] = "203.0.113.7", ["X-Forwarded-Host"] = "moat.example.com",
    };

    /// <summary>The <c>name=value</c> of every cookie the response sets, with its attributes for checking.</summary>
    private static Dictionary<string, string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.ToDictionary(v => v[..v.IndexOf('=')], v => v, StringComparer.Ordinal) : [];

    private static string Pair(string setCookie) => setCookie.Split(';')[0];

    [Fact]
    public async Task Behind_a_trusted_tls_proxy_a_browser_signs_in_through_the_web_form_with_its_own_address_and_secure_cookies()
    {
        using var server = await MoatServer.StartAsync(Path.Combine(_root, "data"),
            config: Config($"[server]\ntrusted-proxies = [\"127.0.0.1\"]\n[security]\norigin = \"{Origin}\"\n"));
        using var http = Client(server);
        using (var register = await http.PostAsJsonAsync("/_/account/register", new { username = "alice", email = "alice@example.com", password = Password }))
            Assert.Equal(HttpStatusCode.Created, register.StatusCode);

        using var form = await http.SendAsync(Request(HttpMethod.Get, "/account/login", ViaTlsProxy));
        var formBody = await form.Content.ReadAsStringAsync();
        Assert.True(form.StatusCode == HttpStatusCode.OK, $"{(int)form.StatusCode}: {formBody}\n{server.Log}");
        var csrfCookie = SetCookies(form)["__Host-moat-csrf"];
        Assert.Contains("secure", csrfCookie, StringComparison.OrdinalIgnoreCase);
        var csrf = WebUtility.HtmlDecode(CsrfField().Match(formBody).Groups[1].Value);

        using var post = Request(HttpMethod.Post, "/account/login", ViaTlsProxy, Pair(csrfCookie));
        post.Headers.Add("Origin", Origin);
        post.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = csrf, ["username"] = "alice", ["password"] = Password, ["next"] = "/account" });
        using var signedIn = await http.SendAsync(post);
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"{(int)signedIn.StatusCode}: {await signedIn.Content.ReadAsStringAsync()}");
        Assert.Equal("/account", signedIn.Headers.Location!.OriginalString);
        var session = SetCookies(signedIn)["__Host-moat-session"];
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);

        using var account = await http.SendAsync(Request(HttpMethod.Get, "/account", ViaTlsProxy, Pair(session)));
        Assert.Equal(HttpStatusCode.OK, account.StatusCode);
        Assert.Contains("alice", await account.Content.ReadAsStringAsync());
        // Throttles and the security history see the browser's address, not the proxy's.
        using var events = await http.SendAsync(Request(HttpMethod.Get, "/_/account/events", ViaTlsProxy, Pair(session)));
        Assert.Contains("\"ip\":\"203.0.113.7\"", await events.Content.ReadAsStringAsync());

        // RFC 7239 Forwarded works the same.
        using var standard = await http.SendAsync(Request(HttpMethod.Get, "/account/login",
            new Dictionary<string, string> { ["Forwarded"] = "for=198.51.100.4;proto=https;host=moat.example.com" }));
        Assert.Equal(HttpStatusCode.OK, standard.StatusCode);
        Assert.Contains("secure", SetCookies(standard)["__Host-moat-csrf"], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" 500 ", server.Log);
    }

    [Fact]
    public async Task Forwarding_headers_from_an_address_that_is_not_a_trusted_proxy_are_ignored()
    {
        using var server = await MoatServer.StartAsync(Path.Combine(_root, "data"),
            config: Config($"[server]\ntrusted-proxies = [\"10.0.0.0/8\"]\n[security]\norigin = \"{Origin}\"\n"));
        using var http = Client(server);

        // Still plain http: the page says so (and how to fix it) instead of failing.
        using var page = await http.SendAsync(Request(HttpMethod.Get, "/account/login", ViaTlsProxy));
        Assert.Equal(HttpStatusCode.MisdirectedRequest, page.StatusCode);
        Assert.Contains("trusted-proxies", await page.Content.ReadAsStringAsync());
        using var rfc7239 = await http.SendAsync(Request(HttpMethod.Get, "/account/login",
            new Dictionary<string, string> { ["Forwarded"] = "for=198.51.100.4;proto=https" }));
        Assert.Equal(HttpStatusCode.MisdirectedRequest, rfc7239.StatusCode);

        // The recorded address is the connection's: a client cannot pick one to dodge throttles or blame another.
        using (var register = await http.SendAsync(WithJson(Request(HttpMethod.Post, "/_/account/register", ViaTlsProxy), new { username = "bob", email = "bob@example.com", password = Password })))
            Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        using var login = await http.SendAsync(WithJson(Request(HttpMethod.Post, "/_/account/login", ViaTlsProxy), new { username = "bob", password = Password }));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        using var events = await http.SendAsync(Request(HttpMethod.Get, "/_/account/events", ViaTlsProxy, Pair(SetCookies(login)["__Host-moat-session"])));
        var history = await events.Content.ReadAsStringAsync();
        Assert.Contains("\"ip\":\"127.0.0.1\"", history);
        Assert.DoesNotContain("203.0.113.7", history);
    }

    private static HttpRequestMessage WithJson(HttpRequestMessage request, object body)
    {
        request.Content = JsonContent.Create(body);
        return request;
    }

    [Fact]
    public void An_https_origin_without_https_or_a_trusted_proxy_refuses_to_start_with_one_line()
    {
        var config = Config($"[security]\norigin = \"{Origin}\"\n");
        var (exit, output, error) = Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "moat.dll"), "serve",
            "--urls", $"http://127.0.0.1:{MoatServer.FreePort()}", "--data", Path.Combine(_root, "data"), "--config", config], timeoutSeconds: 60);
        Assert.Equal(2, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("moat: security.origin is https://moat.example.com", line);
        Assert.Contains("[server] trusted-proxies", line);
        Assert.DoesNotContain("Now listening", output);
    }

    [Fact]
    public async Task With_authenticated_reads_pip_installs_only_with_a_token_in_the_index_url()
    {
        using var server = await MoatServer.StartAsync(Path.Combine(_root, "data"), config: Config("[security]\nread = \"authenticated\"\n"));
        var token = server.Admin("token", "create", "--project", "moat-e2e-private");
        Directory.CreateDirectory(_root);
        var wheel = Path.Combine(_root, TestDistributions.WheelFilename("moat-e2e-private", "1.0"));
        File.WriteAllBytes(wheel, TestDistributions.Wheel("moat-e2e-private", "1.0"));
        var upload = Tools.Run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/", "-u", "__token__", "-p", token, wheel]);
        Assert.True(upload.Exit == 0, upload.Output + upload.Error);

        string[] Download(string indexUrl, string into) =>
            ["-m", "pip", "download", "--no-deps", "--no-cache-dir", "--no-input", "--disable-pip-version-check", "-d", Path.Combine(_root, into), "--index-url", indexUrl, "moat-e2e-private"];
        var anonymous = Tools.Run(Tools.Python, Download(server.Url + "/simple/", "anonymous"), timeoutSeconds: 90);
        Assert.NotEqual(0, anonymous.Exit);
        Assert.Contains("GET /simple/moat-e2e-private/ 401", server.Log);

        var withToken = Tools.Run(Tools.Python, Download($"http://__token__:{token}@127.0.0.1:{server.Port}/simple/", "with-token"), timeoutSeconds: 90);
        Assert.True(withToken.Exit == 0, withToken.Output + withToken.Error + server.Log);
        Assert.True(File.Exists(Path.Combine(_root, "with-token", Path.GetFileName(wheel))));
        Assert.Matches(@"GET /files/[0-9a-f]{64}/moat_e2e_private-1\.0-py3-none-any\.whl 200", server.Log);
    }

    [GeneratedRegex("name=\"__csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
