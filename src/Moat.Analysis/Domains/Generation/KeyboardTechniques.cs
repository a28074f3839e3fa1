using Moat.Analysis.Text;

namespace Moat.Analysis.Domains.Generation;

/// <summary>Fat-finger typos: a neighbouring key hit instead of, or as well as, the right one, on the QWERTY,
/// QWERTZ and AZERTY layouts.</summary>
public static class KeyboardTechniques
{
    private static readonly KeyboardLayout[] Layouts = [KeyboardLayout.Qwerty, KeyboardLayout.Qwertz, KeyboardLayout.Azerty];

    /// <summary>A neighbouring key pressed too, before or after the intended one: <c>pyupi</c>, <c>pyopi</c>.</summary>
    public static IEnumerable<LabelVariant> Insertion(string label)
    {
        for (var i = 0; i < label.Length; i++)
        {
            foreach (var (neighbour, layout) in Neighbours(label[i]))
            {
                yield return new(label.Insert(i, neighbour.ToString()), $"{neighbour} before {label[i]} ({layout})");
                yield return new(label.Insert(i + 1, neighbour.ToString()), $"{neighbour} after {label[i]} ({layout})");
            }
        }
    }

    /// <summary>A neighbouring key pressed instead: <c>pypo</c>, <c>pupi</c>.</summary>
    public static IEnumerable<LabelVariant> Replacement(string label)
    {
        for (var i = 0; i < label.Length; i++)
        {
            foreach (var (neighbour, layout) in Neighbours(label[i]))
            {
                yield return new(string.Concat(label.AsSpan(0, i), [neighbour], label.AsSpan(i + 1)), $"{label[i]}→{neighbour} ({layout})");
            }
        }
    }

    /// <summary>Each neighbour once, named by the first layout on which it is one.</summary>
    private static IEnumerable<(char Neighbour, string Layout)> Neighbours(char key)
    {
        var seen = new HashSet<char>();
        foreach (var layout in Layouts)
        {
            foreach (var near in KeyboardNeighbours.Of(key, layout))
            {
                if (seen.Add(near)) yield return (near, layout.ToString().ToUpperInvariant());
            }
        }
    }
}
