using System.Buffers;
using System.Collections.Frozen;
using System.Numerics;
using Moat.Analysis.Text;

namespace Moat.Analysis.Domains.Checking;

/// <summary>
/// Decides whether a host imitates a protected domain by computing the host's lookalike KEYS and looking them up in
/// indexes built once from the protected set — never by generating permutations and comparing:
/// <list type="bullet">
/// <item>the set of protected domains (a host under one is legitimate, whatever its subdomain);</item>
/// <item>brand labels (TLD swaps, brand as subdomain, brand tokens between hyphens);</item>
/// <item>visual keys (<see cref="VisualKey"/>, and the UTS #39 skeleton first for Unicode hosts);</item>
/// <item>the deletion neighbourhood of each brand label (every label one deletion away), so a one-edit typo is found
///   with one lookup per character of the candidate; for long brands a character-set signature picks the few
///   labels worth a bounded two-edit distance;</item>
/// <item>a multi-string search (<see cref="SearchValues{T}"/>) for brand tokens and keywords inside labels.</item>
/// </list>
/// Thread-safe after construction.
/// </summary>
public sealed class LookalikeIndex
{
    /// <summary>Scores, strongest first; the finding's severity follows from them (see <see cref="DomainRules"/>).</summary>
    internal static class Scores
    {
        public const double Homograph = 0.97;
        public const double HomographOtherSuffix = 0.9;
        public const double EmbeddedDomain = 0.92;
        public const double Visual = 0.9;
        public const double VisualOtherSuffix = 0.75;
        public const double BrandAccountKeyword = 0.88;
        public const double BrandSubdomainOfKeyword = 0.85;
        public const double SplitLabel = 0.82;
        public const double StrongTypo = 0.8;
        public const double TypoWithAccountKeyword = 0.86;
        public const double TypoWithServiceKeyword = 0.65;
        public const double Typo = 0.72;
        public const double TldSwap = 0.7;
        public const double BrandServiceKeyword = 0.65;
        public const double TwoEditTypo = 0.6;
        public const double OtherSuffixPenalty = 0.2;
        public const double OtherWordPenalty = 0.15;
        public const double BrandInLabel = 0.5;
        public const double BrandSubdomainElsewhere = 0.4;
    }

    private sealed record Brand(string Domain, string Label, string Suffix, string Visual, int MaxEdits, bool Generic, ulong Signature);

    /// <summary>Brand labels that are ordinary words: found only as whole tokens, never inside other words.</summary>
    private static readonly FrozenSet<string> GenericWords = FrozenSet.Create(StringComparer.Ordinal, "python", "git", "npm", "docs", "files", "status");

    private readonly Brand[] _brands;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _protected;
    private readonly FrozenDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _byLabel;
    private readonly FrozenDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _byVisual;
    private readonly FrozenDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _byDeletion;
    private readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _legitimate;
    private readonly int[] _twoEditBrands;
    private readonly SearchValues<string>? _tokens;
    private readonly int _minTypoLength;
    private readonly int _maxTypoLength;
    private readonly int _minBrandLength;
    private readonly int _maxBrandLength;

    public static LookalikeIndex Default { get; } = new(ProtectedDomains.Defaults);

    /// <summary>The protected registrable domains, as given (normalized).</summary>
    public IReadOnlyList<string> Protected { get; }

    public LookalikeIndex(IEnumerable<string> protectedDomains, IReadOnlyDictionary<string, string>? knownLegitimate = null)
    {
        var domains = new List<string>();
        foreach (var domain in protectedDomains)
        {
            if (!HostName.TryNormalize(domain, out var host)) throw new ArgumentException($"'{domain}' is not a domain name", nameof(protectedDomains));
            if (!domains.Contains(host.Ascii)) domains.Add(host.Ascii);
        }
        Protected = domains;
        _brands = [.. domains.Select(MakeBrand)];
        _protected = domains.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

        var byLabel = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byVisual = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byDeletion = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < _brands.Length; i++)
        {
            var brand = _brands[i];
            AddTo(byLabel, brand.Label, i);
            AddTo(byVisual, brand.Visual, i);
            if (brand.MaxEdits >= 1)
            {
                AddTo(byDeletion, brand.Label, i);
                for (var at = 0; at < brand.Label.Length; at++) AddTo(byDeletion, brand.Label.Remove(at, 1), i);
            }
        }
        _byLabel = Freeze(byLabel);
        _byVisual = Freeze(byVisual);
        _byDeletion = Freeze(byDeletion);
        _twoEditBrands = [.. Enumerable.Range(0, _brands.Length).Where(i => _brands[i].MaxEdits >= 2)];
        var typoBrands = _brands.Where(b => b.MaxEdits > 0).ToArray();
        _minTypoLength = typoBrands.Length == 0 ? int.MaxValue : typoBrands.Min(b => b.Label.Length - b.MaxEdits);
        _maxTypoLength = typoBrands.Length == 0 ? -1 : typoBrands.Max(b => b.Label.Length + b.MaxEdits);
        _minBrandLength = _brands.Length == 0 ? int.MaxValue : _brands.Min(b => b.Label.Length);
        _maxBrandLength = _brands.Length == 0 ? -1 : _brands.Max(b => b.Label.Length);
        var tokens = _brands.Where(b => b.Label.Length >= 4).Select(b => b.Label).Distinct().ToArray();
        _tokens = tokens.Length == 0 ? null : SearchValues.Create(tokens, StringComparison.Ordinal);
        _legitimate = (knownLegitimate ?? KnownLegitimate.Domains)
            .Where(p => !domains.Contains(p.Key))
            .ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>True when <paramref name="asciiHost"/> is a protected domain or any subdomain of one.</summary>
    public bool IsProtected(ReadOnlySpan<char> asciiHost)
    {
        while (true)
        {
            if (_protected.Contains(asciiHost)) return true;
            var dot = asciiHost.IndexOf('.');
            if (dot < 0) return false;
            asciiHost = asciiHost[(dot + 1)..];
        }
    }

    /// <summary>Why <paramref name="registrable"/> is known to be legitimate, or null.</summary>
    public string? LegitimateReason(ReadOnlySpan<char> registrable) => _legitimate.TryGetValue(registrable, out var reason) ? reason : null;

    /// <summary>The strongest imitation of a protected domain by <paramref name="host"/>, or null for none (or an invalid host).</summary>
    public LookalikeMatch? Check(string host)
    {
        if (!HostName.TryNormalize(host, out var normalized)) return null;
        return Check(normalized);
    }

    public LookalikeMatch? Check(NormalizedHost host)
    {
        var ascii = host.Ascii;
        if (IsProtected(ascii)) return null;
        var parts = PublicSuffixes.Split(ascii);
        if (parts.Suffix.Length == 0) return null;
        var registrable = ascii.AsSpan(parts.Subdomain.Length == 0 ? 0 : parts.Subdomain.Length + 1);
        if (_legitimate.ContainsKey(registrable)) return null;

        var best = new Best(host);
        if (host.IsInternationalized) CheckHomograph(host, ref best);
        CheckLabel(parts.Label, parts.Suffix, ref best, keyword: null);
        if (parts.Subdomain.Length > 0 || parts.Label.Contains('-')) CheckSplit(parts, ref best);
        if (_tokens is not null && ascii.AsSpan().ContainsAny(_tokens)) CheckTokens(ascii, parts, ref best);
        else if (parts.Subdomain.Length > 0) CheckSubdomainLabels(parts, ref best);
        if (best.Score < Scores.TypoWithAccountKeyword && parts.Label.AsSpan().ContainsAny(BrandKeywords.Any)) CheckTypoWithKeyword(parts, ref best);
        return best.ToMatch();
    }

    /// <summary>Unicode hosts: the skeleton of the whole host, then of the registrable label, against the brands.</summary>
    private void CheckHomograph(NormalizedHost host, ref Best best)
    {
        var folded = Confusables.Fold(host.Unicode);
        var visual = VisualKey.Of(folded);
        foreach (var brand in _brands)
        {
            if (visual == brand.Visual + "." + VisualKey.Of(brand.Suffix) || visual.EndsWith("." + brand.Visual + "." + VisualKey.Of(brand.Suffix), StringComparison.Ordinal))
            {
                best.Offer(brand, LookalikeKind.Homograph, Scores.Homograph, $"reads as {brand.Domain} ({host.Unicode})");
                return;
            }
        }
        var foldedParts = PublicSuffixes.Split(folded);
        if (_byVisual.TryGetValue(VisualKey.Of(foldedParts.Label), out var brands))
        {
            foreach (var index in brands)
            {
                var brand = _brands[index];
                best.Offer(brand, LookalikeKind.Homograph, Scores.HomographOtherSuffix, $"'{foldedParts.Label}' in {host.Unicode} reads as '{brand.Label}' under another suffix");
            }
        }
    }

    /// <summary>The registrable label itself: the brand under another suffix, a visual twin, a one- or two-edit typo.</summary>
    private void CheckLabel(string label, string suffix, ref Best best, string? keyword)
    {
        var boost = keyword is null ? 0.0 : 0.05;
        if (keyword is null && _byLabel.TryGetValue(label, out var exact))
        {
            foreach (var index in exact)
            {
                var brand = _brands[index];
                if (brand.Suffix != suffix) best.Offer(brand, LookalikeKind.TldSwap, Scores.TldSwap, $"'{label}' under .{suffix} instead of .{brand.Suffix}");
            }
        }

        Span<char> buffer = stackalloc char[Math.Min(label.Length, HostName.MaxLabelLength) + 1];
        if (label.Length > HostName.MaxLabelLength) return;
        var visualLength = VisualKey.Write(label, buffer);
        if (_byVisual.TryGetValue(buffer[..visualLength], out var twins))
        {
            foreach (var index in twins)
            {
                var brand = _brands[index];
                // Look-alike classes are generous (a/o, n/r, h/b): more than two such changes no longer reads as the brand.
                if (brand.Label == label || EditDistance.Bounded(label, brand.Label, 2) > 2) continue;
                var score = (brand.Suffix == suffix ? Scores.Visual : Scores.VisualOtherSuffix) - boost;
                best.Offer(brand, keyword is null ? LookalikeKind.Visual : LookalikeKind.BrandKeyword, keyword is null ? score : WithKeyword(keyword),
                    Describe($"'{label}' reads as '{brand.Label}'", suffix, brand, keyword));
            }
        }

        if (label.Length < _minTypoLength || label.Length > _maxTypoLength || !AnyBrandWithinReach(label)) return;
        // One-edit typos: the label, and the label with each character deleted, looked up in the brands' deletion
        // neighbourhood. A hit is a candidate; the bounded distance confirms it.
        TryDeletion(label, label, suffix, ref best, keyword);
        for (var at = 0; at < label.Length; at++)
        {
            label.AsSpan(0, at).CopyTo(buffer);
            label.AsSpan(at + 1).CopyTo(buffer[at..]);
            TryDeletion(buffer[..(label.Length - 1)], label, suffix, ref best, keyword);
        }
        if (_twoEditBrands.Length > 0 && best.Score < Scores.TwoEditTypo) TryTwoEdits(label, suffix, ref best, keyword);
    }

    /// <summary>
    /// The cheap key before the deletion lookups: a label within k edits of a brand differs from it by at most k
    /// distinct characters each way and k in length. Most ordinary labels fail this for every brand at once.
    /// </summary>
    private bool AnyBrandWithinReach(string label)
    {
        var signature = Signature(label);
        foreach (var brand in _brands)
        {
            var reach = brand.MaxEdits;
            if (reach == 0 || Math.Abs(label.Length - brand.Label.Length) > reach) continue;
            if (BitOperations.PopCount(signature & ~brand.Signature) <= reach && BitOperations.PopCount(brand.Signature & ~signature) <= reach) return true;
        }
        return false;
    }

    private void TryDeletion(ReadOnlySpan<char> key, string label, string suffix, ref Best best, string? keyword)
    {
        if (!_byDeletion.TryGetValue(key, out var brands)) return;
        foreach (var index in brands)
        {
            var brand = _brands[index];
            if (brand.Label == label || EditDistance.Bounded(label, brand.Label, 1) != 1) continue;
            var (slip, strong) = TypoClassifier.Describe(label, brand.Label);
            double score = keyword is not null ? WithKeyword(keyword)
                : (strong ? Scores.StrongTypo : Scores.Typo) - (brand.Suffix == suffix ? 0 : Scores.OtherSuffixPenalty);
            best.Offer(brand, keyword is null ? LookalikeKind.Typo : LookalikeKind.BrandKeyword, score,
                Describe($"'{label}' is '{brand.Label}' with {slip}", suffix, brand, keyword));
        }
    }

    private void TryTwoEdits(string label, string suffix, ref Best best, string? keyword)
    {
        var signature = Signature(label);
        foreach (var index in _twoEditBrands)
        {
            var brand = _brands[index];
            // Each edit adds or removes at most one distinct character, so the character sets differ by at most 2 each way.
            if (Math.Abs(label.Length - brand.Label.Length) > 2) continue;
            if (BitOperations.PopCount(signature & ~brand.Signature) > 2 || BitOperations.PopCount(brand.Signature & ~signature) > 2) continue;
            if (EditDistance.Bounded(label, brand.Label, 2) != 2) continue;
            var score = keyword is not null ? WithKeyword(keyword) - 0.1 : Scores.TwoEditTypo - (brand.Suffix == suffix ? 0 : Scores.OtherSuffixPenalty);
            best.Offer(brand, keyword is null ? LookalikeKind.Typo : LookalikeKind.BrandKeyword, score,
                Describe($"'{label}' is two edits from '{brand.Label}'", suffix, brand, keyword));
        }
    }

    /// <summary>The brand cut by hyphens or dots: <c>py-pi.org</c>, <c>py.pi.org</c>, <c>git.hub.com</c>.</summary>
    private void CheckSplit(DomainParts parts, ref Best best)
    {
        // The joined label must be about as long as a brand label ('rn' for 'm' allows one more): skip the rest.
        var lastDot = parts.Subdomain.LastIndexOf('.');
        var joinedMax = parts.Label.Length + (parts.Subdomain.Length == 0 ? 0 : parts.Subdomain.Length - lastDot - 1);
        var labelOnly = parts.Label.Length - parts.Label.AsSpan().Count('-');
        if (joinedMax < _minBrandLength || labelOnly > _maxBrandLength + 2) return;
        var lastSubLabel = parts.Subdomain.Length == 0 ? "" : parts.Subdomain[(parts.Subdomain.LastIndexOf('.') + 1)..];
        foreach (var joined in new[] { parts.Label.Replace("-", "", StringComparison.Ordinal), (lastSubLabel + parts.Label).Replace("-", "", StringComparison.Ordinal) })
        {
            if (joined.Length == 0 || joined.Length > HostName.MaxLabelLength) continue;
            if (!_byVisual.TryGetValue(VisualKey.Of(joined), out var brands)) continue;
            foreach (var index in brands)
            {
                var brand = _brands[index];
                var score = Scores.SplitLabel - (brand.Suffix == parts.Suffix ? 0 : Scores.OtherSuffixPenalty);
                best.Offer(brand, LookalikeKind.SplitLabel, score, $"'{brand.Label}' split across '{(parts.Subdomain.Length > 0 ? lastSubLabel + "." : "")}{parts.Label}'");
            }
        }
    }

    /// <summary>A brand label appears somewhere in the host: embedded whole domain, brand + keyword, brand as subdomain.</summary>
    private void CheckTokens(string host, DomainParts parts, ref Best best)
    {
        foreach (var brand in _brands)
        {
            if (brand.Label.Length < 4 || !host.Contains(brand.Label, StringComparison.Ordinal)) continue;

            // The whole brand domain followed by a dot or hyphen: pypi.org.verify-login.com, github.com-login.xyz.
            var embedded = host.IndexOf(brand.Domain, StringComparison.Ordinal);
            if (embedded >= 0 && (embedded == 0 || host[embedded - 1] is '.' or '-') && embedded + brand.Domain.Length < host.Length
                && host[embedded + brand.Domain.Length] is '.' or '-')
            {
                best.Offer(brand, LookalikeKind.EmbeddedDomain, Scores.EmbeddedDomain, $"'{brand.Domain}' in front of {parts.Registrable}");
            }
            CheckBrandInLabel(parts.Label, parts.Suffix, brand, isSubdomain: false, parts, ref best);
            if (parts.Subdomain.Length > 0)
            {
                foreach (var range in parts.Subdomain.AsSpan().Split('.'))
                {
                    CheckBrandInLabel(parts.Subdomain[range], parts.Suffix, brand, isSubdomain: true, parts, ref best);
                }
            }
        }
        if (_brands.Any(b => b.Label.Length < 4) && parts.Subdomain.Length > 0) CheckSubdomainLabels(parts, ref best);
    }

    /// <summary>Short brand labels (no substring search) used whole as a subdomain label.</summary>
    private void CheckSubdomainLabels(DomainParts parts, ref Best best)
    {
        foreach (var range in parts.Subdomain.AsSpan().Split('.'))
        {
            if (!_byLabel.TryGetValue(parts.Subdomain.AsSpan()[range], out var brands)) continue;
            foreach (var index in brands) CheckBrandInLabel(parts.Subdomain[range], parts.Suffix, _brands[index], isSubdomain: true, parts, ref best);
        }
    }

    private static void CheckBrandInLabel(string label, string suffix, Brand brand, bool isSubdomain, DomainParts parts, ref Best best)
    {
        var at = label.IndexOf(brand.Label, StringComparison.Ordinal);
        if (at < 0) return;
        if (isSubdomain && label == brand.Label)
        {
            // pypi.mirror.org, pypi.verify-login.com: the owner of the registrable domain chose the brand as a name.
            var keyword = FindKeyword(parts.Label, accountOnly: true);
            if (keyword is not null)
            {
                best.Offer(brand, LookalikeKind.BrandSubdomain, Scores.BrandSubdomainOfKeyword, $"'{brand.Label}' as a subdomain of {parts.Registrable} ('{keyword}')");
            }
            else
            {
                // pypi.corp.example is how many companies name an internal mirror: worth a note, not an alarm.
                best.Offer(brand, LookalikeKind.BrandSubdomain, Scores.BrandSubdomainElsewhere, $"'{brand.Label}' as a subdomain of {parts.Registrable}");
            }
            return;
        }

        var rest = string.Concat(label.AsSpan(0, at), label.AsSpan(at + brand.Label.Length));
        var tokenBoundary = (at == 0 || label[at - 1] == '-') && (at + brand.Label.Length == label.Length || label[at + brand.Label.Length] == '-');
        if (brand.Generic && !tokenBoundary && BrandKeywords.TryClassify(rest, out _) is false) return;
        var words = rest.Split('-', StringSplitOptions.RemoveEmptyEntries);
        var account = words.FirstOrDefault(w => BrandKeywords.TryClassify(w, out var isAccount) && isAccount);
        var service = words.FirstOrDefault(w => BrandKeywords.TryClassify(w, out _));
        var where = isSubdomain ? $"subdomain '{label}' of {parts.Registrable}" : $"'{label}.{suffix}'";
        var penalty = isSubdomain ? 0.08 : 0.0;
        // Other words dilute the claim: 'pypi-support' speaks for PyPI, 'aliyun-python-sdk-cdn' names a project.
        var otherWords = words.Count(w => !BrandKeywords.TryClassify(w, out _) && !w.All(char.IsAsciiDigit));
        if (otherWords >= 2)
        {
            if (!brand.Generic) best.Offer(brand, LookalikeKind.BrandInLabel, Scores.BrandInLabel - penalty, $"'{brand.Label}' inside {where}");
            return;
        }
        penalty += otherWords * Scores.OtherWordPenalty;
        if (account is not null)
        {
            best.Offer(brand, LookalikeKind.BrandKeyword, Scores.BrandAccountKeyword - penalty, $"'{brand.Label}' + '{account}' in {where}");
        }
        else if (service is not null)
        {
            best.Offer(brand, LookalikeKind.BrandKeyword, Scores.BrandServiceKeyword - penalty, $"'{brand.Label}' + '{service}' in {where}");
        }
        else if (!brand.Generic && words.Length > 0 && !words.All(w => w.All(char.IsAsciiDigit)))
        {
            best.Offer(brand, LookalikeKind.BrandInLabel, Scores.BrandInLabel - penalty, $"'{brand.Label}' inside {where}");
        }
    }

    /// <summary>A look-alike or typo of the brand with a keyword: <c>pypj-support.org</c>, <c>pyplsecure.com</c>.</summary>
    private void CheckTypoWithKeyword(DomainParts parts, ref Best best)
    {
        foreach (var keyword in BrandKeywords.All)
        {
            // The rest must be brand-sized before it is worth a string.
            var restLength = parts.Label.Length - keyword.Length;
            if (restLength < _minBrandLength - 2 || restLength > _maxBrandLength + 3) continue;
            var at = parts.Label.IndexOf(keyword, StringComparison.Ordinal);
            if (at < 0) continue;
            var rest = string.Concat(parts.Label.AsSpan(0, at), parts.Label.AsSpan(at + keyword.Length)).Trim('-');
            if (rest.Length < 3 || rest.Contains('-')) continue;
            CheckLabel(rest, parts.Suffix, ref best, keyword);
        }
    }

    private static double WithKeyword(string keyword) =>
        BrandKeywords.TryClassify(keyword, out var account) && account ? Scores.TypoWithAccountKeyword : Scores.TypoWithServiceKeyword;

    private static string Describe(string what, string suffix, Brand brand, string? keyword) =>
        keyword is not null ? $"{what}, + '{keyword}'" : brand.Suffix == suffix ? what : $"{what}, under .{suffix}";

    private static string? FindKeyword(string label, bool accountOnly)
    {
        foreach (var word in label.Split('-'))
        {
            if (BrandKeywords.TryClassify(word, out var account) && (account || !accountOnly)) return word;
        }
        foreach (var keyword in BrandKeywords.Account)
        {
            if (label.Contains(keyword, StringComparison.Ordinal)) return keyword;
        }
        return null;
    }

    private static Brand MakeBrand(string domain)
    {
        var parts = PublicSuffixes.Split(domain);
        var label = parts.Label;
        // Short labels have too many innocent neighbours for typo matching; long ones tolerate two slips.
        var maxEdits = label.Length <= 3 ? 0 : label.Length < 8 ? 1 : 2;
        return new Brand(parts.Registrable, label, parts.Suffix, VisualKey.Of(label), maxEdits, GenericWords.Contains(label), Signature(label));
    }

    private static ulong Signature(ReadOnlySpan<char> label)
    {
        ulong bits = 0;
        foreach (var c in label) bits |= 1UL << (c % 64);
        return bits;
    }

    private static void AddTo(Dictionary<string, List<int>> map, string key, int index)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        if (!list.Contains(index)) list.Add(index);
    }

    private static FrozenDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> Freeze(Dictionary<string, List<int>> map) =>
        map.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The strongest match so far (ties: the first found).</summary>
    private struct Best(NormalizedHost host)
    {
        private Brand? _brand;
        private LookalikeKind _kind;
        private string _detail = "";

        public double Score { get; private set; }

        public void Offer(Brand brand, LookalikeKind kind, double score, string detail)
        {
            if (score <= Score) return;
            (_brand, _kind, Score, _detail) = (brand, kind, score, detail);
        }

        public readonly LookalikeMatch? ToMatch() =>
            _brand is null ? null : new LookalikeMatch(host.Ascii, host.Unicode, _brand.Domain, _kind, Math.Round(Score, 2), _detail);
    }
}
