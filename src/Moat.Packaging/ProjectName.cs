using System.Buffers;
using System.Text;

namespace Moat.Packaging;

/// <summary>
/// Python project names: PEP 503 normalization, PyPI's validity rule, and the "ultranormalized" form
/// PyPI uses to refuse names that only differ by separators or by l/i/1 and o/0.
/// </summary>
public static class ProjectName
{
    private static readonly SearchValues<char> Separators = SearchValues.Create("-_.");

    /// <summary>PEP 503: lowercase, and every run of <c>-</c>, <c>_</c>, <c>.</c> becomes one <c>-</c>.</summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var span = name.AsSpan();
        // Fast path: already normalized names (the common case in indexes) allocate nothing.
        if (IsNormalized(span)) return name;

        var builder = new StringBuilder(span.Length);
        var lastWasSeparator = false;
        foreach (var c in span)
        {
            if (Separators.Contains(c))
            {
                if (!lastWasSeparator) builder.Append('-');
                lastWasSeparator = true;
            }
            else
            {
                builder.Append(char.ToLowerInvariant(c));
                lastWasSeparator = false;
            }
        }
        return builder.ToString();
    }

    /// <summary>True when <paramref name="name"/> is already in PEP 503 normal form.</summary>
    public static bool IsNormalized(ReadOnlySpan<char> name)
    {
        var lastWasDash = false;
        foreach (var c in name)
        {
            if (c is '_' or '.') return false;
            if (c == '-')
            {
                if (lastWasDash) return false;
                lastWasDash = true;
                continue;
            }
            if (char.IsUpper(c)) return false;
            lastWasDash = false;
        }
        return true;
    }

    /// <summary>
    /// PyPI's project-name rule (also PEP 508's): ASCII letters and digits, with <c>.</c>, <c>_</c>, <c>-</c>
    /// allowed inside but not at either end.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty) return false;
        if (!char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1])) return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !Separators.Contains(c)) return false;
        }
        return true;
    }

    /// <summary>
    /// PyPI's "ultranormalized" name: lowercase, separators removed, <c>o</c> folded to <c>0</c>, and
    /// <c>i</c>/<c>l</c> folded to <c>1</c>. Two names with the same ultranormalized form cannot both exist on PyPI.
    /// </summary>
    public static string Ultranormalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (Separators.Contains(c)) continue;
            builder.Append(char.ToLowerInvariant(c) switch
            {
                'o' => '0',
                'i' or 'l' => '1',
                var other => other,
            });
        }
        return builder.ToString();
    }
}
