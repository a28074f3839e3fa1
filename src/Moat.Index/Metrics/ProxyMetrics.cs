using static Moat.Index.Metrics.IndexMetrics;

namespace Moat.Index.Metrics;

/// <summary>The proxy's Prometheus series (rendered with the index's at <c>/metrics</c>); one instance per server.</summary>
public sealed class ProxyMetrics
{
    public LabeledCounter Pages { get; } = new("moat_proxy_pages_total", "Upstream project page lookups by result (fresh, fetched, revalidated, not-found, stale, failed, too-large, reserved).", "result");
    public LabeledCounter Downloads { get; } = new("moat_proxy_downloads_total", "Upstream file downloads by result (verified, hash-mismatch, failed).", "result");
    public LabeledCounter Decisions { get; } = new("moat_proxy_decisions_total", "Firewall decisions on proxied files by state.", "state");

    public Gauge DownloadWaiters { get; } = new("moat_proxy_download_waiters", "Requests waiting right now on an upstream file download in progress (many clients, one download).");

    public IEnumerable<IMetric> All => [Pages, Downloads, Decisions, DownloadWaiters];

    /// <summary>A value that goes up and down.</summary>
    public sealed class Gauge(string name, string help) : IMetric
    {
        private long _value;
        public long Value => Interlocked.Read(ref _value);
        public void Add(long amount) => Interlocked.Add(ref _value, amount);

        public void Write(System.Text.StringBuilder text) =>
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n")
                .Append(name).Append(' ').Append(Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
    }
}
