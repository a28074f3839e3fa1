using System.Text;

namespace Moat.Index.Accounts;

/// <summary>Sends account mail (verification links, security notices). A real seam: the file sender by default, SMTP or a provider API in deployment.</summary>
public interface IMailSender
{
    Task SendAsync(string to, string subject, string body, CancellationToken ct = default);
}

/// <summary>Writes each message as an RFC 5322 .eml file into a directory (and nothing leaves the machine): the default, and what tests read.</summary>
public sealed class FileMailSender(string directory) : IMailSender
{
    public async Task SendAsync(string to, string subject, string body, CancellationToken ct = default)
    {
        Directory.CreateDirectory(directory);
        var name = $"{DateTimeOffset.UtcNow:yyyyMMddTHHmmssfffffff}-{Guid.NewGuid():N}.eml";
        var text = new StringBuilder()
            .Append("To: ").Append(to.ReplaceLineEndings(" ")).Append("\r\n")
            .Append("From: moat@localhost\r\n")
            .Append("Subject: ").Append(subject.ReplaceLineEndings(" ")).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n\r\n")
            .Append(body).ToString();
        await File.WriteAllTextAsync(Path.Combine(directory, name), text, ct);
    }
}
