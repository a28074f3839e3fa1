using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using Tomlyn.Model;

namespace Moat.Index.Mail;

/// <summary>How the connection to the mail server is protected (<c>[mail] security</c>).</summary>
public enum MailSecurity { None, StartTls, Tls }

/// <summary>
/// <c>[mail]</c> in moat.toml: where account mail goes. Without a <c>host</c> every message is written as an
/// <c>.eml</c> file into <see cref="Directory"/> (default <c>DATA/mail</c>) and nothing leaves the machine; with one,
/// it is sent over SMTP (<see cref="SmtpMailSender"/>), the password read from the environment variable named by
/// <c>password-env</c>, never from the file.
/// </summary>
public sealed record MailOptions
{
    /// <summary>The keys <c>[mail]</c> may hold (checked by <see cref="ConfigurationKeys"/>).</summary>
    public static readonly string[] Keys = ["host", "port", "security", "user", "password-env", "from", "directory", "ca-file"];

    public string? Host { get; init; }
    public int? Port { get; init; }
    public MailSecurity Security { get; init; } = MailSecurity.StartTls;
    public string? User { get; init; }
    public string PasswordEnv { get; init; } = "MOAT_MAIL_PASSWORD";
    /// <summary>The From address of every message (<c>"Moat &lt;moat@example.com&gt;"</c> or a bare address).</summary>
    public string From { get; init; } = "Moat <moat@localhost>";
    /// <summary>Where the directory sink writes; null: <c>DATA/mail</c>.</summary>
    public string? Directory { get; init; }
    /// <summary>A PEM file with the certificate authority that signed the mail server's certificate (an internal relay); null: the system's trust store.</summary>
    public string? CaFile { get; init; }

    public bool SendsOverSmtp => Host is not null;

    /// <summary>The port given, or the usual one for the security mode: 25 plain, 587 STARTTLS (submission), 465 implicit TLS.</summary>
    public int EffectivePort => Port ?? Security switch { MailSecurity.None => 25, MailSecurity.Tls => 465, _ => 587 };

    public MailboxAddress FromAddress => MailboxAddress.Parse(From);

    public string DirectoryIn(string dataDirectory) => Path.GetFullPath(Directory ?? Path.Combine(dataDirectory, "mail"));

    /// <summary>The password from <see cref="PasswordEnv"/>, or null without a user.</summary>
    public string? Password() => User is null ? null : Environment.GetEnvironmentVariable(PasswordEnv);

    public static MailOptions Apply(MailOptions options, TomlTable table, string source)
    {
        if (!table.TryGetValue("mail", out var value) || value is not TomlTable m) return options;
        string? Text(string key) => !m.TryGetValue(key, out var v) ? null : v as string ?? throw Bad(source, key, "a string");
        return options with
        {
            Host = Text("host") is { } host ? host.Trim() : options.Host,
            Port = !m.TryGetValue("port", out var port) ? options.Port
                : port is long p and > 0 and < 65536 ? (int)p : throw Bad(source, "port", "a port number (1-65535)"),
            Security = Text("security")?.ToLowerInvariant() switch
            {
                null => options.Security,
                "none" => MailSecurity.None,
                "starttls" => MailSecurity.StartTls,
                "tls" => MailSecurity.Tls,
                var other => throw Bad(source, "security", $"none, starttls or tls, not '{other}'"),
            },
            User = Text("user") ?? options.User,
            PasswordEnv = Text("password-env") ?? options.PasswordEnv,
            From = Text("from") is { } from
                ? MailboxAddress.TryParse(from, out _) && from.Contains('@') ? from : throw Bad(source, "from", "an address such as \"Moat <moat@example.com>\"")
                : options.From,
            Directory = Text("directory") ?? options.Directory,
            CaFile = Text("ca-file") ?? options.CaFile,
        };
    }

    /// <summary>Settings that cannot work, refused at start: a user without a password, a password sent in clear to another machine, a missing CA file.</summary>
    public void Validate()
    {
        if (!SendsOverSmtp) return;
        if (Host!.Length == 0) throw new IndexConfigurationException("mail.host is empty: give the SMTP server's name, or leave [mail] host out to write mail to a directory");
        if (User is not null && string.IsNullOrEmpty(Password()))
            throw new IndexConfigurationException($"mail.user is set but the environment variable {PasswordEnv} (mail.password-env) holding its password is not");
        if (User is not null && Security == MailSecurity.None && !IsLoopback(Host))
            throw new IndexConfigurationException($"mail.security is \"none\" with mail.user set: the password would cross the network to {Host} in clear; use starttls or tls");
        if (CaFile is not null && !File.Exists(CaFile)) throw new IndexConfigurationException($"mail.ca-file not found: {CaFile}");
        if (CaFile is not null && Authorities(CaFile).Count == 0) throw new IndexConfigurationException($"mail.ca-file holds no PEM certificate: {CaFile}");
    }

    /// <summary>The certificates in a PEM file (one authority or a bundle).</summary>
    public static X509Certificate2Collection Authorities(string pemFile)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(pemFile);
        }
        catch (CryptographicException)
        {
        }
        return certificates;
    }

    /// <summary>One line for the start-up log: where mail goes.</summary>
    public string Describe(string dataDirectory) => SendsOverSmtp
        ? $"sent over SMTP to {Host}:{EffectivePort} ({Security switch { MailSecurity.None => "no TLS", MailSecurity.Tls => "TLS", _ => "STARTTLS" }}" +
          $"{(User is null ? ", no login" : $", as {User}")}) from {From}"
        : $"written as .eml files to {DirectoryIn(dataDirectory)} (no [mail] host set: nothing is sent)";

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    private static IndexConfigurationException Bad(string source, string key, string expected) => new($"{source}: mail.{key} must be {expected}");
}
