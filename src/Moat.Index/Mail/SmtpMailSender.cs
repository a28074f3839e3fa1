using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Moat.Index.Mail;

/// <summary>
/// Sends mail over SMTP with MailKit, off the request path: <see cref="SendAsync"/> queues the message and returns,
/// and this service delivers the queue in the background. So a slow or unreachable mail server never holds up a
/// request, and a password-reset request takes the same time whether or not the account exists (no enumeration by
/// timing). A message that fails is retried with growing pauses, then dropped with an error in the log; a full queue
/// (the server down for hours) drops new messages the same way rather than growing without bound.
/// </summary>
public sealed class SmtpMailSender(MailOptions options, ILogger<SmtpMailSender> log) : BackgroundService, IMailSender
{
    public const int QueueCapacity = 10_000;
    private static readonly TimeSpan[] RetryPauses = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)];

    private readonly Channel<MimeMessage> _queue = Channel.CreateBounded<MimeMessage>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite,
    });
    private readonly MailboxAddress _from = options.FromAddress;

    public Task SendAsync(string to, string subject, string body, CancellationToken ct = default)
    {
        var message = MailMessages.Build(_from, to, subject, body);
        if (!_queue.Writer.TryWrite(message))
            log.LogError("Mail queue full ({Capacity} messages waiting for {Host}): dropped \"{Subject}\" to {To}", QueueCapacity, options.Host, subject, to);
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var client = new SmtpClient { Timeout = 30_000 };
        if (options.CaFile is { } caFile) client.ServerCertificateValidationCallback = TrustOnly(MailOptions.Authorities(caFile));
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stopping))
            {
                while (_queue.Reader.TryRead(out var message)) await DeliverAsync(client, message, stopping);
                // The queue is empty: let the connection go rather than hold it open between rare messages.
                if (client.IsConnected) await client.DisconnectAsync(quit: true, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            if (_queue.Reader.Count > 0) log.LogWarning("Stopping with {Count} mail messages not yet delivered to {Host}", _queue.Reader.Count, options.Host);
        }
    }

    private async Task DeliverAsync(SmtpClient client, MimeMessage message, CancellationToken stopping)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (!client.IsConnected) await ConnectAsync(client, stopping);
                await client.SendAsync(message, stopping);
                log.LogInformation("Mail \"{Subject}\" to {To} sent via {Host}", message.Subject, message.To, options.Host);
                return;
            }
            catch (SmtpCommandException ex) when (ex.StatusCode is >= (SmtpStatusCode)500 and < (SmtpStatusCode)600)
            {
                // A permanent refusal (unknown recipient, message refused): retrying gives the same answer.
                log.LogError("Mail \"{Subject}\" to {To} refused by {Host}: {Code} {Reason}", message.Subject, message.To, options.Host, (int)ex.StatusCode, ex.Message);
                return;
            }
            catch (AuthenticationException ex)
            {
                log.LogError("Mail \"{Subject}\" to {To} not sent: {Host} refused the login of {User}: {Reason}", message.Subject, message.To, options.Host, options.User, ex.Message);
                return;
            }
            // Anything else (network, TLS, protocol, timeout) may pass: retried. The delivery loop itself must never die.
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (client.IsConnected)
                {
                    try { await client.DisconnectAsync(quit: false, CancellationToken.None); }
                    catch (Exception closing) when (closing is IOException or SocketException or SmtpProtocolException) { }
                }
                if (attempt == RetryPauses.Length)
                {
                    log.LogError("Mail \"{Subject}\" to {To} dropped after {Attempts} attempts to reach {Host}: {Reason}", message.Subject, message.To, attempt + 1, options.Host, ex.Message);
                    return;
                }
                log.LogWarning("Mail \"{Subject}\" to {To}: {Host}:{Port} failed ({Reason}); retrying in {Pause}", message.Subject, message.To, options.Host, options.EffectivePort, ex.Message, RetryPauses[attempt]);
                await Task.Delay(RetryPauses[attempt], stopping);
            }
        }
    }

    private async Task ConnectAsync(SmtpClient client, CancellationToken ct)
    {
        var socketOptions = options.Security switch
        {
            MailSecurity.None => SecureSocketOptions.None,
            MailSecurity.Tls => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls, // required: a server that does not offer STARTTLS is refused, never used in clear
        };
        await client.ConnectAsync(options.Host!, options.EffectivePort, socketOptions, ct);
        if (options.User is { } user) await client.AuthenticateAsync(user, options.Password() ?? "", ct);
    }

    /// <summary>
    /// Certificate check against one private certificate authority (<c>[mail] ca-file</c>) instead of the system's:
    /// the chain must end at that authority and the name must match the host, exactly as a public certificate must.
    /// </summary>
    private static RemoteCertificateValidationCallback TrustOnly(X509Certificate2Collection authorities) => (_, certificate, _, errors) =>
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    };
}
