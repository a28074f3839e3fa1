using System.Globalization;

namespace Moat.Index.Storage;

/// <summary>
/// Times are stored as fixed-width UTC text, so they compare in SQL as they do in time. The index's and accounts'
/// tables use microseconds; the proxy's tables were created with milliseconds and keep them: two widths in one
/// column would break that ordering.
/// </summary>
public static class StoredTimes
{
    public static string Microseconds(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static string Milliseconds(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
