using Moat.Analysis.Dependencies.Advisories;

namespace Moat.Index.Advisories;

/// <summary>
/// The index's advisory database: the one refreshed into <c>&lt;data&gt;/advisories</c> when there is one, else the
/// snapshot embedded in moat. Loaded on first use (most servers never ask); replaced whole by a refresh, so a
/// reader always sees one complete database.
/// </summary>
public sealed class AdvisoryDatabase(AdvisoryStore store)
{
    private readonly Lock _gate = new();
    private OsvDatabase? _current;

    public AdvisoryStore Store { get; } = store;

    public OsvDatabase Current
    {
        get
        {
            if (Volatile.Read(ref _current) is { } loaded) return loaded;
            lock (_gate)
            {
                // A damaged store must not leave the index without data: the embedded snapshot is older, never empty.
                _current ??= TryLoadStore() ?? EmbeddedAdvisories.Load();
                return _current;
            }
        }
    }

    public void Replace(OsvDatabase database) => Volatile.Write(ref _current, database);

    private OsvDatabase? TryLoadStore()
    {
        try
        {
            return Store.Load();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
