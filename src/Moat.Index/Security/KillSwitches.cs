using Moat.Index.Accounts;

namespace Moat.Index.Security;

/// <summary>The admin kill switches. Names as stored and as typed on the command line.</summary>
public static class SwitchNames
{
    public const string NoNewUsers = "no-new-users";
    public const string NoNewProjects = "no-new-projects";
    public const string NoUploads = "no-uploads";
    public const string ReadOnly = "read-only";
    public static readonly string[] All = [NoNewUsers, NoNewProjects, NoUploads, ReadOnly];
}

/// <summary>
/// Kill switches as stored in the database, so a switch flipped by <c>moat admin switch</c> or through the admin API
/// takes effect on the very next request, with no cache to wait out. Every request checks them (the
/// <c>Moat-Notice</c> header), so the rows are read again only when the database changed since the last read
/// (<see cref="AccountStore.DataVersion"/>), not per request. The reason travels with the refusal and in the header.
/// </summary>
public sealed class KillSwitches(AccountStore store)
{
    public sealed record Active(string Name, string? Reason);

    /// <summary>The active switches, the <c>Moat-Notice</c> header value (null when none) and the read-only switch if on.</summary>
    public sealed record Snapshot(IReadOnlyList<Active> Active, string? Notice, Active? ReadOnly)
    {
        public static Snapshot Of(IReadOnlyList<Active> active) => new(active,
            active.Count == 0 ? null : string.Join("; ", active.Select(s => AsciiOnly(Describe(s)))),
            active.FirstOrDefault(s => s.Name == SwitchNames.ReadOnly));
    }

    private sealed record Versioned(long DataVersion, Snapshot Snapshot);

    private Versioned? _current;

    /// <summary>The switches as of now; completes synchronously unless the database changed since the last read.</summary>
    public ValueTask<Snapshot> CurrentAsync()
    {
        // The version is read before the rows: a commit in between makes the next call read them again.
        var version = store.DataVersion();
        var current = Volatile.Read(ref _current);
        return current is not null && current.DataVersion == version ? new(current.Snapshot) : ReadAsync(version);
    }

    private async ValueTask<Snapshot> ReadAsync(long version)
    {
        var active = (await store.SwitchesAsync()).Where(s => s.enabled != 0).Select(s => new Active(s.name, s.reason)).ToArray();
        var snapshot = Snapshot.Of(active);
        Volatile.Write(ref _current, new Versioned(version, snapshot));
        return snapshot;
    }

    public async Task<IReadOnlyList<Active>> ActiveAsync() => (await CurrentAsync()).Active;

    /// <summary>The refusal message when any of <paramref name="names"/> (or read-only) is on; null otherwise.</summary>
    public async Task<string?> BlocksAsync(params string[] names)
    {
        foreach (var s in await ActiveAsync())
        {
            if (s.Name == SwitchNames.ReadOnly || names.Contains(s.Name)) return Describe(s);
        }
        return null;
    }

    public static string Describe(Active s) => $"The index administrators switched on '{s.Name}'" + (string.IsNullOrWhiteSpace(s.Reason) ? "." : $": {s.Reason}");

    /// <summary>Header values must be ASCII; reasons are typed by people.</summary>
    private static string AsciiOnly(string s) => new([.. s.Select(c => c is >= ' ' and <= '~' ? c : '?')]);
}
