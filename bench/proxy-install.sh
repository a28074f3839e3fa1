#!/usr/bin/env bash
# Whole-process benchmark of the proxy: pip installs a 30-package dependency tree through `moat serve` whose upstream
# is a static PEP 503 tree (python3 -m http.server on loopback, standing in for pypi.org), first through a cold cache
# (every page fetched, every file downloaded, verified and scanned by the gate) and then warm; then wrk on a cached
# proxied project page. Release build; always stops both servers. Usage: bench/proxy-install.sh [wrk-seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
work=$(mktemp -d)
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up=$(freeport); port=$(freeport)
dotnet build src/Moat.Cli -c Release --verbosity quiet >/dev/null
moat="dotnet src/Moat.Cli/bin/Release/net10.0/moat.dll"

python3 bench/make-wheel-tree.py "$work/upstream"
cat > "$work/moat.toml" <<TOML
[server]
log-requests = false
log-level = "warning"
[proxy]
upstream = "http://127.0.0.1:$up/simple/"
TOML
(cd "$work/upstream" && exec python3 -m http.server "$up" --bind 127.0.0.1 >/dev/null 2>&1) &
upstream=$!
$moat serve --urls "http://127.0.0.1:$port" --data "$work/data" --config "$work/moat.toml" &
server=$!
trap 'kill $server $upstream 2>/dev/null; wait $server $upstream 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done # a loaded machine starts slowly

ticks=$(getconf CLK_TCK)
# CPU seconds (user + system) the moat serve process has used so far.
server_cpu() { awk -v t="$ticks" '{printf "%.2f", ($14 + $15) / t}' "/proc/$server/stat"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# One pip install: wall clock, pip's own CPU (user+system, children included) and moat serve's CPU during it.
install() {
  local start end before after index=$3
  before=$(server_cpu); start=$(date +%s.%N)
  /usr/bin/time -o "$work/time.$1" -f "%U %S" python3 -m pip install --quiet --no-cache-dir --disable-pip-version-check --root-user-action=ignore --target "$work/$1" --index-url "$index" bench-root
  end=$(date +%s.%N); after=$(server_cpu)
  echo "$2: $(python3 -c "print(f'{$end - $start:.2f}')") s wall, pip CPU $(awk '{printf "%.2f", $1 + $2}' "$work/time.$1") s, moat serve CPU $(python3 -c "print(f'{$after - $before:.2f}')") s ($(ls -d "$work/$1"/*.dist-info | wc -l) distributions)"
}
moat_index="http://127.0.0.1:$port/simple/"
install cold "cold cache (30 pages fetched, 30 files downloaded, verified, scanned)" "$moat_index"
install warm1 "warm cache" "$moat_index"
install warm2 "warm cache" "$moat_index"
install direct "baseline, pip straight from the static upstream (moat serve idle)" "http://127.0.0.1:$up/simple/"

wrk -t2 -c"$connections" -d2s -H "Accept: text/html" "http://127.0.0.1:$port/simple/bench-pkg-01/" >/dev/null
echo "== cached proxied page, HTML (the upstream is asked again only after page-ttl-seconds)"
before=$(server_cpu)
wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Accept: text/html" "http://127.0.0.1:$port/simple/bench-pkg-01/" | grep -E "Requests/sec|^ +(50|99)%"
echo "moat serve CPU during it: $(python3 -c "print(f'{$(server_cpu) - $before:.2f}')") s of ${duration} s"
echo "== cached proxied page, JSON, gzip"
before=$(server_cpu)
wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Accept: application/vnd.pypi.simple.v1+json" -H "Accept-Encoding: gzip" "http://127.0.0.1:$port/simple/bench-pkg-01/" | grep -E "Requests/sec|^ +(50|99)%"
echo "moat serve CPU during it: $(python3 -c "print(f'{$(server_cpu) - $before:.2f}')") s of ${duration} s"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
