using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Moat.Analysis.Code;

/// <summary>
/// The decoders malware uses to hide payloads, reimplemented on constants only. Each returns null when the input is
/// not valid for it (Python would raise). Outputs are capped at <see cref="MaxOutput"/> so a decompression bomb in a
/// string literal cannot exhaust memory. Bytes travel as latin-1 strings (one char per byte).
/// </summary>
public static class Decoders
{
    public const int MaxOutput = 8 * 1024 * 1024;

    public static byte[] ToBytes(string latin1)
    {
        var bytes = new byte[latin1.Length];
        for (var i = 0; i < latin1.Length; i++) bytes[i] = latin1[i] <= 0xFF ? (byte)latin1[i] : (byte)'?';
        return bytes;
    }

    /// <summary>Python's str.encode('utf-8') as a latin-1 byte string; pure ASCII is returned unchanged.</summary>
    public static string EncodeUtf8(string text) => Ascii(text) ? text : Latin1(Encoding.UTF8.GetBytes(text));

    public static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>bytes.decode('utf-8') (lossy, like errors='replace').</summary>
    public static string DecodeUtf8(string latin1) => Ascii(latin1) ? latin1 : Encoding.UTF8.GetString(ToBytes(latin1));

    private static bool Ascii(string s) => !s.AsSpan().ContainsAnyExceptInRange('\0', '\x7f');

    private static readonly SearchValues<char> Base64Alphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    public static string? Base64(string input, bool urlSafe = false)
    {
        // Python's b64decode discards characters outside the alphabet (validate=False) and needs correct padding.
        // The cleaned text and the bytes are pooled (payloads run to megabytes): only the result is allocated.
        var clean = ArrayPool<char>.Shared.Rent(input.Length + 3);
        byte[]? buffer = null;
        try
        {
            var length = 0;
            // Most payloads are the standard alphabet up to their padding: copied at once, not judged character by character.
            var body = input.AsSpan();
            if (body.IndexOf('=') is >= 0 and var padding) body = body[..padding];
            if (body.IndexOfAnyExcept(Base64Alphabet) < 0)
            {
                body.CopyTo(clean);
                length = body.Length;
            }
            else
            {
                foreach (var c in input)
                {
                    var ch = c;
                    if (urlSafe) ch = ch switch { '-' => '+', '_' => '/', _ => ch };
                    else if (ch is '-' or '_') ch = ch == '-' ? '+' : '/'; // lenient: many payloads mix alphabets
                    if (char.IsAsciiLetterOrDigit(ch) || ch is '+' or '/') clean[length++] = ch;
                    else if (ch == '=') break;
                }
            }
            while (length % 4 != 0) clean[length++] = '=';
            buffer = ArrayPool<byte>.Shared.Rent(length / 4 * 3);
            return Convert.TryFromBase64Chars(clean.AsSpan(0, length), buffer, out var written) ? Latin1(buffer.AsSpan(0, written)) : null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(clean);
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static string? Base32(string input)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var output = new List<byte>(input.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in input)
        {
            if (c == '=' || char.IsWhiteSpace(c)) continue;
            var v = alphabet.IndexOf(char.ToUpperInvariant(c));
            if (v < 0) return null;
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) { bits -= 8; output.Add((byte)(buffer >> bits)); buffer &= (1 << bits) - 1; }
        }
        return Latin1(output.ToArray());
    }

    /// <summary>base64.b85decode (the RFC 1924 alphabet) and, with <paramref name="ascii85"/>, a85decode.</summary>
    public static string? Base85(string input, bool ascii85)
    {
        const string b85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
        var text = input;
        if (ascii85)
        {
            text = text.Replace("<~", "", StringComparison.Ordinal).Replace("~>", "", StringComparison.Ordinal);
            text = string.Concat(text.Where(c => !char.IsWhiteSpace(c))).Replace("z", "!!!!!", StringComparison.Ordinal);
        }
        var output = new List<byte>(text.Length * 4 / 5 + 4);
        var chunk = new int[5];
        for (var i = 0; i < text.Length; i += 5)
        {
            var count = Math.Min(5, text.Length - i);
            for (var k = 0; k < 5; k++)
            {
                if (k < count)
                {
                    var d = ascii85 ? text[i + k] - '!' : b85.IndexOf(text[i + k]);
                    if (d < 0 || d >= 85) return null;
                    chunk[k] = d;
                }
                else chunk[k] = 84;
            }
            long acc = 0;
            foreach (var d in chunk) acc = acc * 85 + d;
            if (acc > uint.MaxValue) return null;
            var word = (uint)acc;
            for (var k = 0; k < count - 1; k++) output.Add((byte)(word >> (24 - 8 * k)));
        }
        return Latin1(output.ToArray());
    }

    public static string? Hex(string input)
    {
        var clean = string.Concat(input.Where(c => !char.IsWhiteSpace(c)));
        if (clean.Length % 2 != 0) return null;
        var output = new byte[clean.Length / 2];
        for (var i = 0; i < output.Length; i++)
        {
            var hi = PyLexer.HexValue(clean[2 * i]);
            var lo = PyLexer.HexValue(clean[2 * i + 1]);
            if (hi < 0 || lo < 0) return null;
            output[i] = (byte)(hi * 16 + lo);
        }
        return Latin1(output);
    }

    public static string Rot13(string input) => string.Create(input.Length, input, static (span, s) =>
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            span[i] = c switch
            {
                >= 'a' and <= 'z' => (char)('a' + (c - 'a' + 13) % 26),
                >= 'A' and <= 'Z' => (char)('A' + (c - 'A' + 13) % 26),
                _ => c,
            };
        }
    });

    /// <summary>zlib.decompress: zlib stream (wbits 15), with raw deflate and gzip as fallbacks like wbits=-15/31.</summary>
    public static string? Zlib(string latin1) =>
        (HasZlibHeader(latin1) ? Inflate(latin1, s => new ZLibStream(s, CompressionMode.Decompress)) : null)
        ?? (HasGzipMagic(latin1) ? Inflate(latin1, s => new GZipStream(s, CompressionMode.Decompress)) : null)
        ?? Inflate(latin1, s => new DeflateStream(s, CompressionMode.Decompress));

    public static string? Gzip(string latin1) =>
        (HasGzipMagic(latin1) ? Inflate(latin1, s => new GZipStream(s, CompressionMode.Decompress)) : null) ?? Zlib(latin1);

    // The header checks zlib itself makes first (a stream failing them is rejected before any output), made without
    // copying the input and starting a decompressor: most strings tried are not compressed at all.
    private static bool HasZlibHeader(string latin1) =>
        latin1.Length >= 2 && (Byte(latin1[0]) & 0x0F) == 8 && Byte(latin1[0]) >> 4 <= 7 && (Byte(latin1[0]) << 8 | Byte(latin1[1])) % 31 == 0;

    private static bool HasGzipMagic(string latin1) => latin1.Length >= 2 && Byte(latin1[0]) == 0x1F && Byte(latin1[1]) == 0x8B;

    private static byte Byte(char c) => c <= 0xFF ? (byte)c : (byte)'?';

    public static string? Bz2(string latin1) =>
        Inflate(latin1, s => SharpCompress.Compressors.BZip2.BZip2Stream.Create(s, SharpCompress.Compressors.CompressionMode.Decompress, false));

    public static string? Lzma(string latin1) =>
        Inflate(latin1, s => new SharpCompress.Compressors.Xz.XZStream(s)) ?? LzmaAlone(latin1);

    private static string? LzmaAlone(string latin1)
    {
        // The legacy .lzma format: 5 property bytes, 8-byte size, then the stream.
        var bytes = ToBytes(latin1);
        if (bytes.Length < 13) return null;
        var size = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(5, 8));
        return Inflate(latin1, s =>
        {
            s.Position = 13;
            return SharpCompress.Compressors.LZMA.LzmaStream.Create(bytes.AsSpan(0, 5).ToArray(), s, -1, size, null, false);
        });
    }

    private static string? Inflate(string latin1, Func<Stream, Stream> open)
    {
        if (latin1.Length < 2) return null;
        try
        {
            using var input = new MemoryStream(ToBytes(latin1));
            using var decompressor = open(input);
            var output = new MemoryStream();
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = decompressor.Read(buffer, 0, 16 * 1024)) > 0)
                {
                    if (output.Length + read > MaxOutput) break; // bomb: keep the head, which is what we scan
                    output.Write(buffer, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return output.Length == 0 ? null : Latin1(output.GetBuffer().AsSpan(0, (int)output.Length));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException or ArgumentException
                                   or IndexOutOfRangeException or NotSupportedException or OverflowException
                                   or SharpCompress.Common.SharpCompressException or NullReferenceException)
        {
            return null; // not this format (SharpCompress reports corrupt input in several ways)
        }
    }

    /// <summary>
    /// Fernet.decrypt: token = 0x80 ‖ timestamp(8) ‖ IV(16) ‖ AES-128-CBC ciphertext ‖ HMAC-SHA256(32) over all before
    /// it; key = base64url(signing key(16) ‖ encryption key(16)). The HMAC is verified so a wrong key yields null.
    /// </summary>
    public static string? Fernet(string key, string token)
    {
        var keyBytes = Base64(DecodeUtf8(key), urlSafe: true);
        var tokenBytes = Base64(DecodeUtf8(token), urlSafe: true);
        if (keyBytes is not { Length: 32 } || tokenBytes is null || tokenBytes.Length < 1 + 8 + 16 + 16 + 32 || tokenBytes[0] != '\x80') return null;
        var k = ToBytes(keyBytes);
        var t = ToBytes(tokenBytes);
        var signed = t.AsSpan(0, t.Length - 32);
        var mac = HMACSHA256.HashData(k.AsSpan(0, 16), signed);
        if (!CryptographicOperations.FixedTimeEquals(mac, t.AsSpan(t.Length - 32))) return null;
        var iv = t.AsSpan(9, 16);
        var cipherText = t.AsSpan(25, t.Length - 25 - 32);
        if (cipherText.Length % 16 != 0) return null;
        try
        {
            using var aes = System.Security.Cryptography.Aes.Create();
            aes.Key = k.AsSpan(16, 16).ToArray();
            return Latin1(aes.DecryptCbc(cipherText, iv, PaddingMode.PKCS7));
        }
        catch (CryptographicException) { return null; }
    }

    /// <summary>AES with a constant key: ECB or CBC, no padding removed (Python code calls unpad itself).</summary>
    public static string? Aes(string key, string data, string? iv, bool cbc)
    {
        var keyBytes = ToBytes(key);
        var dataBytes = ToBytes(data);
        if (keyBytes.Length is not (16 or 24 or 32) || dataBytes.Length == 0 || dataBytes.Length % 16 != 0) return null;
        try
        {
            using var aes = System.Security.Cryptography.Aes.Create();
            aes.Key = keyBytes;
            if (!cbc) return Latin1(aes.DecryptEcb(dataBytes, PaddingMode.None));
            if (iv is null || iv.Length != 16) return null;
            return Latin1(aes.DecryptCbc(dataBytes, ToBytes(iv), PaddingMode.None));
        }
        catch (CryptographicException) { return null; }
    }

    /// <summary>Crypto.Util.Padding.unpad / PKCS7: strips valid padding, else returns the input.</summary>
    public static string Unpad(string latin1)
    {
        if (latin1.Length == 0) return latin1;
        var pad = latin1[^1];
        if (pad < 1 || pad > 32 || pad > latin1.Length) return latin1;
        for (var i = latin1.Length - pad; i < latin1.Length; i++) if (latin1[i] != pad) return latin1;
        return latin1[..^pad];
    }

    /// <summary>A marshal'd code object starts with TYPE_CODE ('c'), possibly with the FLAG_REF bit (0xE3).</summary>
    public static bool IsMarshalCode(string latin1) => latin1.Length > 16 && latin1[0] is 'c' or '\xE3';

    /// <summary>
    /// The string constants and names inside marshal data (code objects included), without running anything: we walk
    /// the byte stream for marshal's string type codes and keep printable runs. Enough to see URLs, paths and names.
    /// </summary>
    public static List<string> MarshalStrings(string latin1, int max = 4096)
    {
        var strings = new List<string>();
        var b = latin1;
        for (var i = 0; i < b.Length - 1 && strings.Count < max; i++)
        {
            var type = (char)(b[i] & 0x7F);
            int length, start;
            switch (type)
            {
                case 'z' or 'Z': // short ascii (interned)
                    length = b[i + 1];
                    start = i + 2;
                    break;
                case 'a' or 'A' or 'u' or 's' or 't' when i + 5 <= b.Length:
                    length = b[i + 1] | (b[i + 2] << 8) | (b[i + 3] << 16) | (b[i + 4] << 24);
                    start = i + 5;
                    break;
                default:
                    continue;
            }
            if (length < 2 || length > b.Length - start) continue;
            var text = b.Substring(start, length);
            var decoded = type == 'u' ? DecodeUtf8(text) : text;
            if (!decoded.AsSpan().ContainsAnyExceptInRange(' ', '~') || decoded.All(c => c >= ' ' || c is '\n' or '\r' or '\t'))
            {
                if (decoded.Any(char.IsLetter))
                {
                    strings.Add(decoded);
                    i = start + length - 1;
                }
            }
        }
        return strings;
    }

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double Entropy(ReadOnlySpan<char> text)
    {
        if (text.Length == 0) return 0;
        Span<int> counts = stackalloc int[256];
        var sample = text.Length > 4096 ? text[..4096] : text;
        foreach (var c in sample) counts[c & 0xFF]++;
        double entropy = 0;
        foreach (var count in counts)
        {
            if (count == 0) continue;
            var p = (double)count / sample.Length;
            entropy -= p * Math.Log2(p);
        }
        return entropy;
    }
}
