using System.IO.Hashing;
using System.Text;

namespace Moat.Analysis.Secrets;

/// <summary>
/// GitHub's (and npm's) token checksum: the last six characters are the CRC32 of the 30 random characters before them,
/// in base62 (0-9, A-Z, a-z), left-padded with zeros. A string that fails it is not a token GitHub issued.
/// </summary>
public static class TokenChecksum
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Compute(ReadOnlySpan<char> random)
    {
        Span<byte> bytes = stackalloc byte[random.Length];
        Encoding.ASCII.GetBytes(random, bytes);
        return Base62(Crc32.HashToUInt32(bytes), 6);
    }

    /// <summary>True when <paramref name="body"/> (the 36 characters after <c>ghp_</c> or <c>npm_</c>) carries a valid checksum.</summary>
    public static bool IsValid(ReadOnlySpan<char> body) =>
        body.Length == 36 && Compute(body[..30]).AsSpan().SequenceEqual(body[30..]);

    public static string Base62(uint value, int width)
    {
        Span<char> buffer = stackalloc char[Math.Max(width, 8)];
        var position = buffer.Length;
        do
        {
            buffer[--position] = Alphabet[(int)(value % 62)];
            value /= 62;
        } while (value > 0);
        while (buffer.Length - position < width) buffer[--position] = '0';
        return new string(buffer[position..]);
    }
}
