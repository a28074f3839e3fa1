#!/usr/bin/env bash
# Whole-process benchmarks for `moat ci` and `moat secrets` (docs/benchmarks.md, "Workflows and secrets").
# usage: bench/ci-secrets-bench.sh [MEGABYTES=1024]
set -euo pipefail
cd "$(dirname "$0")/.."
MB="${1:-1024}"
WORK="$(mktemp -d /tmp/moat-bench-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

dotnet build src/Moat.Cli -c Release -v q -nologo >/dev/null
MOAT="dotnet src/Moat.Cli/bin/Release/net10.0/moat.dll"

# 1,000 workflows: every workflow fixture, copied under distinct names until there are 1,000.
mkdir -p "$WORK/repo/.github/workflows"
i=0
while [ $i -lt 1000 ]; do
  for f in tests/fixtures/workflows/*/*.yml; do
    [ $i -ge 1000 ] && break
    cp "$f" "$WORK/repo/.github/workflows/wf$(printf %04d $i).yml"
    i=$((i + 1))
  done
done
echo "== moat ci over 1,000 workflows"
/usr/bin/time -f "%e s elapsed, %M KiB max RSS" $MOAT ci "$WORK/repo" --format json --fail-on never > "$WORK/ci.json"
python3 -c "import json,sys; d=json.load(open('$WORK/ci.json')); print(len(d['results']), 'workflows,', sum(len(r['findings']) for r in d['results']), 'findings')"

echo "== generating a ${MB} MiB tree"
python3 bench/make-secrets-tree.py "$WORK/tree" "$MB"
sync
echo "== moat secrets (cold-ish: first read after writing)"
/usr/bin/time -f "%e s elapsed, %M KiB max RSS" $MOAT secrets "$WORK/tree" --format json --fail-on never > "$WORK/secrets.json"
echo "== moat secrets (warm page cache)"
/usr/bin/time -f "%e s elapsed, %M KiB max RSS" $MOAT secrets "$WORK/tree" --format json --fail-on never > "$WORK/secrets.json"
python3 -c "import json; d=json.load(open('$WORK/secrets.json')); print(len(d['results']), 'files with findings,', sum(len(r['findings']) for r in d['results']), 'findings')"
