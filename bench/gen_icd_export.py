#!/usr/bin/env python3
"""gen_icd_export.py -- a synthetic OMOP CSV export for the phecode benchmark.

    bench/gen_icd_export.py OUT_DIR N_ROWS [N_PERSONS] [SEED]

Writes person.csv, observation_period.csv, visit_occurrence.csv and
condition_occurrence.csv with N_ROWS condition rows over N_PERSONS persons
(default N_ROWS / 10).  Source codes are drawn from phecodes/v1.2/map.tsv
(ICD-9-CM before 2015-10-01, ICD-10-CM after, written the way EHR exports
write them: no dot, some right-padded with blanks, a few lower case), and a
few percent are non-ICD local codes; a person's codes repeat on several
dates, as in real records.  Deterministic for a given SEED.  Python 3
standard library only.
"""
import csv
import datetime
import os
import random
import sys


def main():
    out = sys.argv[1]
    n_rows = int(sys.argv[2])
    n_persons = int(sys.argv[3]) if len(sys.argv) > 3 else max(1, n_rows // 10)
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rng = random.Random(seed)
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    icd9, icd10 = [], []
    with open(os.path.join(top, 'phecodes', 'v1.2', 'map.tsv')) as f:
        next(f)
        for line in f:
            vocab, code, _, source = line.rstrip('\n').split('\t')
            if source != 'map':
                continue
            (icd9 if vocab == 'ICD9CM' else icd10).append(code.replace('.', ''))
    os.makedirs(out, exist_ok=True)
    epoch = datetime.date(2005, 1, 1)
    switch = datetime.date(2015, 10, 1)
    with open(os.path.join(out, 'person.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['person_id', 'gender_concept_id', 'year_of_birth', 'race_concept_id',
                    'ethnicity_concept_id', 'person_source_value'])
        for p in range(1, n_persons + 1):
            w.writerow([p, 8507 if rng.random() < 0.5 else 8532, rng.randint(1930, 2000),
                        0, 0, 'S%07d' % p])
    with open(os.path.join(out, 'observation_period.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['observation_period_id', 'person_id', 'observation_period_start_date',
                    'observation_period_end_date', 'period_type_concept_id'])
        for p in range(1, n_persons + 1):
            w.writerow([p, p, '2005-01-01', '2022-12-31', 32817])
    with open(os.path.join(out, 'condition_occurrence.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['condition_occurrence_id', 'person_id', 'condition_concept_id',
                    'condition_start_date', 'condition_type_concept_id',
                    'condition_source_value', 'condition_source_concept_id'])
        row = 0
        while row < n_rows:
            p = rng.randint(1, n_persons)
            # a handful of codes per person, each on a few dates
            for _ in range(rng.randint(1, 6)):
                day = epoch + datetime.timedelta(days=rng.randint(0, 6574))
                if rng.random() < 0.03:
                    code = 'LOCAL%d' % rng.randint(1, 500)
                elif day < switch:
                    code = rng.choice(icd9)
                else:
                    code = rng.choice(icd10)
                pad = rng.random()
                if pad < 0.3:
                    code = code.ljust(7)
                elif pad < 0.35:
                    code = code.lower()
                for _ in range(rng.randint(1, 3)):
                    if row >= n_rows:
                        break
                    row += 1
                    d2 = day + datetime.timedelta(days=rng.choice((0, 0, 1, 30, 200)))
                    w.writerow([row, p, 0, d2.isoformat(), 32817, code, 0])


if __name__ == '__main__':
    main()
