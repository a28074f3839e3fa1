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
/// Kill switches read from the database on every check — one indexed read of a handful of rows — so a switch
/// flipped by <c>moat admin switch</c> or on any node takes effect on the very next request everywhere, with no
/// cache to wait out. The reason travels with the refusal and in a <c>Moat-Notice</c> header on every response.
/// </summary>
public sealed class KillSwitches(AccountStore store)
{
    public sealed record Active(string Name, string? Reason);

    public async Task<IReadOnlyList<Active>> ActiveAsync() =>
        [.. (await store.SwitchesAsync()).Where(s => s.enabled != 0).Select(s => new Active(s.name, s.reason))];

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
}
