using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Accounts;

namespace Moat.Index.Tests;

/// <summary>
/// Sign-in throttling under real parallel requests: every counter is one conditional update in the database, so a
/// burst admits no more guesses than a sequence would; a throttled account answers exactly like a wrong password,
/// and backs off per account and address instead of locking its owner out.
/// </summary>
public sealed class LoginThrottleTests
{
    private const int Burst = 25;

    [Fact]
    public async Task Parallel_wrong_passwords_are_all_counted_and_admit_no_more_guesses_than_a_sequence_would()
    {
        // A first back-off longer than the burst can take on a loaded machine: every attempt meets the same state.
        await using var index = await TestIndex.StartAsync(o => o with { Security = o.Security with { BackoffFirst = TimeSpan.FromMinutes(10) } });
        var carol = await AccountClient.RegisterAsync(index, "carol", totp: false);
        var free = index.App.Services.GetRequiredService<SecurityOptions>().FailuresBeforeBackoff;

        var answers = await Task.WhenAll(Enumerable.Range(0, Burst).Select(i => LoginAsync(index, "carol", $"wrong-password-{i}")));

        Assert.All(answers, a => Assert.Equal((401, answers[0].Body), a));
        var user = (await index.Accounts.UserByNameAsync("carol"))!;
        Assert.Equal(Burst, user.FailedLogins); // no lost update
        var failures = (await index.Accounts.EventsAsync(user.Id, null, 100)).Where(e => e.Kind == "login:failed").Select(e => JsonDocument.Parse(e.Details!).RootElement).ToList();
        Assert.Equal(Burst, failures.Count);
        Assert.Equal(free, failures.Count(f => !f.GetProperty("throttled").GetBoolean())); // passwords actually tried
        // The right password right after the burst: the same answer as a wrong one.
        Assert.Equal(answers[0], await LoginAsync(index, "carol", carol.Password));
    }

    [Fact]
    public async Task Parallel_failures_from_one_address_stop_exactly_at_its_cap_across_usernames()
    {
        const int cap = 12;
        await using var index = await TestIndex.StartAsync(o => o with { Security = o.Security with { FailuresPerAddress = cap } });

        var answers = await Task.WhenAll(Enumerable.Range(0, 2 * cap).Select(i => LoginAsync(index, $"nobody-{i}", "wrong-password-123")));

        Assert.Equal(cap, answers.Count(a => a.Status == 401));
        Assert.Equal(cap, answers.Count(a => a.Status == 429));
    }

    [Fact]
    public async Task A_throttled_account_answers_like_a_wrong_password_backs_off_exponentially_and_its_owner_elsewhere_still_signs_in()
    {
        var first = TimeSpan.FromSeconds(2);
        var longest = TimeSpan.FromSeconds(7);
        await using var index = await TestIndex.StartAsync(o => o with { Security = o.Security with { BackoffFirst = first, BackoffLongest = longest } });
        var dana = await AccountClient.RegisterAsync(index, "dana", totp: false);
        const string attacker = "203.0.113.9", owner = "198.51.100.7";

        var wrong = await LoginFromAsync(index, attacker, "dana", "wrong-password-0");
        Assert.Equal(401, wrong.Status);
        Assert.Equal(wrong, await LoginFromAsync(index, attacker, "no-such-user", "wrong-password-0")); // no enumeration
        for (var i = 1; i < 5; i++) Assert.Equal(wrong, await LoginFromAsync(index, attacker, "dana", $"wrong-password-{i}"));

        // Back-off: from the attacker's address even the right password gets the wrong-password answer...
        Assert.Equal(wrong, await LoginFromAsync(index, attacker, "dana", dana.Password));
        // ...while the owner, elsewhere, is not locked out.
        Assert.Equal(200, (await LoginFromAsync(index, owner, "dana", dana.Password)).Status);

        // Each further failure doubles the wait (2 s, then 4 s) ...
        index.Clock.Advance(first + TimeSpan.FromMilliseconds(100));
        Assert.Equal(wrong, await LoginFromAsync(index, attacker, "dana", "wrong-password-5"));
        index.Clock.Advance(first + TimeSpan.FromMilliseconds(100));
        Assert.Equal(wrong, await LoginFromAsync(index, attacker, "dana", dana.Password)); // 4 s not over yet
        // ... up to the bound: many failures later the wait is still at most `longest`.
        for (var i = 6; i < 12; i++)
        {
            index.Clock.Advance(longest + TimeSpan.FromMilliseconds(100));
            Assert.Equal(wrong, await LoginFromAsync(index, attacker, "dana", $"wrong-password-{i}"));
        }
        index.Clock.Advance(longest + TimeSpan.FromMilliseconds(100));
        Assert.Equal(200, (await LoginFromAsync(index, attacker, "dana", dana.Password)).Status);
    }

    [Fact]
    public async Task Parallel_wrong_second_factors_are_admitted_no_further_than_the_back_off_and_recovery_codes_and_keys_count_too()
    {
        await using var index = await TestIndex.StartAsync(o => o with { Security = o.Security with { BackoffFirst = TimeSpan.FromMinutes(10) } });
        var erin = await AccountClient.RegisterAsync(index, "erin");
        erin.Cookie = null;
        await erin.LoginAsync(); // password done, second factor pending

        var step = Totp.StepAt(index.Clock.GetUtcNow());
        var valid = new[] { step - 1, step, step + 1, step + 2 }.Select(s => Totp.Code(erin.TotpKey!, s)).ToHashSet();
        var wrongCodes = Enumerable.Range(0, 1000).Select(i => $"{i:000000}").Where(c => !valid.Contains(c)).Take(Burst);
        var codes = await Task.WhenAll(wrongCodes.Select(async code =>
        {
            using var response = await erin.PostAsync("/_/account/2fa/totp/verify", new { code });
            return (int)response.StatusCode;
        }));
        var free = index.App.Services.GetRequiredService<SecurityOptions>().FailuresBeforeBackoff;
        Assert.Equal(free, codes.Count(c => c == 401));
        Assert.Equal(Burst - free, codes.Count(c => c == 429));
        using (var blocked = await erin.PostAsync("/_/account/2fa/totp/verify", new { code = erin.NextCode() }))
            Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);

        // After the back-off: a wrong recovery code and an unknown security key count as failures like a wrong TOTP code.
        index.Clock.Advance(TimeSpan.FromMinutes(16)); // past every back-off: failures are forgotten
        for (var i = 0; i < free - 1; i++)
            using (var response = await erin.PostAsync("/_/account/2fa/recovery", new { code = $"0000-{i:0000}" })) Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using (var begin = await erin.PostAsync("/_/account/2fa/webauthn/assert/begin")) Assert.Equal(HttpStatusCode.OK, begin.StatusCode);
        using (var key = await erin.PostAsync("/_/account/2fa/webauthn/assert/finish", new { credentialId = "not-a-key", clientDataJson = "e30", authenticatorData = "AA", signature = "AA" }))
            Assert.Equal(HttpStatusCode.Unauthorized, key.StatusCode);
        using (var blocked = await erin.PostAsync("/_/account/2fa/totp/verify", new { code = erin.NextCode() }))
            Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
    }

    internal static async Task<(int Status, string Body)> LoginAsync(TestIndex index, string username, string password)
    {
        using var response = await index.Client.PostAsJsonAsync("/_/account/login", new { username, password });
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A login from a given client address (the test server takes the connection's address from the context).</summary>
    private static async Task<(int Status, string Body)> LoginFromAsync(TestIndex index, string address, string username, string password)
    {
        var context = await index.App.GetTestServer().SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
            c.Request.Method = HttpMethods.Post;
            c.Request.Path = "/_/account/login";
            c.Request.ContentType = "application/json";
            c.Request.Body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new { username, password }));
        });
        return (context.Response.StatusCode, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }
}
