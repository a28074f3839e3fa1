using Moat.Analysis.Text;

namespace Moat.Analysis.Names;

/// <summary>A key hit next to the right one, on QWERTY, QWERTZ or AZERTY: <c>requedts</c> for <c>requests</c>.</summary>
internal static class KeyboardNeighbour
{
    public static string? Describe(char typed, char meant)
    {
        var layouts = KeyboardNeighbours.LayoutsWhereNeighbours(typed, meant).Select(l => l.ToString().ToUpperInvariant()).ToArray();
        return layouts.Length == 0 ? null : $"'{meant}' replaced by neighbouring key '{typed}' ({string.Join('/', layouts)})";
    }
}
