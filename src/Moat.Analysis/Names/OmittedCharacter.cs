namespace Moat.Analysis.Names;

/// <summary>One character left out: <c>pilow</c> for <c>pillow</c>, <c>urlib3</c> for <c>urllib3</c>.</summary>
internal static class OmittedCharacter
{
    public static string? Describe(string candidate, string target) => InsertedCharacter.Describe(target, candidate) is null
        ? null
        : $"'{target[candidate.AsSpan().CommonPrefixLength(target)]}' left out";
}
