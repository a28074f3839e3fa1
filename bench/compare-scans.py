#!/usr/bin/env python3
"""Compares two scans of the same archives, target by target: verdict, score and every finding.

    bench/compare-scans.py BEFORE AFTER

Each side is `moat scan --format json` output or a results file of `Moat.Benchmarks scan-alloc DIR N RESULTS.txt`
(targets are matched by file name, or by path where a file name repeats: scan the same DIR for those). Prints the targets whose verdict differs, then those whose findings differ, and
exits 1 if anything differs: a change meant only for speed or memory must print nothing.
"""
import json
import os
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    results = {}
    if text.lstrip().startswith("{"):
        for r in json.loads(text)["results"]:
            lines = [f"  {x['rule']} {x['severity']} {x['confidence']} {x['path']}:{x['line']} {x['message']} | {x['evidence']}"
                     for x in r["findings"]]
            results[r["target"]] = (r["verdict"], f"{r['score']:.3f}", lines)
        return results
    current = None
    for line in text.splitlines():
        if line.startswith("  ") and current is not None:
            results[current][2].append(line.rstrip("\n"))
        else:
            name, verdict, score = line.split("\t")
            current = name
            results[current] = (verdict, score, [])
    return results


def by_name(results):
    names = {}
    for target in results:
        names.setdefault(os.path.basename(target), []).append(target)
    return {(name if len(targets) == 1 else target): results[target] for name, targets in names.items() for target in targets}


def main():
    before, after = by_name(load(sys.argv[1])), by_name(load(sys.argv[2]))
    common = sorted(set(before) & set(after))
    verdicts = [t for t in common if before[t][0] != after[t][0]]
    findings = [t for t in common if before[t][0] == after[t][0] and (before[t][1] != after[t][1] or before[t][2] != after[t][2])]
    only = sorted(set(before) ^ set(after))
    print(f"{len(common)} targets compared; {len(verdicts)} verdicts differ, {len(findings)} more differ in score or findings; {len(only)} in one side only")
    for t in verdicts:
        print(f"verdict {t}: {before[t][0]} -> {after[t][0]}")
    for t in findings[:20]:
        b, a = before[t], after[t]
        print(f"findings {t}: score {b[1]} -> {a[1]}")
        for line in sorted(set(b[2]) - set(a[2]))[:5]:
            print(f"  - {line[2:][:200]}")
        for line in sorted(set(a[2]) - set(b[2]))[:5]:
            print(f"  + {line[2:][:200]}")
    sys.exit(1 if verdicts or findings or only else 0)


if __name__ == "__main__":
    main()
