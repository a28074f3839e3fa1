#!/usr/bin/env bash
# Cold-cache proxy fill under concurrency: CLIENTS pips at once install the same 30-package tree through the proxy,
# whose upstream is a static PEP 503 tree on loopback (python3 -m http.server, standing in for pypi.org). Reports the
# fill's wall time, the CPU used by every moat node (and HAProxy), how often the upstream served each file (the
# single-flight claim should make that exactly once, across nodes), and how many pips failed.
#   NODES=1 (default): one `moat serve` on its embedded defaults (SQLite and files).
#   NODES=3: that many nodes on one throw-away PostgreSQL (.ci/postgres) and one s3rver bucket (.ci/servers.sh),
#     behind HAProxy round robin — the deployment docs/deploy.md describes, on one machine.
# PYTHON: the interpreter whose pip the clients run (default python3). Under pyenv give the real one
#   (PYTHON=/usr/bin/python3): every pip through a pyenv shim rehashes afterwards under one lock, and with fifty at
#   once most wait 60 s for it and fail after installing.
# Usage: bench/proxy-fill.sh [clients]   (Release build; always stops what it started)
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-50}
nodes=${NODES:-1}
work=$(mktemp -d)
source .ci/servers.sh
# set +e: a killed server's non-zero wait must not end the clean-up before the database and bucket are stopped.
cleanup() { set +e; [ ${#pids[@]} -gt 0 ] && { kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null; }; stop_test_servers; rm -rf "$work"; }
pids=()
trap cleanup EXIT
dotnet build src/Moat.Cli -c Release --verbosity quiet >/dev/null
moat="dotnet src/Moat.Cli/bin/Release/net10.0/moat.dll"

python3 bench/make-wheel-tree.py "$work/upstream"
up=$(free_port); port=$(free_port)
(cd "$work/upstream" && exec python3 -m http.server "$up" --bind 127.0.0.1 2>"$work/upstream.log" >/dev/null) &
pids+=($!)

cat >"$work/moat.toml" <<TOML
[server]
log-requests = false
log-level = "warning"
[proxy]
upstream = "http://127.0.0.1:$up/simple/"
TOML
if [ "$nodes" -gt 1 ]; then
  start_postgresql
  start_s3rver
  export MOAT_DATABASE_URL=$MOAT_TEST_DATABASE_URL MOAT_KEY_ENCRYPTION_KEY=$(openssl rand -base64 32)
  export AWS_ENDPOINT_URL=$MOAT_TEST_S3_ENDPOINT AWS_ACCESS_KEY_ID=$MOAT_TEST_S3_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOAT_TEST_S3_SECRET_ACCESS_KEY AWS_REGION=us-east-1
  cat >>"$work/moat.toml" <<TOML
[storage]
blobs = "s3://$MOAT_TEST_S3_BUCKET/fill"
s3-path-style = true
TOML
  backends=""
  for n in $(seq "$nodes"); do
    node_port=$(free_port)
    $moat serve --urls "http://127.0.0.1:$node_port" --data "$work/node$n" --config "$work/moat.toml" &
    pids+=($!)
    backends+="  server node$n 127.0.0.1:$node_port"$'\n'
    for _ in $(seq 600); do curl -sf "http://127.0.0.1:$node_port/healthz" >/dev/null && break; sleep 0.1; done
  done
  cat >"$work/haproxy.cfg" <<HAPROXY
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 120s
  timeout server 120s
frontend moat
  bind 127.0.0.1:$port
  default_backend nodes
backend nodes
  balance roundrobin
$backends
HAPROXY
  haproxy -f "$work/haproxy.cfg" &
  pids+=($!)
  echo "$nodes nodes on PostgreSQL + s3rver behind HAProxy (round robin)"
else
  $moat serve --urls "http://127.0.0.1:$port" --data "$work/data" --config "$work/moat.toml" &
  pids+=($!)
  echo "one node, SQLite + files"
fi
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# CPU (user + system, seconds) of every moat node and HAProxy: pids[0] is the upstream, not counted.
ticks=$(getconf CLK_TCK)
moat_cpu() { local p t=0; for p in "${pids[@]:1}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; awk -v t="$t" -v hz="$ticks" 'BEGIN { printf "%.1f", t / hz }'; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $clients pips at once"

before=$(moat_cpu); start=$(date +%s.%N)
for c in $(seq "$clients"); do
  # --retries: a file still being scanned answers 503 with Retry-After, which pip retries.
  "${PYTHON:-python3}" -m pip install --quiet --no-cache-dir --disable-pip-version-check --root-user-action=ignore --retries 10 --timeout 120 \
    --target "$work/client$c" --index-url "http://127.0.0.1:$port/simple/" bench-root >"$work/client$c.log" 2>&1 &
  clientpids[c]=$!
done
failed=0
for c in $(seq "$clients"); do wait "${clientpids[c]}" || failed=$((failed + 1)); done
end=$(date +%s.%N); after=$(moat_cpu)
installed=$(for c in $(seq "$clients"); do ls -d "$work/client$c"/*.dist-info 2>/dev/null | wc -l; done | sort -n | uniq -c | tr '\n' ' ')
downloads=$(grep -c '"GET /files/' "$work/upstream.log" || true)
distinct=$(grep -o '"GET /files/[^ ]*' "$work/upstream.log" | sort -u | wc -l)
echo "fill: $(python3 -c "print(f'{$end - $start:.1f}')") s wall for $clients clients; moat CPU $(python3 -c "print(f'{$after - $before:.1f}')") s; failed pips: $failed"
echo "distributions installed per client (count × clients): $installed"
echo "upstream file downloads: $downloads for $distinct distinct files"
[ "$failed" -eq 0 ] || { echo "first failure:"; for c in $(seq "$clients"); do [ -s "$work/client$c.log" ] && { tail -5 "$work/client$c.log"; break; }; done; }
