namespace Moat.Analysis.Text;

/// <summary>Keyboard layouts whose neighbouring keys explain fat-finger typos (shared by the name and domain engines).</summary>
public enum KeyboardLayout { Qwerty, Qwertz, Azerty }

/// <summary>Which keys sit next to a key (same row left/right, and the rows above and below), per layout.</summary>
public static class KeyboardNeighbours
{
    private static readonly string[] QwertyRows = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];
    private static readonly string[] QwertzRows = ["1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm"];
    private static readonly string[] AzertyRows = ["1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn"];

    // Per layout (by enum value), each ASCII key's neighbours in character order: plain arrays rather than maps keyed
    // by char and layout, whose generic instantiations ReadyToRun cannot precompile (JIT at every `moat check`).
    private static readonly string[][] Maps = [Build(QwertyRows), Build(QwertzRows), Build(AzertyRows)];

    /// <summary>The neighbours of <paramref name="key"/> on <paramref name="layout"/> (empty for keys not on the layout).</summary>
    public static string Of(char key, KeyboardLayout layout) => Near(Maps[(int)layout], key);

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are neighbours on any of the layouts.</summary>
    public static bool AreNeighbours(char a, char b)
    {
        foreach (var map in Maps)
        {
            if (Near(map, a).Contains(char.ToLowerInvariant(b))) return true;
        }
        return false;
    }

    /// <summary>The layouts on which <paramref name="a"/> and <paramref name="b"/> are neighbours.</summary>
    public static IEnumerable<KeyboardLayout> LayoutsWhereNeighbours(char a, char b)
    {
        for (var layout = 0; layout < Maps.Length; layout++)
        {
            if (Near(Maps[layout], a).Contains(char.ToLowerInvariant(b))) yield return (KeyboardLayout)layout;
        }
    }

    private static string Near(string[] map, char key) => char.ToLowerInvariant(key) is var lower && lower < map.Length ? map[lower] : "";

    private static string[] Build(string[] rows)
    {
        var near = new bool[128, 128];
        for (var r = 0; r < rows.Length; r++)
        {
            for (var c = 0; c < rows[r].Length; c++)
            {
                var key = rows[r][c];
                if (c > 0) near[key, rows[r][c - 1]] = true;
                if (c + 1 < rows[r].Length) near[key, rows[r][c + 1]] = true;
                // Rows are staggered: the keys above are at c and c+1, the keys below at c-1 and c.
                foreach (var (row, from) in new[] { (r - 1, c), (r + 1, c - 1) })
                {
                    if (row < 0 || row >= rows.Length) continue;
                    for (var col = from; col <= from + 1; col++)
                    {
                        if (col >= 0 && col < rows[row].Length) near[key, rows[row][col]] = true;
                    }
                }
            }
        }
        var map = new string[128];
        Array.Fill(map, "");
        Span<char> keys = stackalloc char[128];
        for (var key = 0; key < 128; key++)
        {
            var count = 0;
            for (var other = 0; other < 128; other++)
            {
                if (near[key, other]) keys[count++] = (char)other;
            }
            map[key] = new string(keys[..count]);
        }
        return map;
    }
}
