using System.Diagnostics.CodeAnalysis;
using System.Text;
using Moat.Packaging.Versions;
using static Moat.Packaging.ParseFailure;

namespace Moat.Packaging.Requirements;

/// <summary>A PEP 508 environment marker such as <c>python_version &lt; "3.11" and sys_platform == "linux"</c>.</summary>
public sealed class Marker
{
    /// <summary>Hostile input cannot recurse deeper than this many parentheses.</summary>
    internal const int MaxNesting = 64;

    private Marker(MarkerExpression root) => Root = root;

    public MarkerExpression Root { get; }

    public static Marker Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cursor = new Pep508Cursor(text);
        cursor.SkipWhitespace();
        var marker = ParseFrom(cursor);
        if (!cursor.AtEnd) throw cursor.Error("'and', 'or' or the end", "a marker expression");
        return marker;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Marker? marker, [NotNullWhen(false)] out string? error)
    {
        marker = null;
        error = null;
        if (text is null) return Fail(out error, "the marker is missing");
        try
        {
            marker = Parse(text);
            return true;
        }
        catch (RequirementFormatException e)
        {
            return Fail(out error, e.Message);
        }
    }

    /// <summary>Parses a marker at the cursor and leaves the cursor after it (and after trailing whitespace).</summary>
    internal static Marker ParseFrom(Pep508Cursor cursor) => new(ParseOr(cursor, 0));

    private static MarkerExpression ParseOr(Pep508Cursor cursor, int depth)
    {
        var items = new List<MarkerExpression> { ParseAnd(cursor, depth) };
        while (TryOperatorKeyword(cursor, "or")) items.Add(ParseAnd(cursor, depth));
        return items.Count == 1 ? items[0] : new MarkerOr(items);
    }

    private static MarkerExpression ParseAnd(Pep508Cursor cursor, int depth)
    {
        var items = new List<MarkerExpression> { ParseAtom(cursor, depth) };
        while (TryOperatorKeyword(cursor, "and")) items.Add(ParseAtom(cursor, depth));
        return items.Count == 1 ? items[0] : new MarkerAnd(items);
    }

    private static bool TryOperatorKeyword(Pep508Cursor cursor, string keyword)
    {
        var start = cursor.Position;
        if (cursor.TryKeyword(keyword))
        {
            cursor.SkipWhitespace();
            return true;
        }
        cursor.Position = start;
        return false;
    }

    private static MarkerExpression ParseAtom(Pep508Cursor cursor, int depth)
    {
        cursor.SkipWhitespace();
        if (cursor.TryConsume('('))
        {
            if (depth >= MaxNesting) throw cursor.Error($"at most {MaxNesting} nested parentheses", at: cursor.Position - 1);
            cursor.SkipWhitespace();
            var inner = ParseOr(cursor, depth + 1);
            cursor.SkipWhitespace();
            if (!cursor.TryConsume(')')) throw cursor.Error("')' or a boolean operator ('and', 'or')", "a marker expression");
            cursor.SkipWhitespace();
            return new MarkerGroup(inner);
        }
        var left = ParseValue(cursor);
        cursor.SkipWhitespace();
        var op = ParseOperator(cursor);
        cursor.SkipWhitespace();
        var right = ParseValue(cursor);
        cursor.SkipWhitespace();
        return new MarkerComparison(left, op, right);
    }

    private static MarkerValue ParseValue(Pep508Cursor cursor)
    {
        var start = cursor.Position;
        if (cursor.Current is '\'' or '"' && !cursor.AtEnd)
        {
            var quote = cursor.Current;
            var end = cursor.Text.IndexOf(quote, start + 1);
            if (end < 0) throw cursor.Error($"a closing {quote} for the string", at: cursor.Text.Length);
            cursor.Position = end + 1;
            return new MarkerValue(false, cursor.Text[(start + 1)..end]);
        }
        while (!cursor.AtEnd && (char.IsAsciiLetter(cursor.Current) || cursor.Current is '_' or '.')) cursor.Position++;
        var word = cursor.Text[start..cursor.Position];
        if (MarkerEnvironment.CanonicalVariable(word) is { } variable) return new MarkerValue(true, variable);
        throw cursor.Error("a marker variable or a quoted string", at: start);
    }

    private static string ParseOperator(Pep508Cursor cursor)
    {
        foreach (var op in (ReadOnlySpan<string>)["===", "==", "~=", "!=", "<=", ">=", "<", ">"])
        {
            if (string.CompareOrdinal(cursor.Text, cursor.Position, op, 0, op.Length) == 0)
            {
                cursor.Position += op.Length;
                return op;
            }
        }
        if (cursor.TryKeyword("in")) return "in";
        var start = cursor.Position;
        if (cursor.TryKeyword("not"))
        {
            if (cursor.SkipWhitespace() && cursor.TryKeyword("in")) return "not in";
            throw cursor.Error("'in' after 'not'");
        }
        throw cursor.Error("a marker operator (==, !=, <, <=, >, >=, ~=, ===, in, not in)", at: start);
    }

    // ---------------------------------------------------------------- evaluation

    /// <summary>
    /// Evaluates the marker. Comparisons use PEP 440 version semantics when the right side forms a valid specifier
    /// and the left side is a valid version, and plain string comparison otherwise; <c>extra</c> values are compared
    /// by normalized name. Throws <see cref="MarkerEvaluationException"/> for an undefined variable or comparison.
    /// </summary>
    public bool Evaluate(MarkerEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Root.Evaluate(environment);
    }

    public bool TryEvaluate(MarkerEnvironment environment, out bool result, [NotNullWhen(false)] out string? error)
    {
        try
        {
            result = Evaluate(environment);
            error = null;
            return true;
        }
        catch (MarkerEvaluationException e)
        {
            result = false;
            return Fail(out error, e.Message);
        }
    }

    /// <summary>Canonical text: variables normalized, strings double-quoted, source parentheses kept.</summary>
    public override string ToString() => Root.ToString();
}

public sealed class MarkerEvaluationException(string message) : InvalidOperationException(message);

/// <summary>A marker operand: an environment variable (by canonical name) or a literal string.</summary>
public readonly record struct MarkerValue(bool IsVariable, string Text)
{
    public override string ToString() => IsVariable ? Text : "\"" + Text + "\"";
}

public abstract record MarkerExpression
{
    internal abstract bool Evaluate(MarkerEnvironment environment);
}

public sealed record MarkerAnd(IReadOnlyList<MarkerExpression> Items) : MarkerExpression
{
    internal override bool Evaluate(MarkerEnvironment environment) => Items.All(i => i.Evaluate(environment));
    public override string ToString() => string.Join(" and ", Items);
}

public sealed record MarkerOr(IReadOnlyList<MarkerExpression> Items) : MarkerExpression
{
    internal override bool Evaluate(MarkerEnvironment environment) => Items.Any(i => i.Evaluate(environment));
    public override string ToString() => string.Join(" or ", Items);
}

public sealed record MarkerGroup(MarkerExpression Inner) : MarkerExpression
{
    internal override bool Evaluate(MarkerEnvironment environment) => Inner.Evaluate(environment);
    public override string ToString() => "(" + Inner + ")";
}

public sealed record MarkerComparison(MarkerValue Left, string Operator, MarkerValue Right) : MarkerExpression
{
    public override string ToString() => $"{Left} {Operator} {Right}";

    internal override bool Evaluate(MarkerEnvironment environment)
    {
        var key = Left.IsVariable ? Left.Text : Right.IsVariable ? Right.Text : null;
        if (key is "extras" or "dependency_groups")
        {
            if (Operator is not ("in" or "not in") || !Right.IsVariable || Left.IsVariable)
                throw new MarkerEvaluationException($"'{key}' can only be used as \"name\" in {key} or \"name\" not in {key}");
            var set = key == "extras" ? environment.Extras : environment.DependencyGroups;
            var contains = set.Contains(ProjectName.Normalize(Left.Text));
            return Operator == "in" ? contains : !contains;
        }

        var lhs = Resolve(Left, environment);
        var rhs = Resolve(Right, environment);
        if (key == "extra")
        {
            // Extras are names: "Foo_Bar" matches an environment extra of "foo-bar".
            lhs = ProjectName.Normalize(lhs);
            rhs = ProjectName.Normalize(rhs);
        }
        return Compare(lhs, Operator, rhs, this);
    }

    private static string Resolve(MarkerValue value, MarkerEnvironment environment)
    {
        if (!value.IsVariable) return value.Text;
        return environment.Get(value.Text)
            ?? throw new MarkerEvaluationException($"The environment does not define the marker variable '{value.Text}'.");
    }

    internal static bool Compare(string lhs, string op, string rhs, MarkerComparison? where = null)
    {
        switch (op)
        {
            case "in": return rhs.Contains(lhs, StringComparison.Ordinal);
            case "not in": return !rhs.Contains(lhs, StringComparison.Ordinal);
        }
        if (Specifier.TryParse(op + rhs, out var specifier) && PackageVersion.TryParse(lhs, out var version))
            return specifier.Contains(version, prereleases: true);
        var order = string.CompareOrdinal(lhs, rhs);
        return op switch
        {
            "==" => order == 0,
            "!=" => order != 0,
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            ">=" => order >= 0,
            "===" => string.Equals(lhs, rhs, StringComparison.OrdinalIgnoreCase),
            _ => throw new MarkerEvaluationException(
                $"Undefined comparison {op} between '{lhs}' and '{rhs}' (they are not both versions){(where is null ? "" : $" in: {where}")}."),
        };
    }
}
