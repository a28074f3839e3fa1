using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Moat.Index.Accounts;

namespace Moat.Index.Tests;

/// <summary>A signed-in browser, as the JSON API sees it: the session cookie and CSRF token sent by hand (the test client keeps no cookies).</summary>
internal sealed partial class AccountClient(TestIndex index, string username, string password)
{
    public string Username { get; } = username;
    public string Password { get; } = password;
    public string? Cookie { get; set; }
    public string? Csrf { get; set; }
    public byte[]? TotpKey { get; set; }
    private long _lastStep;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, bool csrf = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (Cookie is not null) request.Headers.Add("Cookie", Cookie);
        if (csrf && Csrf is not null) request.Headers.Add("X-CSRF-Token", Csrf);
        var response = await index.Client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            foreach (var c in cookies) if (c.StartsWith("moat-session=", StringComparison.Ordinal)) Cookie = c.Split(';')[0];
        }
        return response;
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) => SendAsync(HttpMethod.Post, path, body ?? new { });

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Registers, verifies the e-mail from the mail the index wrote, signs in.</summary>
    public static async Task<AccountClient> RegisterAsync(TestIndex index, string username, bool verify = true, bool totp = true)
    {
        var client = new AccountClient(index, username, "blue-Harbor-lantern-42");
        using var created = await client.PostAsync("/_/account/register", new { username, email = $"{username}@example.com", password = client.Password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        if (verify)
        {
            var token = index.MailTo($"{username}@example.com").Select(m => VerificationToken().Match(m)).Last(m => m.Success).Groups[1].Value;
            using var verified = await client.PostAsync("/_/account/verify-email", new { token });
            Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        }
        await client.LoginAsync();
        if (totp) await client.EnableTotpAsync();
        return client;
    }

    public async Task<HttpResponseMessage> LoginAsync(string? password = null)
    {
        var response = await PostAsync("/_/account/login", new { username = Username, password = password ?? Password });
        if (response.StatusCode == HttpStatusCode.OK) Csrf = (await JsonAsync(response)).GetProperty("csrf_token").GetString();
        return response;
    }

    public async Task<string[]> EnableTotpAsync()
    {
        using var begin = await PostAsync("/_/account/2fa/totp/begin");
        Assert.Equal(HttpStatusCode.OK, begin.StatusCode);
        TotpKey = Base32.Decode((await JsonAsync(begin)).GetProperty("secret").GetString()!);
        using var confirm = await PostAsync("/_/account/2fa/totp/confirm", new { code = NextCode() });
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        return [.. (await JsonAsync(confirm)).GetProperty("recovery_codes").EnumerateArray().Select(c => c.GetString()!)];
    }

    /// <summary>A TOTP code for a step not used yet (current, then the next one: the server accepts ±1 step).</summary>
    public string NextCode()
    {
        var step = Math.Max(Totp.StepAt(index.Clock.GetUtcNow()), _lastStep + 1);
        _lastStep = step;
        return Totp.Code(TotpKey!, step);
    }

    /// <summary>Signs in again with password + TOTP (a fresh session).</summary>
    public async Task SignInWithTotpAsync()
    {
        Cookie = null;
        using var login = await LoginAsync();
        Assert.True((await JsonAsync(login)).GetProperty("two_factor_required").GetBoolean());
        using var verify = await PostAsync("/_/account/2fa/totp/verify", new { code = NextCode() });
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
    }

    public async Task<string> CreateTokenAsync(string[]? projects = null, long? expiresInSeconds = null)
    {
        using var response = await PostAsync("/_/account/tokens", new { description = "test", projects, expiresInSeconds });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await JsonAsync(response)).GetProperty("token").GetString()!;
    }

    [GeneratedRegex(@"verification-token: (\S+)")]
    private static partial Regex VerificationToken();
}
