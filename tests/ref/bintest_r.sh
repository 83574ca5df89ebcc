# tests/ref/bintest_r.sh -- the saddlepoint and exact p-values of duet gwas's
# case/control policy against an independent implementation in R
# (bintest_r.R): a simulated cohort of 2,000 people, a case/control trait of
# ~4% prevalence that depends on age and sex (so that the null model's
# probabilities vary), every variant with a saddlepoint (--logistic spa) or
# exact (--logistic auto) row compared.  Tolerances: |diff ln p| relative
# to max(1, |ln p|) below 1e-2 for the saddlepoint (duet treats the
# commonest homozygotes as one normal term, SAIGE's fast form; R sums every
# sample exactly) and 1e-5 for the exact test (the same enumeration, over
# at most 12 carriers; the file keeps 6 digits).
. "$TOP/tests/lib.sh"
for tool in bcftools Rscript python3; do
    command -v $tool >/dev/null 2>&1 || { t_fail "$tool is not installed (tools/install-deps.sh)"; exit 0; }
done
cd "$WORK" || exit 1
"$DUET" simulate --samples 2000 --variants 1500 --seed 23 -o coh --quiet || { t_fail "simulate"; exit 1; }
python3 - <<'PY'
import math, random
rows = [l.rstrip("\n").split("\t") for l in open("coh/covar.tsv")]
h = rows[0]
isex, iage = h.index("sex"), h.index("age")
r = random.Random(41)
with open("bin.tsv", "w") as f:
    f.write("IID\tb\n")
    for row in rows[1:]:
        eta = -3.6 + 0.5 * (float(row[isex]) == 1) + 0.03 * (float(row[iage]) - 55)
        f.write(row[0] + "\t" + ("1" if r.random() < 1 / (1 + math.exp(-eta)) else "0") + "\n")
PY
t_run "duet gwas --logistic spa" 0 "$DUET" gwas --vcf coh/genotypes.bcf --pheno bin.tsv --covar coh/covar.tsv \
    --covar-name sex,age --logistic spa -o s --quiet
t_run "duet gwas (auto)" 0 "$DUET" gwas --vcf coh/genotypes.bcf --pheno bin.tsv --covar coh/covar.tsv \
    --covar-name sex,age -o a --quiet
bcftools query -l coh/genotypes.bcf >ids
for run in s a; do
    zcat $run.b.gwas.tsv.gz | awk -F'\t' -v t=$([ $run = s ] && echo spa || echo exact) 'NR > 1 && $19 == t { print $1 ":" $2 }' |
        sort -u | head -80 >$run.pick
    bcftools query -r "$(paste -sd, $run.pick)" -f '%CHROM:%POS\t[%GT\t]\n' coh/genotypes.bcf |
        awk -F'\t' '!seen[$1]++' >$run.gt
    res=$(Rscript "$TOP/tests/ref/bintest_r.R" $run.gt ids $run.b.gwas.tsv.gz bin.tsv coh/covar.tsv b sex age 2>$run.err)
    echo "$res" | sed 's/^/# R: /'
    if [ $run = s ]; then k=spa tol=1e-2; else k=exact tol=1e-5; fi
    read -r n w <<<"$(echo "$res" | awk -v k=$k '$1 == k { split($2, a, "="); split($3, b, "="); print a[2], b[2] }')"
    t_true "$k rows compared: ${n:-0} (>= 15)" [ "${n:-0}" -ge 15 ]
    t_true "$k p-values = R's: worst relative |diff ln p| ${w:-1} < $tol" awk -v v="${w:-1}" -v t=$tol 'BEGIN { exit !(v < t) }'
done
