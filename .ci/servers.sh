# The real servers the tests run against, each started on a free 127.0.0.1 port with a throw-away directory.
# Sourced by .ci/run and .ci/with-servers: call start_<server> for each one needed, after
# `trap stop_test_servers EXIT`. Each start function exports the variables the tests read (tests/Shared/TestServers.cs)
# and registers how to stop and clean up what it started.

test_server_stops=()

stop_test_servers() {
  local stop
  for stop in "${test_server_stops[@]}"; do eval "$stop" || true; done
  test_server_stops=()
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_port PORT PID NAME LOG: until something listens on PORT, failing (with the log) if PID exits or 30 s pass.
wait_for_port() {
  local port=$1 pid=$2 name=$3 log=$4 i
  for i in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then echo "$name exited before listening:" >&2; cat "$log" >&2; return 1; fi
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.5)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$name did not listen on port $port within 30 s:" >&2; cat "$log" >&2
  return 1
}

# s3rver (npm, pinned in tests/servers/package-lock.json) with one bucket, path-style.
start_s3rver() {
  local root port pid
  npm ci --prefix tests/servers --no-audit --no-fund --loglevel=error >/dev/null
  root=$(mktemp -d -t moat-s3rver.XXXXXX)
  port=$(free_port)
  # s3rver's list continuation tokens use DES, which Node's OpenSSL 3 keeps in its legacy provider.
  NODE_OPTIONS=--openssl-legacy-provider tests/servers/node_modules/.bin/s3rver --directory "$root/data" --address 127.0.0.1 --port "$port" --no-vhost-buckets \
    --configure-bucket moat-test >"$root/log" 2>&1 &
  pid=$!
  test_server_stops+=("kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf '$root'")
  wait_for_port "$port" "$pid" s3rver "$root/log"
  # s3rver's fixed credentials.
  export MOAT_TEST_S3_ENDPOINT="http://127.0.0.1:$port" MOAT_TEST_S3_BUCKET=moat-test \
    MOAT_TEST_S3_ACCESS_KEY_ID=S3RVER MOAT_TEST_S3_SECRET_ACCESS_KEY=S3RVER
}

# A throw-away PostgreSQL cluster (.ci/postgres), named by MOAT_TEST_DATABASE_URL.
start_postgresql() {
  local root
  root=$(mktemp -d -t moat-postgres.XXXXXX) && chmod 755 "$root"  # PostgreSQL runs as its own user
  test_server_stops+=(".ci/postgres stop '$root/postgres'; rm -rf '$root'")
  MOAT_TEST_DATABASE_URL=$(.ci/postgres start "$root/postgres")
  export MOAT_TEST_DATABASE_URL
}

start_test_servers() {
  start_postgresql
  start_s3rver
}
