namespace Moat.Analysis.Names;

/// <summary>One extra character: <c>colourama</c> for <c>colorama</c>.</summary>
internal static class InsertedCharacter
{
    public static string? Describe(string candidate, string target)
    {
        if (candidate.Length != target.Length + 1) return null;
        var at = candidate.AsSpan().CommonPrefixLength(target);
        return candidate.AsSpan(at + 1).SequenceEqual(target.AsSpan(at)) ? $"'{candidate[at]}' inserted" : null;
    }
}
