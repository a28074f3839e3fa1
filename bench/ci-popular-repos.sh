#!/usr/bin/env bash
# `moat ci` over the GitHub workflows of popular Python projects (bench/ci-popular-repos.txt), read from bare mirrors
# (the `fetch` tool's /work/.mirror/owner+name/repo). Prints findings per rule and severity, and every critical and
# high finding for review by hand (docs/ci.md, "Real workflows").
# usage: bench/ci-popular-repos.sh [MIRROR=/work/.mirror]
set -euo pipefail
cd "$(dirname "$0")/.."
MIRROR="${1:-/work/.mirror}"
WORK="$(mktemp -d /tmp/moat-ci-repos-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/.github/workflows"

repos=0
while read -r repo; do
  git_dir="$MIRROR/${repo/\//+}/repo"
  [ -d "$git_dir" ] || { echo "missing mirror: $repo" >&2; continue; }
  files=$(git --git-dir="$git_dir" ls-tree --name-only HEAD .github/workflows/ 2>/dev/null | grep -E '\.ya?ml$' || true)
  [ -n "$files" ] || continue
  repos=$((repos + 1))
  for f in $files; do
    git --git-dir="$git_dir" show "HEAD:$f" > "$WORK/.github/workflows/${repo/\//+}__$(basename "$f")"
  done
done < bench/ci-popular-repos.txt
echo "$repos repositories, $(ls "$WORK/.github/workflows" | wc -l) workflows"

dotnet build src/Moat.Cli -c Release -v q -nologo >/dev/null
dotnet src/Moat.Cli/bin/Release/net10.0/moat.dll ci "$WORK" --format json --fail-on never > "$WORK/ci.json" || true
python3 - "$WORK/ci.json" <<'PY'
import collections, json, sys
results = json.load(open(sys.argv[1]))["results"]
counts = collections.Counter()
verdicts = collections.Counter(r["verdict"] for r in results)
for r in results:
    for f in r["findings"]:
        counts[(f["rule"], f["severity"])] += 1
print("verdicts:", dict(verdicts))
print("| rule | critical | high | medium | low | info |")
print("|---|---|---|---|---|---|")
for rule in sorted({k[0] for k in counts}):
    print(f"| {rule} | " + " | ".join(str(counts[(rule, s)]) for s in ["critical", "high", "medium", "low", "info"]) + " |")
print()
for r in results:
    for f in r["findings"]:
        if f["severity"] in ("critical", "high") or f["rule"] in ("MOAT-CI-001", "MOAT-CI-004"):
            print(f'{f["severity"]:8} {f["rule"]} {f["path"]}:{f["line"]} {f["message"]}')
PY
