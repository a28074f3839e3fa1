namespace Moat.Analysis;

/// <summary>
/// A stable ordering for the few findings of one result, without LINQ's sorters: those are generic over the key type
/// (double, an enum), code that ReadyToRun cannot precompile and every <c>moat check</c> compiled. Many items still go
/// through LINQ, whose stable order this one equals.
/// </summary>
internal static class StableOrder
{
    /// <summary>Up to this many items are insertion-sorted here.</summary>
    public const int MaxInsertionSorted = 16;

    /// <summary><paramref name="items"/> in a new array, ordered so that no item comes after one it <paramref name="ranksBefore"/>; ties keep their order.</summary>
    public static T[] Sort<T>(IReadOnlyList<T> items, Func<T, T, bool> ranksBefore) where T : class
    {
        var sorted = new T[items.Count];
        for (var i = 0; i < sorted.Length; i++)
        {
            var item = items[i];
            var at = i;
            for (; at > 0 && ranksBefore(item, sorted[at - 1]); at--) sorted[at] = sorted[at - 1];
            sorted[at] = item;
        }
        return sorted;
    }
}
