using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;
using Moat.Index.Mail;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// Account mail over SMTP, against a real server (aiosmtpd) in each security mode: the message arrives with the
/// configured sender, over TLS when asked, logged in with the password from the environment; a refused login is
/// logged and sends nothing; without <c>[mail] host</c> mail is written to the directory, and the log says where.
/// </summary>
public sealed partial class MailTests
{
    [Theory]
    [InlineData("none", false)]
    [InlineData("starttls", true)]
    [InlineData("tls", true)]
    public async Task Account_mail_reaches_a_real_smtp_server_in_each_security_mode(string mode, bool login)
    {
        var password = "smtp-" + Guid.NewGuid().ToString("N");
        using var smtp = await LocalSmtpServer.StartAsync(mode, login ? "moat-sender" : null, login ? password : null);
        var passwordEnv = "MOAT_TEST_SMTP_PASSWORD_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(passwordEnv, password);
        var log = new CapturedLog();
        await using var index = await TestIndex.StartAsync(o => o with { Mail = Smtp(smtp, mode, login ? "moat-sender" : null, passwordEnv), LogLevel = "information" },
            host => host.Logging.AddProvider(log));

        using (var created = await index.Client.PostAsJsonAsync("/_/account/register", new { username = "sam", email = "sam@example.com", password = "blue-Harbor-lantern-42" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var raw = Assert.Single(await smtp.WaitForAsync(1));
        Assert.Contains($"X-Session-TLS: {(mode == "none" ? "no" : "yes")}", raw);
        Assert.Contains($"X-Session-Login: {(login ? "moat-sender" : "-")}", raw);
        Assert.Contains("X-Envelope-To: sam@example.com", raw);
        var message = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(raw)));
        Assert.Equal("index@example.com", message.From.Mailboxes.Single().Address);
        Assert.Equal("Moat Index", message.From.Mailboxes.Single().Name);
        Assert.Equal("sam@example.com", message.To.Mailboxes.Single().Address);
        Assert.Equal("Verify your Moat account", message.Subject);
        Assert.Contains("http://localhost/account/verify-email?token=", message.TextBody);

        // The link in the mail the server received works.
        var token = Token().Match(message.TextBody!).Groups[1].Value;
        using (var verified = await index.Client.PostAsJsonAsync("/_/account/verify-email", new { token }))
            Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(index.DataDirectory, "mail"))); // nothing went to the directory sink
        var security = mode switch { "none" => "no TLS", "tls" => "TLS", _ => "STARTTLS" };
        Assert.Contains(log.Lines, l => l == $"Mail: sent over SMTP to 127.0.0.1:{smtp.Port} ({security}, {(login ? "as moat-sender" : "no login")}) from Moat Index <index@example.com>");
        Environment.SetEnvironmentVariable(passwordEnv, null);
    }

    [Fact]
    public async Task A_refused_smtp_login_is_logged_and_nothing_is_delivered()
    {
        using var smtp = await LocalSmtpServer.StartAsync("starttls", "moat-sender", "the-right-password");
        var passwordEnv = "MOAT_TEST_SMTP_PASSWORD_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(passwordEnv, "a-wrong-password");
        var log = new CapturedLog();
        await using var index = await TestIndex.StartAsync(o => o with { Mail = Smtp(smtp, "starttls", "moat-sender", passwordEnv) }, host => host.Logging.AddProvider(log));

        using (var created = await index.Client.PostAsJsonAsync("/_/account/register", new { username = "sam", email = "sam@example.com", password = "blue-Harbor-lantern-42" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode); // the request does not wait for the mail server

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!log.Lines.Any(l => l.Contains("refused the login of moat-sender", StringComparison.Ordinal)) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains(log.Lines, l => l.StartsWith("Mail \"Verify your Moat account\" to sam@example.com not sent: 127.0.0.1 refused the login of moat-sender", StringComparison.Ordinal));
        Assert.Empty(smtp.Received());
        Environment.SetEnvironmentVariable(passwordEnv, null);
    }

    [Fact]
    public async Task Without_a_mail_host_mail_is_written_to_the_data_directory_and_the_log_says_where()
    {
        var log = new CapturedLog();
        await using var index = await TestIndex.StartAsync(o => o with { LogLevel = "information" }, host => host.Logging.AddProvider(log));
        Assert.IsType<FileMailSender>(index.App.Services.GetRequiredService<IMailSender>());
        var directory = Path.GetFullPath(Path.Combine(index.DataDirectory, "mail"));
        Assert.Contains(log.Lines, l => l == $"Mail: written as .eml files to {directory} (no [mail] host set: nothing is sent)");

        using (var created = await index.Client.PostAsJsonAsync("/_/account/register", new { username = "sam", email = "sam@example.com", password = "blue-Harbor-lantern-42" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var file = Assert.Single(Directory.GetFiles(directory, "*.eml"));
        var message = MimeMessage.Load(file);
        Assert.Equal("moat@localhost", message.From.Mailboxes.Single().Address);
        Assert.Equal("Verify your Moat account", message.Subject);
        Assert.Matches(Token(), message.TextBody);
    }

    [Theory]
    [InlineData("[mail]\nhost = \"smtp.example.com\"\nsecurity = \"ssl\"\n", "mail.security must be none, starttls or tls, not 'ssl'")]
    [InlineData("[mail]\nhost = \"smtp.example.com\"\nport = 70000\n", "mail.port must be a port number (1-65535)")]
    [InlineData("[mail]\nhost = \"smtp.example.com\"\nfrom = \"not an address\"\n", "mail.from must be an address such as")]
    [InlineData("[mail]\nhost = \"smtp.example.com\"\nuser = \"moat\"\npassword-env = \"MOAT_TEST_UNSET_VARIABLE\"\n",
        "mail.user is set but the environment variable MOAT_TEST_UNSET_VARIABLE (mail.password-env) holding its password is not")]
    [InlineData("[mail]\nhost = \"smtp.example.com\"\nsecurity = \"none\"\nuser = \"moat\"\npassword-env = \"PATH\"\n",
        "mail.security is \"none\" with mail.user set: the password would cross the network to smtp.example.com in clear")]
    [InlineData("[mail]\nhost = \"smtp.example.com\"\nca-file = \"/nonexistent/ca.pem\"\n", "mail.ca-file not found: /nonexistent/ca.pem")]
    public void Mail_settings_that_cannot_work_stop_the_server_with_one_line(string toml, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"moat-mail-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, toml);
        try
        {
            var error = Assert.Throws<IndexConfigurationException>(() => IndexOptions.Load(path).Validate());
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_mail_section_is_read_with_the_usual_ports_for_each_mode()
    {
        var path = Path.Combine(Path.GetTempPath(), $"moat-mail-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, "[mail]\nhost = \"smtp.example.com\"\nsecurity = \"tls\"\nfrom = \"Moat <moat@example.com>\"\ndirectory = \"/srv/mail\"\n");
        try
        {
            var mail = IndexOptions.Load(path).Mail;
            Assert.Equal(("smtp.example.com", MailSecurity.Tls, 465, "Moat <moat@example.com>"), (mail.Host, mail.Security, mail.EffectivePort, mail.From));
            Assert.Equal(587, (mail with { Security = MailSecurity.StartTls }).EffectivePort);
            Assert.Equal(25, (mail with { Security = MailSecurity.None }).EffectivePort);
            Assert.Equal(2525, (mail with { Port = 2525 }).EffectivePort);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static MailOptions Smtp(LocalSmtpServer smtp, string mode, string? user, string passwordEnv) => new()
    {
        Host = "127.0.0.1", Port = smtp.Port, User = user, PasswordEnv = passwordEnv, From = "Moat Index <index@example.com>",
        Security = mode switch { "none" => MailSecurity.None, "tls" => MailSecurity.Tls, _ => MailSecurity.StartTls },
        CaFile = smtp.AuthorityPem,
    };

    [GeneratedRegex(@"verify-email\?token=([A-Za-z0-9_-]+)")]
    private static partial Regex Token();
}
