#!/usr/bin/env python3
"""Builds bench/names/devset.tsv: real squats and the project each imitates.

Sources (names and targets only; no archive is read, nothing is downloaded):
  * malregistry: the project names of the archives listed in shared/data/eval/malregistry-dev.txt
    (lxyeternal/pypi_malregistry, real malware uploaded to PyPI). Each name is paired with a target BY RULE,
    independently of Moat's engine (see pair()), then the pairs were reviewed BY HAND: REJECT lists names whose
    rule pairing was wrong or that imitate nothing, FIX gives the target where the rule picked the wrong one.
  * warehouse: the typo cases of PyPI's own check (pypi/warehouse tests/unit/packaging/test_typosnyper.py).

The pairing rule, in order (the first that applies wins):
  0. the name is made only of one campaign's vocabulary (CAMPAIGN_VOCABULARY)        -> left out: imitates nothing
  1. the name (PEP 503 normalized) is an import name of data/import-names.tsv        -> that distribution
  2. it is within Damerau-Levenshtein distance 1 (names of 4+ letters) or 2 (7+ letters) of a top-15,000
     name, compared with separators removed                                        -> the closest; names tied at
                                                                                      that distance and within 4x
                                                                                      its rank are right answers too
  3. the same after dropping a trailing plural 's', digits or a py/python word       -> that name
  4. it contains a top-1,000 name of 5+ letters as a whole word, or glued to others -> the best-ranked such name
  5. one of its words is a brand word of data/brand-names.tsv, or it starts with one -> that brand
  6. the name or one of its words is one edit from a brand word (two from 8+ letters),
     'python' included                                                              -> that brand
Names the rule cannot pair (random words, campaign names such as 'esqramhttp') are not squats of anything
and are left out. Usage: python3 bench/names/build_devset.py [SHARED_DATA_DIR] > bench/names/devset.tsv
"""
import os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, '..', 'shared', 'data')

def norm(n): return re.sub(r'[-_.]+', '-', n).lower()
def strip(n): return n.replace('-', '')

def osa(a, b, limit):
    if abs(len(a) - len(b)) > limit: return limit + 1
    prev2 = None; prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b); best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i-1] == b[j-1] else 1
            v = min(prev[j] + 1, cur[j-1] + 1, prev[j-1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i-1] == b[j-2] and a[i-2] == b[j-1]: v = min(v, prev2[j-2] + 1)
            cur[j] = v; best = min(best, v)
        if best > limit: return limit + 1
        prev2, prev = prev, cur
    return prev[-1]

def deletions(s, k):
    out = {s}; frontier = {s}
    for _ in range(k):
        frontier = {w[:i] + w[i+1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out

top = []
for line in open(os.path.join(REPO, 'data', 'top-packages.tsv')):
    f = line.rstrip('\n').split('\t')
    if f[0].isdigit(): top.append((int(f[0]), norm(f[1])))
rank = {n: r for r, n in sorted(top, reverse=True)}
by_stripped = {}
for r, n in sorted(top):
    by_stripped.setdefault(strip(n), (r, n))
index = {}
for s, (r, n) in by_stripped.items():
    for d in deletions(s, 2 if len(s) >= 7 else 1 if len(s) >= 4 else 0):
        index.setdefault(d, []).append(s)

imports = {}
for line in open(os.path.join(REPO, 'data', 'import-names.tsv')):
    if line.startswith('#') or line.startswith('import_name'): continue
    f = line.rstrip('\n').split('\t')
    if len(f) >= 2: imports[norm(f[0])] = norm(f[1])
brands = []
path = os.path.join(REPO, 'data', 'brand-names.tsv')
if os.path.exists(path):
    for line in open(path):
        if line.startswith('#') or line.startswith('brand\t'): continue
        brands.append(line.split('\t')[0].strip())

def closest(s, maxd):
    """The top-15,000 names nearest to s, best rank first, '|'-joined: a name equally near two projects ('ytorch':
    torch and pytorch; 'tcalendar': icalendar and tkcalendar) imitates either as far as the name can tell."""
    found = {}
    for d in deletions(s, maxd):
        for t in index.get(d, ()):
            if t == s or t in found: continue
            allowed = 2 if len(t) >= 7 and len(s) >= 7 else 1
            dist = osa(s, t, min(allowed, maxd))
            if dist <= min(allowed, maxd): found[t] = dist
    if not found: return None
    nearest = min(found.values())
    tied = sorted((t for t, d in found.items() if d == nearest), key=lambda t: by_stripped[t][0])
    # a tie counts only between projects of comparable popularity (within 4× the best's rank): 'aiottp' is aiohttp's
    # dropped h, not a squat of aioftp, which is 1,000 places lower.
    best = by_stripped[tied[0]][0]
    return '|'.join(by_stripped[t][1] for t in tied if by_stripped[t][0] <= 4 * best)

# One automated campaign in the archive (1,743 of its 9,236 names) glues two to five words of a fixed vocabulary:
# 'libguipaypalnvidia', 'cvpaypal', 'nvidiagame', 'paypalcpu', 'getmask', 'adurl', 'pywpy'. Its names imitate no project,
# even where one lands an edit from one ('adurl'/mdurl, 'reget'/regex) or contains a brand ('paypal', 'nvidia').
CAMPAIGN_VOCABULARY = sorted('''cc mc vm re ad cpu ram info tool game lib grand visa ultra super pyw tp pep pip url push split
proof gui intel kill str get post load mine rand ver int cv ed py control hydra mask paypal nvidia'''.split(), key=len, reverse=True)

def campaign_word(s):
    def words(rest):
        if not rest: return 0
        for w in CAMPAIGN_VOCABULARY:
            if rest.startswith(w):
                k = words(rest[len(w):])
                if k is not None: return k + 1
        return None
    k = words(s)
    return k is not None and k >= 2

TOP1K = sorted([(r, n) for r, n in top if r <= 1000 and len(strip(n)) >= 5], key=lambda x: (-len(strip(x[1])), x[0]))

def pair(name):
    n = norm(name); s = strip(n)
    if n in rank: return None, 'itself popular'
    if n in imports: return imports[n], 'rule 1: import name'
    if campaign_word(s): return None, 'campaign word'
    t = closest(s, 2)
    if t: return t, 'rule 2: edit distance'
    for variant in {re.sub(r's$', '', s), re.sub(r'\d+$', '', s), re.sub(r'^(python|py)|(python|py)$', '', s), s + 's'}:
        if len(variant) >= 4 and variant != s:
            if variant in by_stripped and by_stripped[variant][1] != n: return by_stripped[variant][1], 'rule 3: variant'
            t = closest(variant, 1)
            if t: return t, 'rule 3: variant + edit'
    words = n.split('-')
    for r, t in TOP1K:
        ts = strip(t)
        if t in words or ('-' in t and ('-' + t + '-') in ('-' + n + '-')) or (len(ts) >= 6 and ts in s):
            return t, 'rule 4: contains a top-1,000 name'
    for b in brands:
        if b != 'python' and (b in words or s.startswith(b)): return b, 'rule 5: brand word'
    for b in brands:
        for part in {s, *words}:
            d = osa(part, b, 2)
            if len(b) >= 6 and 1 <= d <= (2 if len(b) >= 8 else 1): return b, 'rule 5: brand word misspelled' if b != 'python' else 'rule 6: python misspelled'
    return None, 'no target'

REJECT = set()  # filled by hand review below
FIX = {}
OPEN_AEA_IS_OPENSEA = False
exec(open(os.path.join(HERE, 'devset_review.py')).read()) if os.path.exists(os.path.join(HERE, 'devset_review.py')) else None

WAREHOUSE = [('nuumpy', 'numpy'), ('reequests', 'requests'), ('sphnx', 'sphinx'), ('python-dteutil', 'python-dateutil'),
             ('pythondateutil', 'python-dateutil'), ('jinj2a', 'jinja2'), ('dateutil-python', 'python-dateutil'),
             ('numpi', 'numpy'), ('requestz', 'requests')]

if __name__ == '__main__':
    print('# squat\ttarget\tsource\thow paired (see bench/names/build_devset.py)')
    seen = set()
    names = []
    for line in open(os.path.join(SHARED, 'eval', 'malregistry-dev.txt')):
        if line.startswith('#') or not line.strip(): continue
        names.append(line.split('/')[0])
    for name in names:
        n = norm(name)
        if n in seen: continue
        seen.add(n)
        if n in REJECT: continue
        if n in FIX: print(f'{n}\t{FIX[n]}\tmalregistry\tby hand'); continue
        target, how = pair(n)
        if target == 'open-aea' and OPEN_AEA_IS_OPENSEA: target, how = 'opensea', 'by hand: OpenSea misspelled'
        s = strip(n)
        if target and how.startswith('rule 4'):
            # a name made of several popular names imitates each of them: any is the right target
            target = '|'.join([target] + [t for r, t in TOP1K if t != target and (t in n.split('-') or (len(strip(t)) >= 6 and strip(t) in s))])
        # by hand: 'beautifulsoup' and 'pytorch' are the old or placeholder names of beautifulsoup4 and torch; a squat
        # of either imitates the project people mean, so both answers are right.
        # Either name of such a pair is right, whichever the rule found first.
        FAMILY = {'beautifulsoup': 'beautifulsoup4', 'pytorch': 'torch'}
        FAMILY.update({v: k for k, v in list(FAMILY.items())})
        if target:
            answers = target.split('|')
            target = '|'.join(dict.fromkeys(a for t in answers for a in (t, FAMILY.get(t)) if a))
        if target: print(f'{n}\t{target}\tmalregistry\t{how}')
    for n, t in WAREHOUSE:
        print(f'{n}\t{t}\twarehouse\ttest_typosnyper.py')
