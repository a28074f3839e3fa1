using System.Collections.Concurrent;
using System.Globalization;

namespace Moat.Index.Simple;

/// <summary>The two serialisations of the simple API.</summary>
public enum SimpleFormat { Html, Json }

/// <summary>The chosen serialisation and the media type the response declares.</summary>
public readonly record struct NegotiatedFormat(SimpleFormat Format, string ContentType);

/// <summary>
/// PEP 691 content negotiation: picks the acceptable media type with the highest q-value; ties go to the order the
/// client listed them. <c>?format=</c> overrides <c>Accept</c>. No Accept header (or <c>*/*</c>) means
/// <c>text/html</c>, as for clients that predate PEP 691. Null when nothing offered is acceptable (→ 406).
/// </summary>
public static class ContentNegotiation
{
    public const string JsonV1 = "application/vnd.pypi.simple.v1+json";
    public const string HtmlV1 = "application/vnd.pypi.simple.v1+html";
    public const string TextHtml = "text/html";

    /// <summary>The media types a client may ask for, and what each is served as (<c>latest</c> means v1 today).</summary>
    private static NegotiatedFormat? Offer(ReadOnlySpan<char> mediaType)
    {
        if (mediaType.Equals(JsonV1, StringComparison.OrdinalIgnoreCase) || mediaType.Equals("application/vnd.pypi.simple.latest+json", StringComparison.OrdinalIgnoreCase))
            return new(SimpleFormat.Json, JsonV1);
        if (mediaType.Equals(HtmlV1, StringComparison.OrdinalIgnoreCase) || mediaType.Equals("application/vnd.pypi.simple.latest+html", StringComparison.OrdinalIgnoreCase))
            return new(SimpleFormat.Html, HtmlV1);
        if (mediaType.Equals(TextHtml, StringComparison.OrdinalIgnoreCase) || mediaType.Equals("text/*", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("*/*", StringComparison.Ordinal))
            return new(SimpleFormat.Html, TextHtml);
        return null;
    }

    private static readonly HeaderMemo<NegotiatedFormat?> ByAccept = new(accept => Choose(null, accept));

    /// <summary><see cref="Choose"/> remembered per distinct <c>Accept</c> value: clients send the same few strings.</summary>
    public static NegotiatedFormat? ChooseRemembered(string? formatParameter, string? accept) =>
        !string.IsNullOrEmpty(formatParameter) || string.IsNullOrEmpty(accept) ? Choose(formatParameter, accept) : ByAccept.Get(accept);

    public static NegotiatedFormat? Choose(string? formatParameter, string? accept)
    {
        if (!string.IsNullOrEmpty(formatParameter)) return Offer(formatParameter.AsSpan().Trim());
        if (string.IsNullOrWhiteSpace(accept)) return new(SimpleFormat.Html, TextHtml);

        NegotiatedFormat? best = null;
        var bestQ = 0.0;
        foreach (var range in accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            var q = 1.0;
            foreach (var parameter in parts.AsSpan(1))
            {
                if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                    && !double.TryParse(parameter.AsSpan(2), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out q))
                    q = 0; // a malformed q-value is not a preference
            }
            if (q <= 0 || q > 1) continue;
            if (Offer(parts[0]) is not { } offer) continue;
            if (best is null || q > bestQ)
            {
                best = offer;
                bestQ = q;
            }
        }
        return best;
    }
}

/// <summary>
/// Remembers a pure function of a request header's value. Installers send one of a handful of fixed strings, so
/// parsing each distinct value once saves the per-request work; the table is bounded because the values come from
/// clients (past the bound, values are computed each time and not kept).
/// </summary>
internal sealed class HeaderMemo<T>(Func<string, T> compute, int capacity = 1024, int longestValue = 512)
{
    private readonly ConcurrentDictionary<string, T> _values = new(StringComparer.Ordinal);

    public T Get(string header)
    {
        if (_values.TryGetValue(header, out var value)) return value;
        value = compute(header);
        if (header.Length <= longestValue && _values.Count < capacity) _values.TryAdd(header, value);
        return value;
    }
}
