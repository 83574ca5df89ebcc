#!/usr/bin/env python3
"""glm_compare.py -- compare duet gwas summary statistics with plink2 --glm.

    glm_compare.py DUET.tsv.gz PLINK2.glm.* [--test TEST] [--firth-col]

Rows are joined on chromosome, position, REF and the tested ALT allele
(plink2 run with 'omit-ref', 'log10' and cols including beta, se, p, err).
Prints one line of key=value pairs:
  joined   rows present in both files
  both     rows with an estimate in both (compared)
  na_duet  rows with an estimate from plink2 only
  na_plink rows with an estimate from duet only
  beta     max |beta_duet - beta_plink2| / se_plink2
  logp     max |neg_log_10_p_duet - LOG10_P_plink2|
  worst    the variant with the largest beta difference
With --test T, only duet rows whose test column is T are compared, and
with --firth-col only plink2 rows with FIRTH?=Y (or N with --no-firth-rows)
are compared.  With --beta-only the p-values are not compared (logp=0):
duet's Firth rows carry the penalised likelihood-ratio test, plink2's the
Wald test of the same fit (firth_brglm2.R checks duet's against R).
"""
import gzip
import sys


def read_duet(path):
    rows = {}
    with gzip.open(path, "rt") as f:
        head = f.readline().rstrip("\n").split("\t")
        ix = {h: i for i, h in enumerate(head)}
        for line in f:
            v = line.rstrip("\n").split("\t")
            key = (v[ix["chromosome"]], v[ix["base_pair_location"]], v[ix["other_allele"]],
                   v[ix["effect_allele"]])
            rows[key] = (v[ix["beta"]], v[ix["neg_log_10_p_value"]], v[ix["test"]],
                         v[ix["errcode"]])
    return rows


def read_plink(path):
    rows = {}
    with open(path) as f:
        head = f.readline().lstrip("#").rstrip("\n").split("\t")
        ix = {h: i for i, h in enumerate(head)}
        se_col = "SE" if "SE" in ix else "LOG(OR)_SE"
        for line in f:
            v = line.rstrip("\n").split("\t")
            key = (v[ix["CHROM"]], v[ix["POS"]], v[ix["REF"]], v[ix["A1"]])
            firth = v[ix["FIRTH?"]] if "FIRTH?" in ix else "."
            rows[key] = (v[ix["BETA"]], v[ix[se_col]], v[ix["LOG10_P"]], v[ix["ERRCODE"]], firth)
    return rows


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    opts = argv[1:]
    test = None
    if "--test" in opts:
        test = opts[opts.index("--test") + 1]
        args.remove(test)
    firth_only = "--firth-rows" in opts
    no_firth_only = "--no-firth-rows" in opts
    beta_only = "--beta-only" in opts
    d = read_duet(args[0])
    p = read_plink(args[1])
    joined = both = na_duet = na_plink = skipped = 0
    max_beta = max_logp = 0.0
    worst = "-"
    for key, (b, lp, t, err) in d.items():
        if key not in p:
            continue
        joined += 1
        pb, pse, plp, perr, pfirth = p[key]
        if test and t != test:
            skipped += 1
            continue
        if firth_only and pfirth != "Y":
            skipped += 1
            continue
        if no_firth_only and pfirth == "Y":
            skipped += 1
            continue
        dna = b == "#NA"
        pna = pb in ("NA", ".") or plp in ("NA", ".")
        if dna and pna:
            continue
        if dna:
            na_duet += 1
            continue
        if pna:
            na_plink += 1
            continue
        both += 1
        db = abs(float(b) - float(pb)) / float(pse)
        dl = abs(float(lp) - float(plp))
        if db > max_beta:
            max_beta, worst = db, "%s:%s:%s:%s" % key
        if not beta_only:
            max_logp = max(max_logp, dl)
    print("joined=%d both=%d skipped=%d na_duet=%d na_plink=%d beta=%.3g logp=%.3g worst=%s"
          % (joined, both, skipped, na_duet, na_plink, max_beta, max_logp, worst))


if __name__ == "__main__":
    main(sys.argv)
