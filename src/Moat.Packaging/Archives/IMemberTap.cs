namespace Moat.Packaging.Archives;

/// <summary>
/// A second reader riding along a read that another component drives, so that one pass over an archive serves both
/// (the index reads an upload's core metadata during the code scan's read). A member's data streams once: the tap
/// reads the members it wants and hands their bytes back, and the driver uses those instead of reading them again.
/// </summary>
public interface IMemberTap
{
    /// <summary>Sees every member before the driver does; returns the member's bytes when it read them, else null.</summary>
    byte[]? Offer(ArchiveMember member);

    /// <summary>The read is over: its outcome (for an archive that could not be opened at all, one issue saying why).</summary>
    void Finish(ArchiveReadResult read);
}
