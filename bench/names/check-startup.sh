#!/usr/bin/env bash
# `moat check NAME` start-up (goal ≤ 0.2 s): the binary as the README installs it, and the same with ReadyToRun.
# One name is checked without building the many-name maps (edit-distance index, lookalike readings: built only after
# a few hundred names), and only the verb on the command line is built. Reports, per command, the mean CPU time
# (user + system, from /usr/bin/time over RUNS runs: less sensitive to other load than wall time) and max RSS, then
# hyperfine's wall time (meaningful on an idle machine only).
# First, for each build, counts that hold on a loaded machine: the methods the JIT compiled in the whole process and
# the bytes it allocated (the benchmark assembly as a startup hook, see bench/Moat.Benchmarks/StartupHook.cs).
#   bench/names/check-startup.sh            # publishes both into $OUT (default /tmp/moat-startup), counts, times them
#   COUNTS_ONLY=1 bench/names/check-startup.sh   # the counts only (valid under load)
#   BASE=/work/main bench/names/check-startup.sh  # also the README's ReadyToRun build of another checkout ("base-r2r"), timed in the same run
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/moat-startup}
RUNS=${RUNS:-20}
dotnet build -c Release bench/Moat.Benchmarks >/dev/null
HOOK=$PWD/bench/Moat.Benchmarks/bin/Release/net10.0/Moat.Benchmarks.dll
dotnet publish src/Moat.Cli -c Release -o "$OUT/jit" >/dev/null
dotnet publish src/Moat.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$OUT/r2r" >/dev/null
builds="jit r2r"
if [ -n "${BASE:-}" ]; then
  (cd "$BASE" && dotnet publish src/Moat.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$OUT/base-r2r" >/dev/null)
  builds="base-r2r $builds"
fi
cd "$OUT"
for build in $builds; do
  for args in "--help" "check requets" "check zzz-unrelated-project-name"; do
    # the lowest of 3 runs: background tier-1 recompiles add a few dozen methods now and then
    counts=$(for _ in 1 2 3; do DOTNET_STARTUP_HOOKS=$HOOK "$OUT/$build/moat" $args 2>&1 >/dev/null | grep '^process counts' || true; done | sort -t' ' -k5,5n | head -1)
    printf '%-8s moat %-40s %s\n' "$build" "$args" "${counts#process counts: }"
  done
done
[ -n "${COUNTS_ONLY:-}" ] && exit 0
for build in $builds; do
  for args in "--help" "check requets" "check zzz-unrelated-project-name"; do
    total=0; rss=0
    for _ in $(seq "$RUNS"); do
      # exit code 1 means "suspicious": expected for requets
      /usr/bin/time -f "CPU %U %S %M" -o "$OUT/time.txt" "$OUT/$build/moat" $args >/dev/null 2>&1 || true
      read -r user sys kb < <(grep '^CPU' "$OUT/time.txt" | cut -d' ' -f2-)
      total=$(echo "$total + $user + $sys" | bc); rss=$kb
    done
    printf '%-8s moat %-40s mean CPU %.3f s   max RSS %s KB\n' "$build" "$args" "$(echo "$total / $RUNS" | bc -l)" "$rss"
  done
done
commands=()
for args in "check requets" "check zzz-unrelated-project-name" "--help"; do
  for build in $builds; do commands+=("$OUT/$build/moat $args"); done
done
hyperfine -N --warmup 3 --runs "$RUNS" -i "${commands[@]}"
