# tests/ref/pca_plink2.sh -- duet pca against plink2 --pca (exact
# eigendecomposition of the GRM) on the real 1000 Genomes genotypes of
# ../shared/data (1,126 samples, chromosomes 1-22 concatenated with bcftools,
# biallelic records), with the same MAF filter: each of the top 5 PCs must
# correlate at |r| >= 0.99 (the randomized solver converges to the exact
# answer, so r is ~1 - 1e-9 in practice) and each eigenvalue must agree
# within 1e-4 (relative).  Also: window LD pruning against plink2
# --indep-pairwise (same variant set), PCs of the pruned set, PCs of a
# sample subset (MAF and standardisation over the kept samples, plink2
# --keep), and genotypes with 2% missing calls (mean imputation).
. "$TOP/tests/lib.sh"

for tool in plink2 bcftools python3; do
    command -v $tool >/dev/null || { t_fail "$tool is installed (tools/install-deps.sh)"; exit 1; }
done
G=$DATA/genotypes/uwgac_1kg_phase3_subset
IN=$WORK/kg.bcf
for c in $(seq 1 22); do echo "$G/1KG_phase3_subset_chr$c.vcf.gz"; done >"$WORK/list"
bcftools concat -f "$WORK/list" -Ou 2>/dev/null | bcftools view -m2 -M2 -Ob -o "$IN" &&
    bcftools index "$IN"
t_true "input: 1-22 concatenated, biallelic" [ -s "$IN.csi" ]

# compare NAME DUET_PREFIX PLINK_PREFIX [EIGENVALUE_TOL] : |r| per PC and
# eigenvalues (relative tolerance, 1e-4 unless given)
compare() {
    python3 - "$2" "$3" "${4:-1e-4}" <<'EOF'
import math, sys
def read(prefix):
    lines = open(prefix + ".eigenvec").read().splitlines()
    hdr = lines[0].split("\t")
    iid = hdr.index("IID") if "IID" in hdr else hdr.index("#IID")
    pcs = [i for i, h in enumerate(hdr) if h.startswith("PC")]
    rows = {l.split("\t")[iid]: [float(l.split("\t")[i]) for i in pcs] for l in lines[1:]}
    vals = [float(x) for x in open(prefix + ".eigenval").read().split()]
    return rows, vals
a, av = read(sys.argv[1])
b, bv = read(sys.argv[2])
ids = sorted(a)
print("ok - same samples (%d)" % len(ids) if ids == sorted(b) else "not ok - same samples")
for k in range(min(len(av), len(bv), 5)):
    x = [a[i][k] for i in ids]; y = [b[i][k] for i in ids]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((u - mx) * (v - my) for u, v in zip(x, y))
    r = sxy / math.sqrt(sum((u - mx) ** 2 for u in x) * sum((v - my) ** 2 for v in y))
    print(("ok" if abs(r) >= 0.99 else "not ok") + " - PC%d: |r| = %.10f vs plink2" % (k + 1, abs(r)))
    rel = abs(av[k] - bv[k]) / bv[k]
    print(("ok" if rel <= float(sys.argv[3]) else "not ok") +
          " - eigenvalue %d: %.6g vs plink2 %.6g (rel %.1e)" % (k + 1, av[k], bv[k], rel))
EOF
}

plink() { plink2 --bcf "$IN" --threads 1 --memory 2000 "$@" >"$WORK/plink.log" 2>&1; }

# 1. All variants with MAF >= 0.01.
t_run "duet pca -k 5 --maf 0.01" 0 "$DUET" pca --vcf "$IN" -k 5 --maf 0.01 -o "$WORK/d" --no-version
plink --maf 0.01 --pca 5 --out "$WORK/p"
t_true "plink2 --pca 5 --maf 0.01" [ -s "$WORK/p.eigenvec" ]
t_true "same number of variants as plink2" [ "$(awk -F'\t' '$1 == "variants_used" {print $2}' "$WORK/d.pca.log")" = \
    "$(grep -oE '^[0-9]+ variants remaining after main filters' "$WORK/plink.log" | cut -d' ' -f1)" ]
compare all "$WORK/d" "$WORK/p"

# 2. LD pruning: the same variants as plink2 --indep-pairwise, and the PCs.
t_run "duet pca --ld-prune 50,5,0.2" 0 "$DUET" pca --vcf "$IN" -k 5 --maf 0.01 \
    --ld-prune 50,5,0.2 --write-variants -o "$WORK/dl" --no-version
plink --maf 0.01 --set-all-var-ids '@:#:$r:$a' --new-id-max-allele-len 1000 \
    --indep-pairwise 50 5 0.2 --out "$WORK/pl"
awk -F'\t' '!/^#/ {print $1 ":" $2 ":" $4 ":" $5}' "$WORK/dl.pca.variants" | sort >"$WORK/duet.in"
sort "$WORK/pl.prune.in" >"$WORK/plink.in"
both=$(comm -12 "$WORK/duet.in" "$WORK/plink.in" | wc -l)
only_d=$(comm -23 "$WORK/duet.in" "$WORK/plink.in" | wc -l)
only_p=$(comm -13 "$WORK/duet.in" "$WORK/plink.in" | wc -l)
t_true "LD pruning keeps plink2's variants ($both shared, $only_d duet only, $only_p plink2 only)" \
    [ "$both" -gt 1000 ] && [ $((100 * (only_d + only_p))) -le "$both" ]
plink --maf 0.01 --set-all-var-ids '@:#:$r:$a' --new-id-max-allele-len 1000 \
    --extract "$WORK/pl.prune.in" --pca 5 --out "$WORK/pp"
compare pruned "$WORK/dl" "$WORK/pp"

# 3. A sample subset: frequencies and standardisation over the kept samples.
awk -F'\t' 'NR > 1 && $3 ~ /^(YRI|LWK|GWD|CEU|TSI|GBR|PJL)$/ {print $1}' \
    "$G/1KG_phase3_subset_annot.tsv" >"$WORK/keep.txt"
t_run "duet pca --samples (AFR, EUR, SAS subset)" 0 "$DUET" pca --vcf "$IN" -k 5 \
    --samples "$WORK/keep.txt" -o "$WORK/ds" --no-version
plink --maf 0.01 --keep "$WORK/keep.txt" --pca 5 --out "$WORK/ps"
compare subset "$WORK/ds" "$WORK/ps"

# 4. 2% missing genotypes on chromosomes 1-6.  Both tools mean-impute, but
# plink2 scales each GRM entry by the variants called in both samples where
# duet divides by all variants used (the GRM of the imputed matrix): with 2%
# missing, plink2's eigenvalues are ~4% larger; the PCs agree.
bcftools view -r 1,2,3,4,5,6 "$IN" | python3 -c '
import random, sys
rnd = random.Random(7)
for line in sys.stdin:
    if line.startswith("#"):
        sys.stdout.write(line); continue
    f = line.rstrip("\n").split("\t")
    f[9:] = ["./." if rnd.random() < 0.02 else g for g in f[9:]]
    sys.stdout.write("\t".join(f) + "\n")
' | bcftools view -Ob -o "$WORK/miss.bcf"
t_run "duet pca with 2% missing genotypes" 0 "$DUET" pca --vcf "$WORK/miss.bcf" -k 5 -o "$WORK/dm" --no-version
plink2 --bcf "$WORK/miss.bcf" --threads 1 --maf 0.01 --pca 5 --out "$WORK/pm" >/dev/null 2>&1
compare missing "$WORK/dm" "$WORK/pm" 0.06
