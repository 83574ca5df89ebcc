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

echo
echo "demo complete: outputs in $out/"
