namespace Moat.Analysis.Names;

/// <summary>
/// PyPI's "ultranormalized" collision: the same name once separators are dropped, <c>o</c>→<c>0</c> and
/// <c>i</c>/<c>l</c>→<c>1</c> (<c>jeIlyfish</c> for <c>jellyfish</c>). PyPI now refuses such registrations, but
/// names from before the rule, other indexes and requirement files still carry them.
/// </summary>
internal static class UltranormalizedCollision
{
    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        Span<char> ultranormalized = stackalloc char[query.Normalized.Length];
        var length = NameForms.Ultranormalize(query.Normalized, ultranormalized);
        if (index.UltranormalizedByText.TryGetValue(ultranormalized[..length], out var target)
            && !query.IsSelf(target) && target.Stripped != query.Stripped)
        {
            into.Add(new RawMatch(NameTechnique.UltranormalizedCollision, target, "same name after PyPI's ultranormalization (o→0, i/l→1, separators dropped)", target.Stripped.Length));
        }
    }
}
