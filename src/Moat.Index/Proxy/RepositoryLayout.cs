using System.Text.RegularExpressions;
using Tomlyn.Model;

namespace Moat.Index.Proxy;

public enum RepositoryKind { Hosted, Proxy, Group }

/// <summary>One <c>[[repository]]</c> entry: a hosted store, a proxy of an upstream simple index, or an ordered group.</summary>
public sealed record RepositoryDefinition(string Name, RepositoryKind Kind, ProxyOptions? Proxy = null, IReadOnlyList<string>? Members = null)
{
    public IReadOnlyList<string> Members { get; init; } = Members ?? [];
}

/// <summary>
/// The repositories <c>moat serve</c> offers, from <c>[[repository]]</c> in moat.toml, and which one answers at
/// <c>/simple/</c>. Every repository is also at <c>/r/&lt;name&gt;/simple/</c>.
/// <para>
/// Resolution in a group (<see cref="ProxyOrder"/>, <see cref="Repositories"/>): a project that exists in the hosted
/// repository is served from it and from nowhere else; a name reserved by <c>[proxy] reserved</c> or a hosted
/// repository's <c>reserved</c> is never looked up upstream; any other name comes from the FIRST proxy member, in
/// the group's order, whose upstream has it. Pages are never merged across upstreams — merging is exactly how a
/// public project adds a higher version to a private one (dependency confusion) — and when a proxy member cannot be
/// asked (upstream down, nothing cached) the group answers 502 rather than asking the next one.
/// </para>
/// With no <c>[[repository]]</c> at all: one hosted repository (<c>hosted</c>), one proxy of <c>[proxy] upstream</c>
/// (pypi.org unless configured; <c>pypi</c>), and the group of both (<c>simple</c>) at <c>/simple/</c>.
/// </summary>
public sealed record RepositoryLayout(IReadOnlyList<RepositoryDefinition> Repositories, string Root)
{
    public const string SimplePath = "/simple/";

    public static RepositoryLayout Default(ProxyOptions proxy)
    {
        var hosted = new RepositoryDefinition("hosted", RepositoryKind.Hosted);
        if (!proxy.Enabled) return new([hosted, new("simple", RepositoryKind.Group, Members: ["hosted"])], "simple");
        return new([hosted, new("pypi", RepositoryKind.Proxy, proxy with { Name = "pypi" }), new("simple", RepositoryKind.Group, Members: ["hosted", "pypi"])], "simple");
    }

    /// <summary>One line for the start-up log: what answers at /simple/ and what each repository is.</summary>
    public string Describe() => $"{SimplePath} = {Root}; " + string.Join("; ", Repositories.Select(r => r.Kind switch
    {
        RepositoryKind.Proxy => $"{r.Name}: proxy of {r.Proxy!.DisplayUpstream}",
        RepositoryKind.Group => $"{r.Name}: group of {string.Join(", ", r.Members)}",
        _ => $"{r.Name}: hosted",
    }));

    public RepositoryDefinition? Find(string name) => Repositories.FirstOrDefault(r => r.Name == name);

    public IEnumerable<ProxyOptions> Proxies => Repositories.Where(r => r.Kind == RepositoryKind.Proxy).Select(r => r.Proxy!);

    /// <summary>The proxies a repository resolves through, in order (groups flattened depth-first, each proxy once).</summary>
    public IReadOnlyList<string> ProxyOrder(string name)
    {
        var order = new List<string>();
        Walk(name, definition => { if (definition.Kind == RepositoryKind.Proxy && !order.Contains(definition.Name)) order.Add(definition.Name); });
        return order;
    }

    /// <summary>Whether the repository is, or contains, the hosted repository.</summary>
    public bool IncludesHosted(string name)
    {
        var found = false;
        Walk(name, definition => found |= definition.Kind == RepositoryKind.Hosted);
        return found;
    }

    private void Walk(string name, Action<RepositoryDefinition> visit)
    {
        if (Find(name) is not { } definition) return;
        visit(definition);
        foreach (var member in definition.Members) Walk(member, visit); // acyclic: checked in Parse
    }

    private static readonly Regex ValidName = new("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant);

    private static readonly Dictionary<RepositoryKind, string[]> Keys = new()
    {
        [RepositoryKind.Hosted] = ["name", "type", "path", "reserved"],
        [RepositoryKind.Proxy] = ["name", "type", "path", "url", .. ProxyOptions.SettingKeys],
        [RepositoryKind.Group] = ["name", "type", "path", "members"],
    };

    /// <summary>
    /// Reads <c>[[repository]]</c>. Proxies take their defaults from <c>[proxy]</c> (<paramref name="defaults"/>, all
    /// keys but <c>upstream</c>). Names reserved anywhere (<c>[proxy] reserved</c>, a hosted or proxy entry's
    /// <c>reserved</c>) are reserved from every upstream. Every mistake is one clear line.
    /// </summary>
    public static RepositoryLayout Parse(TomlTableArray entries, ProxyOptions defaults, string source)
    {
        var definitions = new List<RepositoryDefinition>();
        var reserved = new List<string>(defaults.Reserved);
        string? root = null;
        foreach (var entry in entries)
        {
            var where = $"repository #{definitions.Count + 1}";
            IndexConfigurationException Bad(string message) => new($"{source}: {where}: {message}");
            var name = entry.TryGetValue("name", out var n) && n is string s ? s : throw Bad("needs name = \"...\"");
            if (!ValidName.IsMatch(name)) throw Bad($"name '{name}' must be lower-case letters, digits, '.', '_' or '-' (it is a URL path: /r/{name}/simple/)");
            where = $"repository '{name}'";
            if (definitions.Any(d => d.Name == name)) throw Bad("is defined twice");
            var kind = (entry.TryGetValue("type", out var t) ? t : null) switch
            {
                "hosted" => RepositoryKind.Hosted,
                "proxy" => RepositoryKind.Proxy,
                "group" => RepositoryKind.Group,
                _ => throw Bad("type must be \"hosted\", \"proxy\" or \"group\""),
            };
            if (entry.Keys.FirstOrDefault(k => !Keys[kind].Contains(k)) is { } unknown)
                throw Bad($"unknown key '{unknown}' for a {kind.ToString().ToLowerInvariant()} repository (allowed: {string.Join(", ", Keys[kind])})");
            if (entry.TryGetValue("path", out var path))
            {
                if (path is not SimplePath) throw Bad($"path may only be \"{SimplePath}\" (every repository is also at /r/{name}/simple/)");
                if (root is not null) throw Bad($"two repositories at {SimplePath}: '{root}' and '{name}'");
                root = name;
            }
            var entryReserved = entry.TryGetValue("reserved", out var r)
                ? r is TomlArray array && array.All(x => x is string) ? array.Cast<string>().ToList() : throw Bad("reserved must be an array of strings")
                : [];
            reserved.AddRange(entryReserved);
            switch (kind)
            {
                case RepositoryKind.Hosted:
                    if (definitions.FirstOrDefault(d => d.Kind == RepositoryKind.Hosted) is { } other)
                        throw Bad($"a second hosted repository (Moat has one hosted store, already named '{other.Name}')");
                    definitions.Add(new(name, kind));
                    break;
                case RepositoryKind.Proxy:
                    if (!entry.ContainsKey("url")) throw Bad("a proxy needs url = \"https://…/simple/\"");
                    var proxy = ProxyOptions.Apply(defaults with { Name = name, Username = null, Password = null }, entry, source, where, "url");
                    if (!proxy.Enabled) throw Bad("url must not be empty (leave the proxy out of the configuration instead)");
                    definitions.Add(new(name, kind, proxy));
                    break;
                default:
                    var members = entry.TryGetValue("members", out var m) && m is TomlArray list && list.Count > 0 && list.All(x => x is string)
                        ? list.Cast<string>().ToList() : throw Bad("a group needs members = [\"…\", …] (repository names, in resolution order)");
                    if (members.GroupBy(x => x).FirstOrDefault(g => g.Count() > 1) is { } twice) throw Bad($"lists member '{twice.Key}' twice");
                    definitions.Add(new(name, kind, Members: members));
                    break;
            }
        }
        if (definitions.Count == 0) throw new IndexConfigurationException($"{source}: [[repository]] is empty");
        foreach (var group in definitions.Where(d => d.Kind == RepositoryKind.Group))
        {
            if (group.Members.FirstOrDefault(m => definitions.All(d => d.Name != m)) is { } missing)
                throw new IndexConfigurationException($"{source}: repository '{group.Name}': unknown member '{missing}'");
        }
        CheckCycles(definitions, source);
        root ??= ImplicitRoot(definitions) ?? throw new IndexConfigurationException(
            $"{source}: which repository answers at {SimplePath}? Set path = \"{SimplePath}\" on one (there is more than one group, or several repositories and no group)");
        // Reserved names are reserved from every upstream: a name claimed by one proxy's configuration or the hosted
        // repository must not be resolvable through another proxy either.
        var all = reserved.Distinct(StringComparer.Ordinal).ToList();
        return new([.. definitions.Select(d => d.Proxy is { } p ? d with { Proxy = p with { Reserved = all } } : d)], root);
    }

    private static string? ImplicitRoot(List<RepositoryDefinition> definitions)
    {
        var groups = definitions.Where(d => d.Kind == RepositoryKind.Group).ToList();
        return groups.Count == 1 ? groups[0].Name : groups.Count == 0 && definitions.Count == 1 ? definitions[0].Name : null;
    }

    private static void CheckCycles(List<RepositoryDefinition> definitions, string source)
    {
        var byName = definitions.ToDictionary(d => d.Name);
        var done = new HashSet<string>();
        var path = new List<string>();
        void Visit(string name)
        {
            if (done.Contains(name)) return;
            if (path.Contains(name))
                throw new IndexConfigurationException($"{source}: groups form a cycle: {string.Join(" -> ", path.SkipWhile(p => p != name).Append(name))}");
            path.Add(name);
            foreach (var member in byName[name].Members) Visit(member);
            path.RemoveAt(path.Count - 1);
            done.Add(name);
        }
        foreach (var definition in definitions) Visit(definition.Name);
    }
}
