# tests/ref/gwas_plink2_regenie.sh -- duet gwas against plink2 --glm on
# regenie's example (Y1, Y2 quantitative and case/control with V1-V3; its
# bed converted to VCF by plink2 here) and on DS dosages.  Every variant
# where both report an estimate is compared: |beta difference| / SE and
# |difference of -log10 p|:
#   linear (GT; --missing drop with 1% of the calls made missing): < 1e-4
#   and < 1e-3 (DS dosages: 1e-3, plink2 stores dosages in 1/16384 steps);
#   --logistic wald vs plink2 --glm no-firth: the same tolerances;
#   --firth vs plink2 --glm firth: 5e-3 (plink2 2.00a3.5 fits Firth in
#   single precision and stops at a coefficient change of 1e-4, logistf's
#   old default); duet's Firth is checked to 1e-4 against R's brglm2
#   (double precision, converged to 1e-12) on 60 variants instead.
. "$TOP/tests/ref/gwas_common.inc"

# ------------------------------------------------------------ regenie example
plink2 --bfile "$R/example" --export vcf bgz id-paste=iid --out re >/dev/null 2>&1
bcftools index re.vcf.gz
# plink2 matches FID and IID: give it IID-only tables; duet reads the
# originals (FID IID, space-separated)
for f in phenotype phenotype_bin covariates; do
    awk 'NR==1 { printf "#IID"; for (i = 3; i <= NF; i++) printf "\t%s", $i; print ""; next }
         { printf "%s", $2; for (i = 3; i <= NF; i++) printf "\t%s", $i; print "" }' "$R/$f.txt" >"$f.iid.tsv"
done
t_run "regenie: duet linear" 0 "$DUET" gwas --vcf re.vcf.gz --pheno "$R/phenotype.txt" --covar "$R/covariates.txt" -o rq --quiet
t_run "regenie: duet --logistic wald" 0 "$DUET" gwas --vcf re.vcf.gz --pheno "$R/phenotype_bin.txt" --covar "$R/covariates.txt" --logistic wald -o rw --quiet
t_run "regenie: duet --firth" 0 "$DUET" gwas --vcf re.vcf.gz --pheno "$R/phenotype_bin.txt" --covar "$R/covariates.txt" --firth -o rf --quiet
$PLINK --vcf re.vcf.gz --pheno phenotype.iid.tsv --covar covariates.iid.tsv --glm omit-ref hide-covar log10 cols=$COLS --out pq >/dev/null 2>&1
$PLINK --vcf re.vcf.gz --pheno phenotype_bin.iid.tsv --1 --covar covariates.iid.tsv --glm omit-ref hide-covar log10 no-firth cols=$COLS --out pn >/dev/null 2>&1
$PLINK --vcf re.vcf.gz --pheno phenotype_bin.iid.tsv --1 --covar covariates.iid.tsv --glm omit-ref hide-covar log10 firth cols=$COLS --out prf >/dev/null 2>&1
for y in Y1 Y2; do
    check "regenie linear $y" "$(python3 "$CMP" rq.$y.gwas.tsv.gz pq.$y.glm.linear)" 1e-4 1e-3 1000
    check "regenie logistic Wald $y (plink2 no-firth)" "$(python3 "$CMP" rw.$y.gwas.tsv.gz pn.$y.glm.logistic --test wald)" 1e-4 1e-3 990
    check "regenie --firth $y vs plink2 firth" "$(python3 "$CMP" rf.$y.gwas.tsv.gz prf.$y.glm.firth --beta-only)" 5e-3 5e-3 1000
done

# --missing drop: 1% of the calls made missing
zcat re.vcf.gz | awk 'BEGIN { FS = OFS = "\t" }
    /^#/ { print; next }
    { r++; for (i = 10; i <= NF; i++) if ((r * 131 + i * 7) % 97 == 0) $i = "./."; print }' |
    bcftools view -Oz -o remiss.vcf.gz && bcftools index remiss.vcf.gz
t_run "regenie: duet --missing drop" 0 "$DUET" gwas --vcf remiss.vcf.gz --pheno "$R/phenotype.txt" --covar "$R/covariates.txt" --missing drop -o rm --quiet
$PLINK --vcf remiss.vcf.gz --pheno phenotype.iid.tsv --covar covariates.iid.tsv --glm omit-ref hide-covar log10 cols=$COLS --out pm >/dev/null 2>&1
for y in Y1 Y2; do
    check "regenie linear $y, --missing drop (1% missing calls)" "$(python3 "$CMP" rm.$y.gwas.tsv.gz pm.$y.glm.linear)" 1e-4 1e-3 1000
done
t_true "--missing drop: per-variant n below 500" [ "$(zcat rm.Y1.gwas.tsv.gz | awk -F'\t' 'NR>1 && $16 < 500' | wc -l)" -gt 900 ]

# ------------------------------------------------------------ Firth vs R brglm2
# Firth vs R brglm2 on 60 variants of Y1
zcat rf.Y1.gwas.tsv.gz | awk -F'\t' 'NR>1 && NR % 16 == 0 { print $1 ":" $2 }' | head -60 >re.pick
bcftools query -r "$(paste -sd, re.pick)" -f '%CHROM:%POS\t[%GT\t]\n' re.vcf.gz >re.gt
bcftools query -l re.vcf.gz >re.ids
res=$(Rscript "$TOP/tests/ref/firth_brglm2.R" re.gt re.ids rf.Y1.gwas.tsv.gz "$R/phenotype_bin.txt" "$R/covariates.txt" Y1 V1 V2 V3 2>firth.err)
echo "# brglm2, regenie Y1: $res"
n=$(printf '%s' "$res" | sed -n 's/n=\([0-9]*\).*/\1/p'); w=$(printf '%s' "$res" | sed -n 's/.*worst=//p')
l=$(printf '%s' "$res" | sed -n 's/.*lrt=\([^ ]*\).*/\1/p')
t_true "regenie Y1 Firth = brglm2 on $n variants: max |beta diff| / SE = $w < 1e-4" [ "${n:-0}" -ge 40 ] && awk -v v="${w:-1}" 'BEGIN { exit !(v < 1e-4) }'
t_true "Firth penalised LRT = R (brglm2 + restricted maximum) on $n variants: max |diff -log10 p| = $l < 2e-3" awk -v v="${l:-1}" 'BEGIN { exit !(v < 2e-3) }'
# ------------------------------------------------------------ DS dosages
mkdir -p ds && cd ds || exit 1
python3 "$TOP/tests/cli/data/gwas_data.py" .
t_run "dosages: duet --dosage --missing drop" 0 "$DUET" gwas --vcf small.vcf --pheno pheno.tsv --pheno-name q1 --covar covar.tsv --dosage --missing drop -o ds --quiet
awk 'BEGIN { FS = OFS = "\t" } NR==1 { $1 = "#IID" } 1' pheno.tsv >pheno.ds.tsv
awk 'BEGIN { FS = OFS = "\t" } NR==1 { $1 = "#IID" } 1' covar.tsv >covar.ds.tsv
bcftools norm -m- -Oz -o split.vcf.gz small.vcf 2>/dev/null
$PLINK --vcf split.vcf.gz dosage=DS --pheno pheno.ds.tsv --pheno-name q1 --covar covar.ds.tsv --glm omit-ref hide-covar log10 cols=$COLS --out pds >/dev/null 2>&1
# plink2 stores dosages in 1/16384 steps, hence the looser beta tolerance
check "DS dosages, linear" "$(python3 "$CMP" ds.q1.gwas.tsv.gz pds.q1.glm.linear)" 1e-3 1e-3 40
