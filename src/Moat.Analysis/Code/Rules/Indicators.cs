using System.Buffers;
using System.Net;
using System.Text.RegularExpressions;

namespace Moat.Analysis.Code;

public enum IndicatorKind
{
    None,
    Webhook,
    PasteSite,
    Collector,
    RawIpUrl,
    BrowserData,
    WalletData,
    MessagingTokens,
    Credentials,
    Persistence,
    PowerShell,
    ReverseShell,
    DefenderTampering,
    /// <summary>A regular expression for crypto-currency addresses (what clippers match the clipboard against).</summary>
    CryptoAddress,
}

/// <summary>A suspicious thing found in a string: its kind and the matched text.</summary>
public readonly record struct Indicator(IndicatorKind Kind, string Match);

/// <summary>
/// Text indicators found in string constants (literal or decoded): exfiltration endpoints, stealer target paths,
/// persistence locations, PowerShell tricks, reverse-shell one-liners. A single SearchValues pass rejects the vast
/// majority of strings before any detailed matching.
/// </summary>
public static partial class Indicators
{
    private static readonly (IndicatorKind Kind, string Needle)[] Needles =
    [
        (IndicatorKind.Webhook, "discord.com/api/webhooks/"), (IndicatorKind.Webhook, "discordapp.com/api/webhooks/"),
        (IndicatorKind.Webhook, "canary.discord.com/api/webhooks"), (IndicatorKind.Webhook, "ptb.discord.com/api/webhooks"),
        (IndicatorKind.Webhook, "api.telegram.org/bot"), (IndicatorKind.Webhook, "hooks.slack.com/services/"),
        (IndicatorKind.Webhook, "discord.com/api/v9/users/@me"), (IndicatorKind.Webhook, "discord.com/api/v10/users/@me"),
        (IndicatorKind.Collector, "webhook.site"), (IndicatorKind.Collector, ".oastify.com"), (IndicatorKind.Collector, "burpcollaborator.net"),
        (IndicatorKind.Collector, ".interact.sh"), (IndicatorKind.Collector, ".oast.fun"), (IndicatorKind.Collector, ".oast.pro"),
        (IndicatorKind.Collector, ".oast.me"), (IndicatorKind.Collector, ".oast.live"), (IndicatorKind.Collector, ".oast.site"), (IndicatorKind.Collector, ".pipedream.net"),
        (IndicatorKind.Collector, "requestbin"), (IndicatorKind.Collector, ".ngrok.io"), (IndicatorKind.Collector, ".ngrok-free.app"),
        (IndicatorKind.Collector, ".ngrok.app"), (IndicatorKind.Collector, "trycloudflare.com"), (IndicatorKind.Collector, "dnslog.cn"),
        (IndicatorKind.Collector, "ceye.io"), (IndicatorKind.Collector, "canarytokens.com"), (IndicatorKind.Collector, "serveo.net"),
        (IndicatorKind.PasteSite, "pastebin.com/raw"), (IndicatorKind.PasteSite, "paste.ee/r/"), (IndicatorKind.PasteSite, "hastebin.com/raw"),
        (IndicatorKind.PasteSite, "transfer.sh"), (IndicatorKind.PasteSite, "anonfiles.com"), (IndicatorKind.PasteSite, "gofile.io"),
        (IndicatorKind.PasteSite, "file.io"), (IndicatorKind.PasteSite, "rentry.co"), (IndicatorKind.PasteSite, "termbin.com"),
        (IndicatorKind.PasteSite, "cdn.discordapp.com/attachments/"), (IndicatorKind.PasteSite, "paste.c-net.org"),
        (IndicatorKind.PasteSite, "pastes.io"), (IndicatorKind.PasteSite, "dpaste.org"), (IndicatorKind.PasteSite, "bashupload.com"),
        (IndicatorKind.PasteSite, "temp.sh"), (IndicatorKind.PasteSite, "0x0.st"), (IndicatorKind.PasteSite, "store1.gofile.io"),
        (IndicatorKind.BrowserData, "/user data/default/login data"), (IndicatorKind.BrowserData, "login data"), (IndicatorKind.BrowserData, "/user data/local state"),
        (IndicatorKind.BrowserData, "logins.json"), (IndicatorKind.BrowserData, "key4.db"),
        (IndicatorKind.BrowserData, "key3.db"), (IndicatorKind.BrowserData, "cookies.sqlite"), (IndicatorKind.BrowserData, "/network/cookies"),
        (IndicatorKind.BrowserData, "bravesoftware/brave-browser"), (IndicatorKind.BrowserData, "yandex/yandexbrowser"),
        (IndicatorKind.BrowserData, "opera software/opera stable"), (IndicatorKind.BrowserData, "google/chrome/user data"),
        (IndicatorKind.BrowserData, "microsoft/edge/user data"), (IndicatorKind.BrowserData, "mozilla/firefox/profiles"),
        (IndicatorKind.BrowserData, "application support/google/chrome"),
        (IndicatorKind.WalletData, "nkbihfbeogaeaoehlefnkodbefgpgknn"), (IndicatorKind.WalletData, "exodus/exodus.wallet"),
        (IndicatorKind.WalletData, "exodus.wallet"), (IndicatorKind.WalletData, "electrum/wallets"), (IndicatorKind.WalletData, ".electrum/wallets"),
        (IndicatorKind.WalletData, "ethereum/keystore"), (IndicatorKind.WalletData, "atomic/local storage/leveldb"), (IndicatorKind.WalletData, "wallet.dat"),
        (IndicatorKind.WalletData, "coinomi/coinomi/wallets"), (IndicatorKind.WalletData, "com.liberty.jaxx"),
        (IndicatorKind.WalletData, "guarda/local storage"), (IndicatorKind.WalletData, "bitcoin/wallets"),
        (IndicatorKind.WalletData, "fhbohimaelbohpjbbldcngcnapndodjp"), (IndicatorKind.WalletData, "bfnaelmomeimhlpmgjnjophhpkkoljpa"),
        (IndicatorKind.MessagingTokens, "discord/local storage/leveldb"), (IndicatorKind.MessagingTokens, "discordcanary/local storage"),
        (IndicatorKind.MessagingTokens, "discordptb/local storage"), (IndicatorKind.MessagingTokens, "telegram desktop/tdata"),
        (IndicatorKind.MessagingTokens, "dqw4w9wgxcq:"), (IndicatorKind.MessagingTokens, "discord_desktop_core"), (IndicatorKind.MessagingTokens, Secrets.SecretShapes.DiscordUserToken),
        (IndicatorKind.MessagingTokens, "[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{25,110}"), (IndicatorKind.MessagingTokens, "mfa\\.[\\w-]{84}"),
        (IndicatorKind.MessagingTokens, "/local storage/leveldb"), (IndicatorKind.MessagingTokens, "steam/config/loginusers.vdf"),
        (IndicatorKind.Credentials, ".ssh/id_rsa"), (IndicatorKind.Credentials, ".ssh/id_"), (IndicatorKind.Credentials, "/.ssh/*"),
        (IndicatorKind.Credentials, "meta-data/iam/security-credentials"), (IndicatorKind.Credentials, "computemetadata/v1/instance/service-accounts"), (IndicatorKind.Credentials, ".ssh/id_ed25519"), (IndicatorKind.Credentials, ".ssh/id_ecdsa"),
        (IndicatorKind.Credentials, ".aws/credentials"), (IndicatorKind.Credentials, ".kube/config"), (IndicatorKind.Credentials, ".docker/config.json"),
        (IndicatorKind.Credentials, ".git-credentials"), (IndicatorKind.Credentials, ".pypirc"), (IndicatorKind.Credentials, ".npmrc"),
        (IndicatorKind.Credentials, "/etc/shadow"), (IndicatorKind.Credentials, "application_default_credentials.json"),
        (IndicatorKind.Credentials, "gcloud/credentials.db"), (IndicatorKind.Credentials, ".azure/accesstokens.json"), (IndicatorKind.Credentials, ".bash_history"),
        (IndicatorKind.Credentials, ".config/gh/hosts.yml"), (IndicatorKind.Credentials, "filezilla/recentservers.xml"),
        (IndicatorKind.Persistence, "software/microsoft/windows/currentversion/run"), (IndicatorKind.Persistence, "/start menu/programs/startup"),
        (IndicatorKind.Persistence, "schtasks /create"), (IndicatorKind.Persistence, "schtasks.exe /create"), (IndicatorKind.Persistence, "/etc/cron"),
        (IndicatorKind.Persistence, "crontab -"), (IndicatorKind.Persistence, "@reboot"), (IndicatorKind.Persistence, ".config/autostart"),
        (IndicatorKind.Persistence, "/etc/systemd/system/"), (IndicatorKind.Persistence, ".config/systemd/user"), (IndicatorKind.Persistence, "library/launchagents"),
        (IndicatorKind.Persistence, "library/launchdaemons"), (IndicatorKind.Persistence, "/etc/rc.local"), (IndicatorKind.Persistence, "/etc/init.d/"),
        (IndicatorKind.Persistence, "microsoft/windows/start menu/programs/startup"), (IndicatorKind.Persistence, "/etc/profile.d/"),
        (IndicatorKind.Persistence, "reg add hkcu"), (IndicatorKind.Persistence, "reg add hklm"), (IndicatorKind.Persistence, "/.bashrc"),
        (IndicatorKind.Persistence, "/.zshrc"), (IndicatorKind.Persistence, "/.bash_profile"), (IndicatorKind.Persistence, "/.profile"),
        (IndicatorKind.Persistence, "winlogon/shell"), (IndicatorKind.Persistence, "userinit.exe,"),
        (IndicatorKind.PowerShell, "-encodedcommand"), (IndicatorKind.PowerShell, "powershell -enc "), (IndicatorKind.PowerShell, "powershell.exe -enc "),
        (IndicatorKind.PowerShell, " -e jab"), (IndicatorKind.PowerShell, "-windowstyle hidden"), (IndicatorKind.PowerShell, "-w hidden"),
        (IndicatorKind.PowerShell, "invoke-expression"), (IndicatorKind.PowerShell, "iex("), (IndicatorKind.PowerShell, "iex ("),
        (IndicatorKind.PowerShell, "downloadstring("), (IndicatorKind.PowerShell, "downloadfile("), (IndicatorKind.PowerShell, "-executionpolicy bypass"),
        (IndicatorKind.PowerShell, "-exec bypass"), (IndicatorKind.PowerShell, "-ep bypass"), (IndicatorKind.PowerShell, "frombase64string("),
        (IndicatorKind.PowerShell, "invoke-webrequest"), (IndicatorKind.PowerShell, "start-bitstransfer"), (IndicatorKind.PowerShell, "certutil -urlcache"),
        (IndicatorKind.PowerShell, "bitsadmin /transfer"), (IndicatorKind.PowerShell, "mshta http"), (IndicatorKind.PowerShell, "regsvr32 /s /n /u /i:http"),
        (IndicatorKind.ReverseShell, "/dev/tcp/"), (IndicatorKind.ReverseShell, "/bin/sh -i"), (IndicatorKind.ReverseShell, "/bin/bash -i"),
        (IndicatorKind.ReverseShell, "nc -e /bin/"), (IndicatorKind.ReverseShell, "ncat -e"), (IndicatorKind.ReverseShell, "mkfifo /tmp/"),
        (IndicatorKind.ReverseShell, "socat exec:"), (IndicatorKind.ReverseShell, "nc.exe -e"), (IndicatorKind.ReverseShell, "cmd.exe /c powershell -nop"),
        (IndicatorKind.ReverseShell, "new-object system.net.sockets.tcpclient("), (IndicatorKind.ReverseShell, "new-object net.sockets.tcpclient("),
        (IndicatorKind.DefenderTampering, "add-mppreference"), (IndicatorKind.DefenderTampering, "set-mppreference -disablerealtimemonitoring"),
        (IndicatorKind.DefenderTampering, "disableantispyware"), (IndicatorKind.DefenderTampering, "exclusionpath"),
        (IndicatorKind.DefenderTampering, "netsh advfirewall set allprofiles state off"), (IndicatorKind.DefenderTampering, "vssadmin delete shadows"),
    ];

    // Triggers: cheap substrings whose absence rules a string out. Every needle contains at least one of them (a test
    // checks), which also bounds where the first needle can start: at most a needle's length before the first trigger.
    internal static readonly string[] TriggerWords =
        ["webhook", "telegram", "slack", "oast", "burp", "interact", "pipedream", "requestbin", "ngrok", "trycloudflare", "dnslog",
         "ceye", "canarytoken", "serveo", "paste", "haste", "transfer.sh", "anonfiles", "gofile", "file.io", "rentry", "termbin",
         "discord", "dpaste", "bashupload", "temp.sh", "0x0.st", "login data", "local state", "encrypted_key", "logins.json", "key4.db",
         "key3.db", "cookies", "brave", "yandex", "opera", "chrome", "edge", "firefox", "web data", "nkbihf", "exodus", "electrum",
         "ethereum", "atomic", "wallet", "coinomi", "armory", "jaxx", "guarda", "zcash", "fhbohim", "bfnaelm", "tdata", "dqw4w9",
         "\\w-]{", "mfa\\.", "leveldb", "loginusers", ".ssh", ".aws", ".kube", ".docker", "credentials", ".pypirc", ".npmrc", "shadow",
         "gcloud", ".azure", "history", "hosts.yml", "filezilla", "currentversion", "startup", "schtasks", "cron", "@reboot",
         "autostart", "systemd", "launchagents", "launchdaemons", "rc.local", "init.d", "profile", "reg add", "bashrc", "zshrc",
         "winlogon", "userinit", "meta-data", "computemetadata", "encodedcommand", "-enc", " -e ", "hidden", "invoke-", "iex", "download", "bypass", "frombase64",
         "bitstransfer", "certutil", "bitsadmin", "mshta", "regsvr32", "/dev/tcp", "/bin/sh", "/bin/bash", "nc -e", "ncat", "mkfifo",
         "socat", "nc.exe", "powershell", "tcpclient", "mppreference", "antispyware", "exclusionpath", "advfirewall", "vssadmin", "://", "0x[", "bc1", "[13]", ".invalid"];

    private static readonly SearchValues<string> Triggers = SearchValues.Create(TriggerWords, StringComparison.OrdinalIgnoreCase);

    private static readonly int MaxNeedleLength = Needles.Max(n => n.Needle.Length);

    // The needles that can start with an ASCII character, by its upper case: where the search for all needles stops,
    // only these are compared (there are ~165 needles and a stop in binary or minified text is frequent).
    private static readonly int[][] NeedlesByFirstChar = Enumerable.Range(0, 128)
        .Select(c => Enumerable.Range(0, Needles.Length).Where(i => char.ToUpperInvariant(Needles[i].Needle[0]) == c).ToArray()).ToArray();

    /// <summary>The needles in the order they are tried (tests compare the one-pass search with a search per needle).</summary>
    internal static ReadOnlySpan<(IndicatorKind Kind, string Needle)> NeedleList => Needles;

    // The needles in small groups, each searched with SearchValues' vectorized multi-string search (Teddy): all ~170 in
    // one set fall back to a scalar Aho-Corasick automaton, and groups of 56 (still vectorized) stop at so many false
    // candidates in escaped binary that they are no faster. Measured on a megabyte of decoded layer, of Python and of an
    // executable: 16 a group searches 2-2.5x faster than one set; 8 or 24 are slower again. Short texts are decided by
    // the trigger pass first, where one set stays fastest.
    private const int NeedlesPerGroup = 16;

    private static readonly SearchValues<string>[] NeedleGroups = Needles.ToArray().Chunk(NeedlesPerGroup)
        .Select(group => SearchValues.Create(group.Select(n => n.Needle).ToArray(), StringComparison.OrdinalIgnoreCase)).ToArray();

    private static readonly SearchValues<char> Separators = SearchValues.Create("\\");

    [GeneratedRegex(@"\b(?:https?|tcp|udp|ftp)://(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex RawIpUrlPattern();

    [GeneratedRegex(@"\.invalid(?=[/:?#'""\s]|$)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex InvalidTld();

    // Bitcoin (legacy [13]…/bech32 bc1…) and Ethereum (0x + 40 hex) address patterns as written in regular expressions.
    [GeneratedRegex(@"0x\[(?:a-fA-F0-9|0-9a-fA-F|a-f0-9|0-9a-f|A-Fa-f0-9|0-9A-Fa-f)\]\{40\}|\(bc1\|\[13\]\)|\[13\]\[a-km-zA-HJ-NP-Z1-9\]|bc1\[(?:a-z0-9|ac-hj-np-z02-9|a-zA-HJ-NP-Z0-9)\]", RegexOptions.CultureInvariant)]
    private static partial Regex CryptoAddressPattern();

    [GeneratedRegex(@"https?://[^\s'""<>(){}\\]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();

    /// <summary>All indicators in <paramref name="text"/> (at most one per kind).</summary>
    public static List<Indicator> Find(string text)
    {
        var found = new List<Indicator>();
        if (text.Length < 4 || IsEncodedBlob(text)) return found;
        // Most strings (and most megabyte-long payload literals) hold no trigger: only then is a long one's head searched.
        var sample = text.AsSpan(0, Math.Min(text.Length, 1 << 20));
        // A long text is searched for needles at once: outside its encoded runs that costs less than a pass for triggers
        // through them, and finds nothing where no trigger is (every needle, address and URL pattern holds one).
        var firstTrigger = sample.Length >= LongText ? 0 : sample.IndexOfAny(Triggers);
        if (firstTrigger < 0) return found;
        // Windows paths are searched with forward slashes, in a borrowed buffer (code layers are full of backslashes,
        // and a copy of each searched text was a few percent of all a scan allocated).
        char[]? borrowed = null;
        try
        {
            var normalized = sample;
            if (sample.IndexOfAny(Separators) >= 0)
            {
                borrowed = ArrayPool<char>.Shared.Rent(sample.Length);
                normalized = borrowed.AsSpan(0, NormalizeSeparators(sample, borrowed));
            }
            // Re-fang hosts defanged with the reserved .invalid TLD (threat-intel write-ups and Moat's own corpus do this):
            // "discord.com.invalid/api/webhooks" is the webhook it was. No real package contains .invalid hosts.
            if (normalized.Contains(".invalid", StringComparison.OrdinalIgnoreCase))
                normalized = InvalidTld().Replace(normalized.ToString(), "");
            // Searched as it is (no separator or host rewritten), the text's first needle holds a trigger at or after the
            // first one: start there, not at the top of a megabyte whose first trigger is near its end.
            var from = normalized.Length == sample.Length && borrowed is null ? Math.Max(0, firstTrigger - (MaxNeedleLength - 1)) : 0;
            AddIndicators(normalized, found, from);
        }
        finally
        {
            if (borrowed is not null) ArrayPool<char>.Shared.Return(borrowed);
        }
        return found;
    }

    private static void AddIndicators(ReadOnlySpan<char> normalized, List<Indicator> found, int from)
    {
        Span<int> firstAt = stackalloc int[Needles.Length];
        FirstOccurrences(normalized, firstAt, from);
        var kinds = 0;
        for (var i = 0; i < Needles.Length; i++)
        {
            var (kind, needle) = Needles[i];
            if ((kinds & (1 << (int)kind)) != 0 || firstAt[i] < 0) continue;
            kinds |= 1 << (int)kind;
            found.Add(new Indicator(kind, Around(normalized, firstAt[i], needle.Length)));
        }
        if (normalized.Contains('{'))
        {
            foreach (var address in CryptoAddressPattern().EnumerateMatches(normalized))
            {
                found.Add(new Indicator(IndicatorKind.CryptoAddress, normalized.Slice(address.Index, address.Length).ToString()));
                break;
            }
        }
        if (normalized.Contains("://", StringComparison.Ordinal))
        {
            foreach (var candidate in RawIpUrlPattern().EnumerateMatches(normalized))
            {
                // The address group, from the (short) match alone.
                var match = RawIpUrlPattern().Match(normalized.Slice(candidate.Index, candidate.Length).ToString());
                if (IPAddress.TryParse(match.Groups[1].Value, out var ip) && IsPublic(ip))
                {
                    found.Add(new Indicator(IndicatorKind.RawIpUrl, match.Value));
                    break;
                }
            }
        }
    }

    /// <summary><c>text.Replace(@"\\", "/").Replace('\\', '/')</c> into <paramref name="into"/>; returns the length.</summary>
    private static int NormalizeSeparators(ReadOnlySpan<char> text, Span<char> into)
    {
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                if (i + 1 < text.Length && text[i + 1] == '\\') i++;
                into[length++] = '/';
            }
            else into[length++] = text[i];
        }
        return length;
    }

    // Base64 (standard and URL-safe) and hex digits.
    private static readonly SearchValues<char> EncodedAlphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-");

    /// <summary>
    /// A long string of nothing but base64 or hex characters is an encoded payload: it names no host, path or command
    /// (those need dots, colons, spaces or backslashes), and its decoded text is searched when the code decodes it.
    /// Searching the encoding itself finds only chance hits of short triggers, at the price of a pass over megabytes.
    /// </summary>
    private static bool IsEncodedBlob(string text) => text.Length >= MinEncodedRun && text.AsSpan().IndexOfAnyExcept(EncodedAlphabet) < 0;

    // Texts from this long are searched for needles without a pass for triggers first.
    private const int LongText = 1 << 16;

    // A run of base64 or hex characters this long is encoded data: a `\x90\x00…` escaped binary reads as one once its
    // backslashes are slashes.
    private const int MinEncodedRun = 256;

    /// <summary>
    /// Each needle's first acceptable position in <paramref name="text"/> (-1 when absent), into <paramref name="firstAt"/>,
    /// in one pass: the search for all needles at once stops only where some needle starts, and only there are the needles
    /// compared one by one.
    /// The same positions as searching for each needle in turn (<see cref="IndexOfNeedle"/>), without ~190 scans of the
    /// text — except inside runs of at least <see cref="MinEncodedRun"/> base64 or hex characters, which are not looked
    /// into: an encoded payload inside a text (a base64 string in a decoded layer, an escaped executable in a bytes
    /// literal) names no host, path or command of its own, and is searched in its decoded form when the code decodes it.
    /// A needle that starts before such a run or ends after it is still found.
    /// </summary>
    internal static void FirstOccurrences(ReadOnlySpan<char> text, Span<int> firstAt, int from = 0)
    {
        firstAt.Fill(-1);
        var margin = MaxNeedleLength - 1;
        while (from < text.Length)
        {
            var (runStart, runEnd) = NextEncodedRun(text, from);
            Search(text, from, Math.Min(text.Length, runStart + margin), firstAt);
            if (runStart >= text.Length) break;
            from = Math.Max(from + 1, runEnd - margin);
        }
    }

    /// <summary>The first run of at least <see cref="MinEncodedRun"/> encoded-alphabet characters at or after <paramref name="from"/>, else (length, length).</summary>
    private static (int Start, int End) NextEncodedRun(ReadOnlySpan<char> text, int from)
    {
        // Every such run holds one of the positions probed, half a run apart; each probe in the alphabet is widened to its run.
        for (var probe = from + MinEncodedRun / 2 - 1; probe < text.Length; probe += MinEncodedRun / 2)
        {
            if (!EncodedAlphabet.Contains(text[probe])) continue;
            var before = text[from..probe].LastIndexOfAnyExcept(EncodedAlphabet);
            var start = before < 0 ? from : from + before + 1;
            var after = text[probe..].IndexOfAnyExcept(EncodedAlphabet);
            var end = after < 0 ? text.Length : probe + after;
            if (end - start >= MinEncodedRun) return (start, end);
            probe = Math.Max(probe, end - MinEncodedRun / 2);
        }
        return (text.Length, text.Length);
    }

    /// <summary>Each needle's first position among those starting in [<paramref name="from"/>, <paramref name="end"/>) and ending by <paramref name="end"/>.</summary>
    private static void Search(ReadOnlySpan<char> text, int from, int end, Span<int> firstAt)
    {
        // Where each group's next match starts (end: none before it); the search stops at the nearest, as one search for
        // all needles would.
        Span<int> groupNext = stackalloc int[NeedleGroups.Length];
        groupNext.Fill(-1);
        while (from < end)
        {
            var at = end;
            for (var g = 0; g < groupNext.Length; g++)
            {
                if (groupNext[g] < from)
                {
                    var found = text[from..end].IndexOfAny(NeedleGroups[g]);
                    groupNext[g] = found < 0 ? end : from + found;
                }
                at = Math.Min(at, groupNext[g]);
            }
            if (at >= end) break;
            var rest = text[at..];
            // An ASCII character matches only needles starting with it in either case; anything else (a dotless i, a long
            // s) is compared with every needle, as the case-insensitive search that stopped there does.
            var first = rest[0];
            if (first < 128)
            {
                foreach (var i in NeedlesByFirstChar[char.ToUpperInvariant(first)]) TryNeedle(text, rest, at, i, firstAt);
            }
            else
            {
                for (var i = 0; i < Needles.Length; i++) TryNeedle(text, rest, at, i, firstAt);
            }
            from = at + 1;
        }
    }

    private static void TryNeedle(ReadOnlySpan<char> text, ReadOnlySpan<char> rest, int at, int i, Span<int> firstAt)
    {
        if (firstAt[i] >= 0) return;
        var (kind, needle) = Needles[i];
        if (rest.StartsWith(needle, StringComparison.OrdinalIgnoreCase) && AcceptedAt(text, kind, needle, at)) firstAt[i] = at;
    }

    /// <summary>
    /// Where <paramref name="needle"/> occurs; a host (paste site, collector, webhook) only as a whole host name or word,
    /// so that the attribute path <c>pbm.profile.IofilterInfo</c> is not the file-share <c>file.io</c>.
    /// </summary>
    internal static int IndexOfNeedle(string text, IndicatorKind kind, string needle)
    {
        var at = text.IndexOf(needle, StringComparison.OrdinalIgnoreCase);
        while (at >= 0 && !AcceptedAt(text, kind, needle, at)) at = text.IndexOf(needle, at + 1, StringComparison.OrdinalIgnoreCase);
        return at;
    }

    /// <summary>Whether the occurrence of <paramref name="needle"/> at <paramref name="at"/> counts (hosts only as whole words).</summary>
    private static bool AcceptedAt(ReadOnlySpan<char> text, IndicatorKind kind, string needle, int at)
    {
        if (kind is not (IndicatorKind.PasteSite or IndicatorKind.Collector or IndicatorKind.Webhook)) return true;
        var startsInWord = char.IsAsciiLetterOrDigit(needle[0]) && at > 0 && char.IsAsciiLetterOrDigit(text[at - 1]);
        var end = at + needle.Length;
        // A bare host must end there; a needle with a path ("api.telegram.org/bot") is a prefix of what follows.
        var endsInWord = !needle.Contains('/', StringComparison.Ordinal) && char.IsAsciiLetterOrDigit(needle[^1]) && end < text.Length && char.IsAsciiLetterOrDigit(text[end]);
        return !startsInWord && !endsInWord;
    }

    private static string Around(ReadOnlySpan<char> text, int at, int length)
    {
        // Show the URL or path the needle sits in, not just the needle.
        var start = at;
        while (start > 0 && at - start < 60 && !char.IsWhiteSpace(text[start - 1]) && text[start - 1] is not ('"' or '\'')) start--;
        var end = at + length;
        while (end < text.Length && end - at < 100 && !char.IsWhiteSpace(text[end]) && text[end] is not ('"' or '\'')) end++;
        return text[start..end].ToString();
    }

    /// <summary>Public, routable IPv4: not loopback, private, link-local (cloud metadata), multicast or unspecified.</summary>
    public static bool IsPublic(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        if (b.Length != 4) return false;
        return !(b[0] is 0 or 10 or 127 || b[0] >= 224 || (b[0] == 169 && b[1] == 254) || (b[0] == 172 && b[1] is >= 16 and <= 31)
                 || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && b[1] is >= 64 and <= 127) || (b[0] == 192 && b[1] == 0 && b[2] == 2)
                 || (b[0] == 198 && b[1] is 18 or 19) || (b[0] == 203 && b[1] == 0 && b[2] == 113) || (b[0] == 198 && b[1] == 51 && b[2] == 100));
    }

    /// <summary>Which stealer target a path names (browser, wallet, messaging, credentials), or None.</summary>
    public static IndicatorKind StealerTarget(string text)
    {
        foreach (var indicator in Find(text))
        {
            if (indicator.Kind is IndicatorKind.BrowserData or IndicatorKind.WalletData or IndicatorKind.MessagingTokens or IndicatorKind.Credentials)
                return indicator.Kind;
        }
        return IndicatorKind.None;
    }

    public static bool IsMediaPath(string text)
    {
        var t = text.TrimEnd();
        return t.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || t.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
            || t.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || t.EndsWith(".bmp", StringComparison.OrdinalIgnoreCase)
            || t.EndsWith(".gif", StringComparison.OrdinalIgnoreCase) || t.EndsWith(".ico", StringComparison.OrdinalIgnoreCase)
            || t.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) || t.EndsWith(".mp3", StringComparison.OrdinalIgnoreCase);
    }

    public static bool IsExecutablePath(string text)
    {
        var t = text.TrimEnd().ToLowerInvariant();
        return t.EndsWith(".exe", StringComparison.Ordinal) || t.EndsWith(".scr", StringComparison.Ordinal) || t.EndsWith(".bat", StringComparison.Ordinal)
            || t.EndsWith(".cmd", StringComparison.Ordinal) || t.EndsWith(".vbs", StringComparison.Ordinal) || t.EndsWith(".ps1", StringComparison.Ordinal)
            || t.EndsWith(".dll", StringComparison.Ordinal) || t.EndsWith(".msi", StringComparison.Ordinal) || t.EndsWith(".hta", StringComparison.Ordinal)
            || t.EndsWith(".jar", StringComparison.Ordinal) || t.EndsWith(".elf", StringComparison.Ordinal);
    }

    /// <summary>The host of the first URL in <paramref name="text"/>, or null.</summary>
    public static string? Host(string text)
    {
        var match = UrlPattern().Match(text);
        if (!match.Success) return null;
        return Uri.TryCreate(match.Value, UriKind.Absolute, out var uri) ? uri.Host : null;
    }

    public static string? FirstUrl(string text)
    {
        var match = UrlPattern().Match(text);
        return match.Success ? match.Value : null;
    }

    /// <summary>
    /// An http(s) URL to a public host name on a port no web service uses by default (<c>http://api.example:1337/</c>):
    /// a listener someone started by hand. Local and private addresses and the usual web and development ports are not.
    /// </summary>
    public static bool HasUnusualPort(string text)
    {
        if (FirstUrl(text) is not { } url || !url.StartsWith("http", StringComparison.OrdinalIgnoreCase)) return false;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsDefaultPort || uri.IsLoopback) return false;
        if (uri.HostNameType != UriHostNameType.Dns || !uri.Host.Contains('.', StringComparison.Ordinal)) return false;
        if (uri.Host.EndsWith(".local", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase)) return false;
        return uri.Port is not (80 or 443 or 8000 or 8008 or 8080 or 8081 or 8443 or 8888 or 3000 or 5000 or 9000);
    }
}
