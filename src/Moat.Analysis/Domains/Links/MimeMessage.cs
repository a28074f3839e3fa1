using System.Text;
using System.Text.RegularExpressions;

namespace Moat.Analysis.Domains.Links;

/// <summary>One decoded text part of a message: <c>text/plain</c> or <c>text/html</c>, in Unicode.</summary>
public sealed record MimeTextPart(int Number, string ContentType, string Text);

/// <summary>
/// A small RFC 5322 / MIME reader for what link checking needs: headers (unfolded, RFC 2047 encoded words decoded),
/// and every text part of a multipart tree, with quoted-printable or base64 transfer encoding and the declared
/// charset undone. System.Net.Mail only writes messages, so this reads them. Bounded: nesting depth, part count and
/// size, so a hostile message costs little.
/// </summary>
public sealed partial class MimeMessage
{
    public const int MaxDepth = 8;
    public const int MaxParts = 500;
    public const int MaxBytes = 32 * 1024 * 1024;

    static MimeMessage() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public IReadOnlyList<(string Name, string Value)> Headers { get; }
    public IReadOnlyList<MimeTextPart> TextParts { get; }

    private MimeMessage(IReadOnlyList<(string, string)> headers, IReadOnlyList<MimeTextPart> parts)
    {
        Headers = headers;
        TextParts = parts;
    }

    /// <summary>The first header of that name, decoded, or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>True when the bytes start like a mail message: header lines, and a header only messages have.</summary>
    public static bool LooksLikeMessage(ReadOnlySpan<byte> bytes)
    {
        var head = Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, 4096)]);
        return StartsWithHeader().IsMatch(head) && MessageHeader().IsMatch(head);
    }

    public static MimeMessage Parse(byte[] bytes)
    {
        // Latin-1 maps bytes to chars one to one, so the raw structure is read as text and bodies go back to bytes
        // exactly before their charset is applied.
        var raw = Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, MaxBytes));
        var parts = new List<MimeTextPart>();
        var (headers, body) = SplitHeaders(raw);
        Walk(headers, body, 0, parts);
        return new MimeMessage([.. headers.Select(h => (h.Name, DecodeEncodedWords(h.Value)))], parts);
    }

    private static void Walk(List<(string Name, string Value)> headers, string body, int depth, List<MimeTextPart> parts)
    {
        if (depth > MaxDepth || parts.Count >= MaxParts) return;
        var (type, parameters) = ContentType(headers);
        if (type.StartsWith("multipart/", StringComparison.Ordinal) && parameters.TryGetValue("boundary", out var boundary) && boundary.Length > 0)
        {
            foreach (var child in SplitMultipart(body, boundary))
            {
                if (parts.Count >= MaxParts) return;
                var (childHeaders, childBody) = SplitHeaders(child);
                Walk(childHeaders, childBody, depth + 1, parts);
            }
            return;
        }
        if (type == "message/rfc822")
        {
            var (innerHeaders, innerBody) = SplitHeaders(DecodeTransfer(body, headers) is var bytes ? Encoding.Latin1.GetString(bytes) : body);
            Walk(innerHeaders, innerBody, depth + 1, parts);
            return;
        }
        if (!type.StartsWith("text/", StringComparison.Ordinal)) return; // attachments: images, archives, …
        var disposition = Find(headers, "Content-Disposition") ?? "";
        if (disposition.StartsWith("attachment", StringComparison.OrdinalIgnoreCase) && type != "text/html" && type != "text/plain") return;
        var decoded = DecodeTransfer(body, headers);
        parts.Add(new MimeTextPart(parts.Count + 1, type, Charset(parameters.GetValueOrDefault("charset")).GetString(decoded)));
    }

    private static (List<(string Name, string Value)> Headers, string Body) SplitHeaders(string raw)
    {
        var headers = new List<(string, string)>();
        var position = 0;
        string? name = null;
        var value = new StringBuilder();
        while (position < raw.Length)
        {
            var end = raw.IndexOf('\n', position);
            var line = (end < 0 ? raw[position..] : raw[position..end]).TrimEnd('\r');
            position = end < 0 ? raw.Length : end + 1;
            if (line.Length == 0) break;
            if (line[0] is ' ' or '\t')
            {
                if (name is not null) value.Append(' ').Append(line.Trim());
                continue;
            }
            if (name is not null) headers.Add((name, value.ToString()));
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                // Not a header: a body without headers (a bare text part). Read the whole thing as body.
                if (headers.Count == 0 && name is null) return (headers, raw);
                name = null;
                continue;
            }
            name = line[..colon].Trim();
            value.Clear().Append(line[(colon + 1)..].Trim());
        }
        if (name is not null) headers.Add((name, value.ToString()));
        return (headers, position < raw.Length ? raw[position..] : "");
    }

    private static List<string> SplitMultipart(string body, string boundary)
    {
        var parts = new List<string>();
        var delimiter = "--" + boundary;
        var start = -1;
        var position = 0;
        while (position <= body.Length && parts.Count < MaxParts)
        {
            var end = body.IndexOf('\n', position);
            var lineEnd = end < 0 ? body.Length : end;
            var line = body.AsSpan(position, lineEnd - position).TrimEnd('\r').TrimEnd(' ');
            if (line.StartsWith(delimiter, StringComparison.Ordinal))
            {
                var rest = line[delimiter.Length..];
                var closing = rest.SequenceEqual("--");
                if (rest.IsEmpty || closing)
                {
                    if (start >= 0) parts.Add(body[start..Math.Max(start, position - 1)]);
                    if (closing) return parts;
                    start = end < 0 ? body.Length : end + 1;
                }
            }
            if (end < 0) break;
            position = end + 1;
        }
        // A missing closing delimiter (truncated mail): the last part runs to the end.
        if (start >= 0 && start < body.Length) parts.Add(body[start..]);
        return parts;
    }

    private static (string Type, Dictionary<string, string> Parameters) ContentType(List<(string Name, string Value)> headers)
    {
        var header = Find(headers, "Content-Type") ?? "text/plain";
        var pieces = SplitParameters(header);
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var piece in pieces.Skip(1))
        {
            var equals = piece.IndexOf('=');
            if (equals <= 0) continue;
            parameters[piece[..equals].Trim()] = piece[(equals + 1)..].Trim().Trim('"');
        }
        return (pieces[0].Trim().ToLowerInvariant(), parameters);
    }

    /// <summary>Splits <c>type; a=1; b="x;y"</c> at semicolons outside quotes.</summary>
    private static List<string> SplitParameters(string header)
    {
        var pieces = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in header)
        {
            if (c == '"') quoted = !quoted;
            if (c == ';' && !quoted)
            {
                pieces.Add(current.ToString());
                current.Clear();
            }
            else current.Append(c);
        }
        pieces.Add(current.ToString());
        return pieces;
    }

    private static byte[] DecodeTransfer(string body, List<(string Name, string Value)> headers)
    {
        var encoding = (Find(headers, "Content-Transfer-Encoding") ?? "7bit").Trim().ToLowerInvariant();
        return encoding switch
        {
            "base64" => DecodeBase64(body),
            "quoted-printable" => DecodeQuotedPrintable(body, header: false),
            _ => Encoding.Latin1.GetBytes(body),
        };
    }

    /// <summary>Lenient base64: whitespace and stray characters skipped, missing padding tolerated.</summary>
    internal static byte[] DecodeBase64(string body)
    {
        var clean = new StringBuilder(body.Length);
        foreach (var c in body)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/') clean.Append(c);
            else if (c == '=') break;
        }
        clean.Length -= clean.Length % 4 == 1 ? 1 : 0;
        while (clean.Length % 4 != 0) clean.Append('=');
        try
        {
            return Convert.FromBase64String(clean.ToString());
        }
        catch (FormatException)
        {
            return [];
        }
    }

    /// <summary>Quoted-printable (RFC 2045), and its header variant (RFC 2047 "Q": underscore is a space).</summary>
    internal static byte[] DecodeQuotedPrintable(string text, bool header)
    {
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '=' && i + 1 < text.Length)
            {
                if (text[i + 1] == '\n') { i += 1; continue; }                          // soft line break
                if (text[i + 1] == '\r' && i + 2 < text.Length && text[i + 2] == '\n') { i += 2; continue; }
                if (i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
                {
                    bytes.Add((byte)Convert.ToInt32(text.Substring(i + 1, 2), 16));
                    i += 2;
                    continue;
                }
            }
            if (c == '=' && i + 1 == text.Length) break;                                 // soft break at the very end
            bytes.Add(header && c == '_' ? (byte)' ' : (byte)(c & 0xFF));
        }
        return [.. bytes];
    }

    [GeneratedRegex(@"=\?(?<charset>[^?*]+)(?:\*[^?]*)?\?(?<encoding>[bBqQ])\?(?<text>[^?]*)\?=(?:\s+(?==\?))?")]
    private static partial Regex EncodedWord();

    [GeneratedRegex(@"\A(?:[\x21-\x39\x3B-\x7E]+:[^\n]*\r?\n)+", RegexOptions.None)]
    private static partial Regex StartsWithHeader();

    [GeneratedRegex(@"^(?:From|Received|Return-Path|Message-ID|MIME-Version|Delivered-To|Subject|Date|To):", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex MessageHeader();

    /// <summary>RFC 2047: <c>=?UTF-8?B?…?=</c> and <c>=?iso-8859-1?Q?…?=</c> in headers.</summary>
    public static string DecodeEncodedWords(string value) =>
        value.Contains("=?", StringComparison.Ordinal)
            ? EncodedWord().Replace(value, m =>
            {
                var bytes = m.Groups["encoding"].Value is "b" or "B"
                    ? DecodeBase64(m.Groups["text"].Value)
                    : DecodeQuotedPrintable(m.Groups["text"].Value, header: true);
                return Charset(m.Groups["charset"].Value).GetString(bytes);
            })
            : value;

    private static Encoding Charset(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return Encoding.UTF8;
        try
        {
            return Encoding.GetEncoding(name.Trim().Trim('"'));
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8; // unknown charset: UTF-8 decodes ASCII hosts correctly, which is what matters here
        }
    }

    private static string? Find(List<(string Name, string Value)> headers, string name) =>
        headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}
