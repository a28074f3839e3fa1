#!/usr/bin/env bash
# Detection evaluation on real packages nobody on this project wrote: recall on real malware, false alarms on real
# benign packages, per rule and per source, plus the whole-corpus scan time. Writes the markdown report to stdout
# (docs/detection.md holds the last one).
#
#   bench/eval-corpus.sh [CACHE=/work/eval]
#
# Corpora (development sets; read as bytes, never executed, installed or committed; cached under CACHE):
#   malicious  the archives listed in ../shared/data/eval/malregistry-dev.txt, copied out of a `fetch` of
#              lxyeternal/pypi_malregistry (MALREGISTRY=its git dir; default /work/.mirror/lxyeternal+pypi_malregistry/repo)
#   benign     the Debian packages in ../shared/data/eval/debian-benign-dev.txt (their dist-packages, one target each),
#              the real wheels on this machine, sdist-shaped tarballs (git archive) of the popular projects in
#              bench/eval-popular-repos.txt (each `fetch`ed into MIRRORS=/work/.mirror), and any archives or project directories placed in CACHE/benign/extra
# MOAT_DLL=path/to/moat.dll measures another build (e.g. an older commit) instead of building this tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-/work/eval}
shared=${SHARED:-$root/../shared/data/eval}
mirror=${MALREGISTRY:-/work/.mirror/lxyeternal+pypi_malregistry/repo}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -d "$mirror" ] || { echo "no malregistry mirror at $mirror (fetch lxyeternal/pypi_malregistry, or set MALREGISTRY)" >&2; exit 2; }
python3 "$root/bench/eval_corpus.py" malicious "$mirror" "$shared/malregistry-dev.txt" "$cache/mal"
python3 "$root/bench/eval_corpus.py" debian "$shared/debian-benign-dev.txt" "$cache/debs" "$cache/benign/debian"
python3 "$root/bench/eval_corpus.py" wheels "$cache/benign/wheels"
python3 "$root/bench/eval_corpus.py" sdists "${MIRRORS:-/work/.mirror}" "$root/bench/eval-popular-repos.txt" "$cache/benign/sdists"
mkdir -p "$cache/benign/extra"

moat=${MOAT_DLL:-$work/moat/moat.dll}
[ -n "${MOAT_DLL:-}" ] || dotnet build -c Release "$root/src/Moat.Cli" -o "$work/moat" --nologo -v quiet >/dev/null

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# Exit 1 means findings; 2 or more is a failure of the run itself.
run_scan() {
  local out=$1; shift
  set +e
  /usr/bin/time -v dotnet "$moat" scan "$@" --format json --fail-on never -o "$out" 2>"$out.time"
  local status=$?
  set -e
  if [ "$status" -ge 2 ]; then tail -20 "$out.time" >&2; echo "moat scan failed ($status)" >&2; exit 1; fi
}
run_scan "$work/mal.json" "$cache/mal"
# A Debian package whose dist-packages holds only a link (python3-lldb-*) has nothing to scan: moat refuses an empty target.
benign_targets=()
for d in "$cache"/benign/debian/*; do [ -n "$(find "$d" -type f -print -quit)" ] && benign_targets+=("$d"); done
benign_targets+=("$cache/benign/wheels" "$cache/benign/sdists")
[ -n "$(ls -A "$cache/benign/extra")" ] && benign_targets+=("$cache"/benign/extra/*)
run_scan "$work/benign.json" "${benign_targets[@]}"

summary() {
  local t=$1
  local wall user sys rss
  wall=$(grep 'Elapsed (wall clock)' "$t" | awk '{print $NF}')
  user=$(grep 'User time' "$t" | awk '{print $NF}')
  sys=$(grep 'System time' "$t" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$t" | awk '{print $NF}')
  echo "wall $wall, CPU $(echo "$user + $sys" | bc) s, peak RSS $((rss / 1024)) MB"
}
echo "## Detection on the development corpora ($(date -u +%Y-%m-%d), commit $(git -C "$root" rev-parse --short HEAD))"
echo
echo "- malicious scan: $(summary "$work/mal.json.time")"
echo "- benign scan: $(summary "$work/benign.json.time")"
echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 "$root/bench/eval_corpus.py" report "$work/mal.json" "$work/benign.json" "$cache/mal" "$cache/benign"
