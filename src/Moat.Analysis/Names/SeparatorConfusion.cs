namespace Moat.Analysis.Names;

/// <summary>Separators added, removed or moved (<c>setup-tools</c>, <c>pythondateutil</c>); <c>-</c>, <c>_</c>, <c>.</c> are already one under PEP 503.</summary>
internal static class SeparatorConfusion
{
    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        if (index.Stripped.TryGetValue(query.Stripped, out var target) && !query.IsSelf(target))
        {
            var detail = query.WordCount == 1 ? "separators removed" : target.Name.Contains('-') ? "separators moved" : "separator added";
            into.Add(new RawMatch(NameTechnique.SeparatorConfusion, target, detail, target.Stripped.Length));
        }
    }
}
