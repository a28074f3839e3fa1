using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>The forms a normalized name is compared in. Names here are PEP 503 normalized: lowercase, separators are <c>-</c>.</summary>
internal static class NameForms
{
    /// <summary>Names longer than this are checked only by the map-based techniques: no real name is that long, and edit work stays bounded.</summary>
    public const int MaxEditLength = 100;

    public static string Strip(string normalized) => normalized.Contains('-') ? normalized.Replace("-", "", StringComparison.Ordinal) : normalized;

    public static string[] Tokens(string normalized) => normalized.Split('-', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Tokens sorted, joined with <c>-</c>: equal for names that only differ in word order.</summary>
    public static string SortedTokens(string[] tokens) => string.Join('-', tokens.Order(StringComparer.Ordinal));

    public static string Ultranormalize(string normalized) => ProjectName.Ultranormalize(normalized);

    /// <summary>The name with a trailing version number removed (<c>requests3</c> → <c>requests</c>), or itself when there is none or too little is left.</summary>
    public static string VersionBase(string stripped)
    {
        var end = stripped.Length;
        while (end > 0 && char.IsAsciiDigit(stripped[end - 1])) end--;
        return end == stripped.Length || end < 3 ? stripped : stripped[..end];
    }
}

/// <summary>A name being checked, in the forms the techniques need (computed once per check).</summary>
internal sealed class NameQuery
{
    public NameQuery(string normalized, Target? self)
    {
        Normalized = normalized;
        Stripped = NameForms.Strip(normalized);
        Tokens = NameForms.Tokens(normalized);
        Self = self;
    }

    public string Normalized { get; }
    public string Stripped { get; }
    public string[] Tokens { get; }

    /// <summary>The corpus entry with exactly this name, when the name is itself popular (or internal).</summary>
    public Target? Self { get; }

    /// <summary>True when <paramref name="target"/> is just this name again (no squat of itself).</summary>
    public bool IsSelf(Target target) => target.Name == Normalized;
}
