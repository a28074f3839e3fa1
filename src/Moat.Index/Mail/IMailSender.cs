using MimeKit;

namespace Moat.Index.Mail;

/// <summary>
/// Sends account mail (verification and reset links, security notices). A real seam with two implementations: the
/// directory sink (<see cref="FileMailSender"/>, the default) and SMTP (<see cref="SmtpMailSender"/>).
/// </summary>
public interface IMailSender
{
    /// <summary>Hands one plain-text message over for delivery. Never throws for a delivery failure: that is logged where it happens.</summary>
    Task SendAsync(string to, string subject, string body, CancellationToken ct = default);
}

/// <summary>The one way a message is put together, so both senders write the same thing (headers encoded by MimeKit: no header injection).</summary>
public static class MailMessages
{
    public static MimeMessage Build(MailboxAddress from, string to, string subject, string body)
    {
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject.ReplaceLineEndings(" ");
        message.Body = new TextPart(MimeKit.Text.TextFormat.Plain) { Text = body };
        return message;
    }
}
