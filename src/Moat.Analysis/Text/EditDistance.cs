namespace Moat.Analysis.Text;

/// <summary>
/// Damerau–Levenshtein distance in its optimal-string-alignment form (insert, delete, substitute, swap adjacent), with
/// an upper bound so that the common "far apart" answer costs little: the name and domain engines only care about
/// distances of 1 or 2.
/// </summary>
public static class EditDistance
{
    /// <summary>The distance between <paramref name="a"/> and <paramref name="b"/>, or <c>max + 1</c> when it exceeds <paramref name="max"/>.</summary>
    public static int Bounded(ReadOnlySpan<char> a, ReadOnlySpan<char> b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max) return max + 1;
        // Common prefix and suffix never change the distance.
        var prefix = a.CommonPrefixLength(b);
        a = a[prefix..];
        b = b[prefix..];
        var suffix = 0;
        while (suffix < a.Length && suffix < b.Length && a[^(suffix + 1)] == b[^(suffix + 1)]) suffix++;
        a = a[..^suffix];
        b = b[..^suffix];
        if (a.IsEmpty) return Math.Min(b.Length, max + 1);
        if (b.IsEmpty) return Math.Min(a.Length, max + 1);

        var width = b.Length + 1;
        Span<int> rows = width * 3 <= 768 ? stackalloc int[width * 3] : new int[width * 3];
        var twoBack = rows[..width];
        var previous = rows.Slice(width, width);
        var current = rows.Slice(2 * width, width);
        for (var j = 0; j < width; j++) previous[j] = j;

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) value = Math.Min(value, twoBack[j - 2] + 1);
                current[j] = value;
                if (value < rowMin) rowMin = value;
            }
            if (rowMin > max) return max + 1;
            // Rotate the three rows without copying.
            var recycled = twoBack;
            twoBack = previous;
            previous = current;
            current = recycled;
        }
        return Math.Min(previous[b.Length], max + 1);
    }
}
