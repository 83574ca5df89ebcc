# tests/ref/gwas_plink2_1kg.sh -- duet gwas against plink2 --glm on the real
# 1000 Genomes subset (1,126 samples, 22 autosomes, 25,161 tested alleles;
# outcome ~ sex, status ~ sex).  Every variant where both report an
# estimate is compared: |beta difference| / SE and |difference of -log10 p|:
#   linear: < 1e-4 and < 1e-3;
#   --logistic wald vs plink2 --glm (its default firth-fallback): logistic
#   rows to the same tolerances, and the same rows falling back to Firth;
#   --firth vs plink2 --glm firth: 5e-3 (plink2 2.00a3.5 fits Firth in
#   single precision and stops at a coefficient change of 1e-4, logistf's
#   old default); duet's Firth is checked to 1e-4 against R's brglm2
#   (double precision, converged to 1e-12) on 60 variants instead.
. "$TOP/tests/ref/gwas_common.inc"

# ------------------------------------------------------------ 1000 Genomes
bcftools concat --threads 2 -Ob -o kg.bcf $(for c in $(seq 1 22); do echo "$K/1KG_phase3_subset_chr$c.vcf.gz"; done) 2>/dev/null
bcftools index kg.bcf
# plink2 tests all ALT alleles of a record jointly; split records for it so
# that each ALT is tested on its own, as duet does
bcftools norm -m- -Ob -o kgsplit.bcf kg.bcf 2>/dev/null
awk -F'\t' 'NR==1 { print "#IID\tsex" } NR>1 { print $1 "\t" ($5 == "M" ? 1 : 0) }' "$K/1KG_phase3_subset_annot.tsv" >covar.tsv
awk -F'\t' 'NR==1 { print "#IID\toutcome\tstatus" } NR>1 { print $1 "\t" $6 "\t" $7 }' "$K/1KG_phase3_subset_annot.tsv" >pheno.tsv
# duet reads the annotation table itself (text columns are not selected)
t_run "1KG: duet --logistic wald" 0 "$DUET" gwas --vcf kg.bcf --pheno "$K/1KG_phase3_subset_annot.tsv" --pheno-name outcome,status --covar covar.tsv --logistic wald --threads 2 -o kw --quiet
t_run "1KG: duet --firth" 0 "$DUET" gwas --vcf kg.bcf --pheno "$K/1KG_phase3_subset_annot.tsv" --pheno-name status --covar covar.tsv --firth --threads 2 -o kf --quiet
$PLINK --bcf kgsplit.bcf --pheno pheno.tsv --1 --covar covar.tsv --glm omit-ref hide-covar log10 cols=$COLS --out pw >/dev/null 2>&1
$PLINK --bcf kgsplit.bcf --pheno pheno.tsv --1 --covar covar.tsv --pheno-name status --glm omit-ref hide-covar log10 firth cols=$COLS --out pf >/dev/null 2>&1
t_ok "1KG: plink2 ran" '[ -s pw.outcome.glm.linear ] && [ -s pw.status.glm.logistic.hybrid ] && [ -s pf.status.glm.firth ]'
check "1KG linear (outcome ~ sex)" "$(python3 "$CMP" kw.outcome.gwas.tsv.gz pw.outcome.glm.linear)" 1e-4 1e-3 24000
check "1KG logistic Wald (status ~ sex)" "$(python3 "$CMP" kw.status.gwas.tsv.gz pw.status.glm.logistic.hybrid --test wald --no-firth-rows)" 1e-4 1e-3 10000
check "1KG Firth fallback rows of --logistic wald" "$(python3 "$CMP" kw.status.gwas.tsv.gz pw.status.glm.logistic.hybrid --test firth --firth-rows --beta-only)" 5e-3 5e-3 10000
check "1KG --firth vs plink2 firth" "$(python3 "$CMP" kf.status.gwas.tsv.gz pf.status.glm.firth --beta-only)" 5e-3 5e-3 24000


# Firth vs R brglm2 on 60 variants of chromosome 22 with a minor allele
# count of at least 10 (where brglm2 converges)
zcat kf.status.gwas.tsv.gz | awk -F'\t' 'NR>1 && $1==22 && $8 * 2 * $16 >= 10 && (1 - $8) * 2 * $16 >= 10 && length($3) == 1' |
    awk 'NR % 4 == 0 { print $1 ":" $2 }' | head -60 >kg.pick
bcftools query -r "$(paste -sd, kg.pick)" -f '%CHROM:%POS\t[%GT\t]\n' kg.bcf | awk -F'\t' '{ split($1, a, ":"); if (!seen[$1]++) print }' >kg.gt
bcftools query -l kg.bcf >kg.ids
res=$(Rscript "$TOP/tests/ref/firth_brglm2.R" kg.gt kg.ids kf.status.gwas.tsv.gz pheno.tsv covar.tsv status sex 2>>firth.err)
echo "# brglm2, 1KG status: $res"
n=$(printf '%s' "$res" | sed -n 's/n=\([0-9]*\).*/\1/p'); w=$(printf '%s' "$res" | sed -n 's/.*worst=//p')
l=$(printf '%s' "$res" | sed -n 's/.*lrt=\([^ ]*\).*/\1/p')
t_true "1KG status Firth = brglm2 on $n variants: max |beta diff| / SE = $w < 1e-4" [ "${n:-0}" -ge 40 ] && awk -v v="${w:-1}" 'BEGIN { exit !(v < 1e-4) }'
t_true "Firth penalised LRT = R (brglm2 + restricted maximum) on $n variants: max |diff -log10 p| = $l < 2e-3" awk -v v="${l:-1}" 'BEGIN { exit !(v < 2e-3) }'

