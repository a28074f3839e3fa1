#!/usr/bin/env bash
# Whole-process benchmark of `moat serve` on loopback with wrk: a project page (500 files) in JSON and HTML, and the
# root index with 10,000 projects. Seeds the SQLite store directly (pages need rows, not blobs), runs the Release
# build, and always stops the server. Usage: bench/index-wrk.sh [seconds-per-run] [connections]
# ONLY=text runs only the cases whose "name encoding" contains text (e.g. ONLY='JSON gzip').
# DATABASE=postgresql: the same seeded index moved into a throw-away PostgreSQL (.ci/postgres) with
#   `moat admin migrate-storage`, served from there (the hot path should not touch the database either way).
# NGINX=1: afterwards, nginx serves the same JSON page's bytes from a file (gzip_static) under the same wrk load: the
#   reference for "at least 0.8 of nginx".
# NODES=3 (with DATABASE=postgresql): that many `moat serve` nodes on the one database behind HAProxy (round robin),
#   wrk talking to HAProxy; the CPU per request is summed over every node and HAProxy.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}
data=$(mktemp -d)
cleanup=("rm -rf '$data'")
trap 'for c in "${cleanup[@]}"; do eval "$c" || true; done' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dotnet build src/Moat.Cli -c Release --verbosity quiet >/dev/null
moat="dotnet src/Moat.Cli/bin/Release/net10.0/moat.dll"
$moat admin --data "$data" token create --project warmup >/dev/null 2>&1   # creates and migrates the database
python3 - "$data/moat.db" <<'PY'
import sqlite3, sys, hashlib
db = sqlite3.connect(sys.argv[1])
now = "2026-01-01T00:00:00.000000Z"
db.executemany("INSERT INTO projects VALUES (?,?,?,?,?,?)", [(f"project-{i:05d}", f"project-{i:05d}", "active", None, 1, now) for i in range(10000)])
rows = []
for i in range(500):
    v = f"1.{i // 2}.0"
    fn = f"big_project-{v}-py3-none-any.whl" if i % 2 == 0 else f"big_project-{v}.tar.gz"
    h = hashlib.sha256(fn.encode()).hexdigest()
    rows.append((fn, "big-project", v, "bdist_wheel" if i % 2 == 0 else "sdist", "py3", ">=3.8", h, None, h[:32], 12345, now, h if i % 2 == 0 else None, 0, None, "available", None, None, None))
db.execute("INSERT INTO projects VALUES ('big-project','big-project','active',NULL,2,?)", (now,))
# Named columns: later migrations add columns (filename and release keys, which the store fills in when it opens).
columns = "filename, project, version, package_type, python_version, requires_python, sha256, blake2b_256, md5, size, upload_time, metadata_sha256, yanked, yanked_reason, state, state_reason, attestations, uploaded_by"
db.executemany(f"INSERT INTO files ({columns}) VALUES (" + ",".join("?" * 18) + ")", rows)
db.execute("UPDATE index_state SET serial = 2")
db.commit()
PY
if [ "${DATABASE:-sqlite}" = postgresql ]; then
  pg=$(mktemp -d) && chmod 755 "$pg"
  cleanup=(".ci/postgres stop '$pg/cluster' >/dev/null; rm -rf '$pg'" "${cleanup[@]}")
  url=$(.ci/postgres start "$pg/cluster")
  $moat admin --data "$data" migrate-storage --to-database "$url" >/dev/null
  export MOAT_DATABASE_URL=$url MOAT_KEY_ENCRYPTION_KEY=$(cat "$data/key-encryption.key" 2>/dev/null || openssl rand -base64 32)
  echo "Database: PostgreSQL ($url), seeded through migrate-storage"
else
  echo "Database: SQLite"
fi
nodes=${NODES:-1}
if [ "$nodes" -gt 1 ] && [ "${DATABASE:-sqlite}" != postgresql ]; then echo "NODES needs DATABASE=postgresql (nodes share one database)" >&2; exit 2; fi
servers=()
if [ "$nodes" -eq 1 ]; then
  $moat serve --urls "http://127.0.0.1:$port" --data "$data" --no-request-log --log-level warning &
  servers=($!)
else
  backends=""
  for n in $(seq "$nodes"); do
    node_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$data/node$n"
    $moat serve --urls "http://127.0.0.1:$node_port" --data "$data/node$n" --no-request-log --log-level warning &
    servers+=($!)
    backends+="  server node$n 127.0.0.1:$node_port"$'\n'
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$node_port/healthz" >/dev/null && break; sleep 0.1; done
  done
  cat >"$data/haproxy.cfg" <<HAPROXY
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend moat
  bind 127.0.0.1:$port
  default_backend nodes
backend nodes
  balance roundrobin
  http-reuse always
$backends
HAPROXY
  haproxy -f "$data/haproxy.cfg" &
  servers+=($!)
  echo "$nodes nodes behind HAProxy (round robin)"
fi
server=${servers[0]}
cleanup=("kill ${servers[*]} 2>/dev/null; wait ${servers[*]} 2>/dev/null" "${cleanup[@]}")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# Server CPU time (user+system, clock ticks) from /proc: on a shared machine req/s varies with the neighbours' load,
# CPU time per request much less, so each run reports both.
# (summed over the server's child processes too: nginx's workers.)
cpu_ticks() { local s p t=0; for s in "${servers[@]}"; do for p in $s $(pgrep -P "$s"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; done; echo "$t"; }
run() {
  local name=$1 accept=$2 path=$3 encoding=${4:-identity}
  [[ -n "${ONLY:-}" && "$name $encoding" != *"$ONLY"* ]] && return 0
  wrk -t2 -c"$connections" -d2s -H "Accept: $accept" -H "Accept-Encoding: $encoding" "http://127.0.0.1:$port$path" >/dev/null   # warm-up (JIT, cache)
  echo "== $name (Accept-Encoding: $encoding)"
  local before out requests after
  before=$(cpu_ticks)
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Accept: $accept" -H "Accept-Encoding: $encoding" "http://127.0.0.1:$port$path")
  after=$(cpu_ticks)
  grep -E "Requests/sec|Transfer/sec|^ +(50|99)%" <<<"$out"
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  awk -v t=$((after - before)) -v n="$requests" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "  server CPU: %.2f s for %d requests = %.1f us/request\n", t / hz, n, n ? t / hz / n * 1e6 : 0 }'
}
echo "JSON page bytes: $(curl -s -H 'Accept: application/vnd.pypi.simple.v1+json' "http://127.0.0.1:$port/simple/big-project/" | wc -c)"
# pip and uv send "Accept-Encoding: gzip, deflate" (uv also br): the precompressed copies are what clients get.
run "project page, 500 files, JSON" "application/vnd.pypi.simple.v1+json" /simple/big-project/ gzip
run "project page, 500 files, HTML" "text/html" /simple/big-project/ gzip
run "root index, 10,000 projects, JSON" "application/vnd.pypi.simple.v1+json" /simple/ gzip
run "project page, 500 files, JSON" "application/vnd.pypi.simple.v1+json" /simple/big-project/
run "project page, 500 files, HTML" "text/html" /simple/big-project/
run "root index, 10,000 projects, JSON" "application/vnd.pypi.simple.v1+json" /simple/
run "root index, 10,000 projects, HTML" "text/html" /simple/

if [ "${NGINX:-0}" = 1 ]; then
  # The same bytes from a file: nginx picks index.json.gz for "Accept-Encoding: gzip" (gzip_static), as moat serves
  # its precompressed copy. One worker per core, access log off, like moat's --no-request-log.
  web="$data/nginx"
  mkdir -p "$web/root/simple/big-project"
  curl -s -H 'Accept: application/vnd.pypi.simple.v1+json' "http://127.0.0.1:$port/simple/big-project/" >"$web/root/simple/big-project/index.json"
  gzip -9 -k "$web/root/simple/big-project/index.json"
  chmod a+x "$data" "$web" && chmod -R a+rX "$web/root"   # nginx's workers run as an unprivileged user
  kill "${servers[@]}"; wait "${servers[@]}" 2>/dev/null || true
  cat >"$web/nginx.conf" <<NGINX
worker_processes auto;
pid $web/nginx.pid;
error_log $web/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $web/tmp;
  types { application/vnd.pypi.simple.v1+json json; }
  server {
    listen 127.0.0.1:$port;
    root $web/root;
    index index.json;
    gzip_static on;
  }
}
NGINX
  env -u NGINX nginx -c "$web/nginx.conf" -g 'daemon off;' &   # nginx reads $NGINX as inherited sockets
  server=$!
  servers=($server)
  cleanup=("kill $server 2>/dev/null; wait $server 2>/dev/null" "${cleanup[@]}")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/simple/big-project/" >/dev/null && break; sleep 0.1; done
  echo "nginx, same JSON page bytes: $(curl -s "http://127.0.0.1:$port/simple/big-project/" | wc -c)"
  run "nginx: project page, 500 files, JSON" "application/vnd.pypi.simple.v1+json" /simple/big-project/ gzip
fi
