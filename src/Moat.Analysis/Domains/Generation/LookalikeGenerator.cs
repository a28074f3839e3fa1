namespace Moat.Analysis.Domains.Generation;

/// <summary>
/// <c>moat domains generate</c>: every lookalike of a domain that a phisher or typo-squatter could register, in a
/// fixed order (technique, then generation order), each host once (the first technique that made it wins), valid
/// host names only (LDH labels; Unicode labels through IDNA to punycode).
/// </summary>
public static class LookalikeGenerator
{
    /// <summary>The one-label techniques, in output order.</summary>
    private static readonly (Technique Technique, Func<string, IEnumerable<LabelVariant>> Make)[] LabelTechniques =
    [
        (Technique.Addition, TypoTechniques.Addition),
        (Technique.Omission, TypoTechniques.Omission),
        (Technique.Repetition, TypoTechniques.Repetition),
        (Technique.Insertion, KeyboardTechniques.Insertion),
        (Technique.Replacement, KeyboardTechniques.Replacement),
        (Technique.Transposition, TypoTechniques.Transposition),
        (Technique.VowelSwap, TypoTechniques.VowelSwap),
        (Technique.Hyphenation, TypoTechniques.Hyphenation),
        (Technique.BitFlip, BitFlipTechnique.BitFlip),
        (Technique.Plural, TypoTechniques.Plural),
        (Technique.Subdomain, TypoTechniques.Subdomain),
        (Technique.AsciiLookalike, LookalikeTechniques.AsciiLookalike),
        (Technique.Homoglyph, LookalikeTechniques.Homoglyph),
    ];

    /// <summary>Lookalikes of <paramref name="domain"/>; throws <see cref="ArgumentException"/> for a host that is not valid.</summary>
    public static IReadOnlyList<DomainPermutation> Generate(string domain)
    {
        if (!HostName.TryNormalize(domain, out var normalized))
        {
            throw new ArgumentException($"'{domain}' is not a valid domain name", nameof(domain));
        }
        var parts = PublicSuffixes.Split(normalized.Ascii);
        if (parts.Suffix.Length == 0) throw new ArgumentException($"'{domain}' has no top-level domain", nameof(domain));
        // Typos are made in what a person types: the Unicode form of an IDN label.
        var label = HostName.TryGetUnicode(parts.Label) ?? parts.Label;

        var sink = new PermutationSink(normalized.Ascii);
        foreach (var (technique, make) in LabelTechniques)
        {
            foreach (var variant in make(label))
            {
                sink.Add(BrandTechniques.Join(parts.Subdomain, $"{variant.Label}.{parts.Suffix}"), technique, variant.Detail, requireIdn: technique == Technique.Homoglyph);
            }
        }
        foreach (var (host, detail) in BrandTechniques.TldSwap(parts)) sink.Add(host, Technique.TldSwap, detail);
        foreach (var (host, detail) in BrandTechniques.BrandKeyword(parts)) sink.Add(host, Technique.BrandKeyword, detail);
        foreach (var (host, detail) in BrandTechniques.BrandSubdomain(parts)) sink.Add(host, Technique.BrandSubdomain, detail);
        foreach (var (host, detail) in CombinedTechniques.Combine(parts, label)) sink.Add(host, Technique.Combined, detail);
        return sink.Permutations;
    }

    /// <summary>How many permutations each technique contributed, in technique order (techniques with none included).</summary>
    public static IReadOnlyList<(Technique Technique, int Count)> CountByTechnique(IReadOnlyList<DomainPermutation> permutations)
    {
        var counts = permutations.GroupBy(p => p.Technique).ToDictionary(g => g.Key, g => g.Count());
        return [.. Enum.GetValues<Technique>().Select(t => (t, counts.GetValueOrDefault(t)))];
    }

    /// <summary>Collects valid, new hosts in order.</summary>
    private sealed class PermutationSink(string original)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal) { original };

        public List<DomainPermutation> Permutations { get; } = [];

        public void Add(string host, Technique technique, string detail, bool requireIdn = false)
        {
            if (!HostName.TryNormalize(host, out var normalized)) return;
            // A homoglyph that IDNA folds back to ASCII (fullwidth letters, mathematical alphabets) is not a new host.
            if (requireIdn && !normalized.IsInternationalized) return;
            if (_seen.Add(normalized.Ascii)) Permutations.Add(new DomainPermutation(normalized.Ascii, normalized.Unicode, technique, detail));
        }
    }
}
