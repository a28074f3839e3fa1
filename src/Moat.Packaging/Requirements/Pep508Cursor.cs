namespace Moat.Packaging.Requirements;

/// <summary>A PEP 508 requirement or marker that does not parse: where (0-based position) and what was expected.</summary>
public sealed class RequirementFormatException(string message, int position) : FormatException(message)
{
    public int Position { get; } = position;
}

/// <summary>Position-tracking reader shared by the requirement and marker parsers; failures carry the position.</summary>
internal sealed class Pep508Cursor(string text)
{
    public string Text { get; } = text;
    public int Position { get; set; }

    public bool AtEnd => Position >= Text.Length;
    public char Current => Position < Text.Length ? Text[Position] : '\0';

    public bool SkipWhitespace()
    {
        var start = Position;
        while (Position < Text.Length && Text[Position] is ' ' or '\t') Position++;
        return Position > start;
    }

    public bool TryConsume(char c)
    {
        if (Current != c || AtEnd) return false;
        Position++;
        return true;
    }

    /// <summary>Consumes a keyword (<c>and</c>, <c>or</c>, <c>in</c>, <c>not</c>) only when a word boundary follows.</summary>
    public bool TryKeyword(string word)
    {
        if (string.CompareOrdinal(Text, Position, word, 0, word.Length) != 0) return false;
        var after = Position + word.Length;
        if (after < Text.Length && (char.IsAsciiLetterOrDigit(Text[after]) || Text[after] is '_' or '.')) return false;
        Position = after;
        return true;
    }

    /// <summary>A PEP 508 identifier (a name or an extra): letters/digits, with <c>-_.</c> inside, never at the end.</summary>
    public string? ReadIdentifier()
    {
        if (!char.IsAsciiLetterOrDigit(Current) || AtEnd) return null;
        var start = Position;
        while (Position < Text.Length && (char.IsAsciiLetterOrDigit(Text[Position]) || Text[Position] is '-' or '_' or '.')) Position++;
        while (!char.IsAsciiLetterOrDigit(Text[Position - 1])) Position--; // "name." ends before the dot
        return Text[start..Position];
    }

    public RequirementFormatException Error(string expected, string? after = null, int? at = null)
    {
        var position = at ?? Position;
        var found = position < Text.Length ? $"'{Text[position]}'" : "the end";
        var context = after is null ? "" : $" after {after}";
        return new RequirementFormatException(
            $"Expected {expected}{context} at position {position}, found {found}\n    {Text}\n    {new string(' ', position)}^",
            position);
    }
}
