using System.Diagnostics.CodeAnalysis;
using System.Text;
using Moat.Packaging.Versions;
using static Moat.Packaging.ParseFailure;

namespace Moat.Packaging.Requirements;

/// <summary>
/// A PEP 508 dependency specification: <c>name[extra,…] (specifiers) ; marker</c> or <c>name[extra] @ url ; marker</c>.
/// Parsed by hand (recursive descent) so errors give the position and what was expected there.
/// </summary>
public sealed class Requirement
{
    private Requirement(string name, IReadOnlyList<string> extras, SpecifierSet specifier, string? url, Marker? marker)
    {
        Name = name;
        Extras = extras;
        Specifier = specifier;
        Url = url;
        Marker = marker;
    }

    /// <summary>The name as written.</summary>
    public string Name { get; }

    /// <summary>The PEP 503 normalized name.</summary>
    public string NormalizedName => ProjectName.Normalize(Name);

    /// <summary>Extras as written, de-duplicated, in sorted order.</summary>
    public IReadOnlyList<string> Extras { get; }

    public SpecifierSet Specifier { get; }
    public string? Url { get; }
    public Marker? Marker { get; }

    public static Requirement Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cursor = new Pep508Cursor(text);
        cursor.SkipWhitespace();
        var nameStart = cursor.Position;
        var name = cursor.ReadIdentifier() ?? throw cursor.Error("a package name", at: nameStart);
        cursor.SkipWhitespace();

        var extras = new SortedSet<string>(StringComparer.Ordinal);
        if (cursor.TryConsume('['))
        {
            cursor.SkipWhitespace();
            if (!cursor.TryConsume(']'))
            {
                while (true)
                {
                    var extra = cursor.ReadIdentifier() ?? throw cursor.Error("an extra name", "'[' or ','");
                    extras.Add(extra);
                    cursor.SkipWhitespace();
                    if (cursor.TryConsume(']')) break;
                    if (!cursor.TryConsume(',')) throw cursor.Error("',' or ']'", "an extra name");
                    cursor.SkipWhitespace();
                }
            }
            cursor.SkipWhitespace();
        }

        string? url = null;
        var specifier = SpecifierSet.Empty;
        Marker? marker = null;
        if (cursor.TryConsume('@'))
        {
            cursor.SkipWhitespace();
            var urlStart = cursor.Position;
            while (!cursor.AtEnd && cursor.Current is not (' ' or '\t')) cursor.Position++;
            if (cursor.Position == urlStart) throw cursor.Error("a URL", "'@'");
            url = text[urlStart..cursor.Position];
            if (!cursor.AtEnd)
            {
                // PEP 508: a marker after a URL must be separated by whitespace, or ';' would end up in the URL.
                cursor.SkipWhitespace();
                if (!cursor.AtEnd)
                {
                    if (!cursor.TryConsume(';')) throw cursor.Error("';' or the end", "the URL and whitespace");
                    marker = ParseMarker(cursor);
                }
            }
        }
        else
        {
            if (cursor.TryConsume('('))
            {
                cursor.SkipWhitespace();
                specifier = ParseSpecifiers(cursor, insideParentheses: true);
                cursor.SkipWhitespace();
                if (!cursor.TryConsume(')')) throw cursor.Error("',' or ')'", "a version specifier");
            }
            else if (cursor.Current is '<' or '>' or '=' or '!' or '~')
            {
                specifier = ParseSpecifiers(cursor, insideParentheses: false);
            }
            cursor.SkipWhitespace();
            if (!cursor.AtEnd)
            {
                if (!cursor.TryConsume(';'))
                {
                    throw specifier.Count == 0
                        ? cursor.Error("a version specifier, '[', '@', ';' or the end", "the name")
                        : cursor.Error("',', ';' or the end", "a version specifier");
                }
                marker = ParseMarker(cursor);
            }
        }
        return new Requirement(name, [.. extras], specifier, url, marker);
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Requirement? requirement, [NotNullWhen(false)] out string? error)
    {
        requirement = null;
        if (text is null) return Fail(out error, "the requirement is missing");
        try
        {
            requirement = Parse(text);
            error = null;
            return true;
        }
        catch (RequirementFormatException e)
        {
            return Fail(out error, e.Message);
        }
    }

    private static Marker ParseMarker(Pep508Cursor cursor)
    {
        cursor.SkipWhitespace();
        if (cursor.AtEnd) throw cursor.Error("a marker", "';'");
        var marker = Marker.ParseFrom(cursor);
        cursor.SkipWhitespace();
        if (!cursor.AtEnd) throw cursor.Error("'and', 'or' or the end", "a marker expression");
        return marker;
    }

    private static SpecifierSet ParseSpecifiers(Pep508Cursor cursor, bool insideParentheses)
    {
        var specifiers = new List<Specifier>();
        while (true)
        {
            var start = cursor.Position;
            var (_, opLength) = Versions.Specifier.ReadOperator(cursor.Text.AsSpan(start));
            if (opLength == 0) throw cursor.Error("a version operator (==, !=, <=, >=, <, >, ~=, ===)", insideParentheses ? "'('" : "','");
            cursor.Position += opLength;
            cursor.SkipWhitespace();
            while (!cursor.AtEnd && cursor.Current is not (' ' or '\t' or ',' or ';' or ')')) cursor.Position++;
            var text = cursor.Text[start..cursor.Position];
            if (!Versions.Specifier.TryParse(text, out var specifier, out var error))
                throw new RequirementFormatException($"Invalid version specifier '{text.Trim()}' at position {start}: {error}\n    {cursor.Text}\n    {new string(' ', start)}^", start);
            specifiers.Add(specifier);
            var afterSpecifier = cursor.Position;
            cursor.SkipWhitespace();
            if (!cursor.TryConsume(','))
            {
                cursor.Position = afterSpecifier;
                return new SpecifierSet(specifiers);
            }
            cursor.SkipWhitespace();
        }
    }

    /// <summary>Whether the marker (if any) holds in <paramref name="environment"/>.</summary>
    public bool AppliesTo(MarkerEnvironment environment) => Marker?.Evaluate(environment) ?? true;

    public override string ToString()
    {
        var builder = new StringBuilder(Name);
        if (Extras.Count > 0) builder.Append('[').AppendJoin(',', Extras).Append(']');
        if (Specifier.Count > 0) builder.Append(Specifier);
        if (Url is not null)
        {
            builder.Append(" @ ").Append(Url);
            if (Marker is not null) builder.Append(' ');
        }
        if (Marker is not null) builder.Append("; ").Append(Marker);
        return builder.ToString();
    }
}
