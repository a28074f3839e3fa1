using Moat.Analysis.Text;

namespace Moat.Analysis.Names;

/// <summary>
/// ASCII sequences that read as another of a different length: <c>rn</c>/<c>m</c>, <c>vv</c>/<c>w</c>,
/// <c>cl</c>/<c>d</c>… (<see cref="AsciiLookalikes"/>). They are two edits apart, so the edit-distance rule misses them
/// on short names; here each replacement is looked up directly. One-for-one lookalikes (<c>1</c>/<c>l</c>,
/// <c>0</c>/<c>o</c>) are single substitutions, which <see cref="EditTypos"/> finds and <see cref="SubstitutedCharacter"/> labels.
/// </summary>
internal static class AsciiLookalikeSquat
{
    private static readonly (string From, string To)[] Replacements =
    [
        .. AsciiLookalikes.Pairs
            .Where(p => p.Original.Length != p.Lookalike.Length)
            .SelectMany(p => new[] { (p.Lookalike.ToLowerInvariant(), p.Original.ToLowerInvariant()), (p.Original.ToLowerInvariant(), p.Lookalike.ToLowerInvariant()) })
            .Distinct(),
    ];

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        var name = query.Normalized;
        if (name.Length > NameForms.MaxEditLength) return;
        Span<char> buffer = stackalloc char[name.Length * 2 + 2];
        foreach (var (from, to) in Replacements)
        {
            for (var at = name.IndexOf(from, StringComparison.Ordinal); at >= 0; at = name.IndexOf(from, at + 1, StringComparison.Ordinal))
            {
                var length = name.Length - from.Length + to.Length;
                name.AsSpan(0, at).CopyTo(buffer);
                to.AsSpan().CopyTo(buffer[at..]);
                name.AsSpan(at + from.Length).CopyTo(buffer[(at + to.Length)..]);
                if (index.ExactByText.TryGetValue(buffer[..length], out var target) && !query.IsSelf(target))
                    into.Add(new RawMatch(NameTechnique.AsciiLookalike, target, $"'{from}' reads as '{to}'", target.Stripped.Length));
            }
        }
    }
}
