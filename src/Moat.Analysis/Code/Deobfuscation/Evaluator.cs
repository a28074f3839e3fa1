using System.Globalization;
using System.Text;

namespace Moat.Analysis.Code;

/// <summary>What the analyzer hears from the evaluator while it walks top-level code (not while it runs decoders).</summary>
public interface IEvaluationObserver
{
    void OnCall(CallExpr call, string? name, Value callee, IReadOnlyList<Value> args, IReadOnlyList<(string? Name, Value Value)> keywords, Value result);

    /// <summary>A reference to a named thing that is not called, e.g. <c>os.environ</c> or <c>subprocess.CREATE_NO_WINDOW</c>.</summary>
    void OnReference(Expr expr, string name);

    /// <summary>A constant string: a literal, or a value a decoder produced (then <paramref name="value"/> has layers).</summary>
    void OnString(Expr expr, Value value);
}

/// <summary>
/// Partial evaluation of Python with a constant environment: follows assignments, imports and aliases, folds string
/// operations and runs known decoders on constants, and calls small user-defined decoders (lambdas, short defs, for
/// loops) when their arguments are constant. Flow-insensitive and bounded: nested evaluation stops after
/// <see cref="StepBudget"/> steps (or the budget given; <see cref="BudgetExhausted"/> says when it ran out) and strings are capped at <see cref="MaxString"/>.
/// </summary>
public sealed class Evaluator(IEvaluationObserver? observer = null, long stepBudget = Evaluator.StepBudget)
{
    public const int MaxString = 4 * 1024 * 1024;
    public const long StepBudget = 3_000_000;
    private const int MaxNesting = 6;
    private const int MaxIteration = 200_000;

    private static readonly HashSet<string> Builtins =
    [
        "exec", "eval", "compile", "execfile", "open", "getattr", "setattr", "__import__", "chr", "ord", "bytes",
        "bytearray", "str", "list", "tuple", "map", "reversed", "globals", "locals", "vars", "input", "print", "int",
        "len", "range", "enumerate", "zip", "unichr", "unicode", "basestring", "file", "reload", "dir", "type", "iter",
        "next", "sorted", "hex", "bin", "filter", "sum", "any", "all", "format", "repr", "memoryview", "breakpoint",
        "hasattr", "isinstance", "callable", "dict", "set", "frozenset", "object", "super", "property", "staticmethod",
        "classmethod", "min", "max", "abs", "round", "pow", "divmod", "hash", "id", "help", "float", "bool", "slice",
        "raw_input", "apply", "intern", "coerce", "exit", "quit", .. BuiltinText.ExtraBuiltins,
    ];

    private readonly Dictionary<string, Value> _globals = new(StringComparer.Ordinal);
    private readonly List<Dictionary<string, Value>> _scopes = [];
    // Scopes popped and cleared, kept for the next call: every decoder call and comprehension opens one, and growing a
    // fresh dictionary each time was a large share of what the evaluator allocated.
    private readonly Stack<Dictionary<string, Value>> _freeScopes = new();
    private const int MaxPooledScope = 32;
    private readonly IEvaluationObserver? _observer = observer;
    // Decoder outputs by decoder and input: obfuscators decode the same constant again and again (one real stealer's
    // setup.py has 1,582 zlib.decompress calls on 886 distinct literals), and every zlib/gzip/bz2 call starts a
    // decompressor. Only decoders that are static methods are remembered: their output depends on the input alone,
    // while a lambda may carry a key or an alphabet and is made anew for each call (`.decode()` on every bytes value).
    private readonly Dictionary<(Func<string, string?> Run, string Input), string?> _decoded = [];
    private long _decodedChars;
    private const long MaxDecodedMemoChars = 4 << 20;
    // Large blobs are decoded once (their node's memo holds the value); hashing megabytes on every call would cost more.
    private const int MaxDecodedMemoInput = 16 * 1024;
    private int _nested;
    private long _steps;
    private bool _hasDottedBindings;

    /// <summary>
    /// True once nested evaluation ran out of steps: some user-defined decoder was not followed to its end, so a
    /// constant it builds may be missing (the analyser reports this rather than staying silent).
    /// </summary>
    public bool BudgetExhausted => _steps > stepBudget;

    /// <summary>True while running user code with constant arguments: observers are silent then.</summary>
    public bool IsNested => _nested > 0;

    // ---------------------------------------------------------------- environment

    public Value Lookup(string name)
    {
        for (var i = _scopes.Count - 1; i >= 0; i--)
            if (_scopes[i].TryGetValue(name, out var scoped)) return scoped;
        if (_globals.TryGetValue(name, out var value)) return value;
        return name switch
        {
            "True" => Value.Number(1),
            "False" => Value.Number(0),
            "None" => Value.NoneValue,
            "__builtins__" or "builtins" or "__builtin__" => Value.Ref("builtins"),
            _ when Builtins.Contains(name) => Value.Ref(name),
            _ => Value.Unknown,
        };
    }

    public void Bind(string name, Value value)
    {
        if (_scopes.Count > 0) _scopes[^1][name] = value;
        else _globals[name] = value;
        if (name.Contains('.', StringComparison.Ordinal)) _hasDottedBindings = true;
    }

    public void PushScope() => _scopes.Add(_freeScopes.TryPop(out var scope) ? scope : new Dictionary<string, Value>(StringComparer.Ordinal));

    public void PopScope()
    {
        if (_scopes.Count == 0) return;
        var scope = _scopes[^1];
        _scopes.RemoveAt(_scopes.Count - 1);
        // Only small scopes are kept: clearing a dictionary clears its whole capacity, and one grown by a long
        // function would make every later small call pay for it.
        if (scope.Count > MaxPooledScope) return;
        scope.Clear();
        _freeScopes.Push(scope);
    }

    /// <summary>Binds the names an import statement introduces.</summary>
    public void Import(Stmt statement)
    {
        switch (statement)
        {
            case ImportStmt import:
                foreach (var (module, alias) in import.Names)
                {
                    if (alias is not null) Bind(alias, ModuleRef(module));
                    else Bind(module.Split('.')[0], ModuleRef(module.Split('.')[0]));
                }
                break;
            case FromImportStmt from:
                foreach (var (name, alias) in from.Names)
                {
                    if (name == "*") continue;
                    Bind(alias ?? name, ModuleRef(from.Module.Length == 0 ? name : from.Module + "." + name));
                }
                break;
        }
    }

    private static Value ModuleRef(string qualified) => Value.Ref(NormalizeName(qualified));

    /// <summary>builtins.exec → exec; six.moves.urllib → urllib; urllib2/urllib.request spellings kept (rules list both).</summary>
    public static string NormalizeName(string name)
    {
        if (name.StartsWith("builtins.", StringComparison.Ordinal)) return name[9..];
        if (name.StartsWith("__builtin__.", StringComparison.Ordinal)) return name[12..];
        if (name.StartsWith("__builtins__.", StringComparison.Ordinal)) return name[13..];
        if (name.StartsWith("six.moves.", StringComparison.Ordinal)) return name[10..];
        if (name.StartsWith("Cryptodome.", StringComparison.Ordinal)) return "Crypto." + name[11..];
        // The March 2024 wave pip-installed the 'fernet' distribution; its Fernet is the same algorithm.
        if (name.StartsWith("fernet.Fernet", StringComparison.Ordinal)) return "cryptography." + name;
        return name;
    }

    // ---------------------------------------------------------------- assignment

    /// <summary>Taints that describe where data came from (as opposed to how it was encoded).</summary>
    public const Taint DataTaints = Taint.Secrets | Taint.Recon | Taint.Network | Taint.FileData | Taint.Credential | Taint.FromWrittenHost;

    public void Assign(Expr target, Value value)
    {
        switch (target)
        {
            case NameExpr name:
                Bind(name.Id, value);
                break;
            case AttrExpr attr when DottedName(attr) is { } dotted:
                Bind(dotted, value);
                break;
            case SeqExpr seq:
                var items = value.Kind == ValueKind.List && value.Items!.Count == seq.Items.Count ? value.Items : null;
                if (items is null && value.Kind is ValueKind.Str or ValueKind.Bytes && value.Text!.Length == seq.Items.Count)
                    items = Items(value);
                for (var i = 0; i < seq.Items.Count; i++) Assign(seq.Items[i], items?[i] ?? Value.Tainted(value.Taint, value.Layers));
                break;
            case StarExpr star:
                Assign(star.Value, Value.Tainted(value.Taint, value.Layers));
                break;
            case SubscriptExpr subscript:
            {
                var container = Eval(subscript.Target);
                Eval(subscript.Index);
                // out[name] = f.read(): the dict now holds what was stored in it.
                var added = value.Taint & DataTaints;
                if (subscript.Target is NameExpr { } owner && added != 0 && (container.Taint & added) != added)
                    Bind(owner.Id, container.Kind is ValueKind.List or ValueKind.Unknown ? Value.Tainted(container.Taint | added, container.Layers) : container.WithTaint(added));
                break;
            }
        }
    }

    public static string? DottedName(Expr expr) => expr switch
    {
        NameExpr n => n.Id,
        AttrExpr a => ChainName(a),
        _ => null,
    };

    // Made once per node ("" when the chain does not start with a plain name) and kept on it.
    private static string? ChainName(AttrExpr attr)
    {
        attr.Dotted ??= DottedName(attr.Target) is { } parent ? parent + "." + attr.Name : "";
        return attr.Dotted.Length > 0 ? attr.Dotted : null;
    }

    // ---------------------------------------------------------------- evaluation

    /// <summary>Drops the per-node results so that walking a function body again re-observes it (with new parameters).</summary>
    public void ForgetEvaluations() => _memoToken = new object();

    // The per-node memo is tagged with this token; a new token forgets every memo at once without touching the nodes.
    private object _memoToken = new();

    public Value Eval(Expr expr)
    {
        if (_nested == 0)
        {
            // Top-level evaluation is memoized per node (the node holds the memo, tagged with this evaluator).
            if (ReferenceEquals(expr.EvaluatedBy, _memoToken)) return expr.EvaluatedValue!;
            var value = EvalCore(expr);
            expr.EvaluatedBy = _memoToken;
            expr.EvaluatedValue = value;
            return value;
        }
        if (++_steps > stepBudget) return Value.Unknown;
        return EvalCore(expr);
    }

    private Value EvalCore(Expr expr)
    {
        switch (expr)
        {
            case NameExpr name:
                return Lookup(name.Id);
            case StrExpr s:
            {
                var value = s.LiteralValue ??= LiteralOf(s);
                if (_nested == 0) _observer?.OnString(expr, value);
                return value;
            }
            case FStrExpr f:
            {
                var fields = f.Fields.Select(Eval).ToList();
                if (_nested == 0) _observer?.OnString(expr, Value.Str(f.Text));
                var filled = FillBraces(f.Text, fields, out var complete);
                // f"{os.environ}" writes out the whole environment.
                var formatted = Value.Union(fields) | (fields.Any(v => v is { Kind: ValueKind.Ref, Text: "os.environ" }) ? Taint.Secrets : Taint.None);
                return complete ? Value.Str(filled, formatted, Value.FirstLayers(fields)) : Value.Partial(filled, formatted, Value.FirstLayers(fields));
            }
            case NumExpr n:
                return n.Value is { } number ? Value.Number(number) : Value.Unknown;
            case AttrExpr attr:
                return EvalAttribute(attr);
            case CallExpr call:
                return EvalCall(call);
            case SubscriptExpr subscript:
                return EvalSubscript(subscript);
            case BinExpr bin:
                return EvalBinary(bin);
            case UnaryExpr unary:
            {
                var operand = Eval(unary.Operand);
                if (unary.Op == "-" && operand.Kind == ValueKind.Int) return Value.Number(-operand.Int);
                if (unary.Op == "~" && operand.Kind == ValueKind.Int) return Value.Number(~operand.Int);
                return Value.Tainted(operand.Taint, operand.Layers);
            }
            case SeqExpr seq:
            {
                var items = new List<Value>(seq.Items.Count);
                var complete = true;
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    var item = seq.Items[i];
                    var v = Eval(item);
                    if (item is StarExpr) complete = false;
                    items.Add(v);
                }
                return complete ? Value.List(items) : Value.Tainted(Value.Union(items), Value.FirstLayers(items));
            }
            case DictExpr dict:
            {
                var taint = Taint.None;
                string? layers = null;
                foreach (var key in dict.Keys) if (key is not null) taint |= Eval(key).Taint;
                foreach (var v in dict.Values)
                {
                    var value = Eval(v);
                    taint |= value.Taint;
                    layers ??= value.Layers;
                }
                return Value.Instance("dict", [], taint, layers);
            }
            case LambdaExpr lambda:
                if (_nested == 0)
                {
                    // Walk the body once with unknown parameters so the observer sees what it calls.
                    PushScope();
                    foreach (var p in lambda.Params) Bind(p, Value.Unknown);
                    Eval(lambda.Body);
                    PopScope();
                }
                return Value.Callable(ValueKind.Lambda, lambda);
            case CompExpr comp:
                return EvalComprehension(comp);
            case CondExpr cond:
            {
                var a = Eval(cond.Body);
                var t = Eval(cond.Test);
                var b = Eval(cond.Else);
                // Both branches naming the same function (x['exec'] if isinstance(x, dict) else getattr(x, 'exec')) is that function.
                if (a.Kind == ValueKind.Ref && b.Kind == ValueKind.Ref && a.Text == b.Text) return a;
                if (a.IsText && b.IsText && a.Kind == b.Kind && a.Text == b.Text) return a;
                return Value.Tainted(a.Taint | b.Taint | t.Taint, a.Layers ?? b.Layers);
            }
            case StarExpr star:
                return Eval(star.Value);
            case OtherExpr other:
            {
                var taint = Taint.None;
                foreach (var child in other.Children) taint |= Eval(child).Taint;
                return Value.Tainted(taint);
            }
            default:
                return Value.Unknown;
        }
    }

    private static Value LiteralOf(StrExpr s)
    {
        var value = s.IsBytes ? Value.Bytes(s.Value) : Value.Str(s.Value);
        return LooksLikeBlob(s.Value) ? value.WithTaint(Taint.Blob) : value;
    }

    private static bool LooksLikeBlob(string text)
    {
        if (text.Length < 200) return false;
        var spaces = text.AsSpan(0, Math.Min(text.Length, 2000)).Count(' ');
        return spaces < text.Length / 50 && Decoders.Entropy(text) >= 4.0;
    }

    private Value EvalAttribute(AttrExpr attr)
    {
        if (_hasDottedBindings && DottedName(attr) is { } dotted)
        {
            for (var i = _scopes.Count - 1; i >= 0; i--)
                if (_scopes[i].TryGetValue(dotted, out var scoped)) return scoped;
            if (_globals.TryGetValue(dotted, out var bound)) return bound;
        }
        var target = Eval(attr.Target);
        var result = attr.AttributeOf(target);
        if (result is null)
        {
            result = Attribute(target, attr.Name);
            attr.RememberAttribute(target, result);
        }
        if (_nested == 0 && result.Kind == ValueKind.Ref && target.Kind == ValueKind.Ref) _observer?.OnReference(attr, result.Text!);
        return result;
    }

    /// <summary>The value of <c>target.name</c>.</summary>
    public static Value Attribute(Value target, string name) => target.Kind switch
    {
        // __builtins__ is the builtins dict in an imported module: __builtins__.get('exec') is a lookup by name.
        ValueKind.Ref when target.Text is "builtins" or "__dict__" or "builtins.__dict__" => Value.Ref(name == "get" ? "builtins.__dict__.get" : name),
        ValueKind.Ref => Value.Ref(NormalizeName(target.Text + "." + name), target.Bound, target.Taint),
        ValueKind.Instance => Value.Ref(target.Text + "." + name, target),
        ValueKind.Str => Value.Ref("str." + name, target),
        ValueKind.Bytes => Value.Ref("bytes." + name, target),
        ValueKind.List => Value.Ref("list." + name, target),
        _ => Value.Ref("." + name, target),
    };

    private Value EvalSubscript(SubscriptExpr subscript)
    {
        var target = Eval(subscript.Target);
        if (subscript.Index is SliceExpr slice)
        {
            var lower = slice.Lower is null ? null : Eval(slice.Lower);
            var upper = slice.Upper is null ? null : Eval(slice.Upper);
            var step = slice.Step is null ? null : Eval(slice.Step);
            if ((lower is null || lower.Kind == ValueKind.Int) && (upper is null || upper.Kind == ValueKind.Int) && (step is null || step.Kind == ValueKind.Int))
            {
                var sliced = Slice(target, lower?.Int, upper?.Int, step?.Int ?? 1);
                if (sliced is not null) return sliced;
            }
            return Value.Tainted(target.Taint & ~Taint.Blob, target.Layers);
        }
        var index = Eval(subscript.Index);
        if (index.Kind == ValueKind.Int)
        {
            switch (target.Kind)
            {
                case ValueKind.Str when TryIndex(target.Text!.Length, index.Int, out var i): return Value.Str(target.Text[i].ToString(), target.Taint, target.Layers);
                case ValueKind.Bytes when TryIndex(target.Text!.Length, index.Int, out var i): return Value.Number(target.Text[i]);
                case ValueKind.List when TryIndex(target.Items!.Count, index.Int, out var i): return target.Items[i];
            }
        }
        if (index.Kind == ValueKind.Str)
        {
            // globals()['exec'], vars(builtins)['eval'], __builtins__.__dict__['exec'], sys.modules['os']
            if (target.Kind == ValueKind.Instance && target.Text is "globals" or "locals" or "vars" or "builtins.__dict__" or "__dict__")
                return Lookup(index.Text!) is { Kind: not ValueKind.Unknown } found ? found : Value.Ref(index.Text!);
            if (target.Kind == ValueKind.Ref && target.Text is "__dict__" or "sys.modules" or "builtins.__dict__") return Value.Ref(index.Text!);
            if (target.Kind == ValueKind.Ref && target.Text == "os.environ")
                return Value.Tainted(SecretEnvironmentName(index.Text!) ? Taint.Recon | Taint.Credential : Taint.None);
        }
        // os.environ[k] for a key chosen at run time: one configured variable (recon weight), or part of a dump when
        // the key came from iterating the environment (the key then carries Secrets already).
        if (target.Kind == ValueKind.Ref && target.Text == "os.environ") return Value.Tainted(index.Taint | Taint.Recon);
        return Value.Tainted(target.Taint | index.Taint, target.Layers);
    }

    /// <summary>
    /// The symbolic value of a loop variable: what the iterable is tainted with (iterating os.environ is dumping it), and
    /// for a constant list of strings, all of them as one partial text, so that <c>for p in ("~/.ssh/id_rsa", …):
    /// open(p)</c> still names the paths it reads.
    /// </summary>
    public static Value LoopVariable(Value iterable)
    {
        var taint = iterable.Taint | (iterable.Kind == ValueKind.Ref && iterable.Text is "os.environ" or "os.environ.items" or "os.environ.keys" ? Taint.Secrets : Taint.None);
        if (iterable.Kind == ValueKind.List && iterable.Items!.Count is > 0 and <= 64 && iterable.Items.All(i => i.Kind == ValueKind.Str))
            return Value.Partial(string.Join("\n", iterable.Items.Select(i => i.Text)), taint, iterable.Layers);
        return Value.Tainted(taint, iterable.Layers);
    }

    /// <summary>Environment variables that hold credentials (reading one is harvesting, unlike HOME or PATH).</summary>
    public static bool SecretEnvironmentName(string name)
    {
        var upper = name.ToUpperInvariant();
        return upper.Contains("TOKEN", StringComparison.Ordinal) || upper.Contains("SECRET", StringComparison.Ordinal)
            || upper.Contains("PASSWORD", StringComparison.Ordinal) || upper.Contains("API_KEY", StringComparison.Ordinal)
            || upper.StartsWith("AWS_", StringComparison.Ordinal) || upper.Contains("ACCESS_KEY", StringComparison.Ordinal)
            || upper.Contains("PRIVATE_KEY", StringComparison.Ordinal) || upper.Contains("CREDENTIAL", StringComparison.Ordinal);
    }

    private static bool TryIndex(int length, long index, out int result)
    {
        var i = index < 0 ? length + index : index;
        result = (int)Math.Clamp(i, 0, int.MaxValue);
        return i >= 0 && i < length;
    }

    private static Value? Slice(Value target, long? lower, long? upper, long step)
    {
        if (step == 0) return null;
        int length;
        switch (target.Kind)
        {
            case ValueKind.Str or ValueKind.Bytes: length = target.Text!.Length; break;
            case ValueKind.List: length = target.Items!.Count; break;
            default: return null;
        }
        long Clip(long? v, long dflt)
        {
            if (v is null) return dflt;
            var x = v.Value < 0 ? v.Value + length : v.Value;
            return step > 0 ? Math.Clamp(x, 0, length) : Math.Clamp(x, -1, length - 1);
        }
        var start = Clip(lower, step > 0 ? 0 : length - 1);
        var stop = Clip(upper, step > 0 ? length : -1);
        // Item k is at start + k * step, while short of stop: no list of indices for a megabyte reversed.
        var span = step > 0 ? stop - start : start - stop;
        var count = span > 0 ? (int)((span + Math.Abs(step) - 1) / Math.Abs(step)) : 0;
        var taint = target.Taint & ~Taint.Blob;
        if (target.Kind == ValueKind.List)
        {
            var items = new Value[count];
            for (var k = 0; k < count; k++) items[k] = target.Items![(int)(start + k * step)];
            return Value.List(items);
        }
        var text = step == 1 ? target.Text!.Substring((int)start, count) : string.Create(count, (target.Text!, start, step), static (span, state) =>
        {
            for (var k = 0; k < span.Length; k++) span[k] = state.Item1[(int)(state.start + k * state.step)];
        });
        var layers = step < 0 ? Value.AddLayer(target.Layers, "reverse") : target.Layers;
        return target.Kind == ValueKind.Str ? Value.Str(text, taint, layers) : Value.Bytes(text, taint, layers);
    }

    private Value EvalBinary(BinExpr bin)
    {
        if (bin.Op == ":=")
        {
            var assigned = Eval(bin.Right);
            Assign(bin.Left, assigned);
            return assigned;
        }
        var left = Eval(bin.Left);
        var right = Eval(bin.Right);
        var taint = (left.Taint | right.Taint) & ~Taint.Blob | ((left.Taint | right.Taint) & Taint.Blob);
        var layers = left.Layers ?? right.Layers;
        switch (bin.Op)
        {
            case "+":
                if (left.IsText && right.IsText)
                {
                    if (left.TextLength + right.TextLength > MaxString) return Value.Tainted(taint, layers);
                    return Value.Concat(left, right, taint, layers);
                }
                if (left.Kind == ValueKind.Int && right.Kind == ValueKind.Int) return Value.Number(unchecked(left.Int + right.Int));
                if (left.KnownText is not null || right.KnownText is not null)
                    return Value.Partial((left.KnownText ?? "{}") + (right.KnownText ?? "{}"), taint, layers);
                if (left.Kind == ValueKind.List && right.Kind == ValueKind.List) return Value.List([.. left.Items!, .. right.Items!]);
                break;
            // A string on the right of / is a path segment (pathlib's operator; a number divided by a string is a
            // TypeError): Path.home() / ".svc" / "run.exe" is "{}/.svc/run.exe", so a file written there and a process
            // started from there are known to be the same.
            case "/" when right.Kind == ValueKind.Str && left.Kind != ValueKind.Int:
            {
                var head = left.KnownText ?? (left is { Kind: ValueKind.Instance, Text: "pathlib.Path", Items: [var root, ..] } ? root.KnownText : null) ?? "{}";
                if (head.Length + right.Text!.Length > MaxString) break;
                return Value.Partial(head.TrimEnd('/') + "/" + right.Text, taint, layers);
            }
            case "*":
                if (left.Kind == ValueKind.Int && right.Kind == ValueKind.Int) return Value.Number(unchecked(left.Int * right.Int));
                if (left.IsText && right.Kind == ValueKind.Int && right.Int >= 0 && left.Text!.Length * right.Int <= 65536)
                {
                    var text = string.Concat(Enumerable.Repeat(left.Text, (int)right.Int));
                    return left.Kind == ValueKind.Bytes ? Value.Bytes(text, taint, layers) : Value.Str(text, taint, layers);
                }
                break;
            case "%":
                if (left.Kind == ValueKind.Int && right.Kind == ValueKind.Int && right.Int != 0) return Value.Number(PyMod(left.Int, right.Int));
                if (left.Kind == ValueKind.Str && PercentFormat(left.Text!, right) is { } formatted) return Value.Str(formatted, taint, layers);
                // Unknown fields become {}: 'start /B "%s"' % path still shows which path is started.
                if (left.Kind == ValueKind.Str && PercentFormat(left.Text!, right, lenient: true) is { } partial) return Value.Partial(partial, taint, layers);
                break;
            case "^" or "&" or "|" or "-" or "//" or "<<" or ">>" when left.Kind == ValueKind.Int && right.Kind == ValueKind.Int:
                return bin.Op switch
                {
                    "^" => Value.Number(left.Int ^ right.Int),
                    "&" => Value.Number(left.Int & right.Int),
                    "|" => Value.Number(left.Int | right.Int),
                    "-" => Value.Number(unchecked(left.Int - right.Int)),
                    "//" when right.Int != 0 => Value.Number((long)Math.Floor((double)left.Int / right.Int)),
                    "<<" when right.Int is >= 0 and < 63 => Value.Number(left.Int << (int)right.Int),
                    ">>" when right.Int is >= 0 and < 63 => Value.Number(left.Int >> (int)right.Int),
                    _ => Value.Tainted(taint, layers),
                };
        }
        return Value.Tainted(taint, layers);
    }

    private static long PyMod(long a, long b)
    {
        var m = a % b;
        return m != 0 && (m < 0) != (b < 0) ? m + b : m;
    }

    private static string? PercentFormat(string format, Value args, bool lenient = false)
    {
        var values = args.Kind == ValueKind.List ? args.Items! : [args];
        var output = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { output.Append(format[i]); continue; }
            var spec = format[++i];
            if (spec == '%') { output.Append('%'); continue; }
            if (next >= values.Count) return null;
            var v = values[next++];
            switch (spec)
            {
                case 's' or 'r' when v.Kind == ValueKind.Str: output.Append(v.Text); break;
                case 's' or 'd' or 'i' when v.Kind == ValueKind.Int: output.Append(v.Int.ToString(CultureInfo.InvariantCulture)); break;
                case 'c' when v.Kind == ValueKind.Int && v.Int is >= 0 and <= 0x10FFFF: output.Append(char.ConvertFromUtf32((int)v.Int)); break;
                case 'c' when v.Kind == ValueKind.Str: output.Append(v.Text); break;
                case 'x' when v.Kind == ValueKind.Int: output.Append(v.Int.ToString("x", CultureInfo.InvariantCulture)); break;
                default:
                    if (!lenient) return null;
                    output.Append(v.KnownText ?? "{}");
                    break;
            }
        }
        return next == values.Count ? output.ToString() : null;
    }

    /// <summary>
    /// Fills <c>{}</c> placeholders (f-strings, str.format) with the fields that are known constants and leaves the rest as
    /// <c>{}</c>; <paramref name="complete"/> says every placeholder had a known field and every field a placeholder.
    /// An f-string with some fields unknown is kept as far as it is known: <c>f"{SERVER_URL}?{query}"</c> keeps its host,
    /// so where it sends is still seen.
    /// </summary>
    private static string FillBraces(string text, IReadOnlyList<Value> fields, out bool complete)
    {
        var output = new StringBuilder(text.Length);
        var next = 0;
        complete = true;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '{' && i + 1 < text.Length && text[i + 1] == '}')
            {
                var v = next < fields.Count ? fields[next++] : null;
                if (v?.Kind == ValueKind.Str) output.Append(v.Text);
                else if (v?.Kind == ValueKind.Int) output.Append(v.Int.ToString(CultureInfo.InvariantCulture));
                else
                {
                    output.Append("{}");
                    complete = false;
                }
                i++;
                continue;
            }
            output.Append(text[i]);
        }
        complete &= next == fields.Count;
        return output.ToString();
    }

    private Value EvalComprehension(CompExpr comp)
    {
        var iterables = new List<Value>();
        if (_nested == 0)
        {
            // One symbolic pass for the observer: targets are unknown, carrying the taint of what they iterate.
            PushScope();
            foreach (var (target, iterable) in comp.Targets.Zip(comp.Iterables))
            {
                var source = Eval(iterable);
                iterables.Add(source);
                Assign(target, LoopVariable(source));
            }
            var element = Eval(comp.Element);
            foreach (var condition in comp.Conditions) Eval(condition);
            PopScope();
            var concrete = comp.Targets.Count == 1 ? RunComprehension(comp, iterables[0]) : null;
            return concrete ?? Value.Tainted(element.Taint | Value.Union(iterables), element.Layers ?? Value.FirstLayers(iterables));
        }
        if (comp.Targets.Count != 1) return Value.Unknown;
        return RunComprehension(comp, Eval(comp.Iterables[0])) ?? Value.Unknown;
    }

    private Value? RunComprehension(CompExpr comp, Value iterable)
    {
        var items = Items(iterable);
        if (items is null) return null;
        _nested++;
        PushScope();
        try
        {
            var results = new List<Value>(items.Count);
            foreach (var item in items)
            {
                if (_steps > stepBudget) return null;
                Assign(comp.Targets[0], item);
                var keep = true;
                foreach (var condition in comp.Conditions)
                {
                    var c = Eval(condition);
                    if (c.Kind != ValueKind.Int) return null;
                    keep &= c.Int != 0;
                }
                if (!keep) continue;
                var v = Eval(comp.Element);
                if (!v.IsConstant) return null;
                results.Add(v);
            }
            // Building a string item by item (chr joins, XOR loops) is decoding as far as the reader is concerned.
            return Value.List(results).WithTaint(Taint.Decoded, Value.AddLayer(iterable.Layers, "comprehension"));
        }
        finally
        {
            PopScope();
            _nested--;
        }
    }

    // One shared value per Latin-1 character: iterating a string (for c in blob) yields one per character, and values
    // are immutable.
    private static readonly Value[] Latin1Chars = [.. Enumerable.Range(0, 256).Select(c => Value.Str(((char)c).ToString()))];

    private static Value CharValue(char c) => c < Latin1Chars.Length ? Latin1Chars[c] : Value.Str(c.ToString());

    /// <summary>The items of a constant iterable: chars of a str, ints of bytes, items of a list.</summary>
    private static IReadOnlyList<Value>? Items(Value v)
    {
        switch (v.Kind)
        {
            case ValueKind.List: return v.Items!.Count <= MaxIteration ? v.Items : null;
            case ValueKind.Str when v.Text!.Length <= MaxIteration:
            {
                var chars = new Value[v.Text.Length];
                for (var i = 0; i < chars.Length; i++) chars[i] = CharValue(v.Text[i]);
                return chars;
            }
            case ValueKind.Bytes when v.Text!.Length <= MaxIteration:
            {
                var bytes = new Value[v.Text.Length];
                for (var i = 0; i < bytes.Length; i++) bytes[i] = Value.Number(v.Text[i]);
                return bytes;
            }
            case ValueKind.Instance when v.Text == "range" && v.Items is { Count: > 0 } r && r.All(x => x.Kind == ValueKind.Int):
            {
                long start = r.Count > 1 ? r[0].Int : 0, stop = r.Count > 1 ? r[1].Int : r[0].Int, step = r.Count > 2 ? r[2].Int : 1;
                if (step == 0 || (stop - start) / step > MaxIteration) return null;
                var list = new List<Value>((int)Math.Max(0, (stop - start) / step + 1));
                for (var i = start; step > 0 ? i < stop : i > stop; i += step) list.Add(Value.Number(i));
                return list;
            }
            default: return null;
        }
    }

    // ---------------------------------------------------------------- calls

    private Value EvalCall(CallExpr call)
    {
        var callee = Eval(call.Func);
        // Indexed loops: foreach over the node's IReadOnlyList boxes an enumerator on every call.
        // Arrays, and the shared empty one for none: most calls pass no keywords, many no arguments.
        Value[] args = call.Args.Count == 0 ? [] : new Value[call.Args.Count];
        for (var i = 0; i < args.Length; i++) args[i] = Eval(call.Args[i]);
        (string? Name, Value Value)[] keywords = call.Keywords.Count == 0 ? [] : new (string?, Value)[call.Keywords.Count];
        for (var i = 0; i < keywords.Length; i++) keywords[i] = (call.Keywords[i].Name, Eval(call.Keywords[i].Value));
        var name = callee.Kind == ValueKind.Ref ? callee.Text : null;
        var result = Apply(call, name, callee, args, keywords);
        if (_nested == 0) _observer?.OnCall(call, name, callee, args, keywords, result);
        return result;
    }

    /// <summary>
    /// The last part of a called <paramref name="name"/> (<c>os.path.join</c>: <c>join</c>): the called attribute's own
    /// text when it is that part, so that the usual call allocates no copy of it.
    /// </summary>
    public static string MethodName(CallExpr call, string name)
    {
        var dot = name.LastIndexOf('.');
        if (dot < 0) return name;
        return call.Func is AttrExpr attr && name.AsSpan(dot + 1).SequenceEqual(attr.Name) ? attr.Name : name[(dot + 1)..];
    }

    private static Value? Keyword((string? Name, Value Value)[] keywords, string name)
    {
        foreach (var (n, v) in keywords) if (n == name) return v;
        return null;
    }

    private Value Apply(CallExpr call, string? name, Value callee, Value[] args, (string? Name, Value Value)[] keywords)
    {
        var argTaint = Value.Union(args);
        foreach (var (_, value) in keywords) argTaint |= value.Taint;
        var argLayers = Value.FirstLayers(args);
        var arg0 = args.Length > 0 ? args[0] : null;

        if (callee.Kind is ValueKind.Lambda or ValueKind.Function) return Invoke(callee, args) ?? Value.Tainted(argTaint, argLayers);
        if (name is null) return Value.Tainted(callee.Taint | argTaint, callee.Layers ?? argLayers);

        var method = MethodName(call, name);
        var receiver = callee.Bound;

        // Decoders on constants, with their step name for the layer chain.
        var decoded = Decode(name, method, receiver, args, keywords);
        if (decoded is not null) return decoded;
        if (BuiltinText.OfCall(name, args) is { } builtinText) return Value.Str(builtinText);

        switch (name)
        {
            case "chr" or "unichr" when arg0 is { Kind: ValueKind.Int, Int: >= 0 and <= 0x10FFFF }:
                return Value.Str(arg0.Int is >= 0xD800 and <= 0xDFFF ? "?" : char.ConvertFromUtf32((int)arg0.Int));
            case "ord" when arg0 is { IsText: true } && arg0.Text!.Length == 1:
                return Value.Number(arg0.Text[0]);
            case "int" when arg0 is { Kind: ValueKind.Str }:
            {
                var radix = args.Length > 1 && args[1].Kind == ValueKind.Int ? (int)args[1].Int : 10;
                try { return radix is 2 or 8 or 10 or 16 ? Value.Number(Convert.ToInt64(arg0.Text!.Trim(), radix)) : Value.Unknown; }
                catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException) { return Value.Unknown; }
            }
            case "int" when arg0 is { Kind: ValueKind.Int }: return arg0;
            case "len" when arg0 is { IsText: true }: return Value.Number(arg0.Text!.Length);
            case "len" when arg0 is { Kind: ValueKind.List }: return Value.Number(arg0.Items!.Count);
            case "str" or "unicode" when arg0 is { Kind: ValueKind.Str }: return arg0;
            case "str" when arg0 is { Kind: ValueKind.Int }: return Value.Str(arg0.Int.ToString(CultureInfo.InvariantCulture));
            case "str" when arg0 is { Kind: ValueKind.Bytes } && args.Length > 1: return Value.Str(Decoders.DecodeUtf8(arg0.Text!), arg0.Taint, arg0.Layers);
            case "bytes" or "bytearray":
                if (arg0 is { Kind: ValueKind.Str } && args.Length > 1) return Value.Bytes(Decoders.EncodeUtf8(arg0.Text!), arg0.Taint, arg0.Layers);
                if (arg0 is { Kind: ValueKind.Bytes }) return arg0;
                if (arg0 is { Kind: ValueKind.List } && arg0.Items!.All(i => i.Kind == ValueKind.Int && i.Int is >= 0 and <= 255))
                    return Value.Bytes(new string([.. arg0.Items!.Select(i => (char)i.Int)]), arg0.Taint, arg0.Layers);
                break;
            case "list" or "tuple" when arg0 is not null && Items(arg0) is { } listItems:
                return Value.List(listItems).WithTaint(arg0.Taint & ~Taint.Blob, arg0.Layers);
            case "reversed" when arg0 is { Kind: ValueKind.Str or ValueKind.Bytes }:
            {
                var chars = arg0.Text!.ToCharArray();
                Array.Reverse(chars);
                var layers = Value.AddLayer(arg0.Layers, "reverse");
                return arg0.Kind == ValueKind.Str ? Value.Str(new string(chars), arg0.Taint & ~Taint.Blob, layers) : Value.Bytes(new string(chars), arg0.Taint & ~Taint.Blob, layers);
            }
            case "reversed" when arg0 is { Kind: ValueKind.List }:
                return Value.List([.. arg0.Items!.Reverse()]).WithTaint(Taint.None, Value.AddLayer(arg0.Layers, "reverse"));
            case "range" when args.Length > 0 && args.All(a => a.Kind == ValueKind.Int):
                return Value.Instance("range", args);
            case "enumerate" when arg0 is not null && Items(arg0) is { } enumerated:
                return Value.List([.. enumerated.Select((v, i) => Value.List([Value.Number(i), v]))]);
            case "zip" when args.Length == 2 && Items(args[0]) is { } first:
            {
                var cycle = args[1].Kind == ValueKind.Instance && args[1].Text == "itertools.cycle" ? Items(args[1].Items![0]) : null;
                var second = cycle ?? Items(args[1]);
                if (second is null || second.Count == 0) break;
                return Zip(first, second, cycle is not null ? first.Count : Math.Min(first.Count, second.Count));
            }
            case "map" when args.Length == 2 && Items(args[1]) is { } mapped && mapped.Count <= MaxIteration:
            {
                var results = new List<Value>(mapped.Count);
                foreach (var item in mapped)
                {
                    var v = ApplyCallable(args[0], [item]);
                    if (v is null || !v.IsConstant) return Value.Tainted(argTaint, argLayers);
                    results.Add(v);
                }
                // map(chr, codes), like a comprehension, builds text item by item: decoding as far as the reader is concerned.
                return Value.List(results).WithTaint(Taint.Decoded, Value.AddLayer(args[1].Layers, "map"));
            }
            // eval("exec"), eval(compile("__import__('base64')", "", "eval")): obfuscators alias builtins and modules this way.
            case "eval" when arg0 is { Kind: ValueKind.Str } && BuiltinText.EvalAlias(arg0.Text!) is var (builtin, module) && (builtin is not null || module is not null):
                return builtin is not null ? Lookup(builtin) : ModuleRef(module!);
            case "getattr" when args.Length >= 2 && args[1].Kind == ValueKind.Str:
                return Attribute(arg0!, args[1].Text!);
            // __import__('urllib.request') returns the top package (urllib) unless a fromlist asks for the module itself.
            case "__import__" when arg0 is { Kind: ValueKind.Str } && args.Length < 4 && Keyword(keywords, "fromlist") is null && arg0.Text!.IndexOf('.') is > 0 and var dot:
                return ModuleRef(arg0.Text[..dot]);
            case "__import__" or "importlib.import_module" when arg0 is { Kind: ValueKind.Str }:
                return ModuleRef(arg0.Text!);
            case "globals" or "locals" or "vars":
                return Value.Instance(args.Length == 0 ? name : "builtins.__dict__", []);
            // globals().get('eval'), __builtins__.get(name): the same lookup as globals()['eval'].
            case "builtins.__dict__.get" or "globals.get" or "locals.get" or "vars.get" when arg0 is { Kind: ValueKind.Str }:
                return Lookup(arg0.Text!) is { Kind: not ValueKind.Unknown } found ? found : Value.Ref(arg0.Text!);
            case "compile" when arg0 is { IsText: true }:
                return (arg0.Kind == ValueKind.Bytes ? Value.Str(Decoders.DecodeUtf8(arg0.Text!), arg0.Taint, arg0.Layers) : arg0).WithTaint(Taint.Code);
            case "compile":
                return Value.Tainted(argTaint | Taint.Code, argLayers);
            case "os.path.join" or "posixpath.join" or "ntpath.join" or "os.sep.join" when args.Length > 0 && args.Any(a => a.KnownText is not null):
            {
                var joined = string.Join("/", args.Select(a => a.KnownText ?? "{}"));
                return args.All(a => a.Kind == ValueKind.Str) ? Value.Str(joined, argTaint, argLayers) : Value.Partial(joined, argTaint, argLayers);
            }
            case "os.path.expanduser" or "os.path.expandvars" or "os.path.abspath" or "os.path.normpath" or "str" when arg0?.KnownText is not null:
                return arg0;
            case "itertools.cycle" when arg0 is not null:
                return Value.Instance("itertools.cycle", [arg0]);
        }

        // String and list methods on constants.
        if (receiver is { IsText: true } && StringMethod(method, receiver, args) is { } folded) return folded;

        // Sources: the data a call returns is tainted by where it came from.
        var source = CallModel.SourceTaint(name, method, receiver, args);
        if (name == "open" || name == "io.open" || name == "codecs.open" || name == "pathlib.Path" || name == "Path")
            return Value.Instance(name == "Path" ? "pathlib.Path" : name, args, source | (arg0?.Taint ?? 0));

        var carried = receiver is null ? argTaint : receiver.Taint | argTaint;
        // A TLS-wrapped socket is still a socket: what is sent on it leaves the machine like on the plain one.
        if (method == "wrap_socket" && name.StartsWith("ssl.", StringComparison.Ordinal)) return Value.Instance("socket.socket", args, carried | source);
        if (IsOneWay(name, method)) carried &= ~(Taint.Secrets | Taint.Credential);
        if (receiver is not null) return Value.Tainted(carried | source, receiver.Layers ?? argLayers);
        return Value.Instance(name, args, carried | source, argLayers);
    }

    // Its own method: a lambda capturing the lists in Apply made every call of Apply allocate their closure.
    private static Value Zip(IReadOnlyList<Value> first, IReadOnlyList<Value> second, int count)
    {
        var pairs = new Value[count];
        for (var i = 0; i < count; i++) pairs[i] = Value.List([first[i], second[i % second.Count]]);
        return Value.List(pairs);
    }

    /// <summary>
    /// Signatures, hashes, public keys and addresses are derived from a secret but do not give it away: a wallet signs
    /// with its key and broadcasts the signed transaction, a client sends an HMAC of its secret.
    /// </summary>
    private static bool IsOneWay(string name, string method) =>
        // Every call of unknown code passes here: compare in place rather than lower-casing the name each time.
        method.StartsWith("sign", StringComparison.OrdinalIgnoreCase) || name.Contains("hash", StringComparison.OrdinalIgnoreCase)
        || name.Contains("digest", StringComparison.OrdinalIgnoreCase) || name.Contains("hmac", StringComparison.OrdinalIgnoreCase)
        || name.Contains("public", StringComparison.OrdinalIgnoreCase) || name.Contains("address", StringComparison.OrdinalIgnoreCase);

    private Value? ApplyCallable(Value function, Value[] args) => function.Kind switch
    {
        ValueKind.Lambda or ValueKind.Function => Invoke(function, args),
        ValueKind.Ref when function.Text is "chr" && args[0].Kind == ValueKind.Int && args[0].Int is >= 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF)
            => Value.Str(char.ConvertFromUtf32((int)args[0].Int)),
        ValueKind.Ref when function.Text is "ord" && args[0] is { IsText: true } && args[0].Text!.Length == 1 => Value.Number(args[0].Text![0]),
        ValueKind.Ref when function.Text is "int" && args[0].Kind == ValueKind.Str && int.TryParse(args[0].Text, CultureInfo.InvariantCulture, out var n) => Value.Number(n),
        _ => null,
    };

    private static Value? StringMethod(string method, Value receiver, Value[] args)
    {
        var text = receiver.Text!;
        var taint = receiver.Taint & ~Taint.Blob;
        Value Same(string s) => receiver.Kind == ValueKind.Bytes ? Value.Bytes(s, taint, receiver.Layers) : Value.Str(s, taint, receiver.Layers);
        switch (method)
        {
            case "replace" when args.Length >= 2 && args[0].IsText && args[1].IsText && args[0].Text!.Length > 0:
            {
                var replaced = text.Replace(args[0].Text!, args[1].Text!, StringComparison.Ordinal);
                return replaced.Length > MaxString ? null : Same(replaced);
            }
            case "join" when args.Length == 1 && Items(args[0]) is { } parts && parts.All(p => p.IsText || p.Kind == ValueKind.Int):
            {
                var joined = string.Join(text, parts.Select(p => p.IsText ? p.Text : ((char)p.Int).ToString()));
                if (joined.Length > MaxString) return null;
                var layers = args[0].Layers ?? receiver.Layers;
                return receiver.Kind == ValueKind.Bytes ? Value.Bytes(joined, args[0].Taint & ~Taint.Blob, layers) : Value.Str(joined, args[0].Taint & ~Taint.Blob, layers);
            }
            case "strip" when args.Length == 0: return Same(text.Trim());
            case "lstrip" when args.Length == 0: return Same(text.TrimStart());
            case "rstrip" when args.Length == 0: return Same(text.TrimEnd());
            case "lower": return Same(text.ToLowerInvariant());
            case "upper": return Same(text.ToUpperInvariant());
            case "swapcase": return Same(new string([.. text.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))]));
            case "format" when args.All(a => a.Kind is ValueKind.Str or ValueKind.Int):
            {
                var formatted = FillBraces(text, args, out var complete);
                return complete ? Same(formatted) : null;
            }
            case "split" when args.Length == 1 && args[0].IsText && args[0].Text!.Length > 0:
            {
                var parts = text.Split(args[0].Text!);
                var items = new Value[parts.Length];
                for (var i = 0; i < parts.Length; i++) items[i] = Same(parts[i]);
                return Value.List(items);
            }
            case "encode":
            {
                var encoding = args.Length > 0 && args[0].Kind == ValueKind.Str ? args[0].Text!.ToLowerInvariant() : "utf-8";
                if (encoding is "rot13" or "rot_13") return Value.Str(Decoders.Rot13(text), taint | Taint.Decoded, Value.AddLayer(receiver.Layers, "rot13"));
                return Value.Bytes(receiver.Kind == ValueKind.Str ? Decoders.EncodeUtf8(text) : text, taint, receiver.Layers);
            }
        }
        return null;
    }

    /// <summary>Runs a decoder when <paramref name="name"/> is one and its input is constant; null when it is not a decoder.</summary>
    private Value? Decode(string name, string method, Value? receiver, Value[] args, (string? Name, Value Value)[] keywords)
    {
        var step = DecoderStep(name, method, receiver, args, keywords);
        if (step is null) return null;
        var (stepName, input, run) = step.Value;
        var layers = Value.AddLayer(input?.Layers, stepName);
        var taint = ((input?.Taint ?? 0) & ~Taint.Blob) | Taint.Decoded;
        if (input is null || !input.IsText) return Value.Tainted(taint | ((input?.Taint ?? 0) & Taint.Blob), layers);
        var output = RunDecoder(run, input.Text!);
        if (output is null) return Value.Tainted(taint | (input.Taint & Taint.Blob), layers);
        if (stepName == "marshal")
        {
            var code = Value.Instance("code", [Value.Bytes(output)], taint | Taint.Code, layers);
            return code;
        }
        var isText = stepName is "rot13" or "utf-8";
        var value = isText ? Value.Str(output, taint, stepName == "utf-8" ? input.Layers ?? null : layers) : Value.Bytes(output, taint, layers);
        if (stepName == "utf-8") value = Value.Str(output, input.Taint, input.Layers);
        return value;
    }

    private string? RunDecoder(Func<string, string?> run, string input)
    {
        var memo = run.Target is null && input.Length <= MaxDecodedMemoInput;
        if (memo && _decoded.TryGetValue((run, input), out var remembered)) return remembered;
        string? output;
        try { output = run(input); }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException) { output = null; }
        var chars = input.Length + (output?.Length ?? 0);
        if (memo && _decodedChars + chars <= MaxDecodedMemoChars)
        {
            _decoded[(run, input)] = output;
            _decodedChars += chars;
        }
        return output;
    }

    private static (string Step, Value? Input, Func<string, string?> Run)? DecoderStep(string name, string method, Value? receiver, Value[] args, (string? Name, Value Value)[] keywords)
    {
        var arg0 = args.Length > 0 ? args[0] : Keyword(keywords, "s") ?? Keyword(keywords, "data");
        switch (name)
        {
            case "base64.b64decode" or "base64.standard_b64decode" or "base64.decodebytes" or "base64.decodestring" or "binascii.a2b_base64":
                return ("base64", arg0, Base64Step(args.Length > 1 && args[1].IsText && args[1].Text!.Length == 2 ? args[1].Text : null));
            case "base64.urlsafe_b64decode": return ("base64", arg0, UrlSafeBase64);
            case "base64.b32decode": return ("base32", arg0, Decoders.Base32);
            case "base64.b16decode" or "binascii.unhexlify" or "binascii.a2b_hex" or "bytes.fromhex" or "bytearray.fromhex":
                return ("hex", arg0, Decoders.Hex);
            case "base64.b85decode": return ("base85", arg0, Base85);
            case "base64.a85decode": return ("ascii85", arg0, Ascii85);
            case "zlib.decompress": return ("zlib", arg0, Decoders.Zlib);
            case "gzip.decompress": return ("gzip", arg0, Decoders.Gzip);
            case "bz2.decompress": return ("bz2", arg0, Decoders.Bz2);
            case "lzma.decompress": return ("lzma", arg0, Decoders.Lzma);
            case "marshal.loads": return ("marshal", arg0, MarshalCode);
            case "codecs.decode" or "codecs.encode":
            {
                var encoding = (args.Length > 1 ? args[1] : Keyword(keywords, "encoding"))?.Text?.ToLowerInvariant().Replace('-', '_') ?? "utf_8";
                return CodecStep(encoding, arg0);
            }
            case "cryptography.fernet.Fernet.decrypt" when receiver is { Kind: ValueKind.Instance, Items.Count: > 0 }:
                return FernetStep(receiver.Items![0], arg0);
            case "Crypto.Cipher.AES.new.decrypt" when receiver is { Kind: ValueKind.Instance, Items.Count: > 0 } && receiver.Items![0].IsText:
                return AesStep(receiver, arg0);
            case "Crypto.Util.Padding.unpad": return ("unpad", arg0, Decoders.Unpad);
        }
        if (receiver is { IsText: true } && method == "decode")
        {
            var encoding = args.Length > 0 && args[0].Kind == ValueKind.Str ? args[0].Text!.ToLowerInvariant().Replace('-', '_') : "utf_8";
            return CodecStep(encoding, receiver);
        }
        return null;
    }

    // Decoders of their input alone are static methods: their outputs are remembered (RunDecoder keeps a delegate without
    // a target; a lambda has one even when it captures nothing), and obfuscators decode the same literal again and again.
    private static string? StandardBase64(string s) => Decoders.Base64(s);
    private static string? UrlSafeBase64(string s) => Decoders.Base64(s, urlSafe: true);
    private static string? Base85(string s) => Decoders.Base85(s, ascii85: false);
    private static string? Ascii85(string s) => Decoders.Base85(s, ascii85: true);
    private static string? MarshalCode(string s) => Decoders.IsMarshalCode(s) ? s : null;
    private static string? SameText(string s) => s;

    // The decoders that need more than their input, each in its own method: a lambda capturing a local of DecoderStep made
    // every call of it (every named call the evaluator applies) allocate the closure.
    private static Func<string, string?> Base64Step(string? altchars) =>
        altchars is null ? StandardBase64 : s => Decoders.Base64(s.Replace(altchars[0], '+').Replace(altchars[1], '/'));

    private static (string, Value?, Func<string, string?>) FernetStep(Value key, Value? arg0) =>
        ("fernet", arg0 is not null && key.IsText ? arg0 : Value.Tainted(arg0?.Taint ?? 0), s => Decoders.Fernet(key.Text!, s));

    private static (string, Value?, Func<string, string?>) AesStep(Value receiver, Value? arg0)
    {
        var key = receiver.Items![0].Text!;
        var mode = receiver.Items.Count > 1 ? receiver.Items[1] : Value.Number(1);
        var cbc = mode.Kind == ValueKind.Int ? mode.Int == 2 : mode.Text?.EndsWith("MODE_CBC", StringComparison.Ordinal) == true;
        var iv = receiver.Items.Count > 2 && receiver.Items[2].IsText ? receiver.Items[2].Text : null;
        return ("aes", arg0, s => Decoders.Aes(key, s, iv, cbc));
    }

    private static (string, Value?, Func<string, string?>)? CodecStep(string encoding, Value? input) => encoding switch
    {
        "rot13" or "rot_13" => ("rot13", input, Decoders.Rot13),
        "hex" or "hex_codec" => ("hex", input, Decoders.Hex),
        "base64" or "base_64" or "base64_codec" => ("base64", input, StandardBase64),
        "zlib" or "zip" or "zlib_codec" => ("zlib", input, Decoders.Zlib),
        "bz2" or "bz2_codec" => ("bz2", input, Decoders.Bz2),
        "utf_8" or "utf8" or "ascii" or "latin_1" or "latin1" or "unicode_escape" => ("utf-8", input, input?.Kind == ValueKind.Str ? SameText : Decoders.DecodeUtf8),
        _ => null,
    };

    // ---------------------------------------------------------------- user-defined decoders

    /// <summary>Calls a lambda or small def with the given arguments in a fresh scope; null when it cannot be followed.</summary>
    private Value? Invoke(Value callee, Value[] args)
    {
        if (_nested >= MaxNesting || _steps > stepBudget) return null;
        _nested++;
        PushScope();
        try
        {
            switch (callee.Node)
            {
                case LambdaExpr lambda:
                    for (var i = 0; i < lambda.Params.Count; i++) Bind(lambda.Params[i], i < args.Length ? args[i] : Value.Unknown);
                    return MarkDecoded(Eval(lambda.Body), args, "lambda");
                case FuncDef def:
                    for (var i = 0; i < def.Params.Count; i++)
                    {
                        var p = def.Params[i];
                        if (i == 0 && p == "self") continue;
                        Bind(p, i < args.Length ? args[i] : Value.Unknown);
                    }
                    return MarkDecoded(Execute(def.Body) ?? Value.Unknown, args, def.Name + "()");
                default:
                    return null;
            }
        }
        finally
        {
            PopScope();
            _nested--;
        }
    }

    /// <summary>A user function that turned constant input into different text is a decoder: say so in the chain.</summary>
    private static Value MarkDecoded(Value result, Value[] args, string step)
    {
        if (!result.IsText || (result.Taint & Taint.Decoded) != 0 && result.Layers is not null) return result;
        if (args.Any(a => a.IsText && a.Text == result.Text)) return result;
        return result.WithTaint(Taint.Decoded, Value.AddLayer(result.Layers ?? Value.FirstLayers(args), step));
    }

    /// <summary>Runs straight-line statements (and for loops over constants); returns the first return value.</summary>
    private Value? Execute(IReadOnlyList<Stmt> body)
    {
        for (var i = 0; i < body.Count; i++)
        {
            var statement = body[i];
            if (_steps > stepBudget) return null;
            switch (statement)
            {
                case ReturnStmt ret: return ret.Value is null ? Value.NoneValue : Eval(ret.Value);
                case AssignStmt assign: RunAssignment(assign); break;
                case ExprStmt e: Eval(e.Value); break;
                case ImportStmt or FromImportStmt: Import(statement); break;
                case BlockStmt { Keyword: "for" } loop:
                {
                    var result = RunLoop(loop);
                    if (result is not null) return result;
                    break;
                }
                case BlockStmt { Keyword: "if" or "elif" or "else" } block when _nested == 1:
                    // Taken without knowing the condition, for what it assigns (out += open(p).read()); an early
                    // return inside a branch is not the function's only result, so it is not returned. Only in the
                    // function called directly: branches of nested calls multiply the work for little gain.
                    Execute(block.Body);
                    break;
                case BlockStmt { Keyword: "try" or "with" } block:
                {
                    foreach (var (target, source) in block.Bindings) Assign(target, Eval(source));
                    var result = Execute(block.Body);
                    if (result is not null) return result;
                    break;
                }
            }
        }
        return null;
    }

    private Value? RunLoop(BlockStmt loop) => RunLoop(loop, out _);

    /// <summary>Runs a for loop over a constant; <paramref name="completed"/> is false when it could not run to its end.</summary>
    private Value? RunLoop(BlockStmt loop, out bool completed)
    {
        completed = false;
        var (target, source) = loop.Bindings[0];
        var items = Items(Eval(source));
        if (items is null) return null;
        foreach (var item in items)
        {
            if (_steps > stepBudget) return null;
            Assign(target, item);
            var result = Execute(loop.Body);
            if (result is not null) return result;
        }
        completed = true;
        return null;
    }

    /// <summary>Evaluates an assignment statement (augmented ones too) and binds its targets.</summary>
    public void RunAssignment(AssignStmt assign)
    {
        var value = assign.AugOp is { } op
            ? Eval(new BinExpr(BinaryOperatorOf(op), assign.Targets[0], assign.Value, assign.Line))
            : Eval(assign.Value);
        for (var i = 0; i < assign.Targets.Count; i++) Assign(assign.Targets[i], value);
    }

    // The operator of an augmented assignment without slicing a new string each time a loop runs it.
    private static string BinaryOperatorOf(string augmented) => augmented switch
    {
        "+=" => "+", "-=" => "-", "*=" => "*", "/=" => "/", "%=" => "%", "^=" => "^", "|=" => "|", "&=" => "&",
        "<<=" => "<<", ">>=" => ">>", "//=" => "//", "**=" => "**", "@=" => "@",
        _ => augmented[..^1],
    };

    /// <summary>
    /// A run of statements <c>name += "literal"</c> on the same name, starting at <paramref name="start"/>, evaluated in
    /// one pass: obfuscators append a payload ten characters per line over thousands of lines, and concatenating one
    /// statement at a time copies the growing string every time (quadratic bytes). The intermediate values are never
    /// observed (each statement only appends a literal). Returns how many statements it ran; 0 when the statement at
    /// <paramref name="start"/> is not such an append to a known string, or starts no run (a lone append runs as usual).
    /// </summary>
    public int RunLiteralAppends(IReadOnlyList<Stmt> body, int start)
    {
        if (!IsLiteralAppend(body[start], out var name, out var first)) return 0;
        var current = Lookup(name);
        if (current.Kind is not (ValueKind.Str or ValueKind.Bytes) || first.IsBytes != (current.Kind == ValueKind.Bytes)) return 0;
        var end = start + 1;
        while (end < body.Count && IsLiteralAppend(body[end], out var next, out var literal) && next == name && literal.IsBytes == first.IsBytes) end++;
        if (end - start < 2) return 0;
        var text = new StringBuilder(current.Text);
        var taint = current.Taint;
        var tooLong = false;
        for (var i = start; i < end; i++)
        {
            // Each literal is evaluated as the statement would (the observer sees it; a blob-like one taints the result).
            var literal = (StrExpr)((AssignStmt)body[i]).Value;
            taint |= Eval(literal).Taint;
            tooLong |= text.Length + literal.Value.Length > MaxString;
            if (!tooLong) text.Append(literal.Value);
        }
        Bind(name, tooLong ? Value.Tainted(taint, current.Layers)
            : current.Kind == ValueKind.Bytes ? Value.Bytes(text.ToString(), taint, current.Layers) : Value.Str(text.ToString(), taint, current.Layers));
        return end - start;
    }

    private static bool IsLiteralAppend(Stmt statement, out string name, out StrExpr literal)
    {
        if (statement is AssignStmt { AugOp: "+=", Targets: [NameExpr target], Value: StrExpr value })
        {
            name = target.Id;
            literal = value;
            return true;
        }
        name = "";
        literal = null!;
        return false;
    }

    /// <summary>
    /// After the observer's symbolic pass over a top-level for loop, runs it concretely (silently) when it iterates a
    /// constant: this is how <c>for c in blob: out += chr(ord(c) ^ k)</c> decoders are followed. The caller restores what
    /// the loop assigns to its values before the symbolic pass first; true when the loop ran to its end.
    /// </summary>
    public bool RunTopLevelLoop(BlockStmt loop)
    {
        if (loop.Bindings.Count == 0 || !loop.Body.All(s => s is AssignStmt or ExprStmt)) return false;
        _nested++;
        try
        {
            RunLoop(loop, out var completed);
            return completed;
        }
        finally { _nested--; }
    }

    public void DefineFunction(FuncDef def) => Bind(def.Name, Value.Callable(ValueKind.Function, def));
}
