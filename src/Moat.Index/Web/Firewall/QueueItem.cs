using Moat.Index.Admin;
using Moat.Index.Proxy;
using Moat.Index.Storage;

namespace Moat.Index.Web.Firewall;

/// <summary>
/// One row of the firewall's quarantine queue, whatever its origin: an upload the gate quarantined (reviewed at
/// <c>/firewall/uploads/{filename}</c>) or a proxied file (at <c>/firewall/files/{sha256}</c>).
/// </summary>
public sealed record QueueItem(string Filename, string ReviewPath, string Project, string Origin, StoredVerdict? Verdict, DateTimeOffset At, bool Blocked)
{
    public static QueueItem Of(HostedQuarantineEntry entry) =>
        new(entry.File.Filename, UploadPath(entry.File.Filename), entry.File.Project, $"uploaded by {entry.Uploader}", entry.Verdict,
            entry.File.UploadTime, entry.File.State == FileState.Blocked);

    public static QueueItem Of(QuarantineEntry entry, string upstream) =>
        new(entry.File.Filename, $"/firewall/files/{entry.File.Sha256}", entry.File.Project, $"proxied from {upstream}", entry.Verdict,
            entry.File.DecidedAt, entry.File.Override == ProxyOverride.Blocked);

    /// <summary>Both queues in one list, newest first.</summary>
    public static IReadOnlyList<QueueItem> Merge(IEnumerable<HostedQuarantineEntry> hosted, IEnumerable<QuarantineEntry> proxied, string upstream) =>
        [.. hosted.Select(Of).Concat(proxied.Select(p => Of(p, upstream))).OrderByDescending(i => i.At)];

    public static string UploadPath(string filename) => "/firewall/uploads/" + Uri.EscapeDataString(filename);
}
