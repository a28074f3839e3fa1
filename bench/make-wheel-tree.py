#!/usr/bin/env python3
"""A static PEP 503 tree of 30 real wheels, standing in for pypi.org in the proxy benchmarks: bench-root depends on
bench-pkg-01..29 and every package on the next two (a tree with shared nodes, as real ones have). Each wheel has a
few modules so the proxy's code scan has work to do. Usage: make-wheel-tree.py DIRECTORY (writes simple/ and files/)."""
import base64, hashlib, io, os, sys, zipfile

root = sys.argv[1]
names = ["bench-root"] + [f"bench-pkg-{i:02d}" for i in range(1, 30)]


def deps(i):
    return names[1:] if i == 0 else names[i + 1:i + 3]


for i, name in enumerate(names):
    mod = name.replace("-", "_")
    dist = f"{mod}-1.0"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n" + "".join(f"Requires-Dist: {d}>=1.0\n" for d in deps(i))
    files = {f"{mod}/__init__.py": "VERSION = '1.0'\n", f"{dist}.dist-info/METADATA": meta,
             f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    for m in range(8):
        files[f"{mod}/mod{m}.py"] = "".join(f"def f{k}(x):\n    return [y * {k} for y in range(x)]\n\n" for k in range(60))
    record = "".join(f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(c.encode()).digest()).rstrip(b'=').decode()},{len(c.encode())}\n"
                     for p, c in files.items())
    files[f"{dist}.dist-info/RECORD"] = record + f"{dist}.dist-info/RECORD,,\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p, c in files.items():
            z.writestr(p, c)
    wheel = buf.getvalue()
    fn = f"{dist}-py3-none-any.whl"
    os.makedirs(f"{root}/files", exist_ok=True)
    os.makedirs(f"{root}/simple/{name}", exist_ok=True)
    open(f"{root}/files/{fn}", "wb").write(wheel)
    open(f"{root}/simple/{name}/index.html", "w").write(
        f'<!DOCTYPE html><html><body><a href="../../files/{fn}#sha256={hashlib.sha256(wheel).hexdigest()}">{fn}</a></body></html>\n')
