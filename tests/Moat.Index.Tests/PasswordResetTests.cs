using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Moat.Index.Accounts;
using Moat.Index.AccountApi;

namespace Moat.Index.Tests;

/// <summary>
/// Password reset through the JSON API: the same answer whether or not an account matches (no enumeration), a mailed
/// link that works once and only for an hour, strength checks that leave the link usable, every session ended after
/// the reset, a notice afterwards, and no more than a few live links per account (no mail-bombing).
/// </summary>
public sealed partial class PasswordResetTests
{
    private const string NewPassword = "quiet-Meadow-violin-77";

    [Fact]
    public async Task A_reset_link_sets_a_new_password_once_and_signs_out_every_session()
    {
        await using var index = await TestIndex.StartAsync();
        var hana = await AccountClient.RegisterAsync(index, "hana", totp: false);
        var other = new AccountClient(index, "hana", hana.Password);
        await other.LoginAsync(); // a second browser, signed in too

        using (var requested = await index.Client.PostAsJsonAsync("/_/account/password-reset", new { usernameOrEmail = "hana" }))
        {
            Assert.Equal(HttpStatusCode.OK, requested.StatusCode);
            Assert.Equal(AccountService.ResetRequested, (await AccountClient.JsonAsync(requested)).GetProperty("message").GetString());
        }
        var mail = Assert.Single(index.MailTo("hana@example.com"), m => m.Contains("Subject: Reset your Moat password", StringComparison.Ordinal));
        Assert.Contains("http://localhost/account/password-reset/complete?token=", mail);
        var token = ResetToken().Match(mail).Groups[1].Value;

        using (var reset = await index.Client.PostAsJsonAsync("/_/account/password-reset/complete", new { token, newPassword = NewPassword }))
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await hana.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await new AccountClient(index, "hana", hana.Password).LoginAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await new AccountClient(index, "hana", NewPassword).LoginAsync()).StatusCode);

        // Single use: the same link again is refused and changes nothing.
        using (var again = await index.Client.PostAsJsonAsync("/_/account/password-reset/complete", new { token, newPassword = "another-Harbor-lantern-43" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
            Assert.Contains("unknown, used or expired", await again.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await new AccountClient(index, "hana", NewPassword).LoginAsync()).StatusCode);

        Assert.Contains(index.MailTo("hana@example.com"), m => m.Contains("Subject: Your Moat password was reset", StringComparison.Ordinal) && m.Contains("2 sessions were signed out", StringComparison.Ordinal));
        var events = await index.Accounts.EventsAsync((await index.Accounts.UserByNameAsync("hana"))!.Id, null, 50);
        Assert.Contains(events, e => e.Kind == "account:password-reset-requested");
        Assert.Contains(events, e => e.Kind == "account:password-reset" && e.Details!.Contains("\"sessions_ended\":2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_accounts_get_the_same_answer_and_no_mail_and_an_address_finds_its_account()
    {
        await using var index = await TestIndex.StartAsync();
        await AccountClient.RegisterAsync(index, "ivan", totp: false);
        var mailsBefore = Directory.GetFiles(Path.Combine(index.DataDirectory, "mail")).Length;

        var answers = new List<(HttpStatusCode, string)>();
        foreach (var given in new[] { "nobody", "nobody@example.com", "ivan@example.com", "IVAN@Example.com" })
        {
            using var response = await index.Client.PostAsJsonAsync("/_/account/password-reset", new { usernameOrEmail = given });
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        Assert.Single(answers.Distinct()); // every answer is the same, byte for byte
        Assert.Equal(mailsBefore + 2, Directory.GetFiles(Path.Combine(index.DataDirectory, "mail")).Length); // the two spellings of ivan's address
        Assert.Equal(2, index.MailTo("ivan@example.com").Count(m => m.Contains("Subject: Reset your Moat password", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_weak_password_keeps_the_link_and_an_hour_later_it_is_expired()
    {
        await using var index = await TestIndex.StartAsync();
        await AccountClient.RegisterAsync(index, "jo", totp: false);
        using (await index.Client.PostAsJsonAsync("/_/account/password-reset", new { usernameOrEmail = "jo" })) { }
        var token = ResetToken().Match(index.MailTo("jo@example.com").Last()).Groups[1].Value;

        using (var weak = await index.Client.PostAsJsonAsync("/_/account/password-reset/complete", new { token, newPassword = "password1!" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
            Assert.Contains("common or breached", await weak.Content.ReadAsStringAsync());
        }
        index.Clock.Advance(TimeSpan.FromMinutes(61));
        using var late = await index.Client.PostAsJsonAsync("/_/account/password-reset/complete", new { token, newPassword = NewPassword });
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Contains("unknown, used or expired", await late.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await new AccountClient(index, "jo", "blue-Harbor-lantern-42").LoginAsync()).StatusCode); // unchanged
    }

    [Fact]
    public async Task An_account_gets_at_most_three_live_links_and_a_password_change_voids_them()
    {
        await using var index = await TestIndex.StartAsync();
        var kim = await AccountClient.RegisterAsync(index, "kim", totp: false);
        for (var i = 0; i < 6; i++)
        {
            using var response = await index.Client.PostAsJsonAsync("/_/account/password-reset", new { usernameOrEmail = "kim" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var links = index.MailTo("kim@example.com").Where(m => m.Contains("Subject: Reset your Moat password", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, links.Count);

        using (var changed = await kim.PostAsync("/_/account/password", new { currentPassword = kim.Password, newPassword = NewPassword }))
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        using var stale = await index.Client.PostAsJsonAsync("/_/account/password-reset/complete", new { token = ResetToken().Match(links[0]).Groups[1].Value, newPassword = "another-Harbor-lantern-43" });
        Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
    }

    [GeneratedRegex(@"reset-token: (\S+)")]
    private static partial Regex ResetToken();
}
