#!/usr/bin/env python3
"""chrx_vcf.py -- a chrX test VCF from the real 1000 Genomes chrX subset.

    chrx_vcf.py CHRX.vcf.gz ANNOT.tsv OUT.vcf OUT.psam

The subset writes males' calls outside the PARs as half-calls ("0/.");
this writes them as haploid calls ("0"), the usual spelling, and plants
what a reader must handle: heterozygous male calls (every 53rd male call of
a biallelic record outside the PARs), missing calls (every 71st call:
"." for a male outside the PARs, "./." otherwise), and samples of unknown
sex (every 40th sample: NA in OUT.psam, calls untouched).  OUT.psam is
"#IID SEX" with 1 male, 2 female, NA unknown.  Deterministic.
"""
import gzip
import sys

PAR1_END, PAR2_START = 2699520, 154931044  # GRCh37, plink2 --split-par b37


def main(vcf, annot, out_vcf, out_psam):
    sex = {}
    with open(annot) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            v = line.rstrip("\n").split("\t")
            sex[v[0]] = v[head.index("sex")]
    k_het = k_miss = 0
    with gzip.open(vcf, "rt") as f, open(out_vcf, "w") as out:
        for line in f:
            if line.startswith("##"):
                out.write(line)
                continue
            v = line.rstrip("\n").split("\t")
            if line.startswith("#"):
                ids = v[9:]
                out.write(line)
                continue
            pos = int(v[1])
            par = pos <= PAR1_END or pos >= PAR2_START
            biallelic = "," not in v[4]
            cells = []
            for sid, gt in zip(ids, v[9:]):
                male = sex.get(sid) == "M"
                if male and not par and gt.endswith("/."):
                    gt = gt[:-2]
                    k_het += 1
                    if biallelic and k_het % 53 == 0:
                        gt = "0/1"
                k_miss += 1
                if k_miss % 71 == 0:
                    gt = "." if male and not par else "./."
                cells.append(gt)
            out.write("\t".join(v[:9] + cells) + "\n")
    with open(out_psam, "w") as out:
        out.write("#IID\tSEX\n")
        for i, sid in enumerate(ids):
            s = sex.get(sid)
            code = "NA" if i % 40 == 7 else "1" if s == "M" else "2" if s == "F" else "NA"
            out.write("%s\t%s\n" % (sid, code))


if __name__ == "__main__":
    main(*sys.argv[1:5])
