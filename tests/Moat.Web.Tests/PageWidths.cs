using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Web.Tests;

/// <summary>
/// The widths the page tests render at: a desktop and a phone. The PostgreSQL twin renders the desktop only: a layout
/// is the same whatever stores the data behind it, and the flow itself is still run once there.
/// </summary>
public static class PageWidths
{
    public static TheoryData<int, int> Each => TestStorage.Engine == DatabaseEngine.PostgreSql
        ? new() { { 1280, 900 } }
        : new() { { 1280, 900 }, { 390, 844 } };
}
