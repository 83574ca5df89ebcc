#!/usr/bin/env python3
"""phecode_ref.py -- an independent reference for `duet phecode` and
`duet pheno`, written from the rules of man/duet-phecode.1 and
man/duet-pheno.1 (Python standard library only; shares no code with duet).

    phecode_ref.py STORE PHECODES_DIR VERSION OUT_DIR [PHECODE...]

Reads the raw OMOP rows (condition_occurrence, observation, concept, person)
from the SQLite store and the phecode tables from PHECODES_DIR/<v>/*.tsv,
and writes to OUT_DIR:
  person_phecode.tsv  person_id phecode n_dates first_date last_date
  coverage.tsv        vocabulary n_rows n_mapped_rows
  pheno.tsv           IID then the listed phecodes (1/0/NA, min code count 2),
                      rows in person_id order
"""
import csv
import os
import re
import sqlite3
import sys
from collections import defaultdict

ICD9_BLOCK = (44819000, 44838000)
SWITCH = '2015-10-01'


def load_tables(d):
    defs = list(csv.DictReader(open(os.path.join(d, 'definitions.tsv'), encoding='utf-8'),
                               delimiter='\t'))
    excl = defaultdict(list)
    for r in csv.DictReader(open(os.path.join(d, 'exclude.tsv'), encoding='utf-8'),
                            delimiter='\t'):
        excl[r['phecode']].append((float(r['lo']), float(r['hi'])))
    cmap = {}
    for r in csv.DictReader(open(os.path.join(d, 'map.tsv'), encoding='utf-8'), delimiter='\t'):
        cmap[(r['vocabulary'], r['code'])] = r['phecodes'].split(',')
    return defs, excl, cmap


def compact(raw):
    s = raw.strip(' \t\r\n')
    if not s:
        return ''
    if s.count('.') > 1 or s.startswith('.') or s.endswith('.'):
        return None
    s = s.replace('.', '').upper()
    if not re.fullmatch(r'[0-9A-Z]{1,14}', s):
        return None
    return s


def dotted(vocab, c):
    k = 4 if vocab == 'ICD9CM' and c.startswith('E') else 3
    return c if len(c) <= k else c[:k] + '.' + c[k:]


def lookup(cmap, vocab, c):
    v = 'ICD10CM' if vocab == 'ICD10' else vocab
    if (v, dotted(v, c)) in cmap:
        return cmap[(v, dotted(v, c))]
    k = 4 if v == 'ICD9CM' and c.startswith('E') else 3
    for n in range(len(c) - 1, k - 1, -1):
        if (v, dotted(v, c[:n])) in cmap:
            return cmap[(v, dotted(v, c[:n]))]
    return None


def is9(c):
    return bool(re.fullmatch(r'[0-9]{3,5}|V[0-9]{2,4}|E[0-9]{3,4}', c))


def is10(c):
    return bool(re.fullmatch(r'[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}', c)) and not c.startswith('E9')


def vocabulary(c, concept_vocab, concept_id, date, cmap):
    if concept_vocab is not None:
        return concept_vocab if concept_vocab in ('ICD9CM', 'ICD10CM', 'ICD10') else None
    a, b = is9(c), is10(c)
    if a and not b:
        return 'ICD9CM'
    if b and not a:
        return 'ICD10CM'
    if not a and not b:
        return None
    if concept_id is not None and ICD9_BLOCK[0] <= concept_id < ICD9_BLOCK[1]:
        return 'ICD9CM'
    m9, m10 = lookup(cmap, 'ICD9CM', c), lookup(cmap, 'ICD10CM', c)
    if m9 and not m10:
        return 'ICD9CM'
    if m10 and not m9:
        return 'ICD10CM'
    return 'ICD9CM' if date[:10] < SWITCH else 'ICD10CM'


def main():
    store, phedir, version, out = sys.argv[1:5]
    wanted = sys.argv[5:]
    defs, excl, cmap = load_tables(os.path.join(phedir, 'v1.2' if version == '1.2' else 'X'))
    db = sqlite3.connect(store)
    concepts = {}
    for cid, vocab, code in db.execute('SELECT concept_id, vocabulary_id, concept_code FROM concept'):
        concepts[cid] = (vocab, code)
    rows = []
    for table, val, cid, date in (
            ('condition_occurrence', 'condition_source_value', 'condition_source_concept_id',
             'condition_start_date'),
            ('observation', 'observation_source_value', 'observation_source_concept_id',
             'observation_date')):
        rows += db.execute('SELECT person_id, %s, %s, %s FROM %s' % (val, cid, date, table)).fetchall()
    dates = defaultdict(set)
    cov = defaultdict(lambda: [0, 0])
    for person, raw, cid, date in rows:
        cvocab, ccode = concepts.get(cid, (None, None))
        c = compact(raw or '')
        if not c and cvocab in ('ICD9CM', 'ICD10CM', 'ICD10') and ccode:
            c = compact(ccode)
        if c == '':
            cov['none'][0] += 1
            continue
        v = None if c is None else vocabulary(c, cvocab, cid, date, cmap)
        if v is None:
            cov['other'][0] += 1
            continue
        cov[v][0] += 1
        phe = lookup(cmap, v, c)
        if not phe:
            continue
        cov[v][1] += 1
        for p in phe:
            dates[(person, p)].add(date[:10])
    os.makedirs(out, exist_ok=True)
    order = {d['phecode']: i for i, d in enumerate(defs)}
    with open(os.path.join(out, 'person_phecode.tsv'), 'w') as f:
        f.write('person_id\tphecode\tn_dates\tfirst_date\tlast_date\n')
        for (person, p) in sorted(dates, key=lambda k: (k[0], k[1])):
            ds = sorted(dates[(person, p)])
            f.write('%d\t%s\t%d\t%s\t%s\n' % (person, p, len(ds), ds[0], ds[-1]))
    with open(os.path.join(out, 'coverage.tsv'), 'w') as f:
        f.write('vocabulary\tn_rows\tn_mapped_rows\n')
        for v in sorted(cov):
            f.write('%s\t%d\t%d\n' % (v, cov[v][0], cov[v][1]))

    # phenotypes: min code count 2, the rules of duet-pheno(1)
    sexdef = {d['phecode']: d['sex'] for d in defs}
    persons = db.execute('SELECT person_id, gender_concept_id, person_source_value FROM person '
                         'ORDER BY person_id').fetchall()
    has = defaultdict(dict)
    for (person, p), ds in dates.items():
        has[person][p] = len(ds)
    with open(os.path.join(out, 'pheno.tsv'), 'w') as f:
        f.write('\t'.join(['IID'] + wanted) + '\n')
        for person, gender, iid in persons:
            sex = 'Male' if gender == 8507 else 'Female' if gender == 8532 else None
            cells = []
            for p in wanted:
                n = has[person].get(p, 0)
                if sexdef[p] != 'Both' and sexdef[p] != sex:
                    cells.append('NA')
                elif n >= 2:
                    cells.append('1')
                elif n >= 1:
                    cells.append('NA')
                elif any(lo <= float(q) <= hi for (lo, hi) in excl.get(p, [])
                         for q in has[person]):
                    cells.append('NA')
                else:
                    cells.append('0')
            f.write('\t'.join([iid] + cells) + '\n')


if __name__ == '__main__':
    main()
