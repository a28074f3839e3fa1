namespace Moat.Analysis.Code;

// A deliberately small Python syntax tree: only what detection needs. Everything the parser does not model still
// appears as an OtherExpr/OtherStmt holding its children, so no call or string inside it is lost.

public abstract record Expr(int Line)
{
    // The evaluator's memo for this node (which evaluator, and what it computed). A field on the node instead of a
    // reference-keyed dictionary: hashing every node by identity cost a quarter of a whole scan. Left out of equality
    // below, so records compare exactly as they did before.
    internal object? EvaluatedBy;
    internal Value? EvaluatedValue;

    public virtual bool Equals(Expr? other) => ReferenceEquals(this, other) || (other is not null && EqualityContract == other.EqualityContract && Line == other.Line);

    public override int GetHashCode() => HashCode.Combine(EqualityContract, Line);
}

public sealed record NameExpr(string Id, int Line) : Expr(Line);

/// <summary>A string or bytes literal (adjacent literals already concatenated). Bytes are chars 0–255.</summary>
public sealed record StrExpr(string Value, bool IsBytes, int Line) : Expr(Line)
{
    // The literal's value, the same for every evaluator and scope: made once, not again each time a loop body runs.
    // Only strings keep one (a field on every node would grow the millions of number and name nodes of a payload).
    internal Value? LiteralValue;

    public bool Equals(StrExpr? other) => base.Equals(other) && Value == other!.Value && IsBytes == other.IsBytes;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Value, IsBytes);
}

/// <summary>An f-string: the literal text (fields shown as <c>{}</c>) and its parsed replacement fields.</summary>
public sealed record FStrExpr(string Text, IReadOnlyList<Expr> Fields, int Line) : Expr(Line);

/// <summary>
/// A number literal: its value (null for floats, complex numbers and integers past 64 bits) and its length in the
/// source; its text is not kept (a string per number in a long list of codes was a large share of a parse).
/// </summary>
public sealed record NumExpr(long? Value, int Length, int Line) : Expr(Line);

public sealed record AttrExpr(Expr Target, string Name, int Line) : Expr(Line)
{
    // The attribute's value for the last target value it was taken of (values are immutable, so the same target gives the
    // same value): a loop body's base64.b64decode or literal.decode is then not rebuilt on every turn. One reference, so
    // a reader on another thread sees a whole pair or none.
    internal Value? AttributeOf(Value target) => _lastAttribute is { } last && ReferenceEquals(last.Target, target) ? last.Result : null;
    private AttributeMemo? _lastAttribute;

    internal void RememberAttribute(Value target, Value result) => _lastAttribute = new AttributeMemo(target, result);

    private sealed record AttributeMemo(Value Target, Value Result);

    // The chain's dotted name (os.path.join), "" when the chain does not start with a plain name: made once per node, not
    // again each time the node is evaluated (every attribute is looked up by it once code binds any dotted name).
    internal string? Dotted;

    // The memos are left out of equality, as the base node's is.
    public bool Equals(AttrExpr? other) => base.Equals(other) && Target == other!.Target && Name == other.Name;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Target, Name);
}

/// <summary>A keyword argument; <see cref="Name"/> is null for <c>**kwargs</c>.</summary>
public sealed record Keyword(string? Name, Expr Value);

public sealed record CallExpr(Expr Func, IReadOnlyList<Expr> Args, IReadOnlyList<Keyword> Keywords, int Line) : Expr(Line)
{
    public Expr? Keyword(string name)
    {
        foreach (var k in Keywords) if (k.Name == name) return k.Value;
        return null;
    }

    /// <summary>The positional argument at <paramref name="index"/>, or else the keyword <paramref name="name"/>.</summary>
    public Expr? Arg(int index, string? name = null) =>
        index < Args.Count && Args[index] is not StarExpr ? Args[index] : name is null ? null : Keyword(name);
}

public sealed record SubscriptExpr(Expr Target, Expr Index, int Line) : Expr(Line);

public sealed record SliceExpr(Expr? Lower, Expr? Upper, Expr? Step, int Line) : Expr(Line);

/// <summary>Binary operators, comparisons and boolean operators alike; <see cref="Op"/> is the source spelling.</summary>
public sealed record BinExpr(string Op, Expr Left, Expr Right, int Line) : Expr(Line);

public sealed record UnaryExpr(string Op, Expr Operand, int Line) : Expr(Line);

/// <summary>A list <c>[</c>, tuple <c>(</c> or set <c>{</c> display.</summary>
public sealed record SeqExpr(char Kind, IReadOnlyList<Expr> Items, int Line) : Expr(Line);

public sealed record DictExpr(IReadOnlyList<Expr?> Keys, IReadOnlyList<Expr> Values, int Line) : Expr(Line);

public sealed record LambdaExpr(IReadOnlyList<string> Params, Expr Body, int Line) : Expr(Line);

/// <summary>A comprehension or generator: <c>element for target in iterable if condition …</c>.</summary>
public sealed record CompExpr(char Kind, Expr Element, IReadOnlyList<Expr> Targets, IReadOnlyList<Expr> Iterables, IReadOnlyList<Expr> Conditions, int Line) : Expr(Line);

public sealed record CondExpr(Expr Body, Expr Test, Expr Else, int Line) : Expr(Line);

public sealed record StarExpr(Expr Value, int Line) : Expr(Line);

/// <summary>Anything else (await, yield, a fragment the parser skipped): its sub-expressions are kept for walking.</summary>
public sealed record OtherExpr(string Kind, IReadOnlyList<Expr> Children, int Line) : Expr(Line);

public abstract record Stmt(int Line);

public sealed record ImportStmt(IReadOnlyList<(string Module, string? Alias)> Names, int Line) : Stmt(Line);

public sealed record FromImportStmt(string Module, IReadOnlyList<(string Name, string? Alias)> Names, int Line) : Stmt(Line);

/// <summary><c>a = b = value</c>, <c>a += value</c> (<see cref="AugOp"/> "+="), <c>a: T = value</c>, <c>(a := value)</c>.</summary>
public sealed record AssignStmt(IReadOnlyList<Expr> Targets, Expr Value, string? AugOp, int Line) : Stmt(Line);

public sealed record ExprStmt(Expr Value, int Line) : Stmt(Line);

public sealed record FuncDef(string Name, IReadOnlyList<string> Params, IReadOnlyList<Expr> Defaults, IReadOnlyList<Expr> Decorators, IReadOnlyList<Stmt> Body, int Line, int EndLine) : Stmt(Line);

/// <summary>
/// Function definitions by identity, hashed by where they are: an object's identity hash is made by the runtime the
/// first time it is asked for, which cost a tenth of a small package's scan when every def of every file was a key.
/// </summary>
public sealed class FuncDefIdentity : IEqualityComparer<FuncDef>
{
    public static readonly FuncDefIdentity Instance = new();

    public bool Equals(FuncDef? x, FuncDef? y) => ReferenceEquals(x, y);

    public int GetHashCode(FuncDef def) => HashCode.Combine(def.Line, def.EndLine, def.Name.Length, def.Params.Count);
}

public sealed record ClassDef(string Name, IReadOnlyList<Expr> Bases, IReadOnlyList<Expr> Decorators, IReadOnlyList<Stmt> Body, int Line, int EndLine) : Stmt(Line);

/// <summary>
/// A compound statement other than def/class (if, for, while, with, try, except, match, …): its header expressions,
/// the names it binds (<c>for x in …</c>, <c>with … as f</c>, <c>except E as e</c>) and its body.
/// </summary>
public sealed record BlockStmt(string Keyword, IReadOnlyList<Expr> Header, IReadOnlyList<(Expr Target, Expr Source)> Bindings, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

public sealed record ReturnStmt(Expr? Value, int Line) : Stmt(Line);

/// <summary>global, del, raise, assert, pass, Python 2 print, …: the keyword and any expressions.</summary>
public sealed record OtherStmt(string Keyword, IReadOnlyList<Expr> Exprs, int Line) : Stmt(Line);

public sealed record PyModule(IReadOnlyList<Stmt> Body, string Source, bool Truncated);
