namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>
/// How old an advisory database is, and when that is too old: vulnerabilities published since it was made are
/// missing from every audit, which would pass affected versions as clean without saying so.
/// </summary>
public static class AdvisoryAge
{
    /// <summary>Older data than this is reported with a warning (osv.dev publishes new PyPI advisories every day).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromDays(30);

    /// <summary>Whole days since <see cref="OsvDatabase.AsOf"/>, or null when no advisory carries a date.</summary>
    public static int? Days(OsvDatabase database, DateTimeOffset now) =>
        database.AsOf is { } asOf ? Math.Max(0, (int)(now - asOf).TotalDays) : null;

    /// <summary>True when the data is older than <see cref="StaleAfter"/>, or carries no date at all.</summary>
    public static bool IsStale(OsvDatabase database, DateTimeOffset now) =>
        database.AsOf is not { } asOf || now - asOf > StaleAfter;

    /// <summary>"as of 2024-10-21 (776 days old)".</summary>
    public static string Describe(OsvDatabase database, DateTimeOffset now) =>
        database.AsOf is { } asOf ? $"as of {asOf.UtcDateTime:yyyy-MM-dd} ({Days(database, now)} days old)" : "of unknown date";
}
