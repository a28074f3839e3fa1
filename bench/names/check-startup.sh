#!/usr/bin/env bash
# `moat check NAME` start-up, timed on an idle machine (goal ≤ 0.2 s): the binary as the README installs it, and the
# same with ReadyToRun. One name is checked by scanning the corpus (the deletion index is built only after a few
# hundred names), so a single check should not pay for indexing. Needs hyperfine.
#   bench/names/check-startup.sh            # publishes both into $OUT (default /tmp/moat-startup) and times them
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/moat-startup}
dotnet publish src/Moat.Cli -c Release -o "$OUT/jit" >/dev/null
dotnet publish src/Moat.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$OUT/r2r" >/dev/null
cd "$OUT"
# exit code 1 means "suspicious": expected for these names
hyperfine -N --warmup 3 --runs 20 -i \
  "$OUT/jit/moat check requets" "$OUT/r2r/moat check requets" \
  "$OUT/jit/moat check zzz-unrelated-project-name" "$OUT/r2r/moat check zzz-unrelated-project-name" \
  "$OUT/jit/moat --help"
for build in jit r2r; do
  /usr/bin/time -f "$build: max RSS %M KB" "$OUT/$build/moat" check requets >/dev/null || true
done
