#!/usr/bin/env bash
# Whole-process benchmark of `moat scan` on a directory of many small sdists: wall time, archives/s, peak RSS.
#
#   bench/scan-many.sh [COUNT=10000] [JOBS=2]
#
# Generates COUNT small, realistic sdists (bench/Moat.Benchmarks make-sdists: PKG-INFO, setup.py or pyproject.toml,
# README, one to four modules, sometimes tests) in a temporary directory, builds the CLI in Release, and runs
# `moat scan DIR --format json -j JOBS` under /usr/bin/time -v. The generated set is cached under $TMPDIR by COUNT.
# MOAT_DLL=path/to/moat.dll measures another build (e.g. an older commit) instead of building this tree.
# On a shared machine the wall time mostly measures the other processes: compare CPU seconds (user + sys), and
# read "CPU / jobs" as the wall time the same work would take on JOBS otherwise idle cores.
set -euo pipefail
count=${1:-10000}
jobs=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sdists=${TMPDIR:-/tmp}/moat-scan-many-$count

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
moat=${MOAT_DLL:-$work/moat/moat.dll}
[ -n "${MOAT_DLL:-}" ] || dotnet build -c Release "$root/src/Moat.Cli" -o "$work/moat" --nologo -v quiet >/dev/null
if [ ! -d "$sdists" ] || [ "$(find "$sdists" -name '*.tar.gz' | wc -l)" -ne "$count" ]; then
  rm -rf "$sdists"
  dotnet run -c Release --project "$root/bench/Moat.Benchmarks" -- make-sdists "$sdists" "$count"
fi
bytes=$(du -sb "$sdists" | cut -f1)

set +e
/usr/bin/time -v dotnet "$moat" scan "$sdists" --format json -j "$jobs" >"$work/out.json" 2>"$work/time.txt"
status=$?
set -e
if [ "$status" -ge 2 ]; then cat "$work/time.txt" >&2; echo "moat scan failed with exit code $status" >&2; exit 1; fi

elapsed=$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')
seconds=$(echo "$elapsed" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
rss=$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')
cpu=$(grep 'Percent of CPU' "$work/time.txt" | awk '{print $NF}')
user=$(grep 'User time' "$work/time.txt" | awk '{print $NF}')
sys=$(grep 'System time' "$work/time.txt" | awk '{print $NF}')
cpu_seconds=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
results=$(jq '.results | length' "$work/out.json")
verdicts=$(jq -r '[.results[].verdict] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$work/out.json")
echo "archives:    $results ($((bytes / 1024)) KiB compressed) with -j $jobs"
echo "verdicts:    $verdicts"
echo "wall time:   ${seconds} s  (CPU $cpu)"
echo "throughput:  $(awk -v n="$results" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }') archives/s"
echo "CPU time:    ${cpu_seconds} s user+sys; CPU / jobs = $(awk -v c="$cpu_seconds" -v j="$jobs" 'BEGIN { printf "%.2f", c / j }') s -> $(awk -v n="$results" -v c="$cpu_seconds" -v j="$jobs" 'BEGIN { printf "%.0f", n * j / c }') archives/s on $jobs idle cores"
echo "peak RSS:    $((rss / 1024)) MiB"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
