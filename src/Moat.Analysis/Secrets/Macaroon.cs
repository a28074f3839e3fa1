using System.Buffers.Text;
using System.Text;

namespace Moat.Analysis.Secrets;

/// <summary>
/// A macaroon in the libmacaroons v2 binary format, as PyPI serialises its API tokens (after the <c>pypi-</c> prefix,
/// base64url without padding): a version byte 2, then fields of (varint type, varint length, bytes) — the header's
/// optional location (1) and identifier (2) ending with EOS (0), each caveat's fields ending with EOS, an EOS ending
/// the caveats, and the 32-byte signature (6). Parsing the whole structure is what makes a PyPI token detection
/// near certain: random text does not decode into one.
/// </summary>
public sealed record Macaroon(string? Location, string Identifier, IReadOnlyList<string> Caveats)
{
    private const int Eos = 0, LocationField = 1, IdentifierField = 2, VerificationId = 4, Signature = 6;

    /// <summary>Decodes base64url <paramref name="encoded"/> and parses it, or returns null when it is not a v2 macaroon.</summary>
    public static Macaroon? TryDecode(string encoded)
    {
        var bytes = Base64Url(encoded);
        return bytes is null ? null : TryParse(bytes);
    }

    public static Macaroon? TryParse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 40 || data[0] != 2) return null;
        var position = 1;
        string? location = null;
        string? identifier = null;

        // Header: [location] identifier EOS
        while (true)
        {
            if (!ReadField(data, ref position, out var type, out var value)) return null;
            if (type == Eos) break;
            if (type == LocationField && location is null && identifier is null) location = Text(value);
            else if (type == IdentifierField && identifier is null) identifier = Text(value);
            else return null;
        }
        if (identifier is null) return null;

        // Caveats: each is [location] identifier [vid] EOS; an EOS alone ends the list.
        var caveats = new List<string>();
        while (true)
        {
            if (!ReadField(data, ref position, out var type, out var value)) return null;
            if (type == Eos) break;
            string? caveat = null;
            while (type != Eos)
            {
                if (type == IdentifierField) caveat = Text(value);
                else if (type is not (LocationField or VerificationId)) return null;
                if (!ReadField(data, ref position, out type, out value)) return null;
            }
            if (caveat is null || caveats.Count > 64) return null;
            caveats.Add(caveat);
        }

        if (!ReadField(data, ref position, out var signatureType, out var signature) || signatureType != Signature || signature.Length != 32) return null;
        return position == data.Length ? new Macaroon(location, identifier, caveats) : null;
    }

    private static bool ReadField(ReadOnlySpan<byte> data, ref int position, out int type, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!ReadVarint(data, ref position, out type)) return false;
        if (type == Eos) return true;
        if (!ReadVarint(data, ref position, out var length) || length > data.Length - position) return false;
        value = data.Slice(position, length);
        position += length;
        return true;
    }

    private static bool ReadVarint(ReadOnlySpan<byte> data, ref int position, out int value)
    {
        value = 0;
        for (var shift = 0; shift < 28; shift += 7)
        {
            if (position >= data.Length) return false;
            var b = data[position++];
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return true;
        }
        return false;
    }

    private static string Text(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value);

    /// <summary>Base64url (or standard base64) with or without padding; null when it is not base64.</summary>
    public static byte[]? Base64Url(string text)
    {
        var url = text.Replace('+', '-').Replace('/', '_');
        return System.Buffers.Text.Base64Url.IsValid(url) ? System.Buffers.Text.Base64Url.DecodeFromChars(url) : null;
    }
}
