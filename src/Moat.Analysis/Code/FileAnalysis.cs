using System.Text.RegularExpressions;
using Moat.Analysis.Text;

namespace Moat.Analysis.Code;

/// <summary>When code runs, which decides how much a capability matters.</summary>
public enum CodeContext { Runtime, ImportTime, InstallTime, InterpreterStart, TestOrDocs }

/// <summary>What kind of file this is inside the package; decides the context of its module-level code.</summary>
public enum FileRole { Module, Setup, Pth, Test, Script, BuildBackend, Tooling }

/// <summary>State shared by all files and decoded layers of one package scan: payload de-duplication and budgets.</summary>
internal sealed class ScanShared(CodeScanOptions options)
{
    public CodeScanOptions Options { get; } = options;
    /// <summary>Decoded payloads already analysed as layers, by content: the same payload decoded twice is analysed once.</summary>
    public HashSet<ContentHash> ScannedPayloads { get; } = [];
    public int Layers;

    /// <summary>No file of the package has decoded a layer yet: the state on which one file's layers, counted apart, can be replayed.</summary>
    public bool NoLayersYet => Layers == 0 && ScannedPayloads.Count == 0;

    /// <summary>Records the layers one file's analysis counted apart (remembered, or run on a state of its own) as this package's.</summary>
    public void RecordLayers(IEnumerable<ContentHash> payloads, int counted)
    {
        ScannedPayloads.UnionWith(payloads);
        Layers += counted;
    }
    /// <summary>Could-not-check findings already raised, by rule and file: one says it, repeats add nothing.</summary>
    public HashSet<(string Rule, string Path)> LimitsReported { get; } = [];
    /// <summary>Paths (inside the package) of files with an executable header: starting one at load time is a dropper.</summary>
    public IReadOnlyList<string> BundledExecutables { get; init; } = [];
    /// <summary>Literal constants of the package's own modules, for names a file imports from them.</summary>
    public ModuleConstants? Constants { get; init; }

    private IndicatorMemo _indicators = new();

    /// <summary>
    /// <see cref="Indicators.Find"/>, remembered per text for the package (callers only read the list): the same string
    /// is searched again when a function is walked from several contexts or a value is passed on, and each search is
    /// a scan of the text per needle.
    /// </summary>
    public List<Indicator> FindIndicators(string text) => _indicators.Find(text);

    /// <summary>The same package with nothing analysed yet: what one file's analysis sees when it is the first.</summary>
    public ScanShared Fresh() => new(Options) { BundledExecutables = BundledExecutables, Constants = Constants, _indicators = _indicators };

    /// <summary>Indicator searches of one package's texts; thread-safe, as a package's files may be analysed at once.</summary>
    private sealed class IndicatorMemo
    {
        private const long MaxChars = 4 << 20;
        private readonly Dictionary<string, List<Indicator>> _found = new(StringComparer.Ordinal);
        private long _chars;

        public List<Indicator> Find(string text)
        {
            lock (_found)
                if (_found.TryGetValue(text, out var known)) return known;
            var found = Indicators.Find(text);
            lock (_found)
            {
                if (_chars + text.Length <= MaxChars && _found.TryAdd(text, found)) _chars += text.Length;
            }
            return found;
        }
    }
}

/// <summary>
/// Analyses one Python source (a file, or a decoded layer of one): walks it with the <see cref="Evaluator"/>, records
/// capabilities, flows and indicators, scans decoded payloads recursively and turns it all into findings.
/// </summary>
internal sealed partial class FileAnalysis : IEvaluationObserver
{
    private const int MaxPerRule = 3;

    private static readonly HashSet<string> InstallCommands =
    [
        "install", "develop", "egg_info", "build_py", "sdist", "build", "build_ext", "bdist_egg", "bdist_wheel", "install_lib",
        "install_scripts", "install_data", "easy_install", "_install", "_develop", "_egg_info", "orig_install", "Command",
    ];

    private static readonly HashSet<string> DangerousNames =
    [
        "exec", "eval", "compile", "execfile", "system", "popen", "Popen", "call", "run", "check_output", "__import__", "spawn",
        "startfile", "urlopen", "b64decode", "decompress", "loads", "getattr", "open", "import_module", "urlretrieve",
    ];

    private readonly string _path;
    private readonly string _source;
    private readonly FileRole _role;
    private readonly string? _chain;
    private readonly int _depth;
    private readonly int _outerLine;
    private readonly CodeContext _baseContext;
    private readonly ScanShared _shared;
    private readonly List<Finding> _findings;
    private readonly Evaluator _evaluator;
    private readonly Dictionary<string, int> _perRule = new(StringComparer.Ordinal);
    private readonly HashSet<(string Rule, string Message, int Line)> _emitted = [];
    private List<int>? _lineStarts;

    /// <summary>What this analysis read beyond its text, role and context (<see cref="FileAnalysisCache"/>).</summary>
    public OutsideReads Reads { get; }

    private CodeContext _context;
    private bool _inDocstring;
    // False while the module's own statements are walked, true once function bodies are: module-level code runs whenever
    // the file runs, with no caller's input.
    private bool _inFunctionBody;

    // Facts collected while walking; combined in Finish().
    private readonly Dictionary<IndicatorKind, (int Line, string Match)> _indicators = [];
    // Files written with downloaded data, and whether the data came from a host the package itself names (a literal URL,
    // or one decoded or fetched) rather than one its caller chose.
    private readonly Dictionary<string, bool> _downloadedPaths = new(StringComparer.Ordinal);
    private readonly List<(string Text, string Layers, int Line)> _pendingDecoded = [];
    private int _networkLine, _networkSendLine, _spawnLine, _secretsLine, _socketLine, _dup2Line, _execLine, _imageLine, _executableWriteLine;
    private int _loadNetworkLine, _loadSpawnLine, _loadWriteLine;
    private (int Line, string Match)? _loadPersistence;
    private readonly HashSet<string> _droppedPaths = new(StringComparer.Ordinal);
    private readonly HashSet<IndicatorKind> _commandIndicators = [], _loadCommandIndicators = [];
    private int _loadUnusualSpawnLine;
    // Seen while code that runs at install/import/interpreter start was walked (not merely somewhere in the file).
    private int _loadHiddenLine, _loadKeyloggerLine;
    // A network send or socket connection to a destination written into the package (a literal external host, or an
    // address the code decoded or fetched): where stealers send. A parameter, localhost or the metadata service is not.
    private int _externalSendLine;
    private (int Line, string Match)? _powerShellCradle;
    private readonly HashSet<IndicatorKind> _loadIndicators = [];
    // Indicator kinds in a command this file starts whose text is complete (no part filled in at run time).
    private readonly HashSet<IndicatorKind> _literalCommandIndicators = [];
    // Indicator kinds found only after decoding a literal: hidden on purpose.
    private readonly HashSet<IndicatorKind> _decodedIndicators = [];
    private int _hiddenDownloadLine;
    // Import statements walked so far (inherited by the layers this code execs), up to MaxInheritedImports.
    private const int MaxInheritedImports = 256;
    private readonly List<Stmt> _imports = [];
    // A request whose URL is a raw public IP, made outside tests.
    private int _rawIpRequestLine;
    private int _hiddenLine, _nativeLine, _registryLine, _clipboardLine, _screenshotLine, _keyloggerLine, _environmentLine, _dynamicLine;
    private bool _tracedExfil, _tracedDownloadExec, _ptySpawn, _spawnWithSocket;
    // An interactive shell (cmd.exe, powershell, sh with no script) started with its stdin piped to this code.
    private int _pipedShellLine;
    // A Python interpreter started with its program read from a pipe (Popen([sys.executable, "-"], stdin=PIPE)).
    private int _stdinInterpreterLine;
    private readonly HashSet<string> _shellcodeApis = new(StringComparer.Ordinal);
    private readonly Dictionary<FuncDef, CodeContext> _functionContexts = new(FuncDefIdentity.Instance);
    // What the arguments of calls to this file's functions were tainted with, so that _send(getpass.getuser()) makes the
    // body of _send see recon data in its parameter (functions are walked after the module code that calls them).
    private readonly Dictionary<FuncDef, Taint[]> _parameterTaints = new(FuncDefIdentity.Instance);
    // The constant each parameter was always called with (null once two calls disagree): safe_run("/tmp/x") makes the
    // body of safe_run start "/tmp/x", so a download in one helper and the start in another still connect.
    private readonly Dictionary<FuncDef, (Value? Value, bool Conflict)[]> _parameterValues = new(FuncDefIdentity.Instance);
    private readonly Queue<(FuncDef Def, CodeContext Context)> _deferred = new();
    private readonly Dictionary<FuncDef, int> _walkCounts = new(FuncDefIdentity.Instance);
    // Functions of this module that setup.py's install code imports and calls: their bodies run at install time.
    private readonly IReadOnlySet<string> _installEntryFunctions;

    public FileAnalysis(string path, string source, FileRole role, ScanShared shared, List<Finding> findings,
                        string? chain = null, int depth = 0, int outerLine = 0, CodeContext? baseContext = null,
                        IReadOnlySet<string>? installEntryFunctions = null, OutsideReads? reads = null)
    {
        Reads = reads ?? new OutsideReads(); // a decoded layer's reads are its file's
        _installEntryFunctions = installEntryFunctions ?? new HashSet<string>();
        _path = path;
        _source = source;
        _role = role;
        _shared = shared;
        _findings = findings;
        _chain = chain;
        _depth = depth;
        _outerLine = outerLine;
        _baseContext = baseContext ?? role switch
        {
            FileRole.Setup or FileRole.BuildBackend => CodeContext.InstallTime,
            FileRole.Pth => CodeContext.InterpreterStart,
            FileRole.Test or FileRole.Tooling => CodeContext.TestOrDocs,
            FileRole.Script => CodeContext.Runtime,
            _ => CodeContext.ImportTime,
        };
        _evaluator = new Evaluator(this, shared.Options.EvaluatorStepBudget);
    }

    public void Run()
    {
        PyModule module;
        try
        {
            module = PyParser.Parse(_source);
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            // The parser is written not to throw; a bug must not take the scan down with it, nor pass the file as clean.
            Limit(LimitRules.ParseIncomplete, $"The parser failed on this file ({ex.GetType().Name}); none of it was analysed");
            return;
        }
        if (module.Truncated)
            Limit(LimitRules.ParseIncomplete,
                $"The parser gave up on part of this file (nesting deeper than {PyParser.MaxDepth}, or more than {PyLexer.DefaultMaxTokens:N0} tokens); that part was not analysed");
        if (module.Body.FirstOrDefault(IsPyArmorPayload) is { } protectedCode)
            Limit(LimitRules.EncryptedCode, "This module's code is encrypted by PyArmor and decrypted only when it runs; none of it could be analysed", protectedCode.Line);
        ComputeReachability(module.Body);
        _context = _baseContext;
        var deferred = _deferred;
        Walk(module.Body, _baseContext, deferred, topLevel: true);
        // Function bodies run later than module code: walk them with the final global environment.
        var walked = 0;
        var maxWalks = _shared.Options.MaxFunctionWalks;
        _inFunctionBody = true;
        while (deferred.Count > 0 && walked < maxWalks)
        {
            walked++;
            var (def, context) = deferred.Dequeue();
            _walkCounts[def] = _walkCounts.GetValueOrDefault(def) + 1;
            if (_walkCounts[def] > 1) _evaluator.ForgetEvaluations(); // a second walk must observe its calls again
            _evaluator.PushScope();
            var taints = _parameterTaints.GetValueOrDefault(def);
            var values = _parameterValues.GetValueOrDefault(def);
            for (var i = 0; i < def.Params.Count; i++)
            {
                var taint = taints is not null && i < taints.Length ? taints[i] : Taint.None;
                if (IsWalletSecretName(def.Params[i])) taint |= Taint.Secrets;
                var constant = values is not null && i < values.Length && !values[i].Conflict ? values[i].Value : null;
                if (values is null || i >= values.Length || !values[i].Conflict) constant ??= LiteralDefault(def, i);
                _evaluator.Bind(def.Params[i], constant is not null ? constant.WithTaint(taint) : Value.Tainted(taint));
            }
            Walk(def.Body, context, deferred, topLevel: false);
            _evaluator.PopScope();
        }
        if (deferred.Count > 0)
            Limit(LimitRules.AnalysisBudget, $"Function bodies were walked {maxWalks:N0} times and {deferred.Count:N0} walks were left undone");
        Finish();
        if (_evaluator.BudgetExhausted)
            Limit(LimitRules.AnalysisBudget,
                $"The evaluator's budget of {_shared.Options.EvaluatorStepBudget:N0} steps ran out; some constants this file builds were not followed");
    }

    // ---------------------------------------------------------------- reachability

    /// <summary>
    /// Which functions run at load time: those called at module level (or handed over to be called: thread targets,
    /// atexit/signal handlers, decorators), transitively, plus every method of a setuptools command subclass and every
    /// function named in <c>cmdclass</c> in setup.py. A function that is only mentioned (stored in a table, assigned to
    /// a name) is not a root: registries of handlers are how ordinary libraries are built, and treating them as called
    /// made library code look like import-time code.
    /// </summary>
    private void ComputeReachability(IReadOnlyList<Stmt> body)
    {
        var functions = new Dictionary<string, List<FuncDef>>(StringComparer.Ordinal);
        var constructors = new Dictionary<string, List<FuncDef>>(StringComparer.Ordinal);
        var roots = new HashSet<string>(StringComparer.Ordinal);
        var rootDefs = new List<FuncDef>();
        var installRoots = new List<FuncDef>();
        var cmdclassNames = new HashSet<string>(StringComparer.Ordinal);
        var nested = new Dictionary<FuncDef, List<FuncDef>>(FuncDefIdentity.Instance);

        void Collect(IReadOnlyList<Stmt> statements, bool moduleLevel, ClassDef? owner)
        {
            foreach (var statement in statements)
            {
                switch (statement)
                {
                    case FuncDef def:
                        if (!functions.TryGetValue(def.Name, out var list)) functions[def.Name] = list = [];
                        list.Add(def);
                        CollectNested(def, def.Body);
                        if (owner is not null && def.Name is "__init__" or "__new__" or "__post_init__")
                        {
                            if (!constructors.TryGetValue(owner.Name, out var ctors)) constructors[owner.Name] = ctors = [];
                            ctors.Add(def);
                        }
                        if (moduleLevel)
                        {
                            foreach (var d in def.Decorators)
                            {
                                CollectCalledNames(d, roots);
                                if (Evaluator.DottedName(d is CallExpr c ? c.Func : d) is { } dn && (dn.EndsWith("register", StringComparison.Ordinal) || dn.EndsWith("hookimpl", StringComparison.Ordinal)))
                                    rootDefs.Add(def);
                            }
                            foreach (var d in def.Defaults) CollectCalledNames(d, roots);
                        }
                        if (owner is not null && IsInstallCommand(owner, cmdclassNames)) installRoots.Add(def);
                        if (owner is null && cmdclassNames.Contains(def.Name)) installRoots.Add(def);
                        break;
                    case ClassDef cls:
                        if (moduleLevel) foreach (var d in cls.Decorators) CollectCalledNames(d, roots);
                        Collect(cls.Body, moduleLevel, cls);
                        break;
                    case BlockStmt block when moduleLevel && IsMainGuard(block) && _role != FileRole.Setup:
                        break; // runs only as a script, not on import
                    case BlockStmt block:
                        if (moduleLevel)
                        {
                            foreach (var h in block.Header) CollectCalledNames(h, roots);
                            foreach (var (_, source) in block.Bindings) CollectCalledNames(source, roots);
                        }
                        Collect(block.Body, moduleLevel, owner);
                        break;
                    default:
                        if (moduleLevel) CollectStatementNames(statement, roots);
                        break;
                }
            }
        }

        // Functions defined inside a function (a download helper inside the install hook) run when their enclosing
        // function calls them by name; they are looked up only in their own enclosing function, so a nested helper
        // named like a common method (get, run) is not made reachable by every call of that name in the file.
        void CollectNested(FuncDef outer, IReadOnlyList<Stmt> statements)
        {
            foreach (var statement in statements)
            {
                switch (statement)
                {
                    case FuncDef inner:
                        if (!nested.TryGetValue(outer, out var inners)) nested[outer] = inners = [];
                        inners.Add(inner);
                        CollectNested(inner, inner.Body);
                        break;
                    case BlockStmt block:
                        CollectNested(outer, block.Body);
                        break;
                }
            }
        }

        // cmdclass={'install': X} names first, so Collect can recognise X.
        foreach (var statement in body) CollectCmdclass(statement, cmdclassNames);
        Collect(body, moduleLevel: true, owner: null);

        var queue = new Queue<FuncDef>();
        void EnqueueNamed(string name)
        {
            if (functions.TryGetValue(name, out var defs)) foreach (var def in defs) queue.Enqueue(def);
            if (constructors.TryGetValue(name, out var ctors)) foreach (var def in ctors) queue.Enqueue(def);
        }
        void Propagate(CodeContext context)
        {
            while (queue.Count > 0 && _functionContexts.Count < 10_000)
            {
                var def = queue.Dequeue();
                if (!_functionContexts.TryAdd(def, context == CodeContext.TestOrDocs ? CodeContext.TestOrDocs : context)) continue;
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var statement in def.Body) CollectDeepNames(statement, names);
                foreach (var name in names) EnqueueNamed(name);
                if (nested.TryGetValue(def, out var inners))
                    foreach (var inner in inners)
                        if (names.Contains(inner.Name)) queue.Enqueue(inner);
            }
        }
        // What setup.py's install code calls in this module runs at install time, whatever the module's own context.
        if (_baseContext != CodeContext.TestOrDocs)
        {
            foreach (var name in _installEntryFunctions) EnqueueNamed(name);
            Propagate(CodeContext.InstallTime);
        }
        foreach (var name in roots) EnqueueNamed(name);
        foreach (var def in rootDefs) queue.Enqueue(def);
        if (_role is FileRole.Setup || _baseContext == CodeContext.InstallTime) foreach (var def in installRoots) queue.Enqueue(def);
        Propagate(_baseContext);
    }

    /// <summary>
    /// A wallet's private key or recovery phrase, by the name of the parameter that holds it. Wallet code signs with it
    /// where it is; sending one anywhere is theft, so it is tainted as a secret from the start.
    /// </summary>
    private static bool IsWalletSecretName(string name)
    {
        var n = name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        return n is "privatekey" or "privkey" or "privatekeys" or "mnemonic" or "mnemonics" or "seedphrase" or "recoveryphrase"
            or "secretphrase" or "walletkey" or "walletprivatekey" or "mnemonicphrase";
    }

    /// <summary>
    /// <c>chdir(dir); Popen('x.vbs', shell=True)</c> starts the dropped <c>dir/x.vbs</c> by its file name: a started command
    /// that names the dropped file (a file name of its own, not a placeholder) as a word starts it.
    /// </summary>
    private static bool NamesDroppedFile(string command, string droppedPath)
    {
        var fileName = droppedPath[(droppedPath.LastIndexOfAny(['/', '\\']) + 1)..];
        if (fileName.Length < 5 || fileName.Contains("{}", StringComparison.Ordinal)) return false;
        return command.Split([' ', '\t', '"', '\'', '/', '\\'], StringSplitOptions.RemoveEmptyEntries).Contains(fileName, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary><c>[sys.executable, "-"]</c> or <c>python3 -</c>: the interpreter runs whatever program is written to its stdin.</summary>
    private static bool IsStdinInterpreter(IReadOnlyList<Value> args)
    {
        if (args.Count == 0) return false;
        var command = args[0];
        var program = command.Kind == ValueKind.List && command.Items is [var first, ..] ? first : null;
        var words = CallModel.CommandWords(command);
        if (words.Count < 2 || words[1] != "-") return false;
        return program is { Kind: ValueKind.Ref, Text: "sys.executable" }
               || words[0] is { } name && InterpreterNamePattern().IsMatch(ShellWords.BaseName(name));
    }

    [GeneratedRegex(@"^python(\d(\.\d+)?)?w?(\.exe)?$", RegexOptions.IgnoreCase)]
    private static partial Regex InterpreterNamePattern();

    /// <summary>A command that is a bare shell (or one asked to be interactive): it runs whatever is written to it.</summary>
    private static bool IsInteractiveShell(IReadOnlyList<Value> args)
    {
        var words = args.Count > 0 ? CallModel.CommandWords(args[0]) : [];
        if (words is not [{ } program, ..]) return false;
        if (ShellWords.BaseName(program) is not ("cmd" or "powershell" or "pwsh" or "sh" or "bash" or "zsh" or "dash")) return false;
        return words.Skip(1).All(p => p is "-i" or "-NoLogo" or "-nologo" or "/Q" or "-noprofile" or "-NoProfile");
    }

    /// <summary>PyArmor's protected module: <c>__pyarmor__(__name__, __file__, b'PYARMOR…')</c>, decrypted by native code on import.</summary>
    private static bool IsPyArmorPayload(Stmt statement) =>
        statement is ExprStmt { Value: CallExpr { Func: NameExpr { Id: "__pyarmor__" } or AttrExpr { Name: "__pyarmor__" } } call }
        && call.Args.Any(a => a is StrExpr);

    private static bool IsMainGuard(BlockStmt block) =>
        block.Keyword == "if" && block.Header.Count == 1 && block.Header[0] is BinExpr { Op: "==" } test
        && (test.Left is NameExpr { Id: "__name__" } || test.Right is NameExpr { Id: "__name__" });

    private static bool IsInstallCommand(ClassDef cls, HashSet<string> cmdclassNames)
    {
        if (cmdclassNames.Contains(cls.Name)) return true;
        foreach (var b in cls.Bases)
        {
            var dotted = Evaluator.DottedName(b);
            if (dotted is null) continue;
            var last = dotted[(dotted.LastIndexOf('.') + 1)..];
            if (InstallCommands.Contains(last)) return true;
        }
        return false;
    }

    private static void CollectCmdclass(Stmt statement, HashSet<string> names)
    {
        void Visit(Expr e)
        {
            if (e is CallExpr call)
            {
                if (call.Keyword("cmdclass") is { } cmd) CollectNames(cmd, names);
                foreach (var a in call.Args) Visit(a);
                foreach (var k in call.Keywords) Visit(k.Value);
            }
        }
        switch (statement)
        {
            case ExprStmt e: Visit(e.Value); break;
            case AssignStmt a:
                if (a.Targets.Any(t => t is NameExpr { Id: "cmdclass" } || (t is SubscriptExpr s && s.Target is NameExpr { Id: "cmdclass" }))) CollectNames(a.Value, names);
                Visit(a.Value);
                break;
            case BlockStmt b: foreach (var s in b.Body) CollectCmdclass(s, names); break;
        }
    }

    private static void CollectStatementNames(Stmt statement, HashSet<string> names)
    {
        switch (statement)
        {
            case ExprStmt e: CollectCalledNames(e.Value, names); break;
            case AssignStmt a: CollectCalledNames(a.Value, names); break;
            case ReturnStmt { Value: { } v }: CollectCalledNames(v, names); break;
            case OtherStmt o: foreach (var e in o.Exprs) CollectCalledNames(e, names); break;
        }
    }

    private static void CollectDeepNames(Stmt statement, HashSet<string> names)
    {
        switch (statement)
        {
            case FuncDef def: foreach (var s in def.Body) CollectDeepNames(s, names); break;
            case ClassDef cls: foreach (var s in cls.Body) CollectDeepNames(s, names); break;
            case BlockStmt block:
                foreach (var h in block.Header) CollectCalledNames(h, names);
                foreach (var (_, source) in block.Bindings) CollectCalledNames(source, names);
                foreach (var s in block.Body) CollectDeepNames(s, names);
                break;
            default: CollectStatementNames(statement, names); break;
        }
    }

    /// <summary>
    /// The names of functions an expression calls, or passes to a call as a value (Thread(target=f), atexit.register(f),
    /// map(f, …)): the edges of the load-time call graph.
    /// </summary>
    private static void CollectCalledNames(Expr root, HashSet<string> names)
    {
        // Called once per statement of every file: the thread's stack is reused (taken while in use), unless a huge
        // expression grew it.
        var stack = t_calledNamesStack ?? new Stack<Expr>();
        t_calledNamesStack = null;
        stack.Push(root);
        while (stack.Count > 0 && names.Count < 100_000)
        {
            var e = stack.Pop();
            if (e is CallExpr call)
            {
                var callee = call.Func switch { NameExpr n => n.Id, AttrExpr a => a.Name, _ => null };
                if (callee is not null) names.Add(callee);
                // A function handed to something that will call it on its own. Merely passing one (f = wrap(f),
                // registry.add(f)) does not run it: wrappers and registries are everywhere in ordinary libraries.
                var runsArguments = callee is "Thread" or "Timer" or "Process" or "start_new_thread" or "register" or "signal" or "submit"
                    or "map" or "apply" or "apply_async" or "call_soon" or "call_later" or "run_in_executor" or "run" or "add_done_callback" or "execute";
                foreach (var arg in runsArguments ? call.Args : [])
                {
                    if (arg is NameExpr an) names.Add(an.Id);
                    else if (arg is AttrExpr aa) names.Add(aa.Name);
                }
                foreach (var keyword in call.Keywords)
                {
                    if (keyword.Name is not ("target" or "func" or "function" or "callback" or "fn") && !runsArguments) continue;
                    if (keyword.Value is NameExpr kn) names.Add(kn.Id);
                    else if (keyword.Value is AttrExpr ka) names.Add(ka.Name);
                }
            }
            PushChildren(e, stack);
        }
        stack.Clear();
        if (stack.EnsureCapacity(0) <= MaxKeptStack) t_calledNamesStack = stack;
    }

    private const int MaxKeptStack = 4096;
    [ThreadStatic] private static Stack<Expr>? t_calledNamesStack;

    private static void PushChildren(Expr e, Stack<Expr> stack)
    {
        switch (e)
        {
            case AttrExpr a: stack.Push(a.Target); break;
            case CallExpr c: stack.Push(c.Func); foreach (var x in c.Args) stack.Push(x); foreach (var k in c.Keywords) stack.Push(k.Value); break;
            case SubscriptExpr s: stack.Push(s.Target); stack.Push(s.Index); break;
            case BinExpr b: stack.Push(b.Left); stack.Push(b.Right); break;
            case UnaryExpr u: stack.Push(u.Operand); break;
            case SeqExpr q: foreach (var x in q.Items) stack.Push(x); break;
            case DictExpr d: foreach (var x in d.Values) stack.Push(x); foreach (var x in d.Keys) if (x is not null) stack.Push(x); break;
            case LambdaExpr l: stack.Push(l.Body); break;
            case CompExpr c: stack.Push(c.Element); foreach (var x in c.Iterables) stack.Push(x); foreach (var x in c.Conditions) stack.Push(x); break;
            case CondExpr c: stack.Push(c.Body); stack.Push(c.Test); stack.Push(c.Else); break;
            case StarExpr s: stack.Push(s.Value); break;
            case FStrExpr f: foreach (var x in f.Fields) stack.Push(x); break;
            case OtherExpr o: foreach (var x in o.Children) stack.Push(x); break;
            case SliceExpr s: if (s.Lower is not null) stack.Push(s.Lower); if (s.Upper is not null) stack.Push(s.Upper); if (s.Step is not null) stack.Push(s.Step); break;
        }
    }

    /// <summary>Every name and attribute name mentioned in an expression (iteratively, so deep nesting cannot overflow).</summary>
    private static void CollectNames(Expr root, HashSet<string> names)
    {
        var stack = new Stack<Expr>();
        stack.Push(root);
        while (stack.Count > 0 && names.Count < 100_000)
        {
            var e = stack.Pop();
            if (e is NameExpr n) names.Add(n.Id);
            else if (e is AttrExpr attr) names.Add(attr.Name);
            PushChildren(e, stack);
        }
    }

    // ---------------------------------------------------------------- walking

    private void Walk(IReadOnlyList<Stmt> body, CodeContext context, Queue<(FuncDef, CodeContext)> deferred, bool topLevel)
    {
        for (var index = 0; index < body.Count; index++)
        {
            var statement = body[index];
            _context = context;
            switch (statement)
            {
                case ImportStmt or FromImportStmt:
                    _evaluator.Import(statement);
                    if (_imports.Count < MaxInheritedImports) _imports.Add(statement);
                    if (statement is FromImportStmt from)
                        foreach (var (name, alias) in from.Names)
                        {
                            var constant = _shared.Constants?.Resolve(_path, from.Module, name);
                            Reads.ImportedName(from.Module, name, resolved: constant is not null);
                            if (constant is not null) _evaluator.Bind(alias ?? name, constant);
                        }
                    break;
                case AssignStmt assign:
                    if (_evaluator.RunLiteralAppends(body, index) is > 0 and var appended) index += appended - 1;
                    else _evaluator.RunAssignment(assign);
                    break;
                case ExprStmt { Value: StrExpr } docstring:
                    _inDocstring = true;
                    _evaluator.Eval(docstring.Value);
                    _inDocstring = false;
                    break;
                case ExprStmt e:
                    _evaluator.Eval(e.Value);
                    break;
                case ReturnStmt { Value: { } value }:
                    _evaluator.Eval(value);
                    break;
                case OtherStmt other:
                    foreach (var e in other.Exprs) _evaluator.Eval(e);
                    break;
                case FuncDef def:
                    foreach (var d in def.Decorators) _evaluator.Eval(d);
                    foreach (var d in def.Defaults) _evaluator.Eval(d);
                    _evaluator.DefineFunction(def);
                    deferred.Enqueue((def, FunctionContext(def)));
                    break;
                case ClassDef cls:
                {
                    foreach (var b in cls.Bases) _evaluator.Eval(b);
                    foreach (var d in cls.Decorators) _evaluator.Eval(d);
                    _evaluator.Bind(cls.Name, Value.Ref(cls.Name));
                    // Class attributes are read back as self.x / Cls.x in methods.
                    foreach (var s in cls.Body)
                    {
                        if (s is AssignStmt { Targets: [NameExpr target] } a)
                        {
                            _evaluator.RunAssignment(a);
                            var v = _evaluator.Lookup(target.Id);
                            _evaluator.Bind("self." + target.Id, v);
                            _evaluator.Bind(cls.Name + "." + target.Id, v);
                        }
                        else if (s is FuncDef method)
                        {
                            foreach (var d in method.Decorators) _evaluator.Eval(d);
                            _evaluator.Bind("self." + method.Name, Value.Callable(ValueKind.Function, method));
                            deferred.Enqueue((method, FunctionContext(method)));
                        }
                        else Walk([s], context, deferred, topLevel: false);
                    }
                    break;
                }
                case BlockStmt block:
                {
                    // What a top-level loop assigns, as it was before the loop: the symbolic pass below makes it unknown,
                    // and the concrete run afterwards must start from the real values (out = "" before out += chr(…)).
                    var loopAssigned = block.Keyword == "for" ? LoopAssignedNames(block.Body) : null;
                    var beforeLoop = loopAssigned?.Select(n => (Name: n, Value: _evaluator.Lookup(n))).ToList();
                    foreach (var h in block.Header) _evaluator.Eval(h);
                    foreach (var (target, source) in block.Bindings)
                    {
                        var value = _evaluator.Eval(source);
                        _evaluator.Assign(target, block.Keyword == "for" ? Evaluator.LoopVariable(value) : value);
                    }
                    var inner = topLevel && IsMainGuard(block) && _role != FileRole.Setup && context != CodeContext.TestOrDocs ? CodeContext.Runtime : context;
                    Walk(block.Body, inner, deferred, topLevel);
                    if (loopAssigned is not null && beforeLoop is not null)
                    {
                        var symbolic = loopAssigned.Select(n => (Name: n, Value: _evaluator.Lookup(n))).ToList();
                        foreach (var (n, v) in beforeLoop) _evaluator.Bind(n, v);
                        if (!_evaluator.RunTopLevelLoop(block))
                            foreach (var (n, v) in symbolic) _evaluator.Bind(n, v);
                        else if (DoesCharacterArithmetic(block.Body))
                            // chr(ord(c) ^ key) character by character: what the loop built was decoded.
                            foreach (var (n, v) in beforeLoop)
                                if (_evaluator.Lookup(n) is { IsText: true } built && built.Text != v.Text && (built.Taint & Taint.Decoded) == 0)
                                    _evaluator.Bind(n, built.WithTaint(Taint.Decoded, Value.AddLayer(built.Layers, "loop")));
                    }
                    break;
                }
            }
        }
    }

    private static bool DoesCharacterArithmetic(IReadOnlyList<Stmt> body)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in body) CollectDeepNames(statement, names);
        return names.Contains("chr") || names.Contains("ord");
    }

    private static List<string> LoopAssignedNames(IReadOnlyList<Stmt> body) =>
        [.. body.OfType<AssignStmt>().SelectMany(a => a.Targets).OfType<NameExpr>().Select(n => n.Id).Distinct(StringComparer.Ordinal)];

    private CodeContext FunctionContext(FuncDef def) =>
        _functionContexts.TryGetValue(def, out var context) ? context
        : _baseContext == CodeContext.TestOrDocs ? CodeContext.TestOrDocs : CodeContext.Runtime;

    // ---------------------------------------------------------------- observer

    public void OnString(Expr expr, Value value)
    {
        if (_inDocstring || value.Text is not { Length: >= 4 } text) return;
        foreach (var indicator in _shared.FindIndicators(text)) NoteIndicator(indicator, expr.Line);
        if (HiddenProcessText(text)) NoteHidden(expr.Line);
    }

    private void NoteHidden(int line)
    {
        _hiddenLine = FirstLine(_hiddenLine, line);
        if (IsLoadTime) _loadHiddenLine = FirstLine(_loadHiddenLine, line);
    }

    public void OnReference(Expr expr, string name)
    {
        switch (name)
        {
            case "subprocess.CREATE_NO_WINDOW" or "subprocess.DETACHED_PROCESS" or "win32con.SW_HIDE" or "subprocess.SW_HIDE"
                or "subprocess.STARTF_USESHOWWINDOW" or "win32process.CREATE_NO_WINDOW":
                NoteHidden(expr.Line);
                break;
            case var n when n.StartsWith("winreg.HKEY_", StringComparison.Ordinal) || n.StartsWith("_winreg.HKEY_", StringComparison.Ordinal):
                _registryLine = FirstLine(_registryLine, expr.Line);
                break;
            case var n when (CallModel.Of(n, null) & CallKind.ShellcodeApi) != 0:
                _shellcodeApis.Add(n[(n.LastIndexOf('.') + 1)..]);
                break;
        }
    }

    public void OnCall(CallExpr call, string? name, Value callee, IReadOnlyList<Value> args, IReadOnlyList<(string? Name, Value Value)> keywords, Value result)
    {
        var line = call.Line;
        var method = name is null ? (call.Func as AttrExpr)?.Name : Evaluator.MethodName(call, name);
        var kind = CallModel.Of(name, method);
        var arg0 = args.Count > 0 ? args[0] : null;
        if (callee is { Kind: ValueKind.Function, Node: FuncDef called } && called.Params.Count > 0)
            LearnParameters(called, args, keywords);
        NoteBotClient(args, keywords, line);
        // Documents, photos and recordings handed to a bot built from a token written into the package go to its author.
        if (method is "send_document" or "send_photo" or "send_video" or "send_audio" or "send_voice" or "sendDocument" or "sendPhoto"
            && callee.Bound is { Kind: ValueKind.Instance, Items: [{ KnownText: { Length: < 128 } token }, ..] } && Secrets.ChatWebhookDetector.ContainsTelegramBotToken(token))
        {
            _tracedExfil = true;
            Emit(ThreatRules.HarvestExfil, Confidence.High, $"Files or captures from this machine are sent to a bot whose token is written in the package ({name ?? method})", line);
        }

        // blobs.append(secret) / data.update(env) / buf.write(x): the container now holds what was put in it.
        if (method is "append" or "extend" or "insert" or "update" or "add" or "setdefault" or "appendleft" && call.Func is AttrExpr { Target: NameExpr container })
        {
            var added = (Value.Union(args) | Value.Union(keywords.Select(k => k.Value))) & Evaluator.DataTaints;
            var current = _evaluator.Lookup(container.Id);
            if (added != 0 && (current.Taint & added) != added)
                _evaluator.Bind(container.Id, current.Kind is ValueKind.List or ValueKind.Unknown ? Value.Tainted(current.Taint | added, current.Layers) : current.WithTaint(added));
        }

        // Decoded constants: inspect them like literals; remember code-looking ones in case nothing executes them.
        if (result.Layers is not null && (result.Taint & Taint.Decoded) != 0 && result.IsText && result.Text!.Length >= 8)
        {
            foreach (var indicator in _shared.FindIndicators(result.Text))
            {
                NoteIndicator(indicator, line);
                _decodedIndicators.Add(indicator.Kind);
            }
            if (LooksLikeCode(result.Text)) _pendingDecoded.Add((result.Text, result.Layers, line));
        }
        if (result is { Kind: ValueKind.Instance, Text: "code" } && result.Items is [{ Text: { } marshalled }])
        {
            Emit(ThreatRules.MarshalCode, Confidence.High, "A marshalled code object is loaded" + ChainNote(result.Layers), line, contextual: true);
            foreach (var s in Decoders.MarshalStrings(marshalled)) foreach (var indicator in _shared.FindIndicators(s)) NoteIndicator(indicator, line);
        }

        var isExec = (kind & CallKind.Exec) != 0 || name is "exec" or "eval" or "execfile";
        if (isExec && name != "compile" || (name == "compile" && arg0 is not null && (arg0.Taint & (Taint.Decoded | Taint.Network | Taint.Blob)) != 0))
        {
            var code = arg0 ?? Value.Unknown;
            OnExec(call, name ?? "exec", code, line);
        }
        else if ((kind & CallKind.Deserialize) != 0 && name != "marshal.loads" && arg0 is not null
                 && ((arg0.Taint & Taint.Network) != 0 || arg0.IsText && (arg0.Taint & Taint.Decoded) != 0 && arg0.Layers is not null && HasDecoderStep(arg0.Layers)))
        {
            // Only a literal blob counts: unpickling a decoded cookie or database field is how sessions work.
            Emit(ThreatRules.DecodeExec, Confidence.Medium, $"Decoded or downloaded data is unpickled ({name}), which runs code" + ChainNote(arg0.Layers), line, severity: Severity.High);
        }

        if (name is "getattr" or "__import__" or "importlib.import_module" or "builtins.__dict__.get" or "globals.get" or "locals.get" or "vars.get" || call.Func is SubscriptExpr)
            CheckObfuscatedCall(call, name, result, line);

        if ((kind & CallKind.Spawn) != 0) OnSpawn(call, name!, args, keywords, line);
        // proc.stdin.write(response.text) / proc.communicate(input=…) to an interpreter reading its program from stdin is
        // exec of what was downloaded, in a process of its own.
        if (_stdinInterpreterLine > 0
            && (method == "write" && call.Func is AttrExpr { Target: AttrExpr { Name: "stdin" } } || method == "communicate")
            && ((Value.Union(args) | Value.Union(keywords.Select(k => k.Value))) & Taint.Network) != 0)
        {
            _tracedDownloadExec = true;
            Emit(ThreatRules.DownloadExec, Confidence.High, $"Data fetched from the network is written to a Python interpreter as its program ({name ?? method})", line);
        }
        if ((kind & (CallKind.NetworkFetch | CallKind.NetworkSend)) != 0) OnNetwork(call, name!, kind, args, keywords, line);

        if ((kind & CallKind.FileWrite) != 0 || (method == "write" && callee.Bound is { Kind: ValueKind.Instance, Text: "open" or "io.open" or "codecs.open" or "pathlib.Path" or "tempfile.NamedTemporaryFile" or "tempfile.TemporaryFile" or "tempfile.SpooledTemporaryFile" }))
            OnWrite(name, callee, args, line);
        CheckInstallHomeWrite(name, args, line);
        if ((kind & CallKind.Chmod) != 0 && args.Count > 1 && args[1].Kind == ValueKind.Int && (args[1].Int & 0b001_001_001) != 0)
            _executableWriteLine = FirstLine(_executableWriteLine, line);
        if ((kind & CallKind.Secrets) != 0 || (result.Taint & Taint.Secrets) != 0 && (arg0 is null || (arg0.Taint & Taint.Secrets) == 0) && callee.Bound is null)
        {
            _secretsLine = FirstLine(_secretsLine, line);
            if (name is not null && (name.StartsWith("os.environ", StringComparison.Ordinal) || name is "os.getenv" or "dict" or "json.dumps" or "str"))
                _environmentLine = FirstLine(_environmentLine, line);
        }
        // Unpacking a downloaded archive makes everything under the target directory downloaded too.
        if (method is "extractall" or "unpack_archive" && _downloadedPaths.Count > 0)
        {
            var archive = name == "shutil.unpack_archive" ? arg0 : callee.Bound is { Kind: ValueKind.Instance, Items: [var first, ..] } ? first : null;
            var into = name == "shutil.unpack_archive" ? (args.Count > 1 ? args[1] : null) : (arg0 ?? keywords.FirstOrDefault(k => k.Name == "path").Value);
            if (archive?.KnownText is { } a && _downloadedPaths.TryGetValue(a, out var fromWrittenHost) && into?.KnownText is { Length: > 1 } dir) _downloadedPaths[dir] = fromWrittenHost;
        }
        if ((kind & CallKind.NativeLoad) != 0) _nativeLine = FirstLine(_nativeLine, line);
        if ((kind & CallKind.ShellcodeApi) != 0) _shellcodeApis.Add(method ?? "");
        if ((kind & CallKind.Clipboard) != 0) _clipboardLine = FirstLine(_clipboardLine, line);
        if ((kind & CallKind.Screenshot) != 0) _screenshotLine = FirstLine(_screenshotLine, line);
        if ((kind & CallKind.Keylogger) != 0)
        {
            _keyloggerLine = FirstLine(_keyloggerLine, line);
            if (IsLoadTime) _loadKeyloggerLine = FirstLine(_loadKeyloggerLine, line);
        }
        if ((kind & CallKind.Registry) != 0)
        {
            _registryLine = FirstLine(_registryLine, line);
            if (IsLoadTime && method is "SetValueEx" or "SetValue" or "RegSetValueEx") _loadWriteLine = FirstLine(_loadWriteLine, line);
        }
        if ((kind & CallKind.SocketConnect) != 0)
        {
            _socketLine = FirstLine(_socketLine, line);
            if (arg0 is not null && CallModel.IsWrittenDestination(Flatten(arg0).FirstOrDefault())) _externalSendLine = FirstLine(_externalSendLine, line);
        }
        // Daemons point stdin/stdout at /dev/null or a log file with dup2; a reverse shell points them at a socket.
        if ((kind & CallKind.Dup2) != 0 && !(call.Args.Count > 0 && DupsAFile(call.Args[0]))) _dup2Line = FirstLine(_dup2Line, line);
        if ((kind & CallKind.Image) != 0) _imageLine = FirstLine(_imageLine, line);
    }

    /// <summary>
    /// Records what a call to one of this file's functions passed: the union of data taints per parameter, and the
    /// constant a parameter always receives. A function already walked is walked again (once) when this teaches it
    /// something, since callers are often defined after their helpers.
    /// </summary>
    private void LearnParameters(FuncDef called, IReadOnlyList<Value> args, IReadOnlyList<(string? Name, Value Value)> keywords)
    {
        var changed = false;
        var offset = called.Params[0] == "self" ? 1 : 0;
        if (!_parameterTaints.TryGetValue(called, out var taints)) _parameterTaints[called] = taints = new Taint[called.Params.Count];
        if (!_parameterValues.TryGetValue(called, out var values)) _parameterValues[called] = values = new (Value?, bool)[called.Params.Count];
        void Learn(int at, Value arg)
        {
            var taint = taints[at] | (arg.Taint & Evaluator.DataTaints); // decoded constants travel as values, with their chain
            changed |= taint != taints[at];
            taints[at] = taint;
            ref var slot = ref values[at];
            if (slot.Conflict) return;
            var known = arg.KnownText is { Length: <= 4096 } ? arg : null;
            if (slot.Value is null && known is not null) { slot.Value = known; changed = true; }
            else if (known is null || slot.Value!.Text != known.Text) { slot.Value = null; slot.Conflict = true; changed = true; }
        }
        for (var i = 0; i < args.Count && i + offset < taints.Length; i++) Learn(i + offset, args[i]);
        foreach (var (key, value) in keywords)
        {
            if (key is null) continue;
            for (var at = 0; at < called.Params.Count; at++)
                if (called.Params[at] == key) Learn(at, value);
        }
        if (changed && _walkCounts.GetValueOrDefault(called) == 1)
        {
            _walkCounts[called] = 2;
            _deferred.Enqueue((called, FunctionContext(called)));
        }
    }

    private void OnExec(CallExpr call, string name, Value code, int line)
    {
        _execLine = FirstLine(_execLine, line);
        var chain = Value.AddLayer(code.Layers, name);
        var literal = call.Args.Count > 0 && call.Args[0] is StrExpr;
        // Code alone (compile(open(f).read())) is the version-file idiom; a code object that was decoded is not.
        if ((code.Taint & Taint.Decoded) != 0)
        {
            // Text produced only by the package's own functions (templates, doctest's script_from_examples) is code
            // generation; a real decoder in the chain (base64, zlib, XOR, reversing, a lambda) is hiding.
            // Decoding with no literal at its root (text.decode('utf-8') of a file) is ordinary I/O.
            // A function rebuilt at run time from marshalled bytes Moat cannot know (they arrive through a pipe or an
            // argument) is how process-isolation helpers hand functions to a child. When the bytes are something the
            // package carries or fetches (a literal or derived from one, a blob, a shipped file, a download), or it
            // happens at install/import time, it is a hidden payload.
            var fromConstant = code.IsText || code is { Kind: ValueKind.Instance, Text: "code", Items.Count: > 0 }
                || (code.Taint & (Taint.Blob | Taint.Media | Taint.FileData | Taint.Network)) != 0;
            var rebuildsFunction = name is "types.FunctionType" or "FunctionType" && code.Layers is not null && code.Layers.Contains("marshal", StringComparison.Ordinal);
            if (code.Layers is not null && HasDecoderStep(code.Layers) && (fromConstant || IsLoadTime || !rebuildsFunction))
                Emit(ThreatRules.DecodeExec, Confidence.High, $"Decoded data is executed: {chain}", line, evidencePrefix: chain);
            else
                Emit(ThreatRules.DecodeExec, Confidence.Low, $"Code produced by the package's own functions or decoded at run time is executed: {chain}", line, severity: Severity.Low, evidencePrefix: chain);
        }
        if ((code.Taint & Taint.Network) != 0)
        {
            _tracedDownloadExec = true;
            Emit(ThreatRules.DownloadExec, Confidence.High, $"Data fetched from the network is executed with {name}", line);
        }
        if ((code.Taint & Taint.Media) != 0)
            Emit(ThreatRules.Steganography, Confidence.High, $"Data read from an image or media file is executed with {name}", line);
        if ((code.Taint & Taint.Blob) != 0 && (code.Taint & Taint.Decoded) == 0 && !code.IsText)
            Emit(ThreatRules.OpaqueBlobExec, Confidence.Medium, $"A long high-entropy literal reaches {name} through code Moat could not follow", line);
        if (!literal && (code.Taint & (Taint.Decoded | Taint.Network | Taint.Code)) == 0)
        {
            _dynamicLine = FirstLine(_dynamicLine, line);
        }
        // eval(('met' + 'sy' + 's.s' + 'o')[::-1]): a dangerous function's name assembled from pieces and evaluated.
        if (!literal && name is "eval" && code.KnownText is { Length: <= 64 } evaluated && IsDangerousDottedName(evaluated) && IsBuilt(evaluated))
            Emit(ThreatRules.ObfuscatedCall, Confidence.High, $"A dangerous function's name is assembled and evaluated: {evaluated}", line);
        // exec(''.join(map(chr, [...]))) over a long literal that Moat could not decode: the code is hidden on purpose.
        else if (!literal && !code.IsText && (code.Taint & (Taint.Decoded | Taint.Network | Taint.Blob)) == 0 && call.Args.Count > 0
                 && IsCharacterDecoderOverLongLiteral(call.Args[0]))
            Emit(ThreatRules.OpaqueBlobExec, IsLoadTime ? Confidence.High : Confidence.Medium,
                $"Code built character by character from a long literal is executed with {name}, through a decoder Moat could not follow", line);
        // Scan what is executed when we know it: decoded payloads, and code hidden in plain string literals too.
        var text = code.IsText ? code.Text : code is { Kind: ValueKind.Instance, Text: "code" } ? null : null;
        if (text is not null) ScanLayer(code.Kind == ValueKind.Bytes ? Decoders.DecodeUtf8(text) : text, chain, line);
        if (code is { Kind: ValueKind.Instance, Text: "code" } && code.Items is [{ Text: { } marshalled }])
            foreach (var s in Decoders.MarshalStrings(marshalled)) foreach (var indicator in _shared.FindIndicators(s)) NoteIndicator(indicator, line);
    }

    private void OnSpawn(CallExpr call, string name, IReadOnlyList<Value> args, IReadOnlyList<(string? Name, Value Value)> keywords, int line)
    {
        _spawnLine = FirstLine(_spawnLine, line);
        if (IsLoadTime)
        {
            _loadSpawnLine = FirstLine(_loadSpawnLine, line);
            if (!IsBuildTool(args)) _loadUnusualSpawnLine = FirstLine(_loadUnusualSpawnLine, line);
        }
        if (name == "pty.spawn") _ptySpawn = true;
        InspectCommand(args, name, line);
        InspectShell(args, name, line);
        var taint = Value.Union(args);
        foreach (var (key, value) in keywords)
        {
            if (key is "stdin" or "stdout" or "stderr" && value.Kind == ValueKind.Ref && value.Text!.EndsWith(".fileno", StringComparison.Ordinal)) _spawnWithSocket = true;
            if (key == "creationflags" && value.Kind == ValueKind.Int && (value.Int & 0x08000008) != 0) NoteHidden(line);
        }
        if (keywords.Any(k => k.Name == "stdin" && k.Value is { Kind: ValueKind.Ref, Text: "subprocess.PIPE" }))
        {
            if (IsInteractiveShell(args)) _pipedShellLine = FirstLine(_pipedShellLine, line);
            if (IsStdinInterpreter(args)) _stdinInterpreterLine = FirstLine(_stdinInterpreterLine, line);
        }
        if ((taint & Taint.Network) != 0)
        {
            _tracedDownloadExec = true;
            Emit(ThreatRules.DownloadExec, Confidence.High, $"Data fetched from the network is run as a command ({name})", line);
        }
        // A command line kept in base64 (or another codec) until the moment it runs hides what the package does from
        // whoever reads it; building one from a list or a template does not count.
        if (args.SelectMany(Flatten).FirstOrDefault(a => a.KnownText is not null && (a.Taint & Taint.Decoded) != 0 && a.Layers is { } l && HasCodecStep(l)) is { } hiddenCommand)
        {
            if (IsLoadTime) Emit(ThreatRules.DecodeExec, Confidence.High, $"A command decoded from an encoded literal is run at {Describe(_context)} ({hiddenCommand.Layers} → {name})", line);
            else Emit(ThreatRules.DecodeExec, Confidence.Medium, $"A command decoded from an encoded literal is run ({hiddenCommand.Layers} → {name})", line, severity: Severity.High);
        }
        // curl -F f=@<Login Data> http://…: the command is the HTTP client.
        if ((taint & (Taint.Secrets | Taint.Credential)) != 0 && args.SelectMany(Flatten).Any(a => a.KnownText is { } t && NetworkCommandPattern().IsMatch(t)))
        {
            _tracedExfil = true;
            Emit(ThreatRules.HarvestExfil, Confidence.High, $"Secrets are handed to a network command ({name})", line);
        }
        // dig/nslookup/ping of "<user>.<host>.<domain>", curl with the host name in its URL: the command carries host data
        // out. Done with nobody's input (at install or import time, or by a script's own statements) it is a beacon;
        // in a function a user calls, a tool may resolve or ping its own host.
        else if ((taint & Taint.Recon) != 0
                 && args.SelectMany(Flatten).Any(a => a.KnownText is { } t && (NetworkCommandPattern().IsMatch(t) || NameLookupCommandPattern().IsMatch(t))))
        {
            _tracedExfil = true;
            var unasked = IsLoadTime || !_inFunctionBody && _context != CodeContext.TestOrDocs;
            Emit(ThreatRules.HarvestExfil, unasked ? Confidence.High : Confidence.Low,
                $"Host reconnaissance (user, host name) is carried out by a network command at {Describe(_context)} ({name})", line,
                severity: unasked ? Severity.Critical : Severity.Low);
        }
        foreach (var arg in args.SelectMany(Flatten))
        {
            if (arg.KnownText is not { } text) continue;
            if (_downloadedPaths.Where(p => text.Contains(p.Key, StringComparison.Ordinal)).Select(p => (bool?)p.Value).FirstOrDefault() is { } fromWrittenHost)
            {
                if (args.SelectMany(Flatten).Any(a => a.KnownText is { } t && HiddenProcessText(t))) _hiddenDownloadLine = FirstLine(_hiddenDownloadLine, line);
                // Tools that wrap a binary (tunnels, browser drivers) download and start it when asked to; doing it as a
                // side effect of install or import is a dropper.
                _tracedDownloadExec = true;
                if (IsLoadTime) Emit(ThreatRules.DownloadExec, Confidence.High, $"A file downloaded from the network is started at {Describe(_context)} ({name})", line);
                // From a host written into the package to a path it chose itself: nobody asked for that program.
                else if (fromWrittenHost) Emit(ThreatRules.DownloadExec, Confidence.High, $"A program downloaded from a host the package names is saved and started ({name})", line);
                else Emit(ThreatRules.DownloadExec, Confidence.Low, $"A file downloaded from the network is started ({name})", line, severity: Severity.Medium);
            }
            if (_droppedPaths.Any(p => text.Contains(p, StringComparison.Ordinal) || NamesDroppedFile(text, p)))
                Emit(ThreatRules.Dropper, Confidence.High, $"An executable embedded in the code is written to disk and started ({name})", line);
            if (IsLoadTime && StartedBundledExecutable(text) is { } bundled)
                Emit(ThreatRules.Dropper, Confidence.High, $"A program shipped inside the package ({bundled}) is started at {Describe(_context)} ({name})", line);
            if (arg.Kind == ValueKind.Str && call.Args.All(a => a is not StrExpr))
                foreach (var indicator in _shared.FindIndicators(text)) NoteIndicator(indicator, line);
            // What a started command says is what it does: PowerShell cradles and reverse shells in a command line are
            // certain, not merely mentioned.
            foreach (var indicator in _shared.FindIndicators(text))
                if (indicator.Kind is IndicatorKind.PowerShell or IndicatorKind.ReverseShell or IndicatorKind.DefenderTampering)
                {
                    _commandIndicators.Add(indicator.Kind);
                    if (IsLoadTime) _loadCommandIndicators.Add(indicator.Kind);
                    if (!text.Contains("{}", StringComparison.Ordinal)) _literalCommandIndicators.Add(indicator.Kind);
                }
            if (ClipboardCommandPattern().IsMatch(text)) _clipboardLine = FirstLine(_clipboardLine, line);
            if (HiddenProcessText(text)) NoteHidden(line);
            if (PipeToShellPattern().IsMatch(text))
            {
                _tracedDownloadExec = true;
                Emit(ThreatRules.DownloadExec, Confidence.High, $"A downloaded script is piped into a shell ({name})", line);
            }
        }
        if (_context is CodeContext.InstallTime or CodeContext.InterpreterStart)
            Emit(ThreatRules.ImportTimeSpawn, Confidence.Medium, $"A program is started at {Describe(_context)} ({name})", line);
    }

    /// <summary>
    /// <c>python -c CODE</c> (as an argument list or inside a shell string) is Python too: scan CODE as a further layer,
    /// in the context of the spawning code. Droppers hand their payload to a fresh interpreter to detach it.
    /// </summary>
    private void InspectCommand(IReadOnlyList<Value> args, string spawner, int line)
    {
        var items = args.SelectMany(Flatten).ToList();
        for (var i = 0; i + 1 < items.Count; i++)
        {
            if (items[i].KnownText is "-c" && items[i + 1].KnownText is { Length: > 8 } code && !code.Contains("{}", StringComparison.Ordinal)
                && (i == 0 || !IsShell(items[i - 1].KnownText)))
            {
                NoteImportOnlyInterpreter(code, spawner, line);
                ScanLayer(code, "python -c", line);
            }
        }
        foreach (var item in items)
        {
            if (item.KnownText is not { Length: > 12 } text || !text.Contains("-c", StringComparison.Ordinal)) continue;
            var match = InlinePythonPattern().Match(text);
            if (!match.Success) continue;
            var code = match.Groups["code"].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\'", "'", StringComparison.Ordinal);
            NoteImportOnlyInterpreter(code, spawner, line);
            ScanLayer(code, "python -c", line);
        }
    }

    /// <summary>
    /// <c>python -c "import x"</c> started while the package is installed or imported: a fresh interpreter whose only work
    /// is importing a module runs that module's import-time code out of sight of the install, outliving it. Build probes
    /// print what they ask (<c>import numpy; print(numpy.get_include())</c>); a bare import asks nothing.
    /// </summary>
    private void NoteImportOnlyInterpreter(string code, string spawner, int line)
    {
        if (!IsLoadTime) return;
        var statements = code.Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var imports = statements.Count(s => s.StartsWith("import ", StringComparison.Ordinal) || s.StartsWith("from ", StringComparison.Ordinal));
        if (imports == 0 || statements.Any(s => !(s.StartsWith("import ", StringComparison.Ordinal) || s.StartsWith("from ", StringComparison.Ordinal)
                                                    || s.StartsWith("warnings.", StringComparison.Ordinal) || s.StartsWith("sys.path", StringComparison.Ordinal))))
            return;
        // Not waited for (Popen), it outlives the install or import like any detached interpreter.
        var detached = spawner is "subprocess.Popen" or "os.spawnv" or "os.spawnl" or "os.spawnlp" or "os.spawnvp" or "os.startfile";
        Emit(CommandRules.DetachedLaunch, detached ? Confidence.High : Confidence.Medium,
            $"A separate Python interpreter is started at {Describe(_context)} only to import a module: {(code.Length > 120 ? code[..120] + "…" : code)}", line,
            severity: detached ? Severity.Critical : null);
    }

    /// <summary>Compilers, version control and platform probes: what setup.py and _version.py legitimately run at load time.</summary>
    private static bool IsBuildTool(IReadOnlyList<Value> args)
    {
        if (args.Count == 0 || CallModel.CommandWords(args[0]) is not [{ } first, ..]) return false;
        return ShellWords.BaseName(first) is "git" or "hg" or "svn" or "bzr" or "gcc" or "g++" or "cc" or "c++" or "clang" or "clang++" or "cl" or "link" or "pkg-config"
            or "cmake" or "make" or "ninja" or "nvcc" or "xcrun" or "xcode-select" or "where" or "which" or "uname" or "ldconfig" or "lsb_release"
            or "sw_vers" or "llvm-config" or "pg_config" or "mysql_config" or "icu-config" or "cython" or "swig" or "protoc" or "rustc" or "cargo"
            or "go" or "npm" or "yarn" or "node" or "vswhere" or "msbuild" or "brew" or "sysctl" or "nproc" or "getconf";
    }

    private static bool IsShell(string? program) =>
        program is not null && (program.EndsWith("sh", StringComparison.Ordinal) || program.EndsWith("cmd", StringComparison.OrdinalIgnoreCase)
                                || program.EndsWith("cmd.exe", StringComparison.OrdinalIgnoreCase) || program.Contains("powershell", StringComparison.OrdinalIgnoreCase));

    /// <summary>The file the package ships with an executable header that a spawned argument names, if any.</summary>
    private string? StartedBundledExecutable(string command)
    {
        Reads.BundledExecutables(_shared.BundledExecutables.Count);
        return _shared.BundledExecutables.FirstOrDefault(b => StartsBundled(command, b));
    }

    /// <summary>A spawned argument names a file the package ships that has an executable header.</summary>
    private static bool StartsBundled(string text, string bundled)
    {
        var at = text.IndexOf("{}/", StringComparison.Ordinal);
        var tail = at >= 0 ? text[(at + 3)..] : text;
        return tail.Length > 2 && !tail.Contains("{}", StringComparison.Ordinal) && bundled.EndsWith(tail.TrimStart('/'), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\bpy(?:thon)?[\d.]*(?:\.exe)?[""']?\s+-c\s+(?<q>[""'])(?<code>.{8,}?)\k<q>\s*$|\bpy(?:thon)?[\d.]*(?:\.exe)?[""']?\s+-c\s+(?<q2>[""'])(?<code>.{8,})\k<q2>", RegexOptions.Singleline)]
    private static partial Regex InlinePythonPattern();

    [GeneratedRegex(@"(?i)\b(?:xclip|xsel|pbpaste|pbcopy|wl-paste|wl-copy|get-clipboard|set-clipboard)\b|^clip(?:\.exe)?$")]
    private static partial Regex ClipboardCommandPattern();

    [GeneratedRegex(@"(?i)^(?:curl|wget|nc|ncat|scp|sftp|ftp|tftp|rsync)(?:\.exe)?(?:\s|$)|\b(?:curl|wget)\s.*https?://|invoke-webrequest|invoke-restmethod")]
    private static partial Regex NetworkCommandPattern();

    [GeneratedRegex(@"(?i)^(?:dig|nslookup|host|drill|kdig|ping6?)(?:\.exe)?(?:\s|$)")]
    private static partial Regex NameLookupCommandPattern();

    private bool IsLoadTime => _context is CodeContext.InstallTime or CodeContext.ImportTime or CodeContext.InterpreterStart;

    private static IEnumerable<Value> Flatten(Value v) => v.Kind == ValueKind.List ? v.Items!.SelectMany(Flatten) : [v];

    private void OnNetwork(CallExpr call, string name, CallKind kind, IReadOnlyList<Value> args, IReadOnlyList<(string? Name, Value Value)> keywords, int line)
    {
        _networkLine = FirstLine(_networkLine, line);
        var url = args.Select(a => a.KnownText).FirstOrDefault(t => t is not null && t.Contains("://", StringComparison.Ordinal));
        if (url is not null)
            foreach (var indicator in _shared.FindIndicators(url))
            {
                NoteIndicator(indicator, line);
                // Posting to a chat webhook or request collector as a side effect of install/import is a beacon or a theft;
                // so is any request to one from a script's own statements, which run with nobody's input (the request
                // itself, even a GET, tells the collector where the code ran).
                // A template is a client library's endpoint, unless the file fills it with its own bot token.
                if (indicator.Kind is not (IndicatorKind.Webhook or IndicatorKind.Collector) || url.Contains("{}", StringComparison.Ordinal) && !IsCompleteDropBox(url)) continue;
                var sends = (kind & CallKind.NetworkSend) != 0;
                // Contents of local files count too: nobody's tool uploads the user's files to a receiver its author owns.
                var carried = (Value.Union(args) | Value.Union(keywords.Select(k => k.Value))) & (Taint.Secrets | Taint.Recon | Taint.Credential | Taint.FileData);
                if (keywords.Any(k => k.Name == "files")) carried |= Taint.FileData; // a multipart upload of a file
                if (IsLoadTime && sends)
                    Emit(ThreatRules.HarvestExfil, Confidence.High, $"Sends to a drop-box endpoint at {Describe(_context)}: {Redact(indicator.Match)}", line);
                else if (!_inFunctionBody && _context != CodeContext.TestOrDocs)
                    Emit(ThreatRules.HarvestExfil, Confidence.High, $"Contacts a drop-box endpoint whenever this file runs: {Redact(indicator.Match)}", line);
                else if (carried != 0 && sends)
                    Emit(ThreatRules.HarvestExfil, Confidence.High, $"Host or account data, or local files, are posted to a hard-coded drop-box endpoint: {Redact(indicator.Match)}", line);
            }
        CheckDomainFronting(call, url, line);
        var destination = args.Count > 0 ? args[0] : keywords.FirstOrDefault(k => k.Name is "url").Value;
        var written = CallModel.IsWrittenDestination(destination);
        if (url is not null && _context != CodeContext.TestOrDocs && Indicators.Find(url).Any(i => i.Kind == IndicatorKind.RawIpUrl))
            _rawIpRequestLine = FirstLine(_rawIpRequestLine, line);
        if ((kind & CallKind.NetworkSend) != 0)
        {
            _networkSendLine = FirstLine(_networkSendLine, line);
            if (written) _externalSendLine = FirstLine(_externalSendLine, line);
            var sent = Value.Union(args) | Value.Union(keywords.Select(k => k.Value));
            // The environment handed over as it is (data=os.environ) is all of it.
            if (args.Concat(keywords.Select(k => k.Value)).SelectMany(Flatten).Any(a => a is { Kind: ValueKind.Ref, Text: "os.environ" })) sent |= Taint.Secrets;
            // Resolving the machine's own name is not exfiltration; resolving data glued onto an attacker's domain is.
            if (CallModel.IsNameLookup(name) && !(args.Count > 0 && args[0].KnownText is { } host && host.Replace("{}", "", StringComparison.Ordinal).Trim('.').Contains('.', StringComparison.Ordinal)))
                sent = Taint.None;
            if ((sent & Taint.Secrets) != 0 && (IsLoadTime || written))
            {
                _tracedExfil = true;
                Emit(ThreatRules.HarvestExfil, Confidence.High, $"Secrets (credentials, environment, browser or wallet data) are sent over the network ({name})", line);
            }
            else if ((sent & Taint.Secrets) != 0)
            {
                // A client library's own credentials (the caller's, the metadata service's token) sent where the caller
                // points it, or to the local metadata service itself, is how it logs in: malware sends to a host it names.
                _tracedExfil = true;
                Emit(ThreatRules.HarvestExfil, Confidence.Low, $"Credentials are sent to a destination chosen at run time or to a local service ({name})", line, severity: Severity.Low);
            }
            else if ((sent & Taint.Credential) != 0 && IsLoadTime)
            {
                _tracedExfil = true;
                Emit(ThreatRules.HarvestExfil, Confidence.High, $"Credentials from the environment are sent over the network at {Describe(_context)} ({name})", line);
            }
            else if ((sent & Taint.Recon) != 0)
            {
                _tracedExfil = true;
                var (severity, confidence) = _context switch
                {
                    CodeContext.InstallTime or CodeContext.InterpreterStart => (Severity.Critical, Confidence.High),
                    // Host data glued onto a domain name and resolved is DNS exfiltration, not a client's user agent; sent
                    // to a host the file itself names, it is a beacon.
                    CodeContext.ImportTime => (Severity.Critical, CallModel.IsNameLookup(name) || written ? Confidence.High : Confidence.Medium),
                    // A script's own statements run with nobody's input: host data sent to a host it names is a beacon too.
                    CodeContext.Runtime when !_inFunctionBody && written => (Severity.Critical, Confidence.High),
                    // Clients send a host name to their own service's host; to a raw public IP, a collector or drop box, or an
                    // address the code decoded, it is a beacon whoever calls the function.
                    CodeContext.Runtime when written && IsAttackerShaped(url, destination) => (Severity.High, Confidence.Medium),
                    // In a function the user calls, a host name or a configured token in a request is what clients send.
                    _ => (Severity.Low, Confidence.Low),
                };
                Emit(ThreatRules.HarvestExfil, confidence, $"Host reconnaissance (user, host name, directory) is sent over the network at {Describe(_context)} ({name})", line, severity: severity);
            }
            // Uploading local files is what a file-sharing client does for its user, to its service; to a raw IP, a drop box,
            // a decoded address or a hand-started listener on an odd port, it is how stealers ship what they collected.
            if (((sent & Taint.FileData) != 0 || keywords.Any(k => k.Name == "files")) && (sent & (Taint.Secrets | Taint.Recon)) == 0
                && written && IsAttackerShaped(url, destination) && _context != CodeContext.TestOrDocs)
            {
                _tracedExfil = true;
                Emit(ThreatRules.HarvestExfil, Confidence.Medium,
                    $"Local files are uploaded to a raw IP, drop box, decoded address or a host on an unusual port ({name}{(url is null ? "" : " " + Indicators.FirstUrl(url))})", line, severity: Severity.High);
            }
        }
        if ((kind & CallKind.Download) != 0 && args.Count > 1 && args[1].KnownText is { Length: > 0 } target) _downloadedPaths[target] = written;
        if (_context is CodeContext.InstallTime or CodeContext.InterpreterStart or CodeContext.ImportTime) _loadNetworkLine = FirstLine(_loadNetworkLine, line);
        switch (_context)
        {
            case CodeContext.InstallTime or CodeContext.InterpreterStart:
                // A code host is where build steps fetch sources and tools; a Windows program (pics.exe from a user's
                // repository) fetched while the package installs is not one, whoever hosts it.
                var known = url is not null && CallModel.IsWellKnownHost(url) && !Indicators.IsExecutablePath((Indicators.FirstUrl(url) ?? url).Split('?', '#')[0]);
                Emit(ThreatRules.InstallTimeNetwork, known ? Confidence.Low : Confidence.Medium,
                    $"Network request at {Describe(_context)} ({name}{(url is null ? "" : " " + Indicators.FirstUrl(url))})", line,
                    severity: known ? Severity.Medium : null);
                break;
            case CodeContext.ImportTime when CallModel.IsNameLookup(name):
                // Resolving a name on import (an IPv6 probe, localhost) sends nothing; data in the name is handled above.
                // A fixed host named after the package itself (<module>.<someone's domain>) is different: the query is the
                // message, and the domain's owner learns where and when the package was imported.
                if (args.Count > 0 && args[0].KnownText is { } lookedUp && NamesThisPackage(lookedUp))
                    Emit(ThreatRules.ImportTimeNetwork, Confidence.High,
                        $"A host named after this package is resolved when the module is imported ({name} {lookedUp}): a DNS beacon to the domain's owner", line, severity: Severity.High);
                break;
            case CodeContext.ImportTime:
                // To a raw public IP, a drop box or collector, or an address the module decoded first: nothing a library
                // needs on import, and hidden or throw-away on purpose.
                var attackerShaped = IsAttackerShaped(url, destination);
                if (attackerShaped)
                {
                    Emit(ThreatRules.ImportTimeNetwork, Confidence.High, $"Network request to a raw IP, drop box or decoded address when the module is imported ({name}{(url is null ? "" : " " + Indicators.FirstUrl(url))})", line, severity: Severity.High);
                    // Uploading a body there as a side effect of import is sending this machine's data, whatever Moat could trace of it.
                    if ((kind & CallKind.NetworkSend) != 0 && keywords.Any(k => k.Name is "data" or "json" or "files"))
                        Emit(ThreatRules.HarvestExfil, Confidence.Medium, $"Data is posted to a raw IP, drop box or decoded address when the module is imported ({name})", line);
                }
                else
                    Emit(ThreatRules.ImportTimeNetwork, Confidence.Medium, $"Network request when the module is imported ({name})", line);
                break;
        }
    }

    /// <summary>
    /// A complete host name (three labels or more) with a label below its registered domain that is this file's package,
    /// module or distribution name as the path spells it (<c>fb303_core.example.invalid</c> resolved from
    /// <c>fb303_core/__init__.py</c>): a canary domain built for this package.
    /// </summary>
    private bool NamesThisPackage(string host)
    {
        if (host.Contains("{}", StringComparison.Ordinal) || host.Contains('/')) return false;
        Reads.MarkUnrepeatable(); // the path names the package: the same text elsewhere is another package's
        var labels = host.Trim('.').ToLowerInvariant().Split('.');
        if (labels.Length < 3) return false;
        var own = new HashSet<string>(StringComparer.Ordinal);
        foreach (var segment in _path.Split('/'))
        {
            var stem = segment.EndsWith(".py", StringComparison.Ordinal) ? segment[..^3] : segment;
            var dash = stem.IndexOf('-');
            // The sdist's top directory is NAME-VERSION.
            if (dash > 0 && dash + 1 < stem.Length && char.IsAsciiDigit(stem[dash + 1])) stem = stem[..dash];
            var normalized = stem.ToLowerInvariant().Replace('-', '_');
            if (normalized.Length >= 4 && normalized is not ("__init__" or "__main__" or "setup" or "main" or "src" or "lib" or "core" or "utils")) own.Add(normalized);
        }
        return labels.Take(labels.Length - 2).Any(label => own.Contains(label.Replace('-', '_')));
    }

    /// <summary>
    /// A raw public IP, a drop box, collector or paste site, a public host on a port no web service uses by default, or an
    /// address the code decoded first: hosts nobody's service lives on.
    /// </summary>
    private static bool IsAttackerShaped(string? url, Value? destination) =>
        url is not null && (Indicators.Find(url).Any(i => i.Kind is IndicatorKind.RawIpUrl or IndicatorKind.Collector or IndicatorKind.Webhook or IndicatorKind.PasteSite)
                            || Indicators.HasUnusualPort(url))
        || destination is not null && (destination.Taint & Taint.Decoded) != 0;

    private void OnWrite(string? name, Value callee, IReadOnlyList<Value> args, int line)
    {
        string? path = null;
        Value? data = null;
        if (callee.Bound is { Kind: ValueKind.Instance } file)
        {
            path = file.Items is [var target, ..] && file.Text is not ("tempfile.NamedTemporaryFile" or "tempfile.TemporaryFile" or "tempfile.SpooledTemporaryFile") ? target.KnownText : null;
            data = args.Count > 0 ? args[0] : null;
        }
        else if (name is "shutil.copy" or "shutil.copyfile" or "shutil.copy2" or "shutil.move" or "os.rename" or "os.replace" or "os.renames" && args.Count > 1)
        {
            path = args[1].KnownText;
            data = args[0];
        }
        // Python written out to a file is run later (by pythonw, an import, a scheduled task): what it does is what this
        // package does, so it is analysed like a decoded layer, wherever it is written to (a temporary file has no name).
        if (data is { IsText: true } && name is not ("shutil.copy" or "shutil.copyfile" or "shutil.copy2" or "shutil.move" or "os.rename" or "os.replace" or "os.renames")
            && (data.Taint & Taint.Decoded) == 0 && LooksLikeCode(data.Text!)) // decoded code is scanned with its chain in Finish
            ScanLayer(data.Text!, "code written to a file", line);
        if (path is null) return;
        NoteInstallHomeWrite(path, line);
        if (data is not null && (data.Taint & Taint.Network) != 0) _downloadedPaths[path] = (data.Taint & Taint.FromWrittenHost) != 0;
        if (Indicators.IsExecutablePath(path)) _executableWriteLine = FirstLine(_executableWriteLine, line);
        if (data is not null && (Indicators.IsExecutablePath(path) || data.IsText && IsExecutableImage(data.Text!))
            && ((data.Taint & (Taint.Decoded | Taint.Blob)) != 0 || data.IsText && IsExecutableImage(data.Text!)))
            _droppedPaths.Add(path);
        if (IsLoadTime)
        {
            _loadWriteLine = FirstLine(_loadWriteLine, line);
            foreach (var indicator in _shared.FindIndicators(path))
                if (indicator.Kind == IndicatorKind.Persistence) _loadPersistence ??= (line, indicator.Match);
        }
        foreach (var indicator in _shared.FindIndicators(path))
            if (indicator.Kind == IndicatorKind.Persistence) NoteIndicator(indicator, line);
    }

    /// <summary>
    /// getattr/__import__ with a name Moat resolved. What makes it obfuscation is that the name was BUILT ('o'+'s',
    /// a decoded string, a join): a name that appears as a plain literal in the file is only indirection, and a
    /// built name that resolves to something harmless (plugin loaders, hashlib.md5) is how ordinary libraries work.
    /// </summary>
    private void CheckObfuscatedCall(CallExpr call, string? name, Value result, int line)
    {
        var resolved = result.Kind == ValueKind.Ref ? result.Text! : null;
        var last = resolved?[(resolved.LastIndexOf('.') + 1)..];
        var dangerous = last is not null && (DangerousNames.Contains(last) || last is "os" or "subprocess" or "builtins" or "base64" or "marshal" or "zlib" or "socket" or "ctypes");
        switch (name)
        {
            case "getattr" when call.Args.Count > 1:
                if (call.Args[1] is not StrExpr && result.Kind == ValueKind.Ref)
                {
                    if (dangerous && IsBuilt(last!)) Emit(ThreatRules.ObfuscatedCall, Confidence.High, $"getattr with a built name resolves to {resolved}", line);
                    else Emit(ThreatRules.ObfuscatedCall, dangerous ? Confidence.Medium : Confidence.Low, $"getattr with a computed name resolves to {resolved}", line, severity: Severity.Low);
                }
                else if (dangerous && resolved is "exec" or "eval" or "compile" or "__import__")
                    Emit(ThreatRules.ObfuscatedCall, Confidence.Medium, $"{resolved} is reached through getattr", line, severity: Severity.Low);
                break;
            case "__import__" or "importlib.import_module" when call.Args.Count > 0 && call.Args[0] is not StrExpr && result.Kind == ValueKind.Ref:
                if (dangerous && IsBuilt(resolved!)) Emit(ThreatRules.ObfuscatedCall, Confidence.High, $"A module name is built at run time: {resolved}", line);
                else Emit(ThreatRules.ObfuscatedCall, dangerous ? Confidence.Medium : Confidence.Low, $"A module is imported by a computed name: {resolved}", line, severity: Severity.Low);
                break;
            // globals()['__builtins__'].get(''.join(map(chr, codes))): a builtin fetched from the namespace by a built name.
            case "builtins.__dict__.get" or "globals.get" or "locals.get" or "vars.get" when call.Args.Count > 0 && call.Args[0] is not StrExpr
                && resolved is "exec" or "eval" or "compile" or "__import__" or "getattr" or "execfile" && IsBuilt(resolved):
                Emit(ThreatRules.ObfuscatedCall, Confidence.High, $"{resolved} is fetched from the builtins by a name built at run time", line);
                break;
            case { } n when call.Func is SubscriptExpr && n is "exec" or "eval" or "compile" or "__import__" or "getattr":
                Emit(ThreatRules.ObfuscatedCall, Confidence.High, $"{n} is looked up by name in a namespace dictionary", line);
                break;
        }
    }

    private static bool IsDangerousDottedName(string text)
    {
        var last = text[(text.LastIndexOf('.') + 1)..];
        return text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_') && DangerousNames.Contains(last) && last is not ("open" or "getattr" or "loads" or "run" or "call");
    }

    private const int MinHiddenLiteral = 120;

    /// <summary>
    /// A join, map or comprehension over chr/ord/index lookups whose literals total 120 characters or more: the shape of
    /// per-character decoders (int(float(str(…))) chains, substitution alphabets) wrapped around a hidden program.
    /// </summary>
    private static bool IsCharacterDecoderOverLongLiteral(Expr root)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        CollectNames(root, names);
        if (!(names.Contains("join") && (names.Contains("chr") || names.Contains("ord") || names.Contains("index") || names.Contains("find")))) return false;
        var literalChars = 0;
        var stack = new Stack<Expr>();
        stack.Push(root);
        while (stack.Count > 0 && literalChars < MinHiddenLiteral)
        {
            var e = stack.Pop();
            if (e is StrExpr str) literalChars += str.Value.Length;
            else if (e is NumExpr num) literalChars += num.Length + 1;
            PushChildren(e, stack);
        }
        return literalChars >= MinHiddenLiteral;
    }

    /// <summary>True when <paramref name="name"/> never appears as a whole string literal in the source: it was assembled.</summary>
    private bool IsBuilt(string name) =>
        !_source.Contains("'" + name + "'", StringComparison.Ordinal) && !_source.Contains("\"" + name + "\"", StringComparison.Ordinal);

    /// <summary>
    /// A chat-bot client (telebot.TeleBot, telegram.Bot, an application builder's token()) handed a bot token written into
    /// the package is the author's own bot: what it sends goes to one fixed receiver, like a complete webhook URL.
    /// </summary>
    /// <summary>
    /// The string literal a parameter defaults to, when no call passed it (download_and_run(url, filename="x.exe")).
    /// The parser keeps defaults in order, not by name: they belong to the last parameters, unless variadic ones follow.
    /// </summary>
    private Value? LiteralDefault(FuncDef def, int index)
    {
        var fromEnd = def.Params.Count - index;
        if (fromEnd > def.Defaults.Count) return null;
        for (var i = index; i < def.Params.Count; i++)
            if (def.Params[i] is "args" or "kwargs" or "kw" or "kwds" or "options") return null;
        return def.Defaults[def.Defaults.Count - fromEnd] is StrExpr literal ? _evaluator.Eval(literal) : null;
    }

    private void InheritImport(Stmt import)
    {
        _evaluator.Import(import);
        _imports.Add(import);
    }

    private void NoteBotClient(IReadOnlyList<Value> args, IReadOnlyList<(string? Name, Value Value)> keywords, int line)
    {
        // Called for every call the walk sees: plain loops, not a LINQ chain of five enumerators per call.
        var token = args.Count > 0 && IsBotToken(args[0].KnownText) ? args[0].KnownText : null;
        for (var i = 0; token is null && i < keywords.Count; i++)
            if (keywords[i].Name is "token" or "bot_token" or "api_token" && IsBotToken(keywords[i].Value.KnownText)) token = keywords[i].Value.KnownText;
        if (token is not null) NoteIndicator(new Indicator(IndicatorKind.Webhook, "https://api.telegram.org/bot" + token.Trim()), line);
    }

    private static bool IsBotToken(string? text) => text is { Length: < 128 } && Secrets.ChatWebhookDetector.ContainsTelegramBotToken(text);

    private void NoteIndicator(Indicator indicator, int line)
    {
        // The browser's program (…/Application/brave.exe), as driver managers look it up, is not its credential store.
        if (indicator.Kind == IndicatorKind.BrowserData && (indicator.Match.Contains("/application", StringComparison.OrdinalIgnoreCase)
            || indicator.Match.Contains("\\application", StringComparison.OrdinalIgnoreCase) || indicator.Match.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)))
            return;
        _indicators.TryAdd(indicator.Kind, (line, indicator.Match));
        if (IsLoadTime) _loadIndicators.Add(indicator.Kind);
        if (indicator.Kind == IndicatorKind.PowerShell && IsPowerShellCradle(indicator.Match)) _powerShellCradle ??= (line, indicator.Match);
        if (indicator.Kind == IndicatorKind.Persistence && IsLoadTime) _loadPersistence ??= (line, indicator.Match);
    }

    /// <summary>A download cradle or in-memory execution (IEX, DownloadString, certutil, mshta), not only an evasion flag.</summary>
    private static bool IsPowerShellCradle(string match)
    {
        var m = match.ToLowerInvariant();
        return m.Contains("iex", StringComparison.Ordinal) || m.Contains("invoke-expression", StringComparison.Ordinal) || m.Contains("download", StringComparison.Ordinal)
            || m.Contains("invoke-webrequest", StringComparison.Ordinal) || m.Contains("bitstransfer", StringComparison.Ordinal) || m.Contains("certutil", StringComparison.Ordinal)
            || m.Contains("bitsadmin", StringComparison.Ordinal) || m.Contains("mshta", StringComparison.Ordinal) || m.Contains("regsvr32", StringComparison.Ordinal);
    }

    /// <summary>dup2's source is a file the code opens (os.open(os.devnull), open(log).fileno()), not a socket.</summary>
    private static bool DupsAFile(Expr source)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        CollectNames(source, names);
        var stack = new Stack<Expr>();
        stack.Push(source);
        var opens = false;
        while (stack.Count > 0 && !opens)
        {
            var e = stack.Pop();
            if (e is CallExpr { Func: NameExpr { Id: "open" } or AttrExpr { Name: "open" } }) opens = true;
            if (e is StrExpr str && str.Value is "/dev/null" or "nul" or "NUL") opens = true;
            PushChildren(e, stack);
        }
        return opens || names.Contains("devnull");
    }

    /// <summary>
    /// A destination written into the package: a literal URL or host that is not local (loopback, private, link-local,
    /// the cloud metadata service), or one the code decoded or fetched. Null or a parameter is chosen at run time.
    /// </summary>
    private static int FirstLine(int current, int line) => current == 0 ? Math.Max(line, 1) : current;

    [GeneratedRegex(@"(?i)\bpythonw(?:\.exe)?\b|\bstart\s+/b\b|\bnohup\b.*&\s*$|-windowstyle\s+hidden|\bDETACHED_PROCESS\b|\bCREATE_NO_WINDOW\b")]
    private static partial Regex HiddenProcessPattern();

    [GeneratedRegex(@"(?i)\b(?:curl|wget)\b[^|;&]{0,300}\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b|\b(?:curl|wget)\b[^;&]{0,300}(?:&&|;)\s*(?:chmod\s+\+x|\./|(?:ba)?sh\s)")]
    private static partial Regex PipeToShellPattern();

    private static bool IsExecutableImage(string latin1) =>
        latin1.StartsWith("MZ", StringComparison.Ordinal) && latin1.Length > 64 || latin1.StartsWith("\x7fELF", StringComparison.Ordinal);

    private static bool HiddenProcessText(string text) => text.Length < 4096 && HiddenProcessPattern().IsMatch(text);

    private static bool LooksLikeCode(string text)
    {
        if (text.Length < 16) return false;
        var head = text.AsSpan(0, Math.Min(text.Length, 4096));
        if (head.ContainsAnyExceptInRange('\t', '~') && head.IndexOfAnyInRange('\0', '\x08') >= 0) return false;
        return head.Contains("import ", StringComparison.Ordinal) || head.Contains("exec(", StringComparison.Ordinal)
            || head.Contains("eval(", StringComparison.Ordinal) || head.Contains("os.system", StringComparison.Ordinal)
            || head.Contains("subprocess", StringComparison.Ordinal) || head.Contains("def ", StringComparison.Ordinal) && head.Contains("):", StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- layers

    /// <param name="key">The code's <see cref="ContentHash"/>, when the caller has it already.</param>
    private void ScanLayer(string code, string chain, int line, ContentHash? key = null)
    {
        if (code.Length == 0) return;
        Reads.PackageLayers();
        var maxDepth = _shared.Options.MaxLayerDepth;
        if (_depth >= maxDepth)
        {
            Limit(LimitRules.DeobfuscationLimit, $"A decoded layer chain goes deeper than {maxDepth} layers; the next layer ({chain}) was not analysed", line);
            return;
        }
        var payload = key ?? ContentHash.Of(code);
        var maxLayers = _shared.Options.MaxLayers;
        bool overBudget;
        lock (_shared.ScannedPayloads)
        {
            if (!_shared.ScannedPayloads.Add(payload)) return;
            overBudget = ++_shared.Layers > maxLayers;
        }
        if (overBudget)
        {
            Limit(LimitRules.DeobfuscationLimit, $"The package has more than {maxLayers} decoded layers; this one ({chain}) and later ones were not analysed", line);
            return;
        }
        var layer = new FileAnalysis(_path, code, _role, _shared, _findings, chain, _depth + 1, _outerLine > 0 ? _outerLine : line, _context, reads: Reads);
        // exec runs a layer in the namespace of the code that execs it: the modules imported there are its modules too
        // (`import requests; exec(b'\x65…')` decodes to `exec(requests.get(url).text)`).
        foreach (var import in _imports) layer.InheritImport(import);
        layer.Run();
    }

    // ---------------------------------------------------------------- findings

    private void Finish()
    {
        foreach (var (text, layers, line) in _pendingDecoded)
        {
            if (!HasDecoderStep(layers)) continue;
            Reads.PackageLayers();
            var key = ContentHash.Of(text);
            bool seen;
            lock (_shared.ScannedPayloads) seen = _shared.ScannedPayloads.Contains(key);
            if (seen) continue;
            Emit(ThreatRules.EncodedCode, Confidence.Medium, $"An encoded literal decodes to Python code ({layers})", line, evidencePrefix: layers, contextual: true);
            ScanLayer(text, layers + " → (decoded)", line, key);
        }

        // Capabilities, once per file.
        Capability(CapabilityRules.Network, _networkLine, "Makes network requests");
        Capability(CapabilityRules.ProcessSpawn, _spawnLine, "Starts other programs");
        Capability(CapabilityRules.DynamicCode, _dynamicLine, "Executes dynamically built code");
        Capability(CapabilityRules.EnvironmentHarvest, _environmentLine, "Collects environment variables or secrets");
        Capability(CapabilityRules.NativeLoad, _nativeLine, "Loads native libraries");
        Capability(CapabilityRules.Clipboard, _clipboardLine, "Reads or writes the clipboard");
        Capability(CapabilityRules.Screenshot, _screenshotLine, "Captures the screen");
        // Hooking the keyboard in a function the user calls is what automation and hotkey libraries do; doing it as a
        // side effect of install or import is a keylogger (what it captures and sends is MOAT-CODE-022).
        if (_loadKeyloggerLine > 0) Capability(CapabilityRules.Keylogger, _loadKeyloggerLine, "Captures keystrokes when the package is installed or imported");
        else if (_keyloggerLine > 0 && _networkLine > 0) Capability(CapabilityRules.Keylogger, _keyloggerLine, "Captures keystrokes in a file that also talks to the network");
        else if (_keyloggerLine > 0) Emit(CapabilityRules.Keylogger, Confidence.High, "Captures keystrokes when its functions are called", _keyloggerLine, severity: Severity.Low);
        Capability(CapabilityRules.Registry, _registryLine, "Uses the Windows registry");
        Capability(CapabilityRules.ExecutableWrite, _executableWriteLine, "Writes or marks executable files");
        if (_hiddenLine > 0 && _spawnLine > 0 && _loadSpawnLine == 0) Emit(ThreatRules.HiddenProcess, Confidence.Medium, "Starts processes hidden or detached", _hiddenLine, contextual: true);

        // Indicators found in strings.
        foreach (var (kind, (line, match)) in _indicators)
        {
            var evidence = Redact(match);
            switch (kind)
            {
                case IndicatorKind.Webhook or IndicatorKind.Collector:
                    // A URL template ("api.telegram.org/bot{token}") is a client library; a drop box has a real token in it,
                    // or fills the template with a bot token written into the same file (the author's own bot).
                    var complete = IsCompleteDropBox(match);
                    Emit(ThreatRules.Webhook, complete ? Confidence.High : Confidence.Low,
                        $"Exfiltration endpoint: {evidence}" + (complete && IsTemplate(match) ? " (with a Telegram bot token written in the file)" : ""), line, contextual: true);
                    break;
                case IndicatorKind.PasteSite:
                    // The site itself ("https://gofile.io/d/" in a list of sites, in a file that makes no requests) is a
                    // mention; a URL of one paste or file, or a site the file talks to, is a stage or a drop box.
                    Emit(ThreatRules.PasteSite, Confidence.Medium, $"Paste or file-share URL: {evidence}", line, contextual: true,
                        severity: match.TrimEnd().EndsWith('/') && _networkLine == 0 ? Severity.Low : null);
                    break;
                case IndicatorKind.RawIpUrl:
                    // Named is a capability (a default resolver, a documented address); requested by package code, it is where
                    // the package talks to a machine with no name, which services do not and throw-away servers do.
                    if (_rawIpRequestLine > 0)
                        Emit(ThreatRules.RawIp, Confidence.High, $"Package code sends a request to a raw public IP address: {evidence}", _rawIpRequestLine, contextual: true, severity: Severity.Medium);
                    else
                        Emit(ThreatRules.RawIp, Confidence.Medium, $"URL with a raw public IP address: {evidence}", line, contextual: true);
                    break;
                // Named only in functions the user calls (a cookie importer, a wallet tool) they are capabilities; named
                // in load-time code, or sent to a host the file names (MOAT-CODE-024), they are a stealer's targets.
                case IndicatorKind.BrowserData:
                    Emit(ThreatRules.BrowserTargets, Confidence.Medium, $"Names a browser credential store: {evidence}", line, contextual: true,
                        severity: _loadIndicators.Contains(kind) ? null : Severity.Low);
                    break;
                case IndicatorKind.WalletData:
                    Emit(ThreatRules.WalletTargets, Confidence.Medium, $"Names a crypto wallet store: {evidence}", line, contextual: true,
                        severity: _loadIndicators.Contains(kind) ? null : Severity.Low);
                    break;
                case IndicatorKind.MessagingTokens:
                    Emit(ThreatRules.TokenTargets, Confidence.Medium, $"Looks for messaging session tokens: {evidence}", line, contextual: true);
                    break;
                case IndicatorKind.Credentials:
                    Emit(ThreatRules.CredentialFiles, Confidence.Medium, $"Names a credential file: {evidence}", line);
                    break;
                case IndicatorKind.Persistence:
                    // Naming one is what opt-in autostart settings do; writing one at load time is MOAT-CODE-025.
                    Emit(ThreatRules.Persistence, Confidence.Medium, $"Names an autostart location: {evidence}", line, severity: Severity.Low, contextual: true);
                    break;
                case IndicatorKind.PowerShell:
                    if (_loadCommandIndicators.Contains(kind))
                        Emit(ThreatRules.PowerShell, Confidence.High, $"PowerShell abuse run at {(_loadPersistence is null ? "install or import" : "install or import")} time: {evidence}", line, severity: Severity.Critical);
                    else if (_powerShellCradle is { } cradle)
                        Emit(ThreatRules.PowerShell, _commandIndicators.Contains(kind) ? Confidence.High : Confidence.Medium, $"PowerShell abuse: {Redact(cradle.Match)}", cradle.Line, contextual: true);
                    else if (_literalCommandIndicators.Contains(kind) || _loadIndicators.Contains(kind) || _decodedIndicators.Contains(kind))
                        Emit(ThreatRules.PowerShell, _commandIndicators.Contains(kind) ? Confidence.High : Confidence.Medium, $"PowerShell abuse: {evidence}", line, contextual: true);
                    else
                        // -EncodedCommand, a hidden window or a bypassed policy in a command that a function builds from
                        // its caller's input or hands to a remote host is how remote-management and driver tools run
                        // PowerShell; it weighs as a capability. A complete command the package carries and starts does not.
                        Emit(ThreatRules.PowerShell, Confidence.Medium, $"PowerShell run encoded, hidden or with its policy bypassed when a function is called: {evidence}", line, severity: Severity.Low, contextual: true);
                    break;
                case IndicatorKind.ReverseShell:
                    Emit(ThreatRules.ReverseShell, Confidence.Medium, $"Reverse-shell command: {evidence}", line, severity: Severity.High);
                    break;
                case IndicatorKind.DefenderTampering:
                    Emit(ThreatRules.DefenderTampering, _commandIndicators.Contains(kind) ? Confidence.High : Confidence.Medium, $"Security tool tampering: {evidence}", line, contextual: true);
                    break;
            }
        }

        // Autostart entries written while the package is installed or imported: nobody asked for them.
        if (_loadPersistence is { } persistence && (_loadWriteLine > 0 || _loadSpawnLine > 0))
            Emit(ThreatRules.LoadTimePersistence, Confidence.High, $"Installs an autostart entry ({Redact(persistence.Match)}) when the package is installed or imported", persistence.Line);
        // Hidden where it runs at load time, or a downloaded file started hidden: not a GUI helper's option.
        if ((_loadHiddenLine > 0 || _hiddenDownloadLine > 0) && _loadUnusualSpawnLine > 0)
            Emit(ThreatRules.HiddenProcess, Confidence.Medium, $"Starts a hidden or detached process when the package is installed or imported", _loadHiddenLine > 0 ? _loadHiddenLine : _hiddenDownloadLine, severity: Severity.High);
        if (_clipboardLine > 0 && _indicators.TryGetValue(IndicatorKind.CryptoAddress, out var address))
            Emit(ThreatRules.WalletTargets, Confidence.High, $"Watches the clipboard for crypto-currency addresses ({Redact(address.Match)}): a clipper", address.Line, severity: Severity.Critical);

        // Combinations within the file.
        var stealerTargets = _indicators.Keys.FirstOrDefault(k => k is IndicatorKind.BrowserData or IndicatorKind.WalletData or IndicatorKind.MessagingTokens);
        var exfilChannel = _networkSendLine > 0 || _indicators.ContainsKey(IndicatorKind.Webhook) || _indicators.ContainsKey(IndicatorKind.Collector);
        // Stealers send to a host written into them (or a drop box, a paste site, an IP); a client that reads browser
        // cookies for its own requests to URLs its caller chooses is not one.
        var writtenChannel = _externalSendLine > 0 || _loadNetworkLine > 0 || _indicators.ContainsKey(IndicatorKind.Webhook) || _indicators.ContainsKey(IndicatorKind.Collector)
            || _indicators.ContainsKey(IndicatorKind.PasteSite) || _indicators.ContainsKey(IndicatorKind.RawIpUrl);
        if (stealerTargets != IndicatorKind.None && writtenChannel)
            Emit(ThreatRules.StealerExfil, Confidence.High, $"Reads {Describe(stealerTargets)} and sends data over the network", _indicators[stealerTargets].Line);
        // Cloud, SSH or registry credential files in a file that sends to a drop box written into it (a complete webhook
        // or request-collector URL, not a template the caller fills in): nobody's tooling ships its keys to a collector.
        else if (_indicators.TryGetValue(IndicatorKind.Credentials, out var credentialFile) && _networkSendLine > 0 && HasCompleteDropBox())
            Emit(ThreatRules.StealerExfil, Confidence.High, $"Reads credential files ({Redact(credentialFile.Match)}) and sends data to a drop-box endpoint", credentialFile.Line);
        // Untraced co-occurrence only counts where no user asked for it: network at load time or a drop-box endpoint.
        // (A password prompt and an HTTP client in one module is every CLI that logs in somewhere.)
        var dropBox = _indicators.ContainsKey(IndicatorKind.Webhook) || _indicators.ContainsKey(IndicatorKind.Collector);
        if (!_tracedExfil && _secretsLine > 0 && exfilChannel && stealerTargets == IndicatorKind.None && (_loadNetworkLine > 0 || dropBox))
            Emit(ThreatRules.HarvestExfil, Confidence.Medium, "Collects secrets and makes network requests in the same file", _secretsLine, severity: Severity.High);
        // A shell with nothing to run but what arrives on its piped stdin, in a file that connects a socket out, is
        // pumped from that socket: a reverse shell written without dup2.
        if (_socketLine > 0 && (_dup2Line > 0 || _ptySpawn || _spawnWithSocket || _pipedShellLine > 0))
            Emit(ThreatRules.ReverseShell, Confidence.High, "A socket is connected out and a shell is attached to it", _socketLine);
        else if (_indicators.ContainsKey(IndicatorKind.ReverseShell) && (_spawnLine > 0 || _socketLine > 0))
            Emit(ThreatRules.ReverseShell, Confidence.High, "A reverse-shell command is run", _indicators[IndicatorKind.ReverseShell].Line);
        if (_shellcodeApis.Contains("VirtualAlloc") || _shellcodeApis.Contains("VirtualAllocEx"))
        {
            if (_shellcodeApis.Overlaps(["CreateThread", "CreateRemoteThread"]) && _shellcodeApis.Overlaps(["RtlMoveMemory", "WriteProcessMemory", "memmove"]))
                Emit(ThreatRules.Shellcode, Confidence.High, "Allocates memory, copies bytes into it and starts a thread there", _nativeLine > 0 ? _nativeLine : 1);
        }
        if (!_tracedDownloadExec && _networkLine > 0 && _executableWriteLine > 0 && _spawnLine > 0)
        {
            // Installers and downloaders (node, pandoc, debuggers) fetch a program to a path chosen at run time and start
            // it when the user calls them. At install/import time, or from a host written like an attacker's, it is a dropper.
            var attackerHost = _indicators.ContainsKey(IndicatorKind.PasteSite) || _indicators.ContainsKey(IndicatorKind.RawIpUrl)
                || _indicators.ContainsKey(IndicatorKind.Webhook) || _indicators.ContainsKey(IndicatorKind.Collector);
            if (_loadNetworkLine > 0 || _loadSpawnLine > 0 || attackerHost)
                Emit(ThreatRules.DownloadExec, Confidence.Medium, "Downloads, writes an executable file and starts a program in the same file", _executableWriteLine);
            else
                Emit(ThreatRules.DownloadExec, Confidence.Low, "Downloads, writes an executable file and starts a program in the same file, in functions the user calls (an installer or downloader)", _executableWriteLine, severity: Severity.Low);
        }
        if (_imageLine > 0 && _execLine > 0)
            Emit(ThreatRules.Steganography, Confidence.Medium, "Opens images and executes dynamic code in the same file", _imageLine);
        if (_indicators.ContainsKey(IndicatorKind.PasteSite) && (_execLine > 0 || _spawnLine > 0) && _networkLine > 0 && !_tracedDownloadExec)
        {
            // The raw view of one fixed paste (pastebin.com/raw/ID, rentry.co/ID/raw) is a stage the author keeps editing,
            // not a paste client's endpoint.
            var paste = _indicators[IndicatorKind.PasteSite];
            Emit(ThreatRules.DownloadExec, IsFixedRawPaste(paste.Match) ? Confidence.High : Confidence.Medium,
                "Fetches from a paste or file-share site and executes code in the same file", paste.Line);
        }
    }

    /// <summary>
    /// A chain made only of the file's own functions (a code template filled in by <c>_finder_template()</c>) is
    /// code generation, not decoding; a real decoder (base64, zlib, XOR comprehension, lambda) anywhere makes it one.
    /// </summary>
    private static bool HasDecoderStep(string layers) =>
        layers.Split(" → ").Any(step => !step.EndsWith("()", StringComparison.Ordinal));

    /// <summary>A chain with a real codec in it (base64, zlib, rot13, XOR…), not only list building or the file's own functions.</summary>
    private static bool HasCodecStep(string layers) =>
        layers.Split(" → ").Any(step => !step.EndsWith("()", StringComparison.Ordinal) && step is not ("comprehension" or "map" or "reverse"));

    private static string Describe(IndicatorKind kind) => kind switch
    {
        IndicatorKind.BrowserData => "browser credential stores",
        IndicatorKind.WalletData => "crypto wallets",
        IndicatorKind.MessagingTokens => "messaging session tokens",
        _ => "sensitive data",
    };

    private static bool IsFixedRawPaste(string url)
    {
        if (url.Contains('{') || url.Contains('%')) return false;
        var path = Indicators.Host(url) is { } host && url.IndexOf(host, StringComparison.OrdinalIgnoreCase) is var at and >= 0 ? url[(at + host.Length)..] : "";
        var segments = path.Split(['/', '?', '#'], StringSplitOptions.RemoveEmptyEntries);
        return segments.Length >= 2 && segments.Any(s => s.Equals("raw", StringComparison.OrdinalIgnoreCase))
            && segments.Any(s => !s.Equals("raw", StringComparison.OrdinalIgnoreCase) && s.Length >= 4);
    }

    private bool HasCompleteDropBox() =>
        new[] { IndicatorKind.Webhook, IndicatorKind.Collector }.Any(kind => _indicators.TryGetValue(kind, out var found) && IsCompleteDropBox(found.Match));

    private static bool IsTemplate(string url) => url.Contains('{') || url.Contains('%') || url.EndsWith("/bot", StringComparison.Ordinal);

    /// <summary>A webhook or collector URL that reaches one fixed receiver: complete as written, or a Telegram bot URL template in a file that holds a bot token.</summary>
    private bool IsCompleteDropBox(string url) =>
        !IsTemplate(url) || url.Contains("api.telegram.org/bot", StringComparison.OrdinalIgnoreCase) && HasBotToken;

    private bool? _hasBotToken;
    private bool HasBotToken => _hasBotToken ??= Secrets.ChatWebhookDetector.ContainsTelegramBotToken(_source);

    private static string Describe(CodeContext context) => context switch
    {
        CodeContext.InstallTime => "install time",
        CodeContext.ImportTime => "import time",
        CodeContext.InterpreterStart => "interpreter start (.pth)",
        CodeContext.TestOrDocs => "test time",
        _ => "run time",
    };

    private void Capability(Rule rule, int line, string message)
    {
        if (line > 0) Emit(rule, Confidence.High, message, line);
    }

    private static string ChainNote(string? layers) => layers is null ? "" : $" ({layers})";

    /// <summary>
    /// Records a finding with the file's context applied: threats at install/interpreter start weigh one level more,
    /// anything in tests/docs two levels less at low confidence. In a decoded layer, the location is the outer line.
    /// </summary>
    private void Emit(Rule rule, Confidence confidence, string message, int line, Severity? severity = null, bool contextual = false, string? evidencePrefix = null)
    {
        var s = severity ?? rule.Severity;
        if (_context == CodeContext.TestOrDocs || _baseContext == CodeContext.TestOrDocs)
        {
            s = (Severity)Math.Max((int)Severity.Info, (int)s - 2);
            confidence = Confidence.Low;
        }
        else if (contextual && _context is CodeContext.InstallTime or CodeContext.InterpreterStart && s is Severity.Medium or Severity.High)
        {
            s += 1;
        }
        var reportedLine = _outerLine > 0 ? _outerLine : line;
        if (!_emitted.Add((rule.Id, message, reportedLine))) return;
        var count = _perRule.GetValueOrDefault(rule.Id);
        if (count >= MaxPerRule) return;
        _perRule[rule.Id] = count + 1;

        var snippet = Snippet(line);
        var evidence = _chain is not null ? $"{_chain}: {snippet}" : evidencePrefix is not null && _depth == 0 ? $"{snippet}" : snippet;
        if (_chain is not null) message += $" (in a decoded layer: {_chain})";
        lock (_findings)
        {
            _findings.Add(new Finding(rule.Id, s, confidence, message, new Location(_path, reportedLine), evidence));
        }
    }

    /// <summary>
    /// Records that part of this file was not analysed: once per rule and file (layers included), at the outer line,
    /// never softened by the file's context: a limit hit in a test file still leaves that file unchecked.
    /// </summary>
    private void Limit(Rule rule, string message, int line = 0)
    {
        Reads.MarkUnrepeatable(); // reported once per package and file
        lock (_shared.LimitsReported)
        {
            if (!_shared.LimitsReported.Add((rule.Id, _path))) return;
        }
        if (_chain is not null) message += $" (in a decoded layer: {_chain})";
        lock (_findings)
        {
            _findings.Add(new Finding(rule.Id, rule.Severity, Confidence.High, message, new Location(_path, _outerLine > 0 ? _outerLine : line)));
        }
    }

    private string Snippet(int line)
    {
        // Line starts are indexed once per file (not a string per line: most files report a handful of snippets).
        _lineStarts ??= LineStarts(_source);
        if (line < 1 || line > _lineStarts.Count) return "";
        var start = _lineStarts[line - 1];
        var end = line < _lineStarts.Count ? _lineStarts[line] - 1 : _source.Length;
        // Cut before copying: a minified or payload line can be megabytes long.
        var text = _source.AsSpan(start, end - start).Trim();
        return Redact(text.Length > 160 ? string.Concat(text[..157], "…") : text.ToString());
    }

    /// <summary>Where each line begins, splitting on '\n' only (as <c>Split('\n')</c> would).</summary>
    private static List<int> LineStarts(string source)
    {
        var starts = new List<int> { 0 };
        for (var at = source.IndexOf('\n'); at >= 0; at = source.IndexOf('\n', at + 1)) starts.Add(at + 1);
        return starts;
    }

    /// <summary>Redacts webhook tokens, bot tokens, cloud keys and session tokens that appear in evidence.</summary>
    public static string Redact(string text) => Secrets.SecretShapes.Redact(text);
}
