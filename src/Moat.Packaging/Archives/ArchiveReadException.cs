namespace Moat.Packaging.Archives;

/// <summary>
/// Thrown by a member's stream when a limit is hit or the data turns out corrupt while the visitor reads it. The
/// reader has already recorded <see cref="Issue"/>; if the visitor lets this escape, the reader swallows it and moves
/// on (or stops, for <see cref="ArchiveIssue.StopsRead"/> issues). Any other exception from a visitor propagates.
/// </summary>
public sealed class ArchiveReadException : IOException
{
    internal ArchiveReadException(ArchiveIssue issue, Exception? inner = null) : base(issue.Message, inner) => Issue = issue;

    public ArchiveIssue Issue { get; }

    /// <summary>True when <paramref name="exception"/> is, or wraps, an <see cref="ArchiveReadException"/>.</summary>
    internal static bool IsInChain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ArchiveReadException) return true;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsInChain)) return true;
        }
        return false;
    }
}
