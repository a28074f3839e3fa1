using Moat.Analysis.Text;
using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>
/// Non-ASCII names (Cyrillic <c>е</c> in <c>rеquests</c>, fullwidth letters) read through NFKC and the Unicode UTS #39
/// skeleton (<see cref="Confusables.Fold"/>). PyPI names are ASCII, so such a name only appears to deceive: in a
/// requirements file, a link, or another index. The skeleton is then checked like any other name.
/// </summary>
internal static class UnicodeConfusable
{
    /// <summary>The ASCII name <paramref name="name"/> reads as, or null when it is ASCII already or its skeleton is not a valid name.</summary>
    public static string? ReadsAs(string name)
    {
        if (!Confusables.HasNonAscii(name)) return null;
        var folded = Confusables.Fold(name);
        return ProjectName.IsValid(folded) ? ProjectName.Normalize(folded) : null;
    }

    public static void Find(NameQuery skeleton, NameIndex index, List<RawMatch> into)
    {
        if (index.Exact.TryGetValue(skeleton.Normalized, out var target))
            into.Add(new RawMatch(NameTechnique.UnicodeConfusable, target, $"non-ASCII characters that read as '{skeleton.Normalized}'", target.Stripped.Length));
    }
}
