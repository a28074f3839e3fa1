using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>
/// The shapes of the secrets Moat recognises, each written once. The detectors match a shape exactly (and verify its
/// checksum where the issuer has one); <see cref="Redact"/> hides the same shapes in a looser form inside a code
/// finding's evidence, so a truncated or mistyped token is still never shown whole; the code rules' stealer
/// indicators look for the Discord token shape as stealers spell it in their own regular expressions.
/// </summary>
public static partial class SecretShapes
{
    /// <summary>A GitHub token's prefix: personal (p), OAuth (o), user-to-server (u), server-to-server (s), refresh (r).</summary>
    public const string GitHubTokenPrefix = "gh[pousr]_";

    /// <summary>A classic GitHub token: the prefix and 36 characters, the last six a CRC32 checksum.</summary>
    public const string GitHubToken = GitHubTokenPrefix + "[A-Za-z0-9]{36}";

    /// <summary>An AWS access key id: long-term (AKIA), temporary (ASIA), and the rarer ABIA and ACCA, then 16 base32 characters.</summary>
    public const string AwsAccessKeyId = "(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}";

    /// <summary>Where a Discord webhook's id and token follow.</summary>
    public const string DiscordWebhookPath = @"discord(?:app)?\.com/api/webhooks/";

    /// <summary>Where a Telegram bot token follows (<c>https://api.telegram.org/bot&lt;token&gt;/sendMessage</c>).</summary>
    public const string TelegramBotPath = @"api\.telegram\.org/bot";

    /// <summary>Slack's incoming-webhook host.</summary>
    public const string SlackWebhookHost = @"hooks\.slack\.com/";

    /// <summary>A Discord user token (user id, timestamp, HMAC), written as token stealers write it.</summary>
    public const string DiscordUserToken = @"[\w-]{24}\.[\w-]{6}\.[\w-]{27}";

    /// <summary>Hides webhook tokens, bot tokens, cloud keys and session tokens inside <paramref name="text"/> (evidence of a code finding).</summary>
    public static string Redact(string text)
    {
        if (text.Length < 16 || !MayHoldRedactable(text)) return text;
        return Redactable().Replace(text, m =>
        {
            for (var g = 1; g < m.Groups.Count; g++)
            {
                var group = m.Groups[g];
                if (!group.Success) continue;
                return string.Concat(m.Value.AsSpan(0, group.Index - m.Index), Redaction.Redact(group.Value), m.Value.AsSpan(group.Index - m.Index + group.Length));
            }
            return m.Value;
        });
    }

    /// <summary>
    /// False only when <see cref="Redactable"/> cannot match: none of its literal prefixes occurs, and no dot follows 24
    /// characters that could be a user token's (ASCII word characters or '-'; any non-ASCII character counts, as the
    /// pattern's \w takes letters of every script). Every finding's evidence passes here, and the pattern, whose last
    /// alternative may start at any word character, costs more than this pass.
    /// </summary>
    private static bool MayHoldRedactable(string text)
    {
        if (text.Contains("discord", StringComparison.Ordinal) || text.Contains("api.telegram.org/bot", StringComparison.Ordinal)
            || text.Contains("hooks.slack.com/", StringComparison.Ordinal) || text.Contains("AKIA", StringComparison.Ordinal)
            || text.Contains("gh", StringComparison.Ordinal) && text.Contains('_', StringComparison.Ordinal))
            return true;
        var run = 0;
        foreach (var c in text)
        {
            if (c == '.' && run >= 24) return true;
            run = c >= 128 || char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? run + 1 : 0;
        }
        return false;
    }

    // Looser than the detectors' shapes on purpose: lengths are open-ended and no checksum is asked, because hiding a
    // near-token costs nothing while showing a real one whole is a leak.
    [GeneratedRegex("(?:" + DiscordWebhookPath + @"\d+/)([\w-]{20,})|(?:" + TelegramBotPath + @")(\d{6,12}:[\w-]{30,})|(?:" + SlackWebhookHost + @"services/)([\w/]{20,})"
        + @"|\b(" + GitHubTokenPrefix + @"[A-Za-z0-9]{30,})|\b(AKIA[0-9A-Z]{16})\b|\b(" + DiscordUserToken + @"[\w-]{0,11})\b")]
    private static partial Regex Redactable();
}
