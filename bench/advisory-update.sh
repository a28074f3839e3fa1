#!/usr/bin/env bash
# Whole-process cost of a real advisory refresh and of audits with the refreshed data:
#   1. `moat audit --update --osv-url FILE` from a copy of osv.dev's PyPI export (parse every document, write the
#      pre-parsed snapshot);
#   2. `moat audit` of a small requirements file with the stored database, against the embedded snapshot.
#
#   bench/advisory-update.sh PATH/TO/PyPI-all.zip [RUNS=5]
#
# The export is https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip (download it once; this script never
# touches the network). Reports the advisory count, CPU seconds (user + sys) and peak RSS with /usr/bin/time -v, and
# wall time with hyperfine. Run on an idle machine.
set -euo pipefail
export_zip=$(realpath "$1"); runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dotnet build -c Release "$root/src/Moat.Cli" -o "$work/moat" --nologo -v quiet >/dev/null
moat="dotnet $work/moat/moat.dll"
printf 'django==2.2.0\njinja2==2.7.1\nrequests==2.19.0\nflask>=2\nurllib3==1.26.0\n' > "$work/requirements.txt"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
/usr/bin/time -v $moat audit --update --osv-url "$export_zip" --advisory-dir "$work/store" 2>"$work/time.txt"
grep -E "User time|System time|Maximum resident" "$work/time.txt"
ls -l "$work/store"
hyperfine --runs "$runs" --warmup 1 -i \
  "$moat audit $work/requirements.txt --no-names --advisory-dir $work/store" \
  "$moat audit $work/requirements.txt --no-names --advisory-dir $work/empty"
