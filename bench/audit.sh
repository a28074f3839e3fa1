#!/usr/bin/env bash
# Whole-process benchmarks of `moat audit`:
#   1. a 500-package uv.lock against the embedded OSV snapshot (names and advisories);
#   2. `--scan` of ~50 pinned packages on a local `moat serve`, cold cache and warm cache.
#
#   bench/audit.sh [RUNS=5]
#
# Builds the CLI in Release, generates the lock file (bench/Moat.Benchmarks make-uv-lock) and 47 small sdists
# (make-sdists) plus the real pip, setuptools and wheel wheels found on this machine, uploads them to a `moat serve`
# on 127.0.0.1 with twine, and times each case with hyperfine (wall) and /usr/bin/time -v (CPU, peak RSS).
# On a shared machine the wall time mostly measures the other processes: read the CPU seconds (user + sys) too.
# MOAT_DLL=path/to/moat.dll measures another build instead of building this tree.
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
moat=${MOAT_DLL:-$work/moat/moat.dll}
[ -n "${MOAT_DLL:-}" ] || dotnet build -c Release "$root/src/Moat.Cli" -o "$work/moat" --nologo -v quiet >/dev/null
bench="dotnet run -c Release --project $root/bench/Moat.Benchmarks --"

measure() { # name, command...: one /usr/bin/time -v run (exit 0 or 1 is success), then hyperfine
  local name=$1; shift
  set +e
  /usr/bin/time -v "$@" >"$work/out.json" 2>"$work/time.txt"
  local status=$?
  set -e
  if [ "$status" -ge 2 ]; then cat "$work/time.txt" >&2; echo "$name failed with exit code $status" >&2; exit 1; fi
  local user sys rss wall
  user=$(grep 'User time' "$work/time.txt" | awk '{print $NF}')
  sys=$(grep 'System time' "$work/time.txt" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')
  wall=$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')
  printf '%-34s one run: wall %s, CPU %.2f s (user %s + sys %s), peak RSS %d MiB\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" "$user" "$sys" $((rss / 1024))
}

# 1. The 500-package lock file.
$bench make-uv-lock "$work/uv.lock" 500
measure "audit uv.lock (500 packages)" dotnet "$moat" audit "$work/uv.lock" --format json
python3 - "$work/out.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
findings = sum(len(r["findings"]) for r in results)
print(f"  {len(results)} results, {findings} findings, {sum(r['verdict'] != 'clean' for r in results)} not clean")
PY
hyperfine -N --warmup 1 --runs "$runs" -i --export-json "$work/h1.json" "dotnet $moat audit $work/uv.lock --format json" | grep -E 'Time|Range'

# 2. --scan against a local index.
mkdir -p "$work/dists"
$bench make-sdists "$work/dists" 47 >/dev/null
for wheel in /root/.pyenv/versions/3.13.0/lib/python3.13/ensurepip/_bundled/pip-*.whl \
             /root/.pyenv/versions/3.12.1/lib/python3.12/test/setuptools-*.whl \
             /root/.pyenv/versions/3.13.0/lib/python3.13/test/wheeldata/wheel-*.whl; do
  [ -f "$wheel" ] && cp "$wheel" "$work/dists/"
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '[server]\nlog-requests = false\n' >"$work/moat.toml"
dotnet "$moat" serve --urls "http://127.0.0.1:$port" --data "$work/data" --config "$work/moat.toml" >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(dotnet "$moat" admin --data "$work/data" token create --admin | tr -d '[:space:]')
PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring twine upload --non-interactive --disable-progress-bar \
  --repository-url "http://127.0.0.1:$port/legacy/" -u __token__ -p "$token" "$work/dists"/* >/dev/null
ls "$work/dists" | python3 -c '
import re, sys
for f in sys.stdin.read().split():
    if f.endswith(".whl"): name, version = f.split("-")[:2]
    else: name, version = re.match(r"(.+)-([^-]+)\.tar\.gz$", f).groups()
    print(f"{name}=={version}")' >"$work/requirements.txt"
files=$(ls "$work/dists" | wc -l); bytes=$(du -sb "$work/dists" | cut -f1)
echo "index: $files files ($((bytes / 1024)) KiB) pinned in requirements.txt"
scan="dotnet $moat audit $work/requirements.txt --scan http://127.0.0.1:$port/simple/ --format json --cache-dir $work/cache"

rm -rf "$work/cache"
measure "audit --scan, cold cache" $scan
grep -h '^scan:' "$work/time.txt" | sed 's/^/  /'
hyperfine -N --runs "$runs" -i --prepare "rm -rf $work/cache" "$scan" | grep -E 'Time|Range'
measure "audit --scan, warm cache" $scan
grep -h '^scan:' "$work/time.txt" | sed 's/^/  /'
hyperfine -N --warmup 1 --runs "$runs" -i "$scan" | grep -E 'Time|Range'
measure "audit (same file, no --scan)" dotnet "$moat" audit "$work/requirements.txt" --format json
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
