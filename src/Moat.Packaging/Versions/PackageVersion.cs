using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using static Moat.Packaging.ParseFailure;

namespace Moat.Packaging.Versions;

/// <summary>
/// A PEP 440 version: <c>[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]</c>, parsed from any spelling the spec
/// accepts (<c>v</c> prefix, <c>alpha</c>/<c>pre</c>/<c>preview</c>/<c>c</c>, separators, implicit numbers,
/// <c>1.0-1</c> post-releases, case, surrounding whitespace). Equality and ordering follow the spec exactly:
/// <c>1.0 == 1.0.0</c>, <c>1.0.dev1 &lt; 1.0a1 &lt; 1.0 &lt; 1.0+local &lt; 1.0.post1</c>.
/// </summary>
/// <remarks>
/// There is deliberately no "legacy version": a string that is not PEP 440 fails to parse, and only the
/// <c>===</c> specifier (which compares raw strings) can still match it.
/// Numbers are 64-bit: a component of more than 18 digits is rejected with a clear reason rather than
/// silently truncated (Python allows arbitrary integers; no real release uses such numbers).
/// </remarks>
public sealed class PackageVersion : IComparable<PackageVersion>, IEquatable<PackageVersion>, IComparable
{
    private const int MaxDigits = 18;
    private static readonly long[] NoRelease = [];

    private readonly long[] _release;
    private readonly LocalSegment[]? _local;
    private string? _text;

    // The sort key, computed once here so that a comparison (a sort makes ~20 per version) reads a few fields of the
    // two objects instead of chasing their release arrays and nullable suffixes: the first four release numbers
    // (missing ones are 0, as in the spec), and pre/post/dev packed into one long when their numbers are small.
    // CompareTo falls back to the reference comparison only for what the key cannot decide.
    private const int KeyReleaseLength = 4;
    private const int SuffixBits = 20;
    private const long SuffixLimit = (1L << SuffixBits) - 1;
    private readonly long _key0, _key1, _key2, _key3;
    private readonly long _suffixKey; // -1: the numbers are too large to pack; compare the suffixes in full

    internal PackageVersion(long epoch, long[] release, PreRelease? pre, long? post, long? dev, LocalSegment[]? local)
    {
        Epoch = epoch;
        _release = release;
        Pre = pre;
        Post = post;
        Dev = dev;
        _local = local is { Length: > 0 } ? local : null;
        _key0 = release.Length > 0 ? release[0] : 0;
        _key1 = release.Length > 1 ? release[1] : 0;
        _key2 = release.Length > 2 ? release[2] : 0;
        _key3 = release.Length > 3 ? release[3] : 0;
        _suffixKey = PackSuffix(pre, post, dev);
    }

    /// <summary>
    /// pre/post/dev as one non-negative long whose order is <see cref="ComparePublic"/>'s order for equal releases:
    /// 3 bits of phase (bare dev release, alpha, beta, rc, final), then 20 bits each of the pre-release number,
    /// post number + 1 (0: none, which sorts first) and dev number (all ones: none, which sorts last); or −1 when a
    /// number does not fit.
    /// </summary>
    private static long PackSuffix(PreRelease? pre, long? post, long? dev)
    {
        var preNumber = pre?.Number ?? 0;
        if (preNumber >= SuffixLimit || post >= SuffixLimit - 1 || dev >= SuffixLimit) return -1;
        long phase = pre is { } p ? 1 + (long)p.Kind : post is null && dev is not null ? 0 : 4;
        return (phase << (3 * SuffixBits)) | (preNumber << (2 * SuffixBits)) | ((post + 1 ?? 0) << SuffixBits) | (dev ?? SuffixLimit);
    }

    public long Epoch { get; }

    /// <summary>The release numbers as written (trailing zeros kept: <c>1.0.0</c> has three).</summary>
    public IReadOnlyList<long> Release => _release;

    public PreRelease? Pre { get; }
    public long? Post { get; }
    public long? Dev { get; }

    /// <summary>The normalized local label (<c>ubuntu.1</c>), or null.</summary>
    public string? Local => _local is null ? null : string.Join('.', _local.Select(s => s.ToString()));

    public bool HasLocal => _local is not null;

    /// <summary>A pre-release or a development release (PEP 440 treats both as pre-releases).</summary>
    public bool IsPrerelease => Pre is not null || Dev is not null;
    public bool IsPostRelease => Post is not null;
    public bool IsDevRelease => Dev is not null;

    public long Major => _release.Length > 0 ? _release[0] : 0;
    public long Minor => _release.Length > 1 ? _release[1] : 0;
    public long Micro => _release.Length > 2 ? _release[2] : 0;

    /// <summary>The version without its local label.</summary>
    public PackageVersion PublicVersion => _local is null ? this : new(Epoch, _release, Pre, Post, Dev, null);

    /// <summary>Epoch and release only: <c>1!2.0rc1.post3</c> → <c>1!2.0</c>.</summary>
    public PackageVersion BaseVersion =>
        Pre is null && Post is null && Dev is null && _local is null ? this : new(Epoch, _release, null, null, null, null);

    internal PackageVersion WithSuffixes(PreRelease? pre, long? post, long? dev) => new(Epoch, _release, pre, post, dev, null);

    internal PackageVersion WithRelease(long[] release, long? dev) => new(Epoch, release, null, null, dev, null);

    // ---------------------------------------------------------------- parsing

    public static PackageVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out var version, out var error))
            throw new FormatException($"Invalid version '{text}': {error}");
        return version;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out PackageVersion? version) =>
        TryParse(text, out version, out _);

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says where and what was expected.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out PackageVersion? version, [NotNullWhen(false)] out string? error)
    {
        version = null;
        if (text is null) return Fail(out error, "the version is missing");
        var scanner = new Scanner(text.AsSpan().Trim());
        version = scanner.Run(out error);
        return version is not null;
    }

    /// <summary>A hand-written matcher for the PEP 440 appendix regex (much faster than the regex, same language).</summary>
    private ref struct Scanner(ReadOnlySpan<char> s)
    {
        private readonly ReadOnlySpan<char> _s = s;
        private int _i;
        private string? _error;

        public PackageVersion? Run(out string? error)
        {
            var result = Scan();
            error = _error;
            return result;
        }

        private PackageVersion? Scan()
        {
            if (_s.IsEmpty) return Fail("the version is empty");
            if (_s[0] is 'v' or 'V') _i++;
            if (!TryNumber(out var first)) return Fail(Expected("a release number"));

            long epoch = 0;
            if (Peek() == '!')
            {
                epoch = first;
                _i++;
                if (!TryNumber(out first)) return Fail(Expected("a release number after the epoch '!'"));
            }

            Span<long> stackRelease = stackalloc long[8];
            var release = new List<long>(0);
            var count = 0;
            stackRelease[count++] = first;
            while (Peek() == '.' && IsDigit(Peek(1)))
            {
                _i++;
                if (!TryNumber(out var part)) return null;
                if (count < stackRelease.Length) stackRelease[count++] = part;
                else
                {
                    if (release.Count == 0) release.AddRange(stackRelease.ToArray());
                    release.Add(part);
                    count++;
                }
            }
            var releaseArray = release.Count > 0 ? release.ToArray() : stackRelease[..count].ToArray();

            PreRelease? pre = null;
            var start = _i;
            SkipSeparator();
            var preKind = MatchPreLabel();
            if (preKind is { } kind)
            {
                SkipSeparator();
                long number = 0;
                if (IsDigit(Peek()) && !TryNumber(out number)) return null;
                pre = new PreRelease(kind, number);
            }
            else _i = start;

            long? post = null;
            start = _i;
            if (Peek() == '-' && IsDigit(Peek(1)))
            {
                _i++;
                if (!TryNumber(out var number)) return null;
                post = number;
            }
            else
            {
                SkipSeparator();
                if (MatchWord("post") || MatchWord("rev") || MatchWord("r"))
                {
                    SkipSeparator();
                    long number = 0;
                    if (IsDigit(Peek()) && !TryNumber(out number)) return null;
                    post = number;
                }
                else _i = start;
            }

            long? dev = null;
            start = _i;
            SkipSeparator();
            if (MatchWord("dev"))
            {
                SkipSeparator();
                long number = 0;
                if (IsDigit(Peek()) && !TryNumber(out number)) return null;
                dev = number;
            }
            else _i = start;

            LocalSegment[]? local = null;
            if (Peek() == '+')
            {
                _i++;
                local = ScanLocal();
                if (local is null) return null;
            }

            if (_i < _s.Length) return Fail($"unexpected '{_s[_i]}' at position {_i}");
            return new PackageVersion(epoch, releaseArray, pre, post, dev, local);
        }

        private LocalSegment[]? ScanLocal()
        {
            var segments = new List<LocalSegment>();
            while (true)
            {
                var start = _i;
                while (_i < _s.Length && char.IsAsciiLetterOrDigit(_s[_i])) _i++;
                if (_i == start) return Fail<LocalSegment[]>(Expected("a letter or digit in the local version label"));
                var part = _s[start.._i];
                if (IsAllDigits(part))
                {
                    var trimmed = part.TrimStart('0');
                    if (trimmed.Length > MaxDigits) return Fail<LocalSegment[]>($"number at position {start} has more than {MaxDigits} digits");
                    segments.Add(new LocalSegment(trimmed.IsEmpty ? 0 : long.Parse(trimmed, CultureInfo.InvariantCulture), null));
                }
                else segments.Add(new LocalSegment(0, part.ToString().ToLowerInvariant()));
                if (_i >= _s.Length || _s[_i] is not ('.' or '-' or '_')) return segments.ToArray();
                _i++;
            }
        }

        private PreReleaseKind? MatchPreLabel()
        {
            // Longest spelling first: a shorter one can never succeed where a longer one failed (see tests).
            if (MatchWord("alpha")) return PreReleaseKind.Alpha;
            if (MatchWord("beta")) return PreReleaseKind.Beta;
            if (MatchWord("preview") || MatchWord("pre") || MatchWord("rc")) return PreReleaseKind.ReleaseCandidate;
            if (MatchWord("a")) return PreReleaseKind.Alpha;
            if (MatchWord("b")) return PreReleaseKind.Beta;
            if (MatchWord("c")) return PreReleaseKind.ReleaseCandidate;
            return null;
        }

        private bool MatchWord(string word)
        {
            if (_s.Length - _i < word.Length) return false;
            if (!_s.Slice(_i, word.Length).Equals(word, StringComparison.OrdinalIgnoreCase)) return false;
            _i += word.Length;
            return true;
        }

        private void SkipSeparator()
        {
            if (Peek() is '.' or '-' or '_') _i++;
        }

        private bool TryNumber(out long value)
        {
            value = 0;
            var start = _i;
            while (_i < _s.Length && IsDigit(_s[_i])) _i++;
            if (_i == start) return false;
            var digits = _s[start.._i].TrimStart('0');
            if (digits.Length > MaxDigits)
            {
                Fail($"number at position {start} has more than {MaxDigits} digits");
                return false;
            }
            foreach (var c in digits) value = value * 10 + (c - '0');
            return true;
        }

        private char Peek(int ahead = 0) => _i + ahead < _s.Length ? _s[_i + ahead] : '\0';

        private string Expected(string what) =>
            _i < _s.Length ? $"expected {what} at position {_i}, found '{_s[_i]}'" : $"expected {what} at position {_i}, found the end";

        private PackageVersion? Fail(string message) => Fail<PackageVersion>(message);

        private T? Fail<T>(string message) where T : class
        {
            _error ??= message;
            return null;
        }
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsAllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (!IsDigit(c)) return false;
        return true;
    }

    // ---------------------------------------------------------------- comparison

    public int CompareTo(PackageVersion? other)
    {
        if (other is null) return 1;
        if (ReferenceEquals(this, other)) return 0;
        if (Epoch != other.Epoch) return Epoch.CompareTo(other.Epoch);
        if (_key0 != other._key0) return _key0.CompareTo(other._key0);
        if (_key1 != other._key1) return _key1.CompareTo(other._key1);
        if (_key2 != other._key2) return _key2.CompareTo(other._key2);
        if (_key3 != other._key3) return _key3.CompareTo(other._key3);
        // The first four release numbers are equal: only longer releases need the rest compared, and only large
        // suffix numbers need the suffixes compared in full.
        int c;
        if ((_release.Length > KeyReleaseLength || other._release.Length > KeyReleaseLength)
            && (c = CompareRelease(BeyondKey(_release), BeyondKey(other._release))) != 0) return c;
        c = _suffixKey >= 0 && other._suffixKey >= 0 ? _suffixKey.CompareTo(other._suffixKey) : CompareSuffixes(this, other);
        return c != 0 ? c : CompareLocal(_local, other._local);
    }

    private static ReadOnlySpan<long> BeyondKey(long[] release) => release.Length > KeyReleaseLength ? release.AsSpan(KeyReleaseLength) : [];

    /// <summary>The spec's ordering written out field by field, without the sort key: what <see cref="CompareTo(PackageVersion?)"/> must agree with (tests check it).</summary>
    internal static int CompareReference(PackageVersion x, PackageVersion y)
    {
        var c = ComparePublic(x, y);
        return c != 0 ? c : CompareLocal(x._local, y._local);
    }

    /// <summary>Compares everything but the local label.</summary>
    internal static int ComparePublic(PackageVersion x, PackageVersion y)
    {
        var c = x.Epoch.CompareTo(y.Epoch);
        if (c != 0) return c;
        c = CompareRelease(x._release, y._release);
        return c != 0 ? c : CompareSuffixes(x, y);
    }

    /// <summary>Compares pre, post and dev releases (for equal epochs and releases).</summary>
    private static int CompareSuffixes(PackageVersion x, PackageVersion y)
    {
        var c = PreRank(x).CompareTo(PreRank(y));
        if (c != 0) return c;
        if (x.Pre is { } xp && y.Pre is { } yp)
        {
            c = xp.CompareTo(yp);
            if (c != 0) return c;
        }
        // No post-release sorts first; no dev-release sorts last.
        c = (x.Post ?? -1).CompareTo(y.Post ?? -1);
        if (c != 0) return c;
        return (x.Dev ?? long.MaxValue).CompareTo(y.Dev ?? long.MaxValue);
    }

    /// <summary>0: a bare dev release (1.0.dev1, before all of 1.0's pre-releases); 1: a pre-release; 2: neither.</summary>
    private static int PreRank(PackageVersion v) =>
        v.Pre is not null ? 1 : v.Post is null && v.Dev is not null ? 0 : 2;

    /// <summary>Release numbers compared with missing trailing components read as zero (1.0 == 1.0.0).</summary>
    internal static int CompareRelease(ReadOnlySpan<long> x, ReadOnlySpan<long> y)
    {
        var length = Math.Max(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = i < x.Length ? x[i] : 0;
            var b = i < y.Length ? y[i] : 0;
            if (a != b) return a.CompareTo(b);
        }
        return 0;
    }

    internal ReadOnlySpan<long> ReleaseSpan => _release;

    private static int CompareLocal(LocalSegment[]? x, LocalSegment[]? y)
    {
        if (x is null) return y is null ? 0 : -1;
        if (y is null) return 1;
        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var c = x[i].CompareTo(y[i]);
            if (c != 0) return c;
        }
        return x.Length.CompareTo(y.Length);
    }

    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        PackageVersion other => CompareTo(other),
        _ => throw new ArgumentException("Not a PackageVersion", nameof(obj)),
    };

    public bool Equals(PackageVersion? other) => other is not null && CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is PackageVersion other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Epoch);
        var end = _release.Length;
        while (end > 0 && _release[end - 1] == 0) end--;
        for (var i = 0; i < end; i++) hash.Add(_release[i]);
        hash.Add(Pre);
        hash.Add(Post);
        hash.Add(Dev);
        if (_local is not null) foreach (var segment in _local) hash.Add(segment);
        return hash.ToHashCode();
    }

    public static bool operator ==(PackageVersion? left, PackageVersion? right) => left is null ? right is null : left.Equals(right);
    public static bool operator !=(PackageVersion? left, PackageVersion? right) => !(left == right);
    public static bool operator <(PackageVersion left, PackageVersion right) => left.CompareTo(right) < 0;
    public static bool operator <=(PackageVersion left, PackageVersion right) => left.CompareTo(right) <= 0;
    public static bool operator >(PackageVersion left, PackageVersion right) => left.CompareTo(right) > 0;
    public static bool operator >=(PackageVersion left, PackageVersion right) => left.CompareTo(right) >= 0;

    // ---------------------------------------------------------------- text

    /// <summary>The normalized (canonical) form, e.g. <c>v1.0-ALPHA.1_post_2</c> → <c>1.0a1.post2</c>.</summary>
    public override string ToString() => _text ??= Format(stripTrailingZeros: false);

    /// <summary>
    /// The form pip and PyPI use to compare filenames: normalized, with trailing <c>.0</c> release components removed
    /// (<c>1.0.0</c> → <c>1</c>).
    /// </summary>
    public string ToCanonicalString() => Format(stripTrailingZeros: true);

    private string Format(bool stripTrailingZeros)
    {
        var builder = new StringBuilder(16);
        var inv = CultureInfo.InvariantCulture;
        if (Epoch != 0) builder.Append(Epoch.ToString(inv)).Append('!');
        var end = _release.Length;
        if (stripTrailingZeros) while (end > 1 && _release[end - 1] == 0) end--;
        for (var i = 0; i < end; i++)
        {
            if (i > 0) builder.Append('.');
            builder.Append(_release[i].ToString(inv));
        }
        if (Pre is { } pre) builder.Append(pre.Label).Append(pre.Number.ToString(inv));
        if (Post is { } post) builder.Append(".post").Append(post.ToString(inv));
        if (Dev is { } dev) builder.Append(".dev").Append(dev.ToString(inv));
        if (_local is not null)
        {
            builder.Append('+');
            for (var i = 0; i < _local.Length; i++)
            {
                if (i > 0) builder.Append('.');
                builder.Append(_local[i].ToString());
            }
        }
        return builder.ToString();
    }

    /// <summary>
    /// One dot-separated part of a local label. Numeric parts compare numerically and sort after alphanumeric ones;
    /// alphanumeric parts compare lexicographically (they are lowercased when parsed).
    /// </summary>
    internal readonly record struct LocalSegment(long Number, string? Text) : IComparable<LocalSegment>
    {
        public int CompareTo(LocalSegment other)
        {
            if (Text is null) return other.Text is null ? Number.CompareTo(other.Number) : 1;
            if (other.Text is null) return -1;
            return string.CompareOrdinal(Text, other.Text);
        }

        public override string ToString() => Text ?? Number.ToString(CultureInfo.InvariantCulture);
    }
}
