namespace Moat.Analysis.Names;

/// <summary>Two neighbouring characters swapped: <c>reqeusts</c> for <c>requests</c>.</summary>
internal static class SwappedCharacters
{
    public static string? Describe(string candidate, string target)
    {
        if (candidate.Length != target.Length) return null;
        var at = candidate.AsSpan().CommonPrefixLength(target);
        if (at + 1 >= candidate.Length) return null;
        var swapped = candidate[at] == target[at + 1] && candidate[at + 1] == target[at]
            && candidate.AsSpan(at + 2).SequenceEqual(target.AsSpan(at + 2));
        return swapped ? $"'{target.AsSpan(at, 2)}' swapped to '{candidate.AsSpan(at, 2)}'" : null;
    }
}
