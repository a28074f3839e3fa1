namespace Moat.Packaging.Archives;

/// <summary>
/// The state one read shares across all nesting levels: the limits, the budgets spent so far, the issues and the
/// visitor. Budgets live here (not per archive) so that nesting cannot multiply them.
/// </summary>
internal sealed class ReadSession(ArchiveLimits limits, Action<ArchiveMember> visitor)
{
    private readonly List<ArchiveIssue> _issues = [];
    private readonly HashSet<string> _paths = new(StringComparer.Ordinal);
    private ArchiveIssue? _stopIssue;

    public ArchiveLimits Limits { get; } = limits;
    public Action<ArchiveMember> Visitor { get; } = visitor;
    public IReadOnlyList<ArchiveIssue> Issues => _issues;
    public int MemberCount { get; private set; }
    public long TotalBytes { get; private set; }

    /// <summary>A read-stopping limit was hit: no more members are read at any level.</summary>
    public bool Stopped => _stopIssue is not null;

    /// <summary>Some archive in the tree was not read to its end (stopped, corrupt, truncated).</summary>
    public bool Incomplete { get; set; }

    public ArchiveIssue Report(ArchiveIssueKind kind, string? memberPath, string message, string? linkTarget = null)
    {
        var issue = new ArchiveIssue(kind, memberPath is null ? null : MemberPaths.Printable(memberPath), message) { LinkTarget = linkTarget };
        if (issue.StopsRead)
        {
            _stopIssue ??= issue;
            Incomplete = true;
        }
        if (_issues.Count < Limits.MaxIssues) _issues.Add(issue);
        else if (_issues.Count == Limits.MaxIssues)
        {
            _issues.Add(new ArchiveIssue(ArchiveIssueKind.TooManyIssues, null,
                $"more than {Limits.MaxIssues} issues; the rest were not recorded"));
        }
        return issue;
    }

    /// <summary>Records an issue and returns the exception a member stream throws for it.</summary>
    public ArchiveReadException Fault(ArchiveIssueKind kind, string? memberPath, string message, Exception? inner = null) =>
        new(Report(kind, memberPath, message), inner);

    /// <summary>Records a hostile-data exception (from a decompressor or a format parser) as Corrupt or Truncated.</summary>
    public ArchiveReadException DataFault(string? memberPath, Exception exception) =>
        exception as ArchiveReadException ?? Fault(ClassifyDataError(exception), memberPath, Describe(exception), exception);

    public void ThrowIfStopped()
    {
        if (_stopIssue is not null) throw new ArchiveReadException(_stopIssue);
    }

    /// <summary>Spends decompressed bytes from the shared total; throws once the total budget is gone.</summary>
    public void ChargeBytes(int count)
    {
        ThrowIfStopped();
        TotalBytes += count;
        if (TotalBytes > Limits.MaxTotalBytes)
        {
            throw Fault(ArchiveIssueKind.TotalSizeExceeded, null,
                $"more than {Limits.MaxTotalBytes:N0} decompressed bytes in total; reading stopped");
        }
    }

    /// <summary>Counts one member; false (and a stopping issue) once the member budget is gone.</summary>
    public bool TryCountMember()
    {
        if (Stopped) return false;
        if (MemberCount >= Limits.MaxMembers)
        {
            Report(ArchiveIssueKind.TooManyMembers, null, $"more than {Limits.MaxMembers:N0} members; reading stopped");
            return false;
        }
        MemberCount++;
        return true;
    }

    /// <summary>True when this normalized path was already seen in this read.</summary>
    public bool IsDuplicate(string path) => !_paths.Add(path);

    private static ArchiveIssueKind ClassifyDataError(Exception exception) =>
        exception is EndOfStreamException
        || exception.Message.Contains("end of stream", StringComparison.OrdinalIgnoreCase)
        || exception.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase)
        || exception.Message.Contains("unexpected end", StringComparison.OrdinalIgnoreCase)
            ? ArchiveIssueKind.Truncated
            : ArchiveIssueKind.Corrupt;

    private static string Describe(Exception exception) =>
        $"{exception.GetType().Name}: {MemberPaths.Printable(exception.Message)}";
}
