using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Moat.Index.Metrics;

/// <summary>
/// The index's Prometheus series, written in the text exposition format at <c>/metrics</c>. Hand-written because
/// the usual package (prometheus-net) drags in .NET Core 3.1-era Microsoft.Extensions packages that fight the
/// ASP.NET shared framework; counters and one histogram are all the index needs. One instance per server (a
/// service), so two servers in one process (the tests) count apart.
/// </summary>
public sealed class IndexMetrics(ProxyMetrics proxy)
{
    public LabeledCounter Requests { get; } = new("moat_http_requests_total", "HTTP requests by method, route group and status code.", "method", "route", "status");
    public LatencyHistogram RequestSeconds { get; } = new("moat_http_request_duration_seconds", "HTTP request latency by route group.", "route");
    public LabeledCounter Uploads { get; } = new("moat_uploads_total", "Upload attempts by result (accepted, identical, quarantined, rejected, refused, unauthorized, invalid).", "result");
    public LabeledCounter Verdicts { get; } = new("moat_gate_verdicts_total", "Policy gate decisions by verdict and action.", "verdict", "action");
    public LabeledCounter UploadBytes { get; } = new("moat_upload_bytes_total", "Bytes of accepted distribution files.");

    /// <summary>Low-cardinality route groups: never the project name or filename.</summary>
    public static string RouteGroup(string? path) => path switch
    {
        null or "" or "/" => "root",
        "/simple/" or "/simple" => "simple-root",
        _ when path.StartsWith("/simple/", StringComparison.Ordinal) => "simple-project",
        _ when path.StartsWith("/r/", StringComparison.Ordinal) => path.EndsWith("/simple/", StringComparison.Ordinal) ? "repository-root" : "repository-project",
        _ when path.StartsWith("/files/", StringComparison.Ordinal) => path.EndsWith(".metadata", StringComparison.Ordinal) ? "metadata" : "files",
        _ when path.StartsWith("/legacy", StringComparison.Ordinal) => "upload",
        _ when path.StartsWith("/_admin/", StringComparison.Ordinal) => "admin",
        "/healthz" => "healthz",
        "/metrics" => "metrics",
        _ => "other",
    };

    private readonly ConcurrentDictionary<(string Method, string Route, int Status), long[]> _requestCells = new();
    private static readonly string[] StatusTexts = [.. Enumerable.Range(0, 600).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>
    /// Counts and times one request. Runs on every request, so the counter cell of each (method, route, status) is
    /// found once and then reused: no label text is built per request.
    /// </summary>
    public void ObserveRequest(string method, string route, int status, double seconds)
    {
        if (!_requestCells.TryGetValue((method, route, status), out var cell))
            cell = _requestCells.GetOrAdd((method, route, status), key => Requests.Cell(key.Method, key.Route, (uint)key.Status < StatusTexts.Length ? StatusTexts[key.Status] : "other"));
        Interlocked.Increment(ref cell[0]);
        RequestSeconds.Observe(route, seconds);
    }

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var metric in (IMetric[])[Requests, RequestSeconds, Uploads, Verdicts, UploadBytes, .. proxy.All]) metric.Write(text);
        return text.ToString();
    }

    public interface IMetric
    {
        void Write(StringBuilder text);
    }

    /// <summary>A counter with a fixed set of label names; each label-value combination is its own series.</summary>
    public sealed class LabeledCounter(string name, string help, params string[] labels) : IMetric
    {
        private readonly ConcurrentDictionary<string, long[]> _series = new(StringComparer.Ordinal);

        public void Inc(params string[] values) => Add(1, values);

        public void Add(long amount, params string[] values) => Interlocked.Add(ref Cell(values)[0], amount);

        /// <summary>The series' storage: callers on hot paths keep it and increment it directly.</summary>
        internal long[] Cell(params string[] values) => _series.GetOrAdd(LabelText(labels, values), _ => new long[1]);

        public long Value(params string[] values) => _series.TryGetValue(LabelText(labels, values), out var cell) ? Interlocked.Read(ref cell[0]) : 0;

        public void Write(StringBuilder text)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n");
            foreach (var (key, cell) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
                text.Append(name).Append(key).Append(' ').Append(Interlocked.Read(ref cell[0]).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    /// <summary>A latency histogram with buckets from 0.5 ms to 10 s.</summary>
    public sealed class LatencyHistogram(string name, string help, string label) : IMetric
    {
        private static readonly double[] Bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

        private sealed class Series
        {
            public readonly long[] Buckets = new long[Bounds.Length + 1];
            public long Count;
            public long SumMicroseconds;
        }

        public void Observe(string value, double seconds)
        {
            var series = _series.GetOrAdd(value, _ => new Series());
            var bucket = Array.BinarySearch(Bounds, seconds);
            if (bucket < 0) bucket = ~bucket;
            Interlocked.Increment(ref series.Buckets[bucket]);
            Interlocked.Increment(ref series.Count);
            Interlocked.Add(ref series.SumMicroseconds, (long)(seconds * 1e6));
        }

        public void Write(StringBuilder text)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" histogram\n");
            foreach (var (value, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                long cumulative = 0;
                for (var i = 0; i <= Bounds.Length; i++)
                {
                    cumulative += Interlocked.Read(ref series.Buckets[i]);
                    var le = i < Bounds.Length ? Bounds[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
                    text.Append(name).Append("_bucket{").Append(label).Append("=\"").Append(value).Append("\",le=\"").Append(le).Append("\"} ")
                        .Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
                var labels = "{" + label + "=\"" + value + "\"}";
                text.Append(name).Append("_sum").Append(labels).Append(' ').Append((Interlocked.Read(ref series.SumMicroseconds) / 1e6).ToString(CultureInfo.InvariantCulture)).Append('\n');
                text.Append(name).Append("_count").Append(labels).Append(' ').Append(Interlocked.Read(ref series.Count).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }

    private static string LabelText(string[] names, string[] values)
    {
        if (names.Length == 0) return "";
        var text = new StringBuilder("{");
        for (var i = 0; i < names.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(names[i]).Append("=\"").Append(i < values.Length ? values[i].Replace("\\", "\\\\").Replace("\"", "\\\"") : "").Append('"');
        }
        return text.Append('}').ToString();
    }
}
