using System.Buffers;
using System.Text;

namespace Moat.Packaging.Archives;

/// <summary>
/// Turns the raw name stored in an archive into a safe relative path, or says why it cannot be one.
/// Stricter than extraction tools on purpose: a name a careful packager never produces is worth reporting.
/// </summary>
internal static class MemberPaths
{
    private static readonly SearchValues<char> Unusual = SearchValues.Create(
        "\\\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f");

    /// <summary>The outcome: <see cref="Path"/> when safe (may be empty for the archive root "./"), else a reason.</summary>
    internal readonly record struct Result(string? Path, ArchiveIssueKind Kind, string? Reason)
    {
        public bool IsSafe => Path is not null;
    }

    public static Result Normalize(string raw)
    {
        if (raw.Length == 0) return Unsafe(ArchiveIssueKind.UnsafeName, "empty member name");
        if (raw.Contains('\0')) return Unsafe(ArchiveIssueKind.UnsafeName, "member name contains NUL");
        if (raw[0] is '/' or '\\') return Unsafe(ArchiveIssueKind.AbsolutePath, "absolute member path");
        if (raw.Length >= 2 && char.IsAsciiLetter(raw[0]) && raw[1] == ':') return Unsafe(ArchiveIssueKind.AbsolutePath, "member path with a drive letter");

        // Backslashes are judged as separators first so that "..\\..\\x" is reported as the traversal it is.
        var hasUnusual = raw.AsSpan().ContainsAny(Unusual);
        var builder = new StringBuilder(raw.Length);
        foreach (var range in raw.AsSpan().SplitAny('/', '\\'))
        {
            var segment = raw.AsSpan(range);
            if (segment.IsEmpty || segment is ".") continue;
            if (segment is "..") return Unsafe(ArchiveIssueKind.PathTraversal, "member path with a '..' component");
            if (builder.Length > 0) builder.Append('/');
            builder.Append(segment);
        }
        if (hasUnusual)
        {
            return raw.Contains('\\')
                ? Unsafe(ArchiveIssueKind.UnsafeName, "member name contains a backslash")
                : Unsafe(ArchiveIssueKind.UnsafeName, "member name contains control characters");
        }
        return new Result(builder.ToString(), default, null);
    }

    private static Result Unsafe(ArchiveIssueKind kind, string reason) => new(null, kind, reason);

    /// <summary>A raw name made safe to print in a report: control characters escaped, length capped.</summary>
    public static string Printable(string raw)
    {
        const int MaxLength = 300;
        if (!raw.AsSpan().ContainsAny(Unusual) && raw.Length <= MaxLength) return raw;
        var builder = new StringBuilder(Math.Min(raw.Length, MaxLength) + 16);
        foreach (var c in raw)
        {
            if (builder.Length >= MaxLength) { builder.Append('…'); break; }
            if (c == '\\') builder.Append('\\');
            else if (char.IsControl(c)) { builder.Append($"\\x{(int)c:x2}"); continue; }
            builder.Append(c);
        }
        return builder.ToString();
    }
}
