# tests/ref/meta_metafor.sh -- duet meta against R's metafor.  A simulated
# cohort (duet simulate) is cut into three disjoint sample sets (--keep);
# study A is duet gwas of the first, study B plink2 --glm of the second,
# study C duet gwas of the third with its alleles swapped (effect and
# other allele exchanged, beta negated, frequency 1 - f).  duet meta's
# fixed effects, Q, I^2 and DerSimonian-Laird estimates are checked
# variant by variant against rma(method = "FE") and rma(method = "DL"),
# --scheme samplesize against METAL's formula computed in R, and --gc
# against R's per-study median and rma(method = "FE"), all to 1e-8
# relative (meta_metafor.R).
. "$TOP/tests/lib.sh"

command -v plink2 >/dev/null || { t_fail "plink2 is not installed (tools/install-deps.sh)"; exit 0; }
Rscript -e 'library(metafor)' >/dev/null 2>&1 ||
    { t_fail "R's metafor is not installed (r-cran-metafor, tools/install-deps.sh)"; exit 0; }

cd "$WORK" || exit 1
"$DUET" simulate --samples 3000 --variants 1200 --seed 23 -o cohort --quiet
t_true "simulated cohort" [ -s cohort/genotypes.bcf ]
awk 'NR > 1 { print $1 > ("keep" (NR % 3) ".txt") }' cohort/pheno.tsv
gw() { # KEEP PREFIX
    "$DUET" gwas --vcf cohort/genotypes.bcf --pheno cohort/pheno.tsv --pheno-name ldl \
        --covar cohort/covar.tsv --covar-name sex,age --keep "$1" -o "$2" --quiet
}
t_run "duet gwas, study A" 0 gw keep0.txt a
t_run "duet gwas, study C" 0 gw keep2.txt c0
t_run "plink2 --glm, study B" 0 plink2 --bcf cohort/genotypes.bcf --keep keep1.txt \
    --pheno cohort/pheno.tsv --pheno-name ldl --covar cohort/covar.tsv --covar-name sex,age \
    --glm hide-covar --threads 1 --out b
# study C with every allele pair swapped (plain TSV, no sidecar)
zcat c0.ldl.gwas.tsv.gz | awk -F'\t' -v OFS='\t' '
    NR == 1 { print; next }
    { t = $3; $3 = $4; $4 = t
      if ($5 != "#NA") $5 = -$5
      if ($8 != "#NA") $8 = 1 - $8
      if ($11 != "#NA") { lo = -$11; $11 = -$12; $12 = lo }
      print }' >c.tsv
t_run "duet meta, inverse-variance" 0 "$DUET" meta a.ldl.gwas.tsv.gz b.ldl.glm.linear c.tsv -o fe
t_run "duet meta, sample size" 0 "$DUET" meta --scheme samplesize a.ldl.gwas.tsv.gz \
    b.ldl.glm.linear c.tsv -o ss
# study C is swapped against A and B wherever either has statistics (the
# first study with statistics gives the alleles); only variants of C alone
# (direction ??x) keep its alleles
c_only=$(zcat fe.meta.tsv.gz | awk -F'\t' '$18 ~ /^\?\?[-+0]$/' | grep -c .)
read -r c_used c_swapped <<<"$(awk -F'\t' '$1 == 3 && $2 == "c.tsv" { print $6, $7 }' fe.meta.log)"
t_ok "study C: swapped wherever A or B gives the alleles ($c_swapped of $c_used used, $c_only alone)" \
    '[ -n "$c_used" ] && [ "$c_swapped" -gt 0 ] && [ "$c_swapped" -eq $((c_used - c_only)) ]'
t_run "duet meta --gc" 0 "$DUET" meta --gc a.ldl.gwas.tsv.gz b.ldl.glm.linear c.tsv -o gc
Rscript "$TOP/tests/ref/meta_metafor.R" a.ldl.gwas.tsv.gz b.ldl.glm.linear c.tsv \
    fe.meta.tsv.gz ss.meta.tsv.gz gc.meta.tsv.gz
