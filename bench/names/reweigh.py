#!/usr/bin/env python3
"""What a change of weights would do, without rebuilding: re-scores the findings of two `names-pass --dump` files
(all PyPI names, and the development set's names) with a multiplier per cell of technique x target rank x name length,
re-picks each name's best finding, and prints, per cell and multiplier, how many more (or fewer) PyPI names would be
suspicious or worse and how many more dev-set squats would be caught with the right target.

Only findings the dump holds (score >= 0.2) are seen, so multipliers must stay below 2. Ranks come from
data/top-packages.tsv (a family's rank, `pytorch` weighed as `torch`, is not applied) and lengths are the whole name's
letters, not the judged word's: the numbers are close to the engine's, not equal; confirm a change with the benchmark.

  B=bench/Moat.Benchmarks/bin/Release/net10.0/Moat.Benchmarks.dll
  dotnet $B names-pass --moat-only --dump /tmp/pypi-dump.tsv
  grep -v '^#' bench/names/devset.tsv | cut -f1 > /tmp/devnames.txt
  dotnet $B names-pass /tmp/devnames.txt --moat-only --dump /tmp/dev-dump.tsv
  python3 bench/names/reweigh.py /tmp/pypi-dump.tsv /tmp/dev-dump.tsv [TECHNIQUE]   # all cells take minutes
"""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUSPICIOUS = 0.4
FACTORS = (0.5, 0.7, 0.85, 1.15, 1.3, 1.5)


def ranks():
    top = {}
    for line in (REPO / "data" / "top-packages.tsv").read_text().splitlines()[1:]:
        rank, name = line.split("\t")[:2]
        top[name] = int(rank)
    return top


def load_dump(path):
    """name -> [(technique, target, score)] in the engine's order (best first)."""
    found = {}
    for line in Path(path).read_text().splitlines():
        name, *findings = line.split("\t")
        found[name] = [(t, target, float(score)) for t, target, score, _ in (f.split("|", 3) for f in findings)]
    return found


def devset():
    answers = {}
    for line in (REPO / "bench" / "names" / "devset.tsv").read_text().splitlines():
        if line.startswith("#"):
            continue
        squat, targets = line.split("\t")[:2]
        answers[squat] = set(targets.split("|"))
    return answers


def cell(name, technique, target, top):
    rank = top.get(target)
    band = "other" if rank is None else "top100" if rank <= 100 else "top1k" if rank <= 1000 else "top5k" if rank <= 5000 else "top15k"
    letters = len(name.replace("-", ""))
    length = "<=5" if letters <= 5 else "6" if letters == 6 else "7-8" if letters <= 8 else "9+"
    return technique, band, length


def main(pypi_dump, dev_dump, technique=None):
    top = ranks()
    pypi = [(name, [(f, cell(name, f[0], f[1], top)) for f in fs]) for name, fs in load_dump(pypi_dump).items()]
    dev_found = load_dump(dev_dump)
    dev = [(name, [(f, cell(name, f[0], f[1], top)) for f in dev_found.get(name, [])], answer) for name, answer in devset().items()]

    def evaluate(multipliers):
        flagged = sum(1 for _, fs in pypi if any(f[2] * multipliers.get(c, 1.0) >= SUSPICIOUS for f, c in fs))
        caught = 0
        for _, fs, answer in dev:
            if not fs:
                continue
            best, c = max(fs, key=lambda fc: fc[0][2] * multipliers.get(fc[1], 1.0))
            caught += best[1] in answer and best[2] * multipliers.get(c, 1.0) >= SUSPICIOUS
        return flagged, caught

    base_flagged, base_caught = evaluate({})
    print(f"now: {base_flagged:,} PyPI names suspicious or worse, {base_caught:,} of {len(dev):,} squats caught with the right target")
    cells = sorted(c for c in {c for _, fs in pypi for _, c in fs} | {c for _, fs, _ in dev for _, c in fs} if technique in (None, c[0]))
    rows = []
    for c in cells:
        for factor in FACTORS:
            flagged, caught = evaluate({c: factor})
            if flagged != base_flagged or caught != base_caught:
                rows.append((c, factor, flagged - base_flagged, caught - base_caught))
    print(f"{'technique':24} {'target':7} {'length':6} {'x':>5} {'PyPI':>6} {'squats':>6}")
    for (technique, band, length), factor, d_pypi, d_dev in sorted(rows, key=lambda r: (r[0], r[1])):
        print(f"{technique:24} {band:7} {length:6} {factor:5} {d_pypi:+6} {d_dev:+6}")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
