namespace Moat.Analysis.Names;

/// <summary>A version number added, changed or dropped at the end: <c>requests3</c>, <c>urllib</c> for <c>urllib3</c>.</summary>
internal static class VersionSuffix
{
    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        var key = query.Stripped.AsSpan(0, NameForms.VersionBaseLength(query.Stripped));
        if (index.VersionBaseByText.TryGetValue(key, out var target) && !query.IsSelf(target) && target.Stripped != query.Stripped)
        {
            var detail = key.Length == query.Stripped.Length ? "version number dropped" : key.SequenceEqual(target.Stripped) ? "version number added" : "version number changed";
            into.Add(new RawMatch(NameTechnique.VersionSuffix, target, detail, key.Length));
        }
    }
}
