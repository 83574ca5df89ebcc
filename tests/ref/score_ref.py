#!/usr/bin/env python3
"""tests/ref/score_ref.py -- inputs and an independent computation for the
reference test of `duet score` (tests/ref/score_plink2.sh).

  prep IN.vcf OUT_DIR SEED [multi]
      OUT_DIR/geno.vcf: IN.vcf with unique IDs (chr:pos:ref:alts), 1% of
      the calls set missing and, with 'multi', every 25th biallelic record
      made tri-allelic (a third allele, some ALT calls moved to it);
      OUT_DIR/truth.tsv: the scored alleles in VCF orientation (record ID,
      allele index, model, weights S1 S2 S3; S3 NA on some rows);
      OUT_DIR/duet.tsv: a duet weights file of the same variants with swaps
      (effect allele REF), strand flips, strand-ambiguous SNPs, absent
      positions and allele mismatches;
      OUT_DIR/plink.txt, plink_amb.txt: plink2 --score files (ID, allele,
      S1, S2) of what duet must match without / with --keep-ambiguous;
      OUT_DIR/pgs.txt: a PGS Catalog 2.0 file (hm_chr/hm_pos right,
      chr_position wrong, is_dominant / is_recessive rows) and pgs_truth.tsv;
      OUT_DIR/counts.txt: the expected match report.
  expect VCF TRUTH OUT [noimpute] : per sample IID ALLELE_CT NAMED SUM/AVG
      for each score column of TRUTH, computed directly from the calls.
  compare A B [plink]: A (duet .score.tsv) against B (duet, or plink2
      .sscore with 'plink'); prints 'maxrel=X n=N' and the worst cell.
"""
import math
import random
import sys

COMP = {'A': 'T', 'T': 'A', 'C': 'G', 'G': 'C'}


def read_vcf(path):
    head, recs = [], []
    for line in open(path):
        if line.startswith('#'):
            head.append(line)
        else:
            recs.append(line.rstrip('\n').split('\t'))
    return head, recs


def ambiguous(a, b):
    return len(a) == 1 and len(b) == 1 and COMP.get(a) == b


def prep(inp, out, seed, multi):
    rng = random.Random(seed)
    head, recs = read_vcf(inp)
    positions = set((r[0], r[1]) for r in recs)
    for r in recs:
        alts = r[4].split(',')
        if multi and len(alts) == 1 and len(r[3]) == 1 and len(alts[0]) == 1 and rng.random() < 0.04:
            third = [b for b in 'ACGT' if b not in (r[3], alts[0])][rng.randrange(2)]
            alts.append(third)
            r[4] = ','.join(alts)
            for i in range(9, len(r)):
                g = r[i]
                r[i] = ''.join('2' if ch == '1' and rng.random() < 0.5 else ch for ch in g)
        r[2] = '%s:%s:%s:%s' % (r[0], r[1], r[3], r[4])
        for i in range(9, len(r)):
            if rng.random() < 0.01:
                r[i] = './.'
    with open(out + '/geno.vcf', 'w') as f:
        f.writelines(head)
        for r in recs:
            f.write('\t'.join(r) + '\n')
    truth, duet, plink, plink_amb, pgs, pgs_truth = [], [], [], [], [], []
    c = dict(rows=0, matched=0, swapped=0, flipped=0, ambiguous=0, mismatch=0, absent=0)
    for r in recs:
        if rng.random() > 0.3:
            continue
        alts = r[4].split(',')
        alleles = [r[3]] + alts
        a = rng.randrange(len(alleles)) if rng.random() < 0.5 else 1
        eff = alleles[a]
        oth = alleles[1] if a == 0 else r[3]
        if len(alts) > 1 and a == 0:
            oth = alts[rng.randrange(len(alts))]
        w1, w2 = round(rng.gauss(0, 0.1), 6), round(rng.gauss(0, 0.05), 6)
        w3 = 'NA' if rng.random() < 0.3 else '%.6f' % rng.gauss(0, 1)
        amb = ambiguous(eff, oth)
        de, do = eff, oth
        flip = not amb and len(eff) == 1 and len(oth) == 1 and rng.random() < 0.15
        if flip:
            de, do = COMP[eff], COMP[oth]
        c['rows'] += 1
        if amb:
            c['ambiguous'] += 1
        else:
            c['matched'] += 1
            c['swapped'] += a == 0
            c['flipped'] += flip
            plink.append('%s\t%s\t%s\t%s' % (r[2], eff, w1, w2))
            truth.append('%s\t%d\tadditive\t%s\t%s\t%s' % (r[2], a, w1, w2, w3))
        plink_amb.append('%s\t%s\t%s\t%s' % (r[2], eff, w1, w2))
        duet.append('%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' % (r[0], r[1], '.', de, do, w1, w2, w3))
        # the PGS file: rows of the first 400 non-ambiguous picks
        if not amb and len(pgs) < 400:
            model = rng.choice(['additive', 'additive', 'dominant', 'recessive'])
            wrong = int(r[1]) + 1000003
            pgs.append('rs%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s' % (
                len(pgs), r[0], wrong, de, do, w1,
                'True' if model == 'dominant' else 'False',
                'True' if model == 'recessive' else 'False', r[0], r[1]))
            pgs_truth.append('%s\t%d\t%s\t%s' % (r[2], a, model, w1))
    # absent positions and allele mismatches
    for k in range(40):
        r = recs[rng.randrange(len(recs))]
        pos = int(r[1]) + 1
        while (r[0], str(pos)) in positions:
            pos += 1
        positions.add((r[0], str(pos)))
        duet.append('%s\t%d\t.\tA\tC\t0.5\t0.5\t0.5' % (r[0], pos))
        c['rows'] += 1
        c['absent'] += 1
    used = set()
    for k in range(15):
        r = recs[rng.randrange(len(recs))]
        if r[1] in used:
            continue
        used.add(r[1])
        duet.append('%s\t%s\t.\tTTT\tGG\t0.5\t0.5\t0.5' % (r[0], r[1]))
        c['rows'] += 1
        c['mismatch'] += 1
    with open(out + '/duet.tsv', 'w') as f:
        f.write('## a duet weights file for tests/ref/score_plink2.sh\n')
        f.write('chromosome\tbase_pair_location\tvariant_id\teffect_allele\tother_allele\tS1\tS2\tS3\n')
        f.write('\n'.join(duet) + '\n')
    for name, rows in (('plink.txt', plink), ('plink_amb.txt', plink_amb)):
        with open(out + '/' + name, 'w') as f:
            f.write('ID\tA1\tS1\tS2\n' + '\n'.join(rows) + '\n')
    with open(out + '/truth.tsv', 'w') as f:
        f.write('\n'.join(truth) + '\n')
    with open(out + '/pgs.txt', 'w') as f:
        f.write('###PGS CATALOG SCORING FILE - see https://www.pgscatalog.org/downloads/#dl_ftp_scoring for additional information\n')
        f.write('#format_version=2.0\n##POLYGENIC SCORE (PGS) INFORMATION\n#pgs_id=PGS999999\n')
        f.write('#pgs_name=test_score\n#trait_reported=test\n#genome_build=GRCh37\n')
        f.write('#variants_number=%d\n##HARMONIZATION DETAILS\n#HmPOS_build=GRCh37\n' % len(pgs))
        f.write('rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\t'
                'is_dominant\tis_recessive\thm_chr\thm_pos\n')
        f.write('\n'.join(pgs) + '\n')
    with open(out + '/pgs_truth.tsv', 'w') as f:
        f.write('\n'.join(pgs_truth) + '\n')
    with open(out + '/counts.txt', 'w') as f:
        f.write('%d variants: %d matched (%.2f%%; %d swapped, %d flipped, 0 ambiguous kept), '
                '%d ambiguous dropped, %d allele mismatch, %d absent, 0 duplicated\n' % (
                    c['rows'], c['matched'], 100.0 * c['matched'] / c['rows'], c['swapped'],
                    c['flipped'], c['ambiguous'], c['mismatch'], c['absent']))


def transform(model, x):
    if model == 'dominant':
        return min(x, 1.0)
    if model == 'recessive':
        return max(x - 1.0, 0.0)
    return x


def expect(vcf, truth_path, out, noimpute):
    head, recs = read_vcf(vcf)
    samples = head[-1].rstrip('\n').split('\t')[9:]
    n = len(samples)
    byid = {r[2]: r for r in recs}
    rows = [l.rstrip('\n').split('\t') for l in open(truth_path) if l.strip()]
    k = len(rows[0]) - 3
    sums = [[0.0] * n for _ in range(k)]
    cts = [[0] * n for _ in range(k)]
    allct, named = [0] * n, [0.0] * n
    for row in rows:
        r = byid[row[0]]
        a, model = int(row[1]), row[2]
        cache = {}
        vals = []
        for g in r[9:]:
            v = cache.get(g, 0)
            if v == 0:
                al = g.split(':')[0].replace('|', '/').split('/')
                v = None if all(x == '.' for x in al) else \
                    float(sum(1 for x in al if x != '.' and int(x) == a))
                cache[g] = v
            vals.append(v)
        called = [transform(model, v) for v in vals if v is not None]
        mean = sum(called) / len(called) if called and not noimpute else 0.0
        xs = [transform(model, v) if v is not None else mean for v in vals]
        allct = [c + (2 if v is not None else 0) for c, v in zip(allct, vals)]
        named = [c + (v if v is not None else 0.0) for c, v in zip(named, vals)]
        for s in range(k):
            if row[3 + s] == 'NA':
                continue
            w = float(row[3 + s])
            sums[s] = [t + w * x for t, x in zip(sums[s], xs)]
            # plink2: with mean imputation the imputed alleles count
            cts[s] = [c + (2 if v is not None or not noimpute else 0) for c, v in zip(cts[s], vals)]
    with open(out, 'w') as f:
        names = ['S%d' % (s + 1) for s in range(k)]
        f.write('IID\tALLELE_CT\tNAMED_ALLELE_DOSAGE_SUM\t' +
                '\t'.join(x + '_AVG' for x in names) + '\t' + '\t'.join(x + '_SUM' for x in names) + '\n')
        for i in range(n):
            avg = ['%.12g' % (sums[s][i] / cts[s][i] if cts[s][i] else 0.0) for s in range(k)]
            f.write('%s\t%d\t%.12g\t%s\t%s\n' % (samples[i], allct[i], named[i], '\t'.join(avg),
                                                 '\t'.join('%.12g' % sums[s][i] for s in range(k))))


def table(path):
    lines = [l.rstrip('\n').split('\t') for l in open(path) if not l.startswith('##')]
    h = [x.lstrip('#') for x in lines[0]]
    return h, {l[0]: dict(zip(h, l)) for l in lines[1:]}


def compare(a, b, plink):
    ha, ta = table(a)
    hb, tb = table(b)
    worst, where, n = 0.0, '', 0
    if set(ta) != set(tb):
        print('samples differ: %d vs %d' % (len(ta), len(tb)))
        sys.exit(1)
    for iid, ra in ta.items():
        rb = tb[iid]
        for col in ha[1:]:
            if col not in rb:
                continue
            x, y = float(ra[col]), float(rb[col])
            if plink:
                # plink2 prints 6 significant digits: the part of the
                # difference its rounding explains is not counted
                digits = 10 ** (math.floor(math.log10(abs(y))) - 5) if y else 1e-300
                d = max(0.0, abs(x - y) - 0.5 * digits)
            else:
                d = abs(x - y)
            rel = d / max(abs(y), 1e-300) if d > 0 else 0.0
            n += 1
            if rel > worst:
                worst, where = rel, '%s %s: %s vs %s' % (iid, col, ra[col], rb[col])
    print('maxrel=%.3g n=%d %s' % (worst, n, where))


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'prep':
        prep(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:] == ['multi'])
    elif cmd == 'expect':
        expect(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:] == ['noimpute'])
    elif cmd == 'compare':
        compare(sys.argv[2], sys.argv[3], sys.argv[4:] == ['plink'])
