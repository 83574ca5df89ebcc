# tests/ref/gwas_plink2_chrx.sh -- duet gwas on chrX against plink2 --glm
# on real 1000 Genomes chrX genotypes (1,126 samples, 1,069 records, 1,089
# tested alleles, PAR1 and PAR2 included), written by chrx_vcf.py with
# haploid male calls, planted heterozygous male calls and missing calls,
# and 28 samples of unknown sex; sexes from the same .psam for both tools
# (duet --sex, plink2 --update-sex), PARs split off in plink2 (--split-par
# b37, duet's default), multi-allelic records split for plink2 (bcftools
# norm -m-), missing calls dropped per variant (duet --missing drop, as
# plink2).  plink2's default chrX rule (--xchr-model 2: males coded 0..2,
# sex added as a covariate, samples of unknown sex left out) and model 1
# (males 0..1) are compared on every allele where both report an estimate,
# to the tolerances of gwas_plink2_1kg.sh:
#   linear, models 2 and 1: |beta difference| / SE < 1e-4, |diff -log10 p|
#   < 1e-3 (model 1: plink2 also refuses 2 near-fixed alleles whose
#   0..1/0..2 coding is nearly the sex covariate, VIF_TOO_HIGH; duet, whose
#   collinearity test is QR-based, tests them);
#   --logistic wald vs plink2's default firth-fallback: logistic rows as
#   linear, Firth fallback rows' estimates to 5e-3 (plink2 fits Firth in
#   single precision; its p-value is the Wald test of the fit, duet's the
#   penalised likelihood-ratio test, which tests/ref/firth_brglm2.R checks).
# Then the same duet run with sexes from a covariate column instead of
# --sex (the 0/1 coding of duet simulate) gives the same chrX rows, and
# without any sex the run warns that chrX is read as diploid.
. "$TOP/tests/ref/gwas_common.inc"

python3 "$TOP/tests/ref/chrx_vcf.py" "$K/1KG_phase3_subset_chrX.vcf.gz" \
    "$K/1KG_phase3_subset_annot.tsv" kx.vcf kx.psam
bgzip -f kx.vcf && tabix -p vcf kx.vcf.gz
bcftools norm -m- -Ob -o kxsplit.bcf kx.vcf.gz 2>/dev/null
awk -F'\t' 'NR==1 { print "#IID\toutcome\tstatus" } NR>1 { print $1 "\t" $6 "\t" $7 }' "$K/1KG_phase3_subset_annot.tsv" >pheno.tsv
# one covariate besides sex: a fixed pseudo-random column
awk -F'\t' 'BEGIN { srand(7); print "#IID\tpc1" } NR>1 { printf "%s\t%.5f\n", $1, rand() - 0.5 }' "$K/1KG_phase3_subset_annot.tsv" >covar.tsv
t_true "the chrX VCF has haploid, heterozygous and missing male calls" \
    [ "$(bcftools query -f '[%GT\n]' kx.vcf.gz | grep -cxE '0|1|\.|0/1')" -gt 100000 ]

# plink2 names the PARs' rows PAR1/PAR2; duet keeps the contig's name
unpar() { awk 'BEGIN { OFS = "\t" } $1 == "PAR1" || $1 == "PAR2" { $1 = "X" } { print }' "$1" >"$1.x"; }

t_run "duet gwas chrX --sex --logistic wald --missing drop" 0 "$DUET" gwas --vcf kx.vcf.gz \
    --pheno pheno.tsv --covar covar.tsv --sex kx.psam --logistic wald --missing drop \
    --threads 2 -o kx --no-version
t_grep "the log names the sex source and counts" "sex: kx.psam: 536 males, 562 females, 28 unknown" kx.log
t_grep "the log counts the chrX tests" "1089 tested \(1057 on chrX outside the PARs, 0 on chrY\)" kx.log
$PLINK --bcf kxsplit.bcf --update-sex kx.psam --split-par b37 --pheno pheno.tsv --1 \
    --covar covar.tsv --glm omit-ref hide-covar log10 cols=$COLS --out px >/dev/null 2>&1
t_ok "plink2 ran" '[ -s px.outcome.glm.linear ] && [ -s px.status.glm.logistic.hybrid ]'
unpar px.outcome.glm.linear
unpar px.status.glm.logistic.hybrid
check "chrX linear, xchr-model 2" "$(python3 "$CMP" kx.outcome.gwas.tsv.gz px.outcome.glm.linear.x)" 1e-4 1e-3 1000
check "chrX logistic Wald, xchr-model 2" "$(python3 "$CMP" kx.status.gwas.tsv.gz px.status.glm.logistic.hybrid.x --test wald --no-firth-rows)" 1e-4 1e-3 700
check "chrX Firth fallback rows" "$(python3 "$CMP" kx.status.gwas.tsv.gz px.status.glm.logistic.hybrid.x --test firth --firth-rows --beta-only)" 5e-3 5e-3 100
n=$(zcat kx.outcome.gwas.tsv.gz | awk -F'\t' '$1 == "X" && $2 > 2699520 && $2 < 154931044 && $16 != "#NA"' | cut -f16 | sort -u | tr '\n' ' ')
t_true "outside the PARs the samples of unknown sex are left out (n: $n)" [ "$(echo $n | awk '{ print ($NF <= 1098) }')" = 1 ]

# model 1
t_run "duet gwas chrX --xchr-model 1" 0 "$DUET" gwas --vcf kx.vcf.gz --pheno pheno.tsv \
    --pheno-name outcome --covar covar.tsv --sex kx.psam --xchr-model 1 --missing drop -o k1 --no-version --quiet
$PLINK --bcf kxsplit.bcf --update-sex kx.psam --split-par b37 --pheno pheno.tsv --pheno-name outcome \
    --covar covar.tsv --xchr-model 1 --glm omit-ref hide-covar log10 cols=$COLS --out p1 >/dev/null 2>&1
unpar p1.outcome.glm.linear
line=$(python3 "$CMP" k1.outcome.gwas.tsv.gz p1.outcome.glm.linear.x)
echo "# chrX linear, xchr-model 1: $line"
vif=$(awk -F'\t' '$NF == "VIF_TOO_HIGH"' p1.outcome.glm.linear.x | wc -l)
t_ok "model 1: plink2's only NA rows beyond duet's are VIF_TOO_HIGH ($vif)" \
    '[ "$(printf "%s" "$line" | sed -n "s/.*na_plink=\([0-9]*\).*/\1/p")" -le "$vif" ] && [ "$(printf "%s" "$line" | sed -n "s/.*na_duet=\([0-9]*\).*/\1/p")" -eq 0 ]'
b=$(printf '%s' "$line" | sed -n 's/.* beta=\([^ ]*\).*/\1/p')
l=$(printf '%s' "$line" | sed -n 's/.* logp=\([^ ]*\).*/\1/p')
t_true "model 1: max |beta diff| / SE = $b < 1e-4, |diff -log10 p| = $l < 1e-3" \
    awk -v b="${b:-1}" -v l="${l:-1}" 'BEGIN { exit !(b < 1e-4 && l < 1e-3) }'
t_true "model 1 and model 2 differ on chrX" [ "$(zcat k1.outcome.gwas.tsv.gz | md5sum)" != "$(zcat kx.outcome.gwas.tsv.gz | md5sum)" ]

# sexes from a covariate column coded 0/1 (duet simulate): the samples of
# unknown sex have no covariate value and leave the whole scan, so compare
# with --sex on the samples of known sex
awk -F'\t' 'NR == FNR { if ($2 != "NA") s[$1] = ($2 == 1); next }
    FNR == 1 { print $0 "\tsex"; next } ($1 in s) { print $0 "\t" s[$1] }' kx.psam covar.tsv >covsex.tsv
awk -F'\t' '$2 != "NA" { print $1 }' kx.psam >known.txt
t_run "duet gwas chrX, sex from the covariate table" 0 "$DUET" gwas --vcf kx.vcf.gz --pheno pheno.tsv \
    --pheno-name outcome --covar covsex.tsv -o kc --no-version --quiet
t_run "duet gwas chrX, --sex on the same samples" 0 "$DUET" gwas --vcf kx.vcf.gz --pheno pheno.tsv \
    --pheno-name outcome --covar covsex.tsv --covar-name pc1 --sex kx.psam --keep known.txt -o ks --no-version --quiet
same=$(paste <(zcat kc.outcome.gwas.tsv.gz | awk -F'\t' '$1 == "X" && $2 > 2699520 && $2 < 154931044' | cut -f1-7) \
             <(zcat ks.outcome.gwas.tsv.gz | awk -F'\t' '$1 == "X" && $2 > 2699520 && $2 < 154931044' | cut -f1-7) |
       awk -F'\t' '{ n++; if ($5 != "#NA" && (($5 - $12) ^ 2 > 1e-10 * ($7 ^ 2) || $1 $2 $3 != $8 $9 $10)) bad++ } END { print n + 0, bad + 0 }')
t_true "the covariate's sexes give the chrX rows of --sex (rows, mismatches: $same)" [ "${same#* }" = 0 ] && [ "${same% *}" -gt 1000 ]

t_run "duet gwas chrX without any sex" 0 "$DUET" gwas --vcf kx.vcf.gz --pheno pheno.tsv \
    --pheno-name outcome --covar covar.tsv -o kn --no-version
t_grep "without sexes, a loud warning that chrX is read as diploid" "no sample's sex is known: chrX.*DIPLOID" "$WORK/err"
