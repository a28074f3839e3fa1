using System.Text;

namespace Moat.Analysis.Code;

/// <summary>Where a value's data came from; flags propagate through assignments, operators and unknown calls.</summary>
[Flags]
public enum Taint : ushort
{
    None = 0,
    /// <summary>Produced by a decoder (base64, zlib, Fernet, …); <see cref="Value.Layers"/> names the chain.</summary>
    Decoded = 1,
    /// <summary>Received from the network.</summary>
    Network = 2,
    /// <summary>Secrets: credential files, browser and wallet data, the whole environment, keystrokes, clipboard, screen.</summary>
    Secrets = 4,
    /// <summary>Reconnaissance data: host name, user name, working directory, platform, addresses.</summary>
    Recon = 8,
    /// <summary>Contents of an ordinary local file.</summary>
    FileData = 16,
    /// <summary>Depends on a long high-entropy literal that could not be decoded.</summary>
    Blob = 32,
    /// <summary>A code object (marshal.loads, compile).</summary>
    Code = 64,
    /// <summary>Read from an image or other non-code data file (steganography loaders).</summary>
    Media = 128,
    /// <summary>A credential named in the environment (AWS_SECRET_ACCESS_KEY, *_TOKEN): with Recon, as clients read one to log in.</summary>
    Credential = 256,
    /// <summary>With <see cref="Network"/>: received from a host written into the package, not one its caller chose.</summary>
    FromWrittenHost = 512,
}

public enum ValueKind : byte { Unknown, Str, Bytes, Int, List, Ref, Instance, Lambda, Function, None }

/// <summary>
/// A partially evaluated Python value. Constants (str, bytes, int, lists of constants) are known exactly; everything
/// else is a reference to a named thing (<see cref="ValueKind.Ref"/>: a module, function or method by qualified
/// name), an instance of a named class, or unknown — in every case with the taint of the data it depends on.
/// </summary>
public sealed class Value
{
    public static readonly Value Unknown = new(ValueKind.Unknown);
    public static readonly Value NoneValue = new(ValueKind.None);

    public ValueKind Kind { get; }
    /// <summary>The string or bytes (chars 0–255) for constants; the qualified name for refs and instances.</summary>
    public string? Text => _text ??= (Node as AppendedText)?.ToString();
    private string? _text;
    // A string built by appending (out += chr(...) in a decoder loop) keeps its characters in a builder shared with the
    // value it was appended to, and only its length: appending to the newest value of a chain is then amortized O(1)
    // instead of copying the whole string every time (quadratic in a 20,000-character payload). Earlier values of the
    // chain stay valid, as a builder only ever grows at its end; their text is made when first read. The builder and
    // length live in Node, which a string does not use: values are many, and most are not appended to.
    private sealed class AppendedText(StringBuilder builder)
    {
        public StringBuilder Builder { get; } = builder;
        public int Length { get; } = builder.Length;
        /// <summary>Nothing was appended after this value: the next append can go on the end of the builder.</summary>
        public bool IsNewest => Builder.Length == Length;
        public override string ToString() => Builder.ToString(0, Length);
    }
    public long Int { get; }
    /// <summary>List items; for instances, the constructor's positional arguments.</summary>
    public IReadOnlyList<Value>? Items { get; }
    /// <summary>The receiver of a bound method (<c>key.decrypt</c> → the Fernet instance).</summary>
    public Value? Bound { get; }
    /// <summary>A lambda or def to call with constant arguments.</summary>
    public object? Node { get; }
    public Taint Taint { get; }
    /// <summary>The decoding chain that produced this value, e.g. <c>base64 → zlib</c>.</summary>
    public string? Layers { get; }

    private Value(ValueKind kind, string? text = null, long number = 0, IReadOnlyList<Value>? items = null, Value? bound = null,
                  object? node = null, Taint taint = Taint.None, string? layers = null)
    {
        Kind = kind;
        _text = text;
        Int = number;
        Items = items;
        Bound = bound;
        Node = node;
        Taint = taint;
        Layers = layers;
    }

    private Value(ValueKind kind, StringBuilder appended, Taint taint, string? layers)
    {
        Kind = kind;
        Node = new AppendedText(appended);
        Taint = taint;
        Layers = layers;
    }

    /// <summary>The length of a string or bytes constant's text, without making the text of an appended one.</summary>
    public int TextLength => _text?.Length ?? (Node as AppendedText)?.Length ?? 0;

    // Below this, a plain concatenation is cheaper than a builder.
    private const int MinAppendedLength = 256;

    /// <summary>
    /// <paramref name="left"/> + <paramref name="right"/> for two texts of the same kind: the characters go on the end of
    /// <paramref name="left"/>'s builder when <paramref name="left"/> is the newest value built in it.
    /// </summary>
    public static Value Concat(Value left, Value right, Taint taint, string? layers)
    {
        var kind = left.Kind == ValueKind.Bytes ? ValueKind.Bytes : ValueKind.Str;
        if (left.Node is AppendedText { IsNewest: true } chain)
            return new Value(kind, AppendText(chain.Builder, right), taint, layers);
        var leftText = left.Text!;
        if (leftText.Length + right.TextLength < MinAppendedLength) return new Value(kind, leftText + right.Text, taint: taint, layers: layers);
        var fresh = new StringBuilder(Math.Max(2 * (leftText.Length + right.TextLength), 1024));
        fresh.Append(leftText);
        return new Value(kind, AppendText(fresh, right), taint, layers);
    }

    private static StringBuilder AppendText(StringBuilder builder, Value right)
    {
        if (right._text is null && right.Node is AppendedText appended) builder.Append(appended.Builder, 0, appended.Length);
        else builder.Append(right.Text);
        return builder;
    }

    public static Value Str(string text, Taint taint = Taint.None, string? layers = null) => new(ValueKind.Str, text, taint: taint, layers: layers);
    public static Value Bytes(string latin1, Taint taint = Taint.None, string? layers = null) => new(ValueKind.Bytes, latin1, taint: taint, layers: layers);
    public static Value Number(long n) => (ulong)(n - MinShared) < (ulong)SharedNumbers.Length ? SharedNumbers[n - MinShared] : new(ValueKind.Int, number: n);

    // Small integers are most of what obfuscated code computes (character codes, keys, indexes): one shared instance
    // each, as for Unknown (a value is immutable).
    private const long MinShared = -256;
    private static readonly Value[] SharedNumbers = [.. Enumerable.Range((int)MinShared, 1024 + 256).Select(n => new Value(ValueKind.Int, number: n))];
    public static Value List(IReadOnlyList<Value> items) => new(ValueKind.List, items: items, taint: Union(items), layers: FirstLayers(items));
    public static Value Ref(string qualified, Value? bound = null, Taint taint = Taint.None) => new(ValueKind.Ref, qualified, bound: bound, taint: taint | (bound?.Taint ?? 0), layers: bound?.Layers);
    public static Value Instance(string qualified, IReadOnlyList<Value> args, Taint taint = Taint.None, string? layers = null) => new(ValueKind.Instance, qualified, items: args, taint: taint, layers: layers);
    public static Value Callable(ValueKind kind, object node) => new(kind, node: node);
    public static Value Tainted(Taint taint, string? layers = null) => taint == 0 && layers is null ? Unknown : new(ValueKind.Unknown, taint: taint, layers: layers);

    /// <summary>An unknown value whose text is partly known (<c>{}</c> marks the unknown parts): enough to match paths and URLs.</summary>
    public static Value Partial(string text, Taint taint, string? layers = null) => new(ValueKind.Unknown, text.Length > 4096 ? text[..4096] : text, taint: taint, layers: layers);

    /// <summary>The known text of a constant or partial value, else null.</summary>
    public string? KnownText => Kind is ValueKind.Str or ValueKind.Bytes or ValueKind.Unknown ? Text : null;

    public bool IsText => Kind is ValueKind.Str or ValueKind.Bytes;
    public bool IsConstant => Kind is ValueKind.Str or ValueKind.Bytes or ValueKind.Int || (Kind == ValueKind.List && Items!.All(i => i.IsConstant));

    /// <summary>
    /// This value with its own text rather than a builder that a newer value of its chain may still append to: a value
    /// several analyses share (a module's constant) must not change under one of them.
    /// </summary>
    public Value Settled() => Kind switch
    {
        ValueKind.Str or ValueKind.Bytes when Node is AppendedText => new Value(Kind, Text, taint: Taint, layers: Layers),
        ValueKind.List when Items!.Any(i => !ReferenceEquals(i.Settled(), i)) => new Value(Kind, items: Items!.Select(i => i.Settled()).ToArray(), taint: Taint, layers: Layers),
        _ => this,
    };

    public Value WithTaint(Taint extra, string? layers = null)
    {
        if ((Taint & extra) == extra && (layers is null || layers == Layers)) return this;
        return Node is AppendedText { IsNewest: true } chain
            ? new Value(Kind, chain.Builder, Taint | extra, layers ?? Layers)
            : new Value(Kind, Text, Int, Items, Bound, Node, Taint | extra, layers ?? Layers);
    }

    public static Taint Union(IEnumerable<Value> values)
    {
        var taint = Taint.None;
        foreach (var v in values) taint |= v.Taint;
        return taint;
    }

    // The same over a list, by index: the enumerable forms box a list's enumerator, on every call the evaluator applies.
    public static Taint Union(IReadOnlyList<Value> values)
    {
        var taint = Taint.None;
        for (var i = 0; i < values.Count; i++) taint |= values[i].Taint;
        return taint;
    }

    public static string? FirstLayers(IReadOnlyList<Value> values)
    {
        for (var i = 0; i < values.Count; i++) if (values[i].Layers is { } layers) return layers;
        return null;
    }

    public static string? FirstLayers(IEnumerable<Value> values)
    {
        foreach (var v in values) if (v.Layers is not null) return v.Layers;
        return null;
    }

    public static string AddLayer(string? layers, string step) => layers is null ? step : layers + " → " + step;

    public override string ToString() => Kind switch
    {
        ValueKind.Str or ValueKind.Bytes => $"{Kind}({TextLength} chars)",
        ValueKind.Ref or ValueKind.Instance => $"{Kind}({Text})",
        ValueKind.Int => Int.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Kind.ToString(),
    };
}
