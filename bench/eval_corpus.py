#!/usr/bin/env python3
"""Detection evaluation corpora for `bench/eval-corpus.sh`: materialize them, then turn `moat scan --format json`
output into recall / false-alarm tables (docs/detection.md).

Nothing here runs, imports or installs the packages: archives are copied as bytes out of a git mirror (malicious) or
out of Debian .deb files with `dpkg-deb -x` (benign), and only Moat reads them.

  eval_corpus.py malicious MIRROR_GIT_DIR LIST OUT_DIR    copy the listed archives (NAME/VERSION/FILE) out of the mirror
  eval_corpus.py debian LIST DEB_DIR OUT_DIR              apt-get download the listed packages and extract their dist-packages
  eval_corpus.py wheels OUT_DIR                           copy the real wheels already on this machine
  eval_corpus.py sdists MIRRORS REPO_LIST OUT_DIR         an sdist-shaped tarball (git archive of HEAD) of each fetched repository
  eval_corpus.py report MAL_JSON BENIGN_JSON MAL_DIR BENIGN_DIR   print the markdown report
"""
import collections
import json
import os
import shutil
import subprocess
import sys


def read_list(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def materialize_malicious(mirror, list_path, out_dir):
    """Streams every listed blob out of the bare mirror with one `git cat-file --batch` (no work tree, no checkout)."""
    paths = [p for p in read_list(list_path) if not os.path.exists(os.path.join(out_dir, p))]
    if not paths:
        return
    proc = subprocess.Popen(["git", "-C", mirror, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    missing = 0

    def feed():
        for p in paths:
            proc.stdin.write(f"HEAD:{p}\n".encode())
        proc.stdin.close()

    import threading
    threading.Thread(target=feed, daemon=True).start()
    for p in paths:
        header = proc.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            missing += 1
            continue
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)
        target = os.path.join(out_dir, p)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
    proc.wait()
    print(f"malicious: {len(paths) - missing} archives written, {missing} not in the mirror", file=sys.stderr)


def materialize_debian(list_path, deb_dir, out_dir):
    """One directory per Debian package holding its usr/lib/python3/dist-packages (what the package installs)."""
    os.makedirs(deb_dir, exist_ok=True)
    names = read_list(list_path)
    have = {f.split("_")[0] for f in os.listdir(deb_dir) if f.endswith(".deb")}
    wanted = [n for n in names if n not in have]
    for i in range(0, len(wanted), 50):
        # apt-get download fails the whole batch on one unknown name: retry one by one when it does.
        batch = wanted[i:i + 50]
        if subprocess.run(["apt-get", "download", "-q", *batch], cwd=deb_dir, capture_output=True).returncode != 0:
            for n in batch:
                subprocess.run(["apt-get", "download", "-q", n], cwd=deb_dir, capture_output=True)
    for deb in sorted(os.listdir(deb_dir)):
        if not deb.endswith(".deb"):
            continue
        name = deb.split("_")[0]
        target = os.path.join(out_dir, name)
        if os.path.isdir(target):
            continue
        os.makedirs(out_dir, exist_ok=True)
        tmp = target + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["dpkg-deb", "-x", os.path.join(deb_dir, deb), tmp], check=True)
        site = os.path.join(tmp, "usr", "lib", "python3", "dist-packages")
        if os.path.isdir(site) and os.listdir(site):
            shutil.move(site, target)
        shutil.rmtree(tmp, ignore_errors=True)


def materialize_wheels(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    roots = ["/usr/share/python-wheels", "/root/.cache/pip", "/usr/lib/python3/dist-packages", "/root/.pyenv"]
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for f in files:
                if f.endswith(".whl") and not os.path.exists(os.path.join(out_dir, f)):
                    shutil.copy(os.path.join(dirpath, f), os.path.join(out_dir, f))


def materialize_sdists(mirrors, list_path, out_dir):
    """An sdist-shaped NAME-VERSION.tar.gz (a NAME-VERSION/ top directory) of each repository's newest commit: the
    files a source distribution is built from, without running any build. Written from the git objects directly,
    because a snapshot lacks its largest files (those are left out) and `git archive` would refuse."""
    import io
    import tarfile
    os.makedirs(out_dir, exist_ok=True)
    for repo in read_list(list_path):
        git_dir = os.path.join(mirrors, repo.replace("/", "+"), "repo")
        if not os.path.isdir(git_dir):
            print(f"sdists: {repo} not fetched, skipped", file=sys.stderr)
            continue
        name = repo.split("/")[1].lower().replace("_", "-")
        tag = subprocess.run(["git", "-C", git_dir, "describe", "--tags", "--abbrev=0"], capture_output=True, text=True).stdout.strip()
        version = tag.lstrip("v") if tag and tag.lstrip("v")[:1].isdigit() else "1.0"
        target = os.path.join(out_dir, f"{name}-{version}.tar.gz")
        if os.path.exists(target):
            continue
        listing = subprocess.run(["git", "-C", git_dir, "ls-tree", "-r", "-z", "HEAD"], capture_output=True, check=True).stdout
        entries = []
        for record in listing.split(b"\0"):
            if not record:
                continue
            meta, path = record.split(b"\t", 1)
            mode, kind, sha = meta.decode().split()
            if kind == "blob":
                entries.append((mode, sha, path.decode("utf-8", "replace")))
        cat = subprocess.Popen(["git", "-C", git_dir, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        import threading

        def feed():
            for _, sha, _ in entries:
                cat.stdin.write(sha.encode() + b"\n")
            cat.stdin.close()

        threading.Thread(target=feed, daemon=True).start()
        with tarfile.open(target + ".tmp", "w:gz") as tar:
            for mode, _, path in entries:
                header = cat.stdout.readline().split()
                if len(header) < 3 or header[1] != b"blob":
                    continue  # not in the snapshot (large files are left out of it)
                data = cat.stdout.read(int(header[2]))
                cat.stdout.read(1)
                info = tarfile.TarInfo(f"{name}-{version}/{path}")
                info.mtime = 1700000000
                if mode == "120000":
                    info.type = tarfile.SYMTYPE
                    info.linkname = data.decode("utf-8", "replace")
                    tar.addfile(info)
                else:
                    info.size = len(data)
                    info.mode = 0o755 if mode == "100755" else 0o644
                    tar.addfile(info, io.BytesIO(data))
        cat.wait()
        os.replace(target + ".tmp", target)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["results"]


FLAGGED = {"malicious", "suspicious", "unverified"}


def report(mal_json, benign_json, mal_dir, benign_dir):
    mal = load(mal_json)
    benign = load(benign_json)
    mal_expected = sum(len(fs) for _, _, fs in os.walk(mal_dir))

    def counts(results):
        return collections.Counter(r["verdict"] for r in results)

    def pct(n, d):
        return f"{100.0 * n / d:.2f}%" if d else "n/a"

    out = []
    mc, bc = counts(mal), counts(benign)
    m_total = max(mal_expected, len(mal))
    unscanned = m_total - len(mal)
    out.append("| corpus | targets | malicious | suspicious | unverified | vulnerable | clean | not scanned |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    out.append(f"| malicious (malregistry dev) | {m_total} | {mc['malicious']} | {mc['suspicious']} | {mc['unverified']} | {mc['vulnerable']} | {mc['clean']} | {unscanned} |")
    out.append(f"| benign | {len(benign)} | {bc['malicious']} | {bc['suspicious']} | {bc['unverified']} | {bc['vulnerable']} | {bc['clean']} | 0 |")
    out.append("")
    out.append(f"- malicious corpus judged **malicious: {pct(mc['malicious'], m_total)}**; "
               f"**not clean: {pct(sum(mc[v] for v in FLAGGED), m_total)}** (goal ≥ 95% / ≥ 98%)")
    out.append(f"- benign corpus judged **malicious: {pct(bc['malicious'], len(benign))}**; "
               f"**flagged at all: {pct(sum(bc[v] for v in FLAGGED), len(benign))}** (goal ≤ 0.2% / ≤ 2%)")
    out.append("")

    def by_group(results, root):
        groups = collections.defaultdict(list)
        for r in results:
            rel = os.path.relpath(r["target"], root)
            groups[rel.split(os.sep)[0]].append(r)
        return groups

    out.append("### Benign by source")
    out.append("")
    out.append("| source | targets | malicious | flagged |")
    out.append("|---|---:|---:|---:|")
    for source, rs in sorted(by_group(benign, benign_dir).items()):
        c = counts(rs)
        out.append(f"| {source} | {len(rs)} | {c['malicious']} | {sum(c[v] for v in FLAGGED)} |")
    out.append("")

    def rule_table(results, title):
        rules = collections.Counter()
        for r in results:
            for rule in {f["rule"] for f in r["findings"] if f["severity"] in ("critical", "high", "medium")}:
                rules[rule] += 1
        out.append(f"### {title}: targets with a medium-or-worse finding, per rule")
        out.append("")
        out.append("| rule | targets |")
        out.append("|---|---:|")
        for rule, n in rules.most_common(40):
            out.append(f"| {rule} | {n} |")
        out.append("")

    rule_table(mal, "Malicious corpus")
    rule_table([r for r in benign if r["verdict"] in FLAGGED], "Benign corpus, flagged targets")

    out.append("### Benign targets flagged")
    out.append("")
    for r in sorted((r for r in benign if r["verdict"] in FLAGGED), key=lambda r: (-r["score"], r["target"])):
        worst = sorted(r["findings"], key=lambda f: ["info", "low", "medium", "high", "critical"].index(f["severity"]), reverse=True)[:2]
        why = "; ".join(f"{f['rule']} {f['severity']}: {f['message'][:110]}" for f in worst)
        out.append(f"- `{os.path.relpath(r['target'], benign_dir)}` {r['verdict']} {r['score']:.2f} — {why}")
    out.append("")
    out.append("### Malicious archives judged clean")
    out.append("")
    missed = sorted(os.path.relpath(r["target"], mal_dir) for r in mal if r["verdict"] == "clean")
    out.append(f"{len(missed)} archives; the first 200:")
    out.append("")
    for m in missed[:200]:
        out.append(f"- `{m}`")
    print("\n".join(out))


def main(argv):
    verb = argv[1]
    if verb == "malicious":
        materialize_malicious(*argv[2:5])
    elif verb == "debian":
        materialize_debian(*argv[2:5])
    elif verb == "wheels":
        materialize_wheels(argv[2])
    elif verb == "sdists":
        materialize_sdists(*argv[2:5])
    elif verb == "report":
        report(*argv[2:6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
