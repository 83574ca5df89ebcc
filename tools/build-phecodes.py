#!/usr/bin/env python3
"""build-phecodes.py -- build duet's phecode tables (phecodes/) from the
public sources in ../shared/data/phecode-sources.

    tools/build-phecodes.py [SOURCES_DIR [OUT_DIR]]

SOURCES_DIR defaults to ../shared/data/phecode-sources (relative to the
project root), OUT_DIR to phecodes/.  Python 3 standard library only.  The
output is deterministic: running the script twice gives identical bytes.

For each phecode version (1.2 and X) three tab-separated tables are written:

  definitions.tsv  phecode, description, category, sex (Both|Male|Female),
                   leaf (1 if no other phecode rolls up into it); rows in
                   phecode order (1.2: numeric; X: category, then number)
  exclude.tsv      phecode, lo, hi: one row per exclusion range (1.2 only;
                   the X file holds the header alone)
  map.tsv          vocabulary (ICD9CM|ICD10CM), code (dotted, upper case),
                   phecodes (comma-separated, ROLLED UP: the code's own
                   phecodes and every phecode they roll up into, in phecode
                   order), source (map|parent|range: how the code got them)

and phecodes/README.md, which records the SHA-256 of every source file and of
every table, the counts, and the rules below.

Rules (also in man/duet-phecode.1):
  * Codes are upper-cased (the 1.2 ICD-10-CM map writes placeholders as 'x').
  * The code universe of each vocabulary is the union of the codes in the 1.2
    and X maps, plus the three-character categories of those codes.
  * A code listed in a version's map gets its listed phecodes ("map").
  * Otherwise it inherits the phecodes of its nearest ancestor listed in the
    map: the code with trailing characters removed, down to the category
    (three characters; four for ICD-9-CM E codes) ("parent").
  * Otherwise (1.2, ICD-10-CM only) it gets the phecodes of the narrowest
    range row of the 1.2 map (such as A00-A09) whose bounds contain its
    three-character category ("range").  Range rows are a fallback only: a
    code with a mapping of its own, or of an ancestor, does not also count
    toward the range's phecode (block rows such as I00-I99 -> 414.2 would
    otherwise put every circulatory code into one phecode).
  * Phecodes are rolled up with the 1.2 rollup map; the X map used is the
    already-unrolled ICD-CM map of 2023-06-07.
"""

import collections
import csv
import hashlib
import io
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def read_csv(path):
    """Rows of a CSV file as dicts; UTF-8, or Latin-1 where a file is not
    UTF-8 (phecodeX_info.csv has three Latin-1 names)."""
    raw = open(path, 'rb').read()
    try:
        text = raw.decode('utf-8')
        enc = 'utf-8'
    except UnicodeDecodeError:
        text = raw.decode('latin-1')
        enc = 'latin-1'
    return list(csv.DictReader(io.StringIO(text, newline=''))), enc


def clean(s):
    return ' '.join(s.replace('\t', ' ').split())


# ---------------------------------------------------------------- ICD codes

def core(code):
    return code.replace('.', '')


def dot_after(vocab, c):
    return 4 if vocab == 'ICD9CM' and c.startswith('E') else 3


def dotted(vocab, c):
    k = dot_after(vocab, c)
    return c if len(c) <= k else c[:k] + '.' + c[k:]


def ancestors(vocab, code):
    """The code's ancestors by truncation, nearest first, down to the
    category."""
    c = core(code)
    k = dot_after(vocab, c)
    for n in range(len(c) - 1, k - 1, -1):
        yield dotted(vocab, c[:n])


def category(vocab, code):
    c = core(code)
    return dotted(vocab, c[:dot_after(vocab, c)])


# ---------------------------------------------------------------- phecodes

def phecode_key_12(p):
    return (float(p), p)


def phecode_key_x(p):
    prefix, _, num = p.partition('_')
    return (prefix, float(num), p)


def hundredths(s):
    """A 1.2 phecode or range bound as an integer number of hundredths."""
    m = re.fullmatch(r'(\d+)(?:\.(\d{1,2}))?', s)
    if not m:
        raise ValueError('not a phecode number: %r' % s)
    frac = (m.group(2) or '').ljust(2, '0')
    return int(m.group(1)) * 100 + int(frac)


def build_map(vocab_codes, base, rollup, ranges, order):
    """Resolve every code of the universe: dict (vocab, code) ->
    (sorted rolled-up phecodes, source)."""
    out = {}
    for vocab, code in vocab_codes:
        phe, source = None, None
        if (vocab, code) in base:
            phe, source = base[(vocab, code)], 'map'
        else:
            for anc in ancestors(vocab, code):
                if (vocab, anc) in base:
                    phe, source = base[(vocab, anc)], 'parent'
                    break
        if phe is None and vocab == 'ICD10CM' and ranges:
            cat = core(code)[:3]
            covering = [(span, lo, hi, p) for (lo, hi, p, span) in ranges
                        if lo <= cat <= hi]
            if covering:
                narrow = min(c[0] for c in covering)
                phe = set(c[3] for c in covering if c[0] == narrow)
                source = 'range'
        if phe is None:
            continue
        rolled = set()
        for p in phe:
            rolled |= rollup.get(p, {p})
        out[(vocab, code)] = (sorted(rolled, key=order), source)
    return out


def write_tsv(path, header, rows):
    buf = io.StringIO(newline='')
    buf.write('\t'.join(header) + '\n')
    for r in rows:
        for f in r:
            if '\t' in str(f) or '\n' in str(f):
                raise ValueError('tab or newline in field %r' % (f,))
        buf.write('\t'.join(str(f) for f in r) + '\n')
    data = buf.getvalue().encode('utf-8')
    with open(path, 'wb') as f:
        f.write(data)
    return data


def range_span(lo, hi):
    """Number of three-character categories from lo to hi (same letter
    assumed where the letters agree; across letters, 100 per letter)."""
    return (ord(hi[0]) - ord(lo[0])) * 100 + int(hi[1:3]) - int(lo[1:3]) + 1


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        TOP, '..', 'shared', 'data', 'phecode-sources')
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(TOP, 'phecodes')
    src = os.path.normpath(src)
    files = {
        'v1.2/phecode_definitions1.2.csv': None,
        'v1.2/PheWAS_pkg_phecode_map.csv': None,
        'v1.2/PheWAS_pkg_phecode_rollup_map.csv': None,
        'v1.2/PheWAS_pkg_sex_restriction.csv': None,
        'v1.2/PheWAS_pkg_phecode_exclude.csv': None,
        'X/phecodeX_info.csv': None,
        'X/phecodeX_unrolled_ICD_CM_2023-06-07.csv': None,
        'X/phecodeX_R_map.csv': None,
        'X/phecodeX_R_rollup_map.csv': None,
        'X/phecodeX_R_sex.csv': None,
    }
    rows, encs = {}, {}
    for name in files:
        path = os.path.join(src, name)
        files[name] = sha256_file(path)
        rows[name], encs[name] = read_csv(path)
    notes = []

    # ------------------------------------------------------------ 1.2
    defs12 = rows['v1.2/phecode_definitions1.2.csv']
    sexmap = {'': 'Both', 'Both': 'Both', 'Male': 'Male', 'Female': 'Female'}
    d12 = {}
    for r in defs12:
        d12[r['phecode']] = r
    order12 = lambda p: phecode_key_12(p)
    phe12 = sorted(d12, key=order12)
    # cross-check sex with PheWAS_pkg_sex_restriction.csv
    n_sex_checked = 0
    for r in rows['v1.2/PheWAS_pkg_sex_restriction.csv']:
        want = ('Male' if r['male_only'] == 'TRUE' else
                'Female' if r['female_only'] == 'TRUE' else 'Both')
        got = sexmap[d12[r['phecode']]['sex']]
        if got != want:
            raise SystemExit('sex of %s differs: %s vs %s' % (r['phecode'], got, want))
        n_sex_checked += 1
    notes.append('1.2: the sex column of phecode_definitions1.2.csv agrees with '
                 'PheWAS_pkg_sex_restriction.csv for all %d phecodes the latter '
                 'lists; an empty sex is read as Both.' % n_sex_checked)

    excl12 = []
    for p in phe12:
        for part in d12[p]['phecode_exclude_range'].split(','):
            part = part.strip()
            if not part:
                continue
            lo, hi = part.split('-')
            hundredths(lo), hundredths(hi)
            excl12.append((p, lo, hi))
    # cross-check with the pairwise expansion
    inrange = collections.defaultdict(set)
    for p, lo, hi in excl12:
        a, b = hundredths(lo), hundredths(hi)
        for q in phe12:
            if q != p and a <= hundredths(q) <= b:
                inrange[p].add(q)
    pairs = collections.defaultdict(set)
    for r in rows['v1.2/PheWAS_pkg_phecode_exclude.csv']:
        pairs[r['code']].add(r['exclusion_criteria'])
    n_missing = sum(len(inrange[p] - pairs[p]) for p in phe12)
    n_extra = sum(len(pairs[p] - inrange[p]) for p in pairs)
    n_diff = sum(1 for p in phe12 if inrange[p] != pairs[p])
    notes.append('1.2: the exclusion ranges come from phecode_definitions1.2.csv. '
                 'PheWAS_pkg_phecode_exclude.csv (the pairwise expansion, phecode '
                 'in `code`, excluded phecode in `exclusion_criteria`) agrees for '
                 '%d of %d phecodes; for %d it lacks %d pairs that the ranges '
                 'contain and has %d pairs outside them.'
                 % (len(phe12) - n_diff, len(phe12), n_diff, n_missing, n_extra))

    rollup12 = collections.defaultdict(set)
    for r in rows['v1.2/PheWAS_pkg_phecode_rollup_map.csv']:
        rollup12[r['code']].add(r['phecode_unrolled'])
    base12 = collections.defaultdict(set)
    ranges12 = []
    for r in rows['v1.2/PheWAS_pkg_phecode_map.csv']:
        code = r['code'].strip().upper()
        if r['phecode'] not in d12:
            raise SystemExit('map row with unknown phecode %r' % r['phecode'])
        if r['vocabulary_id'] == 'ICD10CM' and re.fullmatch(r'[A-Z]\d\d-[A-Z]\d\d', code):
            lo, hi = code.split('-')
            ranges12.append((lo, hi, r['phecode'], range_span(lo, hi)))
            continue
        if not re.fullmatch(r'[0-9A-Z]{3,4}(\.[0-9A-Z]{1,4})?', code):
            raise SystemExit('odd code %r' % code)
        base12[(r['vocabulary_id'], code)].add(r['phecode'])

    # ------------------------------------------------------------ X
    dX = {}
    for r in rows['X/phecodeX_info.csv']:
        dX[r['phecode']] = r
    orderX = lambda p: phecode_key_x(p)
    pheX = sorted(dX, key=orderX)
    sexX = {r['phecode']: r for r in rows['X/phecodeX_R_sex.csv']}
    n_sex_checked, not_in_sex = 0, []
    for p in pheX:
        if p not in sexX:
            not_in_sex.append(p)
            continue
        r = sexX[p]
        want = ('Male' if r['male_only'] == 'TRUE' else
                'Female' if r['female_only'] == 'TRUE' else 'Both')
        if dX[p]['sex'] != want:
            raise SystemExit('X sex of %s differs' % p)
        n_sex_checked += 1
    notes.append('X: the sex column of phecodeX_info.csv agrees with '
                 'phecodeX_R_sex.csv for all %d phecodes both list (%s only in '
                 'the info table; %s only in the sex table).'
                 % (n_sex_checked, ', '.join(not_in_sex) or 'none',
                    ', '.join(sorted(set(sexX) - set(dX))) or 'none'))
    baseX = collections.defaultdict(set)
    for r in rows['X/phecodeX_unrolled_ICD_CM_2023-06-07.csv']:
        vocab = {'9': 'ICD9CM', '10': 'ICD10CM'}[r['flag']]
        code = r['ICD'].strip().upper()
        if r['phecode'] not in dX:
            raise SystemExit('X map row with unknown phecode %r' % r['phecode'])
        baseX[(vocab, code)].add(r['phecode'])
    rollupX_r = collections.defaultdict(set)
    for r in rows['X/phecodeX_R_rollup_map.csv']:
        rollupX_r[r['code']].add(r['phecode_unrolled'])
    rmap = collections.defaultdict(set)
    for r in rows['X/phecodeX_R_map.csv']:
        for p in rollupX_r.get(r['phecode'], {r['phecode']}):
            rmap[(r['vocabulary_id'], r['code'].upper())].add(p)
    n_diff = sum(1 for k in set(rmap) & set(baseX) if rmap[k] != baseX[k])
    notes.append('X: the map is phecodeX_unrolled_ICD_CM_2023-06-07.csv (already '
                 'rolled up). The older phecodeX_R_map.csv rolled up with '
                 'phecodeX_R_rollup_map.csv gives the same phecodes for %d of the '
                 '%d codes both list, different ones for %d; %d codes are only in '
                 'the R map, %d only in the unrolled map.'
                 % (len(set(rmap) & set(baseX)) - n_diff, len(set(rmap) & set(baseX)),
                    n_diff, len(set(rmap) - set(baseX)), len(set(baseX) - set(rmap))))
    # X leaf: no other phecode rolls up into it
    has_child = set()
    for q in pheX:
        prefix, _, num = q.partition('_')
        if '.' in num:
            head, frac = num.split('.')
            for n in range(len(frac) - 1, -1, -1):
                anc = prefix + '_' + head + ('.' + frac[:n] if n else '')
                if anc in dX:
                    has_child.add(anc)

    # ------------------------------------------------------------ universe
    universe = set(base12) | set(baseX)
    for vocab, code in list(universe):
        universe.add((vocab, category(vocab, code)))
    universe = sorted(universe)

    map12 = build_map(universe, base12, rollup12, ranges12, order12)
    mapX = build_map(universe, baseX, {}, [], orderX)

    os.makedirs(os.path.join(out, 'v1.2'), exist_ok=True)
    os.makedirs(os.path.join(out, 'X'), exist_ok=True)
    tables = {}

    def emit(version, defs_rows, excl_rows, mp):
        d = os.path.join(out, version)
        data = []
        data.append(write_tsv(os.path.join(d, 'definitions.tsv'),
                              ['phecode', 'description', 'category', 'sex', 'leaf'],
                              defs_rows))
        data.append(write_tsv(os.path.join(d, 'exclude.tsv'), ['phecode', 'lo', 'hi'],
                              excl_rows))
        data.append(write_tsv(os.path.join(d, 'map.tsv'),
                              ['vocabulary', 'code', 'phecodes', 'source'],
                              [(v, c, ','.join(p), s) for (v, c), (p, s) in sorted(mp.items())]))
        tables[version] = {
            'definitions.tsv': hashlib.sha256(data[0]).hexdigest(),
            'exclude.tsv': hashlib.sha256(data[1]).hexdigest(),
            'map.tsv': hashlib.sha256(data[2]).hexdigest(),
            'all': hashlib.sha256(b''.join(data)).hexdigest(),
        }

    emit('v1.2',
         [(p, clean(d12[p]['phenotype']),
           '' if d12[p]['category'] == 'NULL' else clean(d12[p]['category']),
           sexmap[d12[p]['sex']], d12[p]['leaf']) for p in phe12],
         excl12, map12)
    emit('X',
         [(p, clean(dX[p]['phecode_string']), clean(dX[p]['category']), dX[p]['sex'],
           0 if p in has_child else 1) for p in pheX],
         [], mapX)

    # ------------------------------------------------------------ README
    def counts(mp):
        c = collections.Counter((v, s) for (v, _), (_, s) in mp.items())
        return c

    c12, cX = counts(map12), counts(mapX)
    n_pairs12 = sum(len(p) for p, _ in map12.values())
    n_pairsX = sum(len(p) for p, _ in mapX.values())
    md = []
    md.append('# phecodes/ -- the phecode tables duet ships\n')
    md.append('Generated by `tools/build-phecodes.py` from `../shared/data/phecode-sources`;')
    md.append('do not edit by hand (run `python3 tools/build-phecodes.py` and commit the result).')
    md.append('The tables are embedded in the `duet` binary at build time (see the Makefile rule')
    md.append('for `$(BUILD)/gen/phecode_tables.c`); `duet phecode` copies the tables of the')
    md.append('version it runs into the store and records the tables\' SHA-256 there.\n')
    md.append('## Tables\n')
    md.append('Per version (`v1.2/`, `X/`), tab-separated with a header row:\n')
    md.append('- `definitions.tsv`: `phecode description category sex leaf`; sex is `Both`,')
    md.append('  `Male` or `Female`; leaf is 1 if no other phecode rolls up into it; rows in')
    md.append('  phecode order (1.2: numeric; X: category prefix, then number).')
    md.append('- `exclude.tsv`: `phecode lo hi`, one row per exclusion')
    md.append('  range of phecode 1.2 (a person with any phecode numerically in [lo, hi] is not')
    md.append('  a control for `phecode`); PhecodeX has no exclusion ranges (header only).')
    md.append('- `map.tsv`: `vocabulary code phecodes source`; codes dotted and upper case;')
    md.append('  `phecodes` is the comma-separated rolled-up list (the code\'s own phecodes and')
    md.append('  every phecode they roll up into); `source` says how the code got them:')
    md.append('  `map` (listed in the source map), `parent` (inherited from the nearest ancestor')
    md.append('  code listed in the map), `range` (1.2 ICD-10-CM range row, see below).\n')
    md.append('## Rules\n')
    md.append('- Codes are upper-cased (the 1.2 ICD-10-CM map writes placeholders as `x`).')
    md.append('- The code universe of each vocabulary is the union of the codes in the 1.2 and')
    md.append('  X maps, plus the three-character categories of those codes; every version\'s')
    md.append('  map resolves every code of the universe it can.')
    md.append('- A code listed in the version\'s source map gets its listed phecodes (`map`).')
    md.append('- Otherwise it inherits the phecodes of its nearest ancestor listed in the map:')
    md.append('  the code with trailing characters removed, down to its category (three')
    md.append('  characters; four for ICD-9-CM E codes) (`parent`). `duet phecode` applies the')
    md.append('  same rule at run time to codes outside the universe.')
    md.append('- Range rows (1.2, ICD-10-CM, %d rows such as `A00-A09`) are expanded against the' % len(ranges12))
    md.append('  universe: a code whose three-character category lies between the bounds')
    md.append('  (string order, so `C4A` is outside `C45-C49`) and that got nothing from the')
    md.append('  two rules above gets the phecodes of the narrowest covering range (all rows')
    md.append('  of that range if it has several). Ranges are a fallback only: a code with')
    md.append('  a mapping of its own or of an ancestor does not also count toward the range\'s')
    md.append('  phecode (block rows such as `I00-I99 -> 414.2` or `F01-F99 -> 315` would')
    md.append('  otherwise put whole ICD chapters into one phecode).')
    md.append('- 1.2 phecodes are rolled up with `PheWAS_pkg_phecode_rollup_map.csv` (phecodes')
    md.append('  whose `rollup` flag is 0 do not roll into their parents); the X map is the')
    md.append('  already-unrolled `phecodeX_unrolled_ICD_CM_2023-06-07.csv`.\n')
    md.append('## Counts\n')
    md.append('| version | phecodes | exclusion ranges | codes (ICD9CM map/parent) | codes (ICD10CM map/parent/range) | code-phecode pairs |')
    md.append('|---|---|---|---|---|---|')
    md.append('| 1.2 | %d | %d | %d / %d | %d / %d / %d | %d |' % (
        len(phe12), len(excl12), c12[('ICD9CM', 'map')], c12[('ICD9CM', 'parent')],
        c12[('ICD10CM', 'map')], c12[('ICD10CM', 'parent')], c12[('ICD10CM', 'range')],
        n_pairs12))
    md.append('| X | %d | 0 | %d / %d | %d / %d / %d | %d |\n' % (
        len(pheX), cX[('ICD9CM', 'map')], cX[('ICD9CM', 'parent')],
        cX[('ICD10CM', 'map')], cX[('ICD10CM', 'parent')], cX[('ICD10CM', 'range')],
        n_pairsX))
    md.append('Code universe: %d ICD-9-CM and %d ICD-10-CM codes.\n' % (
        sum(1 for v, _ in universe if v == 'ICD9CM'),
        sum(1 for v, _ in universe if v == 'ICD10CM')))
    md.append('## Cross-checks made by the script\n')
    for n in notes:
        md.append('- ' + n)
    md.append('')
    md.append('## Source files (SHA-256)\n')
    md.append('| file | encoding | sha256 |')
    md.append('|---|---|---|')
    for name in sorted(files):
        md.append('| `%s` | %s | `%s` |' % (name, encs[name], files[name]))
    md.append('')
    md.append('## Tables (SHA-256)\n')
    md.append('`tables` is the SHA-256 of definitions.tsv, exclude.tsv and map.tsv')
    md.append('concatenated in that order; `duet phecode` records it in the store and')
    md.append('`duet pheno` in its provenance lines.\n')
    md.append('| version | file | sha256 |')
    md.append('|---|---|---|')
    for v in ('v1.2', 'X'):
        for f in ('definitions.tsv', 'exclude.tsv', 'map.tsv', 'all'):
            md.append('| %s | %s | `%s` |' % (v[1:] if v == 'v1.2' else v,
                                             'tables' if f == 'all' else f, tables[v][f]))
    md.append('')
    md.append('## Origin and licences\n')
    md.append('Phecode 1.2: phewascatalog.org tables as distributed by the PheWAS R package')
    md.append('(GPL-3) and the INTERVENE_PheRS repository (MIT); cite Denny et al. 2013 and')
    md.append('Wu et al. 2019 (ICD-10-CM map). PhecodeX 1.0: PheWAS/PhecodeXVocabulary and')
    md.append('PheWAS/PhecodeX repositories; cite Shuey et al. 2023. See')
    md.append('`../shared/data/PROVENANCE.md`.')
    with open(os.path.join(out, 'README.md'), 'w', encoding='utf-8', newline='\n') as f:
        f.write('\n'.join(md) + '\n')
    for v in ('v1.2', 'X'):
        print('%s tables sha256 %s' % (v, tables[v]['all']))


if __name__ == '__main__':
    main()
