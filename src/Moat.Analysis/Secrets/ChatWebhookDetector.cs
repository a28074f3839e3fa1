using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>Chat integrations that are credentials in a URL or token: Slack and Discord webhooks, Slack tokens, Telegram bots.</summary>
public static partial class ChatWebhookDetector
{
    public static readonly Rule WebhookRule = new(
        "MOAT-SECRET-008",
        "chat-webhook",
        "A Slack or Discord webhook URL, or a Slack API token.",
        Severity.Medium,
        "Webhook URLs embed their own secret: anyone holding one can post to the channel as your integration — a ready " +
        "phishing channel into your team — and stealers use Discord webhooks to ship stolen data. Slack bot and user " +
        "tokens (xoxb-, xoxp-) can read channels. Regenerate the webhook or token and keep it in a CI secret.",
        ["https://api.slack.com/messaging/webhooks", "https://support.discord.com/hc/en-us/articles/228383668"]);

    public static readonly Rule TelegramRule = new(
        "MOAT-SECRET-009",
        "telegram-bot-token",
        "A Telegram bot token (bot id, colon, 35-character secret).",
        Severity.Medium,
        "A bot token controls the bot: read its messages, post as it. Malware uses Telegram bots as exfiltration channels, " +
        "so a token in a package is also a strong signal of a stealer. Revoke it with @BotFather (/revoke).",
        ["https://core.telegram.org/bots/api#authorizing-your-bot"]);

    public static readonly SecretDetector Detector = new("chat", ["hooks.slack.com", "discord.com/api/webhooks", "discordapp.com/api/webhooks", "xoxb-", "xoxp-", "xoxa-", "xoxr-", ":AA"], Scan);

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        foreach (Match m in Slack().Matches(text)) hits.Add(SecretHit.Of(WebhookRule, Confidence.High, "Slack incoming webhook URL", m.Index, m.Value));
        foreach (Match m in Discord().Matches(text)) hits.Add(SecretHit.Of(WebhookRule, Confidence.High, "Discord webhook URL", m.Index, m.Value));
        foreach (Match m in SlackToken().Matches(text)) hits.Add(SecretHit.Of(WebhookRule, Confidence.High, $"Slack {m.Value[..4]} API token", m.Index, m.Value));
        foreach (Match m in Telegram().Matches(text))
        {
            if (SecretValues.CharacterClasses(m.Groups["secret"].ValueSpan) < 3) continue;
            hits.Add(SecretHit.Of(TelegramRule, Confidence.High, $"Telegram bot token for bot {m.Groups["bot"].Value}", m.Index, m.Value));
        }
    }

    /// <summary>True when <paramref name="text"/> holds a Telegram bot token (a bot id, a colon and a mixed 35-character secret).</summary>
    public static bool ContainsTelegramBotToken(string text)
    {
        if (!text.Contains(":AA", StringComparison.Ordinal)) return false;
        foreach (Match m in Telegram().Matches(text))
            if (SecretValues.CharacterClasses(m.Groups["secret"].ValueSpan) >= 3) return true;
        return false;
    }

    [GeneratedRegex("https://" + SecretShapes.SlackWebhookHost + "(?:services|workflows|triggers)/T[A-Z0-9]{8,12}/[A-Z0-9]{8,14}/[A-Za-z0-9]{20,32}")]
    private static partial Regex Slack();

    [GeneratedRegex(@"https://(?:ptb\.|canary\.)?" + SecretShapes.DiscordWebhookPath + @"\d{17,20}/[A-Za-z0-9_-]{60,68}")]
    private static partial Regex Discord();

    [GeneratedRegex(@"(?<![A-Za-z0-9])xox[bpar]-\d{9,13}-\d{9,13}(?:-\d{9,13})?-[A-Za-z0-9]{20,40}(?![A-Za-z0-9])")]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"(?<![0-9:])(?<bot>\d{8,10}):(?<secret>AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])")]
    private static partial Regex Telegram();
}
