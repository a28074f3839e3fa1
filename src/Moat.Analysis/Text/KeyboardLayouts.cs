using System.Collections.Frozen;

namespace Moat.Analysis.Text;

/// <summary>Keyboard layouts whose neighbouring keys explain fat-finger typos (shared by the name and domain engines).</summary>
public enum KeyboardLayout { Qwerty, Qwertz, Azerty }

/// <summary>Which keys sit next to a key (same row left/right, and the rows above and below), per layout.</summary>
public static class KeyboardNeighbours
{
    private static readonly string[] QwertyRows = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];
    private static readonly string[] QwertzRows = ["1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm"];
    private static readonly string[] AzertyRows = ["1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn"];

    private static readonly FrozenDictionary<KeyboardLayout, FrozenDictionary<char, string>> Maps =
        new Dictionary<KeyboardLayout, FrozenDictionary<char, string>>
        {
            [KeyboardLayout.Qwerty] = Build(QwertyRows),
            [KeyboardLayout.Qwertz] = Build(QwertzRows),
            [KeyboardLayout.Azerty] = Build(AzertyRows),
        }.ToFrozenDictionary();

    /// <summary>The neighbours of <paramref name="key"/> on <paramref name="layout"/> (empty for keys not on the layout).</summary>
    public static string Of(char key, KeyboardLayout layout) =>
        Maps[layout].GetValueOrDefault(char.ToLowerInvariant(key), "");

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are neighbours on any of the layouts.</summary>
    public static bool AreNeighbours(char a, char b)
    {
        foreach (var map in Maps.Values)
        {
            if (map.TryGetValue(char.ToLowerInvariant(a), out var near) && near.Contains(char.ToLowerInvariant(b))) return true;
        }
        return false;
    }

    /// <summary>The layouts on which <paramref name="a"/> and <paramref name="b"/> are neighbours.</summary>
    public static IEnumerable<KeyboardLayout> LayoutsWhereNeighbours(char a, char b) =>
        Maps.Where(m => m.Value.TryGetValue(char.ToLowerInvariant(a), out var near) && near.Contains(char.ToLowerInvariant(b))).Select(m => m.Key);

    private static FrozenDictionary<char, string> Build(string[] rows)
    {
        var map = new Dictionary<char, HashSet<char>>();
        for (var r = 0; r < rows.Length; r++)
        {
            for (var c = 0; c < rows[r].Length; c++)
            {
                var key = rows[r][c];
                var near = map.TryGetValue(key, out var set) ? set : map[key] = [];
                if (c > 0) near.Add(rows[r][c - 1]);
                if (c + 1 < rows[r].Length) near.Add(rows[r][c + 1]);
                // Rows are staggered: the keys above are at c and c+1, the keys below at c-1 and c.
                foreach (var (row, cols) in new[] { (r - 1, new[] { c, c + 1 }), (r + 1, new[] { c - 1, c }) })
                {
                    if (row < 0 || row >= rows.Length) continue;
                    foreach (var col in cols)
                    {
                        if (col >= 0 && col < rows[row].Length) near.Add(rows[row][col]);
                    }
                }
            }
        }
        return map.ToFrozenDictionary(p => p.Key, p => new string([.. p.Value.Order()]));
    }
}
