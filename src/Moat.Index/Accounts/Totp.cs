using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Moat.Index.Accounts;

/// <summary>
/// RFC 6238 time-based one-time passwords (HMAC-SHA1, 30-second steps, 6 digits by default — what every
/// authenticator app understands). Verification accepts the previous, current and next step for clock skew and
/// returns the matched step so the caller can refuse any step at or before the last one used (replay protection).
/// </summary>
public static class Totp
{
    public const int StepSeconds = 30;

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>RFC 4226 HOTP for a counter: dynamic truncation of HMAC(key, counter).</summary>
    public static string Code(byte[] key, long step, int digits = 6, HashAlgorithmName? algorithm = null)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var alg = algorithm ?? HashAlgorithmName.SHA1;
        byte[] mac = alg == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, counter)
            : alg == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(key, counter)
            : HMACSHA1.HashData(key, counter);
        var offset = mac[^1] & 0x0f;
        var binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
        var modulo = 1;
        for (var i = 0; i < digits; i++) modulo *= 10;
        return (binary % modulo).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>The step a code matches within ±1 step of <paramref name="now"/>, or null. Compares in constant time.</summary>
    public static long? Match(byte[] key, string code, DateTimeOffset now)
    {
        code = code.Trim().Replace(" ", "", StringComparison.Ordinal);
        if (code.Length != 6 || !code.All(char.IsAsciiDigit)) return null;
        var current = StepAt(now);
        for (var step = current - 1; step <= current + 1; step++)
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Code(key, step)), Encoding.ASCII.GetBytes(code))) return step;
        }
        return null;
    }

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(20);

    /// <summary>The <c>otpauth://</c> URI authenticator apps scan (Google Authenticator key-uri format).</summary>
    public static string ProvisioningUri(byte[] key, string account, string issuer) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}?secret={Base32.Encode(key)}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period={StepSeconds}";

    /// <summary>The provisioning URI as an SVG QR code.</summary>
    public static string QrSvg(string uri)
    {
        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCoder.QRCodeGenerator.ECCLevel.M);
        return new QRCoder.SvgQRCode(data).GetGraphic(4);
    }

    /// <summary>The provisioning URI as a PNG QR code.</summary>
    public static byte[] QrPng(string uri)
    {
        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCoder.QRCodeGenerator.ECCLevel.M);
        return new QRCoder.PngByteQRCode(data).GetGraphic(4);
    }
}

/// <summary>RFC 4648 base32 (no padding), the encoding of TOTP secrets.</summary>
public static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var sb = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        return sb.ToString();
    }

    public static byte[]? Decode(string text)
    {
        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var ch in text.TrimEnd('=').ToUpperInvariant())
        {
            var value = Alphabet.IndexOf(ch);
            if (value < 0) return null;
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. bytes];
    }
}
