# tests/ref/prs_ct_r.sh -- the validation numbers of duet prs ct against R
# (tests/ref/prs_ct_r.R: lm, glm, wilcox.test, Lee et al. 2012 written out)
# on a duet simulate cohort: 1,500 people split into discovery (GWAS) and
# validation (scored), a quantitative trait (ldl) with ten PCs, sex and age
# as covariates, and a binary one (t2d) with --prevalence 0.1.  Every R²,
# coefficient, SE, p, AUC and liability R² within 1e-6 relative.  Also: the
# permutation p is the same for --threads 1 and 2, and the C+T score carries
# signal out of sample (the best threshold's p < 1e-3 for ldl).
. "$TOP/tests/lib.sh"
for tool in Rscript bcftools; do
    command -v $tool >/dev/null 2>&1 || { t_fail "$tool is not installed (tools/install-deps.sh)"; exit 0; }
done
cd "$WORK" || exit 1
t_run "simulate a cohort" 0 "$DUET" simulate --samples 1500 --variants 8000 --seed 11 --threads 2 -o sim --quiet
awk 'NR > 1 && NR <= 1001 { print $1 }' sim/pheno.tsv >disc.txt
awk 'NR > 1001 { print $1 }' sim/pheno.tsv >val.txt
t_run "gwas on 1,000 discovery people" 0 "$DUET" gwas --vcf sim/genotypes.bcf --pheno sim/pheno.tsv \
    --pheno-name ldl,t2d --covar sim/covar.tsv --keep disc.txt -o g --quiet --threads 2
for t in ldl t2d; do
    kind=quantitative
    extra=()
    [ $t = t2d ] && kind=binary && extra=(--prevalence 0.1)
    t_run "prs ct $t on 500 validation people" 0 "$DUET" prs ct --sumstats g.$t.gwas.tsv.gz \
        --vcf sim/genotypes.bcf --target-samples val.txt --validate sim/pheno.tsv:$t \
        --covar sim/covar.tsv "${extra[@]}" -o ct_$t --threads 2
    res=$(Rscript "$TOP/tests/ref/prs_ct_r.R" ct_$t.ct.score.tsv sim/pheno.tsv sim/covar.tsv $t $kind \
        ct_$t.ct.prsice "${extra[@]:1}" 2>&1)
    echo "$res" | sed 's/^/# /' | tail -5
    n=$(echo "$res" | sed -n 's/.*compared=\([0-9]*\).*/\1/p')
    w=$(echo "$res" | sed -n 's/.*worst=\([^ ]*\).*/\1/p')
    t_ok "$t ($kind): $n numbers equal R's within 1e-6 relative (worst $w)" \
        '[ "${n:-0}" -ge 20 ] && awk -v v="${w:-1}" "BEGIN { exit !(v < 1e-6) }"'
done
best=$(awk -F'\t' 'NR == 2 { print $10 }' ct_ldl.ct.summary)
t_true "ldl: out-of-sample signal at the best threshold (p = $best < 1e-3)" awk -v p="$best" 'BEGIN { exit !(p < 1e-3) }'
for th in 1 2; do
    t_run "--perm 200 --threads $th" 0 "$DUET" prs ct --sumstats g.ldl.gwas.tsv.gz --vcf sim/genotypes.bcf \
        --target-samples val.txt --validate sim/pheno.tsv:ldl --covar sim/covar.tsv --perm 200 --seed 5 \
        --bar-levels 0.001,0.01,0.1,0.5 -o perm$th --threads $th --no-version
done
t_true "permutation p identical for --threads 1 and 2" cmp -s perm1.ct.summary perm2.ct.summary
t_grep "empirical p = 1/201 (the PRS beats every permutation)" '	0.004975124[0-9]*	' perm1.ct.summary
