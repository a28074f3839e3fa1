using Moat.Analysis.Text;

namespace Moat.Analysis.Names;

/// <summary>
/// ASCII sequences that read as another of a different length: <c>rn</c>/<c>m</c>, <c>vv</c>/<c>w</c>,
/// <c>cl</c>/<c>d</c>… (<see cref="AsciiLookalikes"/>). They are two edits apart, so the edit-distance rule misses them
/// on short names; here each replacement is looked up directly, through a map of every such reading of the corpus.
/// One-for-one lookalikes (<c>1</c>/<c>l</c>, <c>0</c>/<c>o</c>) are single substitutions, which <see cref="EditTypos"/> finds and <see cref="SubstitutedCharacter"/> labels.
/// </summary>
internal static class AsciiLookalikeSquat
{
    /// <summary>The pairs of different lengths, lowercase, each way round, without repeats, in the pairs' order.</summary>
    internal static readonly (string From, string To)[] Replacements = DifferentLengthReplacements();

    // A loop rather than LINQ over tuples, whose generic code is compiled at every `moat check` (ReadyToRun cannot).
    private static (string From, string To)[] DifferentLengthReplacements()
    {
        var found = new (string From, string To)[2 * AsciiLookalikes.Pairs.Count];
        var count = 0;
        foreach (var (original, lookalike) in AsciiLookalikes.Pairs)
        {
            if (original.Length == lookalike.Length) continue;
            Add(lookalike.ToLowerInvariant(), original.ToLowerInvariant());
            Add(original.ToLowerInvariant(), lookalike.ToLowerInvariant());
        }
        var replacements = new (string From, string To)[count];
        Array.Copy(found, replacements, count);
        return replacements;

        void Add(string from, string to)
        {
            for (var i = 0; i < count; i++)
            {
                if (found[i].From == from && found[i].To == to) return;
            }
            found[count++] = (from, to);
        }
    }

    /// <summary>A corpus name read through one replacement: <see cref="From"/> in the checked name reads as <see cref="To"/> in <see cref="Target"/>.</summary>
    public sealed record Reading(Target Target, string From, string To);

    /// <summary>
    /// Every name that reads as a corpus name after one replacement, built once per index by applying each replacement
    /// backwards to every corpus name (~20,000 readings for 15,000 names). A check is then one lookup of the name
    /// itself instead of a dozen scans of it and a lookup per occurrence. Each name's readings are in the order the
    /// forward search found them: by replacement, then by position.
    /// </summary>
    public static Dictionary<string, Reading[]> Readings(Dictionary<string, Target> exact)
    {
        var found = new Dictionary<string, (int Replacement, int At, Reading Reading)[]>(StringComparer.Ordinal);
        foreach (var (name, target) in exact)
        {
            for (var r = 0; r < Replacements.Length; r++)
            {
                var (from, to) = Replacements[r];
                for (var at = name.IndexOf(to, StringComparison.Ordinal); at >= 0; at = name.IndexOf(to, at + 1, StringComparison.Ordinal))
                {
                    var reads = string.Concat(name.AsSpan(0, at), from, name.AsSpan(at + to.Length));
                    if (reads.Length > NameForms.MaxEditLength) continue; // such names are not checked for lookalikes
                    var reading = (r, at, new Reading(target, from, to));
                    // Almost every name reads as one corpus name at most: a second one is rare enough to copy the array.
                    found[reads] = found.TryGetValue(reads, out var others) ? [.. others, reading] : [reading];
                }
            }
        }
        var readings = new Dictionary<string, Reading[]>(found.Count, StringComparer.Ordinal);
        foreach (var (reads, list) in found)
        {
            if (list.Length > 1) Array.Sort(list, (a, b) => a.Replacement != b.Replacement ? a.Replacement - b.Replacement : a.At - b.At);
            readings[reads] = Array.ConvertAll(list, e => e.Reading);
        }
        return readings;
    }

    /// <summary>
    /// The same readings for one name, found forwards: each replacement at each occurrence, looked up in the corpus.
    /// A process that checks a few names uses this and never builds the map (<see cref="NameIndex.LookalikeMap"/>).
    /// </summary>
    public static List<Reading>? ReadingsOf(string name, Dictionary<string, Target> exact)
    {
        List<Reading>? found = null;
        foreach (var (from, to) in Replacements)
        {
            for (var at = name.IndexOf(from, StringComparison.Ordinal); at >= 0; at = name.IndexOf(from, at + 1, StringComparison.Ordinal))
            {
                var reads = string.Concat(name.AsSpan(0, at), to, name.AsSpan(at + from.Length));
                if (exact.TryGetValue(reads, out var target)) (found ??= []).Add(new Reading(target, from, to));
            }
        }
        return found;
    }

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        var name = query.Normalized;
        if (name.Length > NameForms.MaxEditLength) return;
        IEnumerable<Reading>? readings = index.LookalikeMap is { } map ? map.GetValueOrDefault(name) : ReadingsOf(name, index.Exact);
        if (readings is null) return;
        foreach (var (target, from, to) in readings)
        {
            if (!query.IsSelf(target)) into.Add(new RawMatch(NameTechnique.AsciiLookalike, target, $"'{from}' reads as '{to}'", target.Stripped.Length));
        }
    }
}
