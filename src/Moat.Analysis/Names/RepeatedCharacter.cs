namespace Moat.Analysis.Names;

/// <summary>A character typed twice: <c>reequests</c> for <c>requests</c>.</summary>
internal static class RepeatedCharacter
{
    public static string? Describe(string candidate, string target)
    {
        if (candidate.Length != target.Length + 1) return null;
        var at = candidate.AsSpan().CommonPrefixLength(target);
        if (!candidate.AsSpan(at + 1).SequenceEqual(target.AsSpan(at))) return null;
        var c = candidate[at];
        return at > 0 && candidate[at - 1] == c || at + 1 < candidate.Length && candidate[at + 1] == c ? $"'{c}' typed twice" : null;
    }
}
