#!/usr/bin/env bash
# tools/demo.sh -- the main job, end to end, on a simulated cohort: what
# `make demo` runs.  Everything goes to demo/ (replaced on each run).
#
#   tools/demo.sh [--samples N] [--variants M] [--threads T]
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
samples=5000 variants=20000 threads=$(nproc)
while [ $# -gt 0 ]; do
    case $1 in
        --samples) samples=$2; shift 2 ;;
        --variants) variants=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        *) echo "usage: tools/demo.sh [--samples N] [--variants M] [--threads T]" >&2; exit 2 ;;
    esac
done
out=$TOP/demo
rm -rf "$out"
mkdir -p "$out"
step() { echo; echo "== $*"; }
run() { echo "+ duet ${*}"; "$DUET" "$@"; }

step "1. simulate a cohort: $samples people x $variants variants, planted effects in truth.tsv"
run simulate --samples "$samples" --variants "$variants" --seed 7 --threads "$threads" -o "$out/cohort"
bcftools index -s "$out/cohort/genotypes.bcf" | head -3
grep -E '^(t2d|cad|asthma|breast_cancer)\s+binary\s+count' "$out/cohort/truth.tsv" | head -8 || true

step "2. the EHR store: import the cohort's OMOP CDM export into SQLite"
run store init --db "$out/ehr.db"
run store import --db "$out/ehr.db" --threads "$threads" "$out/cohort/omop"
run store info --db "$out/ehr.db" -o "$out/ehr.info.tsv"
grep -E '^(store|table\s+(person|condition_occurrence|measurement|visit_occurrence))\s' "$out/ehr.info.tsv"

step "3. map ICD-9-CM / ICD-10-CM source codes to phecodes (1.2)"
run phecode --db "$out/ehr.db"

step "4. derive phenotypes and covariates from the store"
run pheno --db "$out/ehr.db" --phecodes 250.2,411.4,401.1,495,174.11 \
    --quant LDL=3009966:median --quant BMI=3038553:median \
    --quant SBP=3004249:median --quant HbA1c=3004410:median -o "$out/ehr"
head -3 "$out/ehr.pheno.tsv" | cut -f1-10

step "5. genotype principal components, joined to the EHR covariates"
run pca --vcf "$out/cohort/genotypes.bcf" -k 5 --threads "$threads" -o "$out/pca"
awk -F'\t' -v OFS='\t' 'NR==FNR { k=$1; $1=""; pcs[FNR==1 ? "#" : k]=substr($0,2); next }
    FNR==1 { print $0, pcs["#"]; next } { print $0, pcs[$1] }' \
    "$out/pca.eigenvec" "$out/ehr.covar.tsv" > "$out/covar.tsv"
head -2 "$out/covar.tsv"

step "6. phenotype-first: GWAS of the EHR-derived traits (linear, score test + Firth)"
# Three persons in ten are held back from the GWAS for the polygenic score
# of step 10: of each ten by rank, the 8th validates it, the 9th and 10th
# are scored and scanned.
awk -F'\t' -v d="$out" 'NR > 1 { r = (NR - 2) % 10; if (r >= 7) print $1 > (d "/prs.heldback.ids")
    if (r == 7) print $1 > (d "/prs.validation.ids"); if (r >= 8) print $1 > (d "/prs.target.ids") }' \
    "$out/cohort/pheno.tsv"
run gwas --vcf "$out/cohort/genotypes.bcf" --pheno "$out/ehr.pheno.tsv" --remove "$out/prs.heldback.ids" \
    --pheno-name LDL,250.2,411.4 --covar "$out/covar.tsv" --threads "$threads" -o "$out/gwas"
for t in LDL 250.2 411.4; do
    echo "-- top hits for $t (planted effects: grep $t $out/cohort/truth.tsv)"
    zcat "$out/gwas.$t.gwas.tsv.gz" | grep -v '^#' | sort -t$'\t' -k10,10gr | cut -f1-4,5,7,10,14 | head -3 || true
done

step "7. figures"
run plot manhattan "$out/gwas.LDL.gwas.tsv.gz" -o "$out/LDL.manhattan.svg"
run plot qq "$out/gwas.LDL.gwas.tsv.gz" -o "$out/LDL.qq.svg"


step "8. genotype-first: PheWAS of the planted TCF7L2-like variant across every phecode"
t2d=$(awk -F'\t' '$1 == "t2d" && $3 == "variant" { print $6 "\t" $4 }' "$out/cohort/truth.tsv" |
    sort -gr | head -1 | cut -f2)
run phewas --vcf "$out/cohort/genotypes.bcf" --variant "$t2d" --db "$out/ehr.db" \
    --covar "$out/pca.eigenvec" --threads "$threads" -o "$out/phewas"
zcat "$out/phewas.phewas.tsv.gz" | sort -t$'\t' -k14,14gr | cut -f2,3,5,6,10,13 | head -4 || true
run plot phewas "$out/phewas.phewas.tsv.gz" -o "$out/phewas.svg"

step "9. gene burden: regenie-style masks, burden / SKAT / SKAT-O / ACAT for LDL"
run burden --vcf "$out/cohort/genotypes.bcf" --anno "$out/cohort/annotations.tsv" \
    --set-list "$out/cohort/setlist.tsv" --mask-def "$out/cohort/masks.txt" \
    --pheno "$out/ehr.pheno.tsv" --pheno-name LDL --covar "$out/covar.tsv" \
    --tests burden,skat,acatv,acato --threads "$threads" -o "$out/burden"
zcat "$out/burden.burden.tsv.gz" | awk -F'\t' '$7 == "acato"' | sort -t$'\t' -k11,11gr |
    cut -f1-7,10 | head -4 || true

step "10. polygenic score: C+T weights from the LDL GWAS, applied to the held-back persons; PheWAS of the score"
awk -F'\t' -v OFS='\t' 'NR == FNR { keep[$1]; next } FNR == 1 { for (i = 1; i <= NF; i++) if ($i == "LDL") c = i
    print "IID", "LDL"; next } $1 in keep { print $1, $c }' "$out/prs.validation.ids" "$out/ehr.pheno.tsv" \
    >"$out/prs.validation.pheno.tsv"
run prs ct --sumstats "$out/gwas.LDL.gwas.tsv.gz" --vcf "$out/cohort/genotypes.bcf" \
    --validate "$out/prs.validation.pheno.tsv:LDL" --target-samples "$out/prs.validation.ids" \
    --threads "$threads" -o "$out/prs"
# the threshold prs ct chose in the validation persons (its summary's Threshold)
best=ct_p$(awk -F'\t' '/^#/ { next } !h { for (i = 1; i <= NF; i++) if ($i == "Threshold") c = i; h = 1; next }
    { print $c; exit }' "$out/prs.ct.summary")
cut -f1-5,10,11,13 "$out/prs.ct.summary"
# matched as prs ct matched them when it validated (A/T, C/G SNPs dropped)
run score --vcf "$out/cohort/genotypes.bcf" --weights "$out/prs.ct.weights.tsv.gz" \
    --samples "$out/prs.heldback.ids" --threads "$threads" -o "$out/prs"
# R² with LDL of each threshold's score: in the validation persons, and in
# the others (scanned below), which the choice ($best) did not see
awk -F'\t' -v trait=LDL -f "$TOP/tools/score_r2.awk" "$out/prs.validation.ids" "$out/prs.target.ids" \
    "$out/ehr.pheno.tsv" "$out/prs.score.tsv" | sort -t$'\t' -k2,2 -k4,4gr >"$out/prs.r2.tsv"
echo "-- R² of each C+T score with LDL (score, persons, n, R²); prs ct chose $best"
awk -F'\t' '{ print "   ", $1, $2, $3, $4 }' "$out/prs.r2.tsv" | column -t | head -20
run phewas --vcf "$out/cohort/genotypes.bcf" --score "$out/prs.score.tsv:${best}_SUM" --keep "$out/prs.target.ids" \
    --db "$out/ehr.db" --covar "$out/pca.eigenvec" --threads "$threads" -o "$out/prs_phewas"
zcat "$out/prs_phewas.phewas.tsv.gz" | sort -t$'\t' -k14,14gr | cut -f2,3,5,6,10,13 | head -5 || true
run plot phewas "$out/prs_phewas.phewas.tsv.gz" -o "$out/prs_phewas.svg"

step "11. what the figures and tables hold"
ls -l "$out" | sed -n '1,40p'

echo
echo "demo complete: outputs in $out/"
