using MimeKit;

namespace Moat.Index.Mail;

/// <summary>
/// Writes each message as an RFC 5322 <c>.eml</c> file into a directory, and nothing leaves the machine: the default
/// (an index that has not been given a mail server still keeps every link and notice for its administrator), and what
/// most tests read. Written before the request is answered, so a link is on disk when the page says it was sent.
/// </summary>
public sealed class FileMailSender(string directory, MailboxAddress from) : IMailSender
{
    public async Task SendAsync(string to, string subject, string body, CancellationToken ct = default)
    {
        System.IO.Directory.CreateDirectory(directory);
        var message = MailMessages.Build(from, to, subject, body);
        var name = $"{DateTimeOffset.UtcNow:yyyyMMddTHHmmssfffffff}-{Guid.NewGuid():N}.eml";
        await message.WriteToAsync(Path.Combine(directory, name), ct);
    }
}
