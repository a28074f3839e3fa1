using System.Globalization;

namespace Moat.Analysis.Names;

/// <summary>Where a project's history was read: upload times an index published (PEP 700), or the first time Moat saw its files.</summary>
public enum HistorySource { UploadTimes, FirstSeen }

/// <summary>What a project's history says about a resemblance to a popular name.</summary>
public enum HistoryStanding
{
    /// <summary>First release years ago, many releases, no recent revival: an established project is no squat.</summary>
    Established,
    /// <summary>Nothing that changes the weighing.</summary>
    Ordinary,
    /// <summary>A long-silent project that released again lately: an abandoned name taken over looks like this.</summary>
    Revived,
    /// <summary>Days old with one or two releases: how a squat looks.</summary>
    New,
}

/// <summary>
/// A project's release history as an index shows it: when its first and latest releases appeared, how many releases
/// it has, and the longest silence before the latest one. Built from (version, time) pairs of its files.
/// </summary>
public sealed record ProjectHistory(DateTimeOffset FirstRelease, DateTimeOffset LatestRelease, int Releases, TimeSpan SilenceBeforeLatest, HistorySource Source)
{
    public static readonly TimeSpan EstablishedAge = TimeSpan.FromDays(2 * 365);
    public const int EstablishedReleases = 5;
    public static readonly TimeSpan NewAge = TimeSpan.FromDays(30);
    public const int NewReleases = 2;
    public static readonly TimeSpan AbandonedSilence = TimeSpan.FromDays(2 * 365);
    public static readonly TimeSpan RecentRevival = TimeSpan.FromDays(90);

    /// <summary>The history of a project from its files' versions and times (null when no file has a time).</summary>
    public static ProjectHistory? From(IEnumerable<(string Version, DateTimeOffset? Time)> files, HistorySource source)
    {
        // A release appears when its first file does.
        var releases = files.Where(f => f.Time is not null).GroupBy(f => f.Version, StringComparer.Ordinal)
            .Select(g => g.Min(f => f.Time!.Value)).Order().ToList();
        if (releases.Count == 0) return null;
        var silence = releases.Count >= 2 ? releases[^1] - releases[^2] : TimeSpan.Zero;
        return new ProjectHistory(releases[0], releases[^1], releases.Count, silence, source);
    }

    public HistoryStanding StandingAt(DateTimeOffset now)
    {
        if (now - FirstRelease <= NewAge && Releases <= NewReleases) return HistoryStanding.New;
        if (SilenceBeforeLatest >= AbandonedSilence && now - LatestRelease <= RecentRevival) return HistoryStanding.Revived;
        // Moat's own first sight says nothing about how old a project is upstream, only that it is at least that old.
        if (now - FirstRelease >= EstablishedAge && Releases >= EstablishedReleases) return HistoryStanding.Established;
        return HistoryStanding.Ordinary;
    }

    /// <summary>A short account for messages: "first release 3 days ago, 1 release".</summary>
    public string Describe(DateTimeOffset now)
    {
        var seen = Source == HistorySource.FirstSeen ? "first seen by Moat" : "first release";
        var text = $"{seen} {Ago(now - FirstRelease)}, {Releases} release{(Releases == 1 ? "" : "s")}";
        return StandingAt(now) == HistoryStanding.Revived ? text + $", released again {Ago(now - LatestRelease)} after {Span(SilenceBeforeLatest)} of silence" : text;
    }

    private static string Ago(TimeSpan age) => age < TimeSpan.FromDays(1) ? "today" : Span(age) + " ago";

    private static string Span(TimeSpan age) =>
        age.TotalDays >= 730 ? $"{(int)(age.TotalDays / 365.25)} years"
        : age.TotalDays >= 60 ? $"{(int)(age.TotalDays / 30.44)} months"
        : age.TotalDays >= 2 ? $"{(int)age.TotalDays} days"
        : age.TotalDays >= 1 ? "1 day" : $"{Math.Max(0, (int)age.TotalHours).ToString(CultureInfo.InvariantCulture)} hours";
}
