using Prometheus;

namespace Moat.Index.Hosting;

/// <summary>The index's own Prometheus series (HTTP request counts and latencies come from prometheus-net's middleware).</summary>
public static class IndexMetrics
{
    public static readonly Counter Uploads = Metrics.CreateCounter(
        "moat_uploads_total", "Upload attempts by result (accepted, identical, quarantined, rejected, refused, unauthorized, invalid).", "result");

    public static readonly Counter Verdicts = Metrics.CreateCounter(
        "moat_gate_verdicts_total", "Policy gate decisions by verdict and action.", "verdict", "action");

    public static readonly Counter UploadBytes = Metrics.CreateCounter("moat_upload_bytes_total", "Bytes of accepted distribution files.");
}
