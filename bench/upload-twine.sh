#!/usr/bin/env bash
# Upload throughput of `moat serve` with the real client: generates N small wheels and a few big ones (random,
# incompressible payloads), starts the Release build on loopback with a fresh data directory, creates an admin token
# (`moat admin token create`) and uploads everything with Debian's `twine upload`. Reports files/s, MB/s, and the
# server's CPU seconds (from /proc) per file and per MB, since twine itself (Python) takes much of the CPU too.
# Usage: bench/upload-twine.sh [small-wheels=200] [big-wheels=3] [big-wheel-MB=20]
# BACKEND=postgresql-s3: the cluster layout instead of the embedded one — a throw-away PostgreSQL (.ci/postgres) and
#   s3rver (tests/servers) started by .ci/servers.sh, the node configured as a cluster node is (moat.toml + env).
# SMALL_KB=1024 gives the small wheels a 1 MiB random payload: `SMALL_KB=1024 bench/upload-twine.sh 100 0`, with and
#   without BACKEND=postgresql-s3, is the 1 MB upload throughput on each backend.
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-200}
big=${2:-3}
big_mb=${3:-20}
work=$(mktemp -d)
data="$work/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dotnet build src/Moat.Cli -c Release --verbosity quiet >/dev/null
moat="dotnet src/Moat.Cli/bin/Release/net10.0/moat.dll"

# Wheels as a build backend writes them: dist-info METADATA, WHEEL and RECORD (with hashes), one module, and for the
# big ones a data file of random bytes.
python3 - "$work" "$small" "$big" "$big_mb" "${SMALL_KB:-0}" <<'PY'
import base64, hashlib, os, sys, zipfile
out, small, big, big_mb, small_kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
def wheel(directory, name, version, payload=None):
    dist = f"{name.replace('-', '_')}-{version}"
    files = {
        f"{name.replace('-', '_')}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: upload benchmark\nRequires-Python: >=3.8\n".encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: moat-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if payload:
        files[f"{name.replace('-', '_')}/blob.bin"] = payload
    record = "".join(f"{path},{record_hash(data)},{len(data)}\n" for path, data in files.items()) + f"{dist}.dist-info/RECORD,,\n"
    files[f"{dist}.dist-info/RECORD"] = record.encode()
    os.makedirs(directory, exist_ok=True)
    with zipfile.ZipFile(os.path.join(directory, f"{dist}-py3-none-any.whl"), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            z.writestr(path, data)
for i in range(small):
    wheel(os.path.join(out, "small"), "bench-small", f"1.0.{i}", os.urandom(small_kb * 1024) if small_kb else None)
for i in range(big):
    wheel(os.path.join(out, "big"), "bench-big", f"2.0.{i}", os.urandom(big_mb * 1024 * 1024))
PY

config=()
if [ "${BACKEND:-embedded}" = postgresql-s3 ]; then
  source .ci/servers.sh
  start_test_servers
  config=(--config "$work/moat.toml")
  printf '[storage]\nblobs = "s3://%s/upload-bench"\ns3-path-style = true\n' "$MOAT_TEST_S3_BUCKET" > "$work/moat.toml"
  export MOAT_DATABASE_URL=$MOAT_TEST_DATABASE_URL MOAT_KEY_ENCRYPTION_KEY=$(openssl rand -base64 32) AWS_REGION=us-east-1 \
    AWS_ENDPOINT_URL=$MOAT_TEST_S3_ENDPOINT AWS_ACCESS_KEY_ID=$MOAT_TEST_S3_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOAT_TEST_S3_SECRET_ACCESS_KEY
  echo "Backend: PostgreSQL + S3 (s3rver)"
else
  echo "Backend: SQLite + files"
fi
$moat serve "${config[@]}" --urls "http://127.0.0.1:$port" --data "$data" --no-request-log --log-level warning &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; [ "${BACKEND:-embedded}" = postgresql-s3 ] && stop_test_servers; rm -rf "$work"' EXIT
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$($moat admin "${config[@]}" --data "$data" token create --admin --description upload-bench | grep -oE 'pypi-[A-Za-z0-9_-]+|moat-[A-Za-z0-9_-]+' | tail -1)
[[ -n "$token" ]] || { echo "could not create a token" >&2; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
upload() {
  local name=$1 dir=$2 files bytes before after start end
  files=$(ls "$dir"/*.whl | wc -l)
  bytes=$(cat "$dir"/*.whl | wc -c)
  before=$(cpu_ticks)
  start=$(date +%s.%N)
  TWINE_USERNAME=__token__ TWINE_PASSWORD="$token" twine upload --non-interactive --disable-progress-bar \
    --repository-url "http://127.0.0.1:$port/legacy/" "$dir"/*.whl >"$work/twine-$name.log" 2>&1 || { cat "$work/twine-$name.log"; exit 1; }
  end=$(date +%s.%N)
  after=$(cpu_ticks)
  awk -v n="$files" -v b="$bytes" -v s="$(echo "$end - $start" | bc)" -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v name="$name" 'BEGIN {
    mb = b / 1048576; cpu = t / hz
    printf "== %s: %d files, %.1f MB in %.1f s = %.1f files/s, %.1f MB/s; server CPU %.2f s = %.1f ms/file, %.1f ms/MB\n", name, n, mb, s, n / s, mb / s, cpu, cpu / n * 1000, cpu / mb * 1000 }'
}
upload "small wheels" "$work/small"
[[ "$big" -gt 0 ]] && upload "big wheels (${big_mb} MB)" "$work/big"
echo "stored: $(curl -s -H 'Accept: application/vnd.pypi.simple.v1+json' "http://127.0.0.1:$port/simple/bench-small/" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["files"]))') bench-small files"
