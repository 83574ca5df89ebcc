#!/usr/bin/env python3
"""gwas_data.py OUTDIR -- write the small, deterministic inputs of
tests/cli/gwas.sh and tests/cli/merge.sh: 120 samples x 48 records on two
chromosomes (GT and DS, a few missing calls, a multi-allelic record, a
monomorphic one), a phenotype table with quantitative and case/control
traits (one with missing values, one defined in one sex only, one without
cases) and a covariate table.  Python's random.Random is the generator, so
the files are the same on every machine."""
import math
import os
import random
import sys

out = sys.argv[1]
rng = random.Random(20261122)
n = 120
ids = ["S%03d" % (i + 1) for i in range(n)]
sex = [rng.random() < 0.5 for _ in range(n)]
age = [round(rng.uniform(20, 80), 1) for _ in range(n)]
pc1 = [round(rng.gauss(0, 1), 4) for _ in range(n)]

records = []  # (chrom, pos, ref, alts, genotypes as lists of allele pairs)
pos = {"1": 1000, "2": 5000}
for r in range(48):
    chrom = "1" if r < 30 else "2"
    pos[chrom] += rng.randint(50, 500)
    if r == 7:
        alts, freqs = ["C", "G"], [0.25, 0.15]
    else:
        alts, freqs = [rng.choice("CGT")], [rng.choice([0.02, 0.05, 0.1, 0.2, 0.35, 0.5])]
    if r == 11:
        freqs = [0.0]  # monomorphic
    gts = []
    for i in range(n):
        pair = []
        for _ in range(2):
            u, a = rng.random(), 0
            for k, f in enumerate(freqs):
                if u < f:
                    a = k + 1
                    break
                u -= f
            pair.append(a)
        if rng.random() < 0.02 and r != 11:
            pair = None  # missing call
        gts.append(pair)
    records.append((chrom, pos[chrom], "A", alts, gts))

with open(os.path.join(out, "small.vcf"), "w") as f:
    f.write("##fileformat=VCFv4.2\n")
    f.write("##contig=<ID=1,length=100000>\n##contig=<ID=2,length=100000>\n")
    f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
    f.write('##FORMAT=<ID=DS,Number=A,Type=Float,Description="Dosage">\n')
    f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(ids) + "\n")
    for r, (chrom, p, ref, alts, gts) in enumerate(records):
        vid = "rs%d" % (1000 + r) if r % 3 else "."
        cells = []
        for pair in gts:
            if pair is None:
                cells.append("./.:" + ",".join("." for _ in alts))
                continue
            ds = []
            for k in range(len(alts)):
                d = sum(1 for a in pair if a == k + 1)
                # dosages: the hard call blurred a little, kept in [0, 2]
                d = min(2.0, max(0.0, d + rng.choice([-0.1, 0, 0, 0.1])))
                ds.append("%.3f" % d)
            cells.append("%d/%d:%s" % (pair[0], pair[1], ",".join(ds)))
        f.write("%s\t%d\t%s\t%s\t%s\t.\tPASS\t.\tGT:DS\t%s\n"
                % (chrom, p, vid, ref, ",".join(alts), "\t".join(cells)))

def dose(r, i, k=1):
    pair = records[r][4][i]
    return 0.4 if pair is None else sum(1 for a in pair if a == k)

with open(os.path.join(out, "pheno.tsv"), "w") as f:
    f.write("IID\tq1\tq2\tb1\tb2\tb3\n")
    for i in range(n):
        q1 = 0.8 * dose(3, i) + 0.3 * sex[i] + 0.02 * age[i] + rng.gauss(0, 1)
        q2 = "NA" if i % 7 == 3 else "%.4f" % (0.5 * dose(20, i) + rng.gauss(0, 1))
        eta = -1.0 + 0.9 * dose(5, i) + 0.4 * pc1[i]
        b1 = 1 if rng.random() < 1 / (1 + math.exp(-eta)) else 0
        b2 = "NA" if not sex[i] else str(1 if rng.random() < 0.35 else 0)
        f.write("%s\t%.4f\t%s\t%d\t%s\t0\n" % (ids[i], q1, q2, b1, b2))

with open(os.path.join(out, "covar.tsv"), "w") as f:
    f.write("IID\tsex\tage\tpc1\n")
    for i in range(n):
        f.write("%s\t%d\t%.1f\t%.4f\n" % (ids[i], sex[i], age[i], pc1[i]))
