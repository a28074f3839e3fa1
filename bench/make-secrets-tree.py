#!/usr/bin/env python3
"""Writes a tree of realistic text (Python source, configs, JSON, Markdown, logs) for the secret-scanner benchmark.

usage: make-secrets-tree.py DIR MEGABYTES [SEED]

About one file in 500 gets a fake secret (a checksum-valid GitHub token, a structurally valid PyPI token, a generic
password), generated here, so the scan has real work to do. Files are 2-200 KiB; a few binary blobs are mixed in.
Nothing here is a live credential: the random parts come from a seeded PRNG.
"""
import base64, binascii, os, random, sys, uuid

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

def base62(n, width=6):
    s = ""
    while True:
        s = ALNUM[n % 62] + s
        n //= 62
        if n == 0:
            break
    return s.rjust(width, "0")

def github_token(r):
    body = "".join(r.choice(ALNUM) for _ in range(30))
    return "ghp_" + body + base62(binascii.crc32(body.encode()))

def pypi_token(r):
    def field(t, v):
        return bytes([t, len(v)]) + v
    data = b"\x02" + field(1, b"pypi.org") + field(2, str(uuid.UUID(int=r.getrandbits(128))).encode()) + b"\x00"
    data += field(2, b'{"version": 1, "permissions": "user"}') + b"\x00" + b"\x00" + field(6, bytes(r.getrandbits(8) for _ in range(32)))
    return "pypi-" + base64.urlsafe_b64encode(data).decode().rstrip("=")

PARAGRAPHS = [
    'def connect(host, token=None):\n    token = token or os.environ["API_TOKEN"]\n    return Client(host, auth=token)\n\n',
    'import json\nfrom pathlib import Path\n\n\nclass Config:\n    def __init__(self, path):\n        self.data = json.loads(Path(path).read_text())\n\n',
    '[tool.poetry]\nname = "example"\nversion = "1.2.3"\n\n[tool.poetry.dependencies]\npython = "^3.10"\nrequests = "^2.31"\n\n',
    '## Usage\n\nSee https://docs.example.com/guide for details. Set `PASSWORD` in your environment, never in code.\n\n',
    '    for item in items:\n        if item.secret_name in cache:\n            continue\n        results.append(process(item, retries=3))\n',
    '{"id": 12345, "name": "widget", "tags": ["a", "b"], "url": "https://api.example.com/v1/widgets/12345"}\n',
    '2026-11-23T17:00:01Z INFO worker-3 processed batch 8812 in 41ms (queue depth 17, auth ok)\n',
    'jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pytest -q\n',
    'SELECT id, name, created_at FROM users WHERE last_login > NOW() - INTERVAL \'30 days\' ORDER BY id;\n',
    '    """Return the decoded payload.\n\n    Raises ValueError when the checksum does not match.\n    """\n',
]
EXTENSIONS = [".py", ".py", ".py", ".toml", ".md", ".json", ".log", ".yml", ".sql", ".txt"]

def main():
    root, megabytes = sys.argv[1], int(sys.argv[2])
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    target = megabytes * 1024 * 1024
    written = files = secrets = 0
    while written < target:
        d = os.path.join(root, f"pkg{files // 400:04d}", f"mod{(files // 40) % 10}")
        os.makedirs(d, exist_ok=True)
        ext = r.choice(EXTENSIONS)
        path = os.path.join(d, f"file{files:07d}{ext}")
        size = int(r.paretovariate(1.2) * 4096) if r.random() < 0.97 else 0
        size = min(max(size, 2048), 200 * 1024)
        if size == 0:  # a binary blob
            data = bytes(r.getrandbits(8) for _ in range(64 * 1024))
        else:
            parts, n = [], 0
            while n < size:
                p = r.choice(PARAGRAPHS)
                parts.append(p)
                n += len(p)
            if r.random() < 0.002:
                kind = r.randrange(3)
                secret = github_token(r) if kind == 0 else pypi_token(r) if kind == 1 else 'DB_PASSWORD = "' + "".join(r.choice(ALNUM) for _ in range(20)) + '"'
                parts.insert(r.randrange(len(parts)), f"TOKEN_VALUE = \"{secret}\"\n" if kind < 2 else secret + "\n")
                secrets += 1
            data = "".join(parts).encode()
        with open(path, "wb") as f:
            f.write(data)
        written += len(data)
        files += 1
    print(f"{files} files, {written / 1024 / 1024:.0f} MiB, {secrets} planted secrets")

main()
