using System.Security.Cryptography;
using System.Text;
using Moat.Analysis.Secrets;

namespace Moat.Analysis.Tests.Secrets;

/// <summary>
/// Generates structurally valid fake credentials at test time, so that no committed file contains a string another
/// secret scanner would take for a live token. Seeded: the same test always builds the same values.
/// </summary>
internal sealed class FakeSecrets(int seed = 1234)
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private readonly Random _random = new(seed);

    public string Characters(string alphabet, int length) => string.Create(length, (alphabet, _random), static (span, state) =>
    {
        for (var i = 0; i < span.Length; i++) span[i] = state.alphabet[state._random.Next(state.alphabet.Length)];
    });

    /// <summary>A GitHub token with a correct CRC32 checksum (<paramref name="prefix"/> is ghp, gho, ghu, ghs or ghr).</summary>
    public string GitHubToken(string prefix = "ghp")
    {
        var random = Characters(Base62, 30);
        return $"{prefix}_{random}{TokenChecksum.Compute(random)}";
    }

    /// <summary>The same shape with its checksum broken (last character changed).</summary>
    public string GitHubTokenWithBadChecksum(string prefix = "ghp")
    {
        var token = GitHubToken(prefix);
        return token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
    }

    public string NpmToken()
    {
        var random = Characters(Base62, 30);
        return $"npm_{random}{TokenChecksum.Compute(random)}";
    }

    /// <summary>A PyPI token: <c>pypi-</c> + base64url of a v2 macaroon (location, UUID identifier, one caveat, 32-byte signature).</summary>
    public string PyPiToken(string location = "pypi.org", string caveat = """{"version": 1, "permissions": "user"}""")
    {
        var bytes = new List<byte> { 2 };
        Field(bytes, 1, Encoding.UTF8.GetBytes(location));
        Field(bytes, 2, Encoding.UTF8.GetBytes(new Guid(Bytes(16)).ToString()));
        bytes.Add(0);
        Field(bytes, 2, Encoding.UTF8.GetBytes(caveat));
        bytes.Add(0);
        bytes.Add(0);
        Field(bytes, 6, Bytes(32));
        return "pypi-" + Convert.ToBase64String([.. bytes]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>An access key id whose embedded account number is <paramref name="account"/>.</summary>
    public string AwsAccessKeyId(long account, string prefix = "AKIA")
    {
        var bytes = Bytes(10);
        var z = (account << 7) | (long)(bytes[5] & 0x7f);
        for (var i = 5; i >= 0; i--, z >>= 8) bytes[i] = (byte)z;
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var builder = new StringBuilder(prefix);
        var buffer = 0;
        var bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                builder.Append(alphabet[(buffer >> bits) & 31]);
            }
        }
        return builder.ToString();
    }

    public string AwsSecretKey() => Characters("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 38) + "/+";

    public string SlackWebhook() =>
        $"https://hooks.slack.com/services/T{Characters("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}/B{Characters("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}/{Characters(Base62, 24)}";

    public string DiscordWebhook() => $"https://discord.com/api/webhooks/{Characters("0123456789", 19)}/{Characters(Base62 + "_-", 68)}";

    public string TelegramToken() => $"{Characters("123456789", 10)}:AA{Characters("ABCDEFGHIJKLMNOP", 11)}{Characters("abcdefghijklmnop", 11)}{Characters("0123456789", 11)}";

    public string Password() => Characters(Base62, 12) + "9z";

    /// <summary>A fresh EC private key in PKCS#8 PEM (real structure, thrown away after the test).</summary>
    public static string PrivateKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private static void Field(List<byte> bytes, int type, byte[] value)
    {
        bytes.Add((byte)type);
        var length = value.Length;
        while (length >= 0x80)
        {
            bytes.Add((byte)(length & 0x7f | 0x80));
            length >>= 7;
        }
        bytes.Add((byte)length);
        bytes.AddRange(value);
    }
}
