using System.Diagnostics;
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
/// takes effect at once. Every request checks them (the <c>Moat-Notice</c> header), so the rows are read again only
/// when they may have changed (<see cref="AccountStore.SwitchWrites"/>, <see cref="AccountStore.DataVersion"/>), not
/// per request. The reason travels with the refusal and in the header.
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

    private sealed record Versioned(long SwitchWrites, long DataVersion, long CheckedAt, Snapshot Snapshot);

    private Versioned? _current;
    private static readonly long DatabaseCheckInterval = Stopwatch.Frequency / 1000;

    /// <summary>
    /// The switches as of now; completes synchronously unless they changed since the last read. A change through
    /// this process is seen by the very next request; one made elsewhere (<c>moat admin switch</c>) within a
    /// millisecond — the database is asked whether anything changed at most once a millisecond, which keeps the
    /// check off the per-request cost of busy pages.
    /// </summary>
    public ValueTask<Snapshot> CurrentAsync()
    {
        // Counters are read before the rows: a change in between makes the next call read them again.
        var writes = store.SwitchWrites;
        var now = Stopwatch.GetTimestamp();
        var current = Volatile.Read(ref _current);
        if (current is not null && current.SwitchWrites == writes)
        {
            if (now - current.CheckedAt < DatabaseCheckInterval) return new(current.Snapshot);
            var version = store.DataVersion();
            if (current.DataVersion == version)
            {
                Volatile.Write(ref _current, current with { CheckedAt = now });
                return new(current.Snapshot);
            }
            return ReadAsync(writes, version, now);
        }
        return ReadAsync(writes, store.DataVersion(), now);
    }

    private async ValueTask<Snapshot> ReadAsync(long writes, long version, long now)
    {
        var active = (await store.SwitchesAsync()).Where(s => s.Enabled).Select(s => new Active(s.Name, s.Reason)).ToArray();
        var snapshot = Snapshot.Of(active);
        Volatile.Write(ref _current, new Versioned(writes, version, now, snapshot));
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
