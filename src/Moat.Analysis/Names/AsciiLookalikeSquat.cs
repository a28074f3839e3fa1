using Moat.Analysis.Text;

namespace Moat.Analysis.Names;

/// <summary>
/// ASCII sequences that read as another: <c>rn</c>/<c>m</c>, <c>vv</c>/<c>w</c>, <c>cl</c>/<c>d</c>, <c>1</c>/<c>l</c>,
/// <c>0</c>/<c>o</c>… (<see cref="AsciiLookalikes"/>). The multi-letter ones are two edits away and would be missed
/// by the edit-distance rule on short names; here each single replacement is looked up directly.
/// </summary>
internal static class AsciiLookalikeSquat
{
    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        if (query.Normalized.Length > NameForms.MaxEditLength) return;
        foreach (var (variant, from, to) in AsciiLookalikes.Variants(query.Normalized))
        {
            if (index.Exact.TryGetValue(variant, out var target) && !query.IsSelf(target))
                into.Add(new RawMatch(NameTechnique.AsciiLookalike, target, $"'{from}' reads as '{to}'", target.Stripped.Length));
        }
    }
}
