namespace Moat.Analysis.Dependencies.Manifests;

/// <summary>
/// TOML and JSON parsers do not report positions, so lock-file entries are placed by finding their name in the text,
/// in file order: the n-th <c>name = "x"</c> (or <c>"x": {</c>) after the previous entry's line.
/// </summary>
internal sealed class LineLocator(string text)
{
    private readonly string[] _lines = text.Split('\n');
    private int _cursor;

    /// <summary>The 1-based line of the next line (from the cursor on) that contains any of <paramref name="needles"/>, or 0.</summary>
    public int Next(params string[] needles)
    {
        for (var i = _cursor; i < _lines.Length; i++)
        {
            foreach (var needle in needles)
            {
                if (_lines[i].Contains(needle, StringComparison.Ordinal))
                {
                    _cursor = i + 1;
                    return i + 1;
                }
            }
        }
        return 0;
    }
}
