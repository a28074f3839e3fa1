#!/usr/bin/env bash
# Memory bound of `moat scan` on one huge sdist: peak RSS must not grow with the archive.
#
#   bench/scan-huge.sh [MEGABYTES=200]
#
# Generates one sdist with MEGABYTES of members (bench/Moat.Benchmarks make-huge-sdist: a 5 MB module over the
# per-file limit, ~1 MB modules past the 64 MB package source limit, 8 MB data blobs) and scans it under
# /usr/bin/time -v. Run it with two sizes (e.g. 100 and 400) to see that peak RSS stays flat.
set -euo pipefail
megabytes=${1:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build -c Release "$root/src/Moat.Cli" -o "$work/moat" --nologo -v quiet >/dev/null
dotnet run -c Release --project "$root/bench/Moat.Benchmarks" -- make-huge-sdist "$work/huge-1.0.tar.gz" "$megabytes"
set +e
/usr/bin/time -v dotnet "$work/moat/moat.dll" scan "$work/huge-1.0.tar.gz" --format json >"$work/out.json" 2>"$work/time.txt"
status=$?
set -e
if [ "$status" -ge 2 ]; then cat "$work/time.txt" >&2; echo "moat scan failed with exit code $status" >&2; exit 1; fi
elapsed=$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')
rss=$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')
echo "archive:     ${megabytes} MB of members, $(( $(stat -c %s "$work/huge-1.0.tar.gz") / 1024 / 1024 )) MB compressed"
echo "verdict:     $(jq -r '.results[0].verdict' "$work/out.json"), $(jq '.results[0].findings | length' "$work/out.json") findings"
echo "limits hit:  $(jq -r '[.results[0].findings[] | select(.rule == "MOAT-PKG-001") | .message] | unique | join("; ")' "$work/out.json")"
echo "wall time:   $elapsed"
echo "peak RSS:    $((rss / 1024)) MiB"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
