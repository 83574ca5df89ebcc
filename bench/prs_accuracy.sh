#!/usr/bin/env bash
# bench/prs_accuracy.sh [COHORT] -- how well duet's polygenic scores predict
# a trait of known heritability (issue 10).  A `duet simulate` cohort with
# the purely polygenic trait prs_trait (--polygenic-h2, GCTA --simu-qt
# convention; truth.tsv lists its causal variants) is split into discovery,
# validation and test persons, and:
#
#   gwas    duet gwas --keep discovery (prs_trait, MAF >= 1%), PC1-PC10 of
#           covar.tsv as covariates: the genetic value differs between the
#           simulated populations, and without them every ancestry-
#           informative variant picks that up (at 20,000 x 50,000, lambda GC
#           4.39 instead of 1.26, and a score of the GWAS betas at the causal
#           variants alone predicts R² 0.12 instead of 0.40 in the test set)
#   ct      duet prs ct on the GWAS, clumped in the cohort's genotypes,
#           --validate on the validation persons (its p-value grid)
#   bayes   duet ld (the cohort's genotypes, MAF >= 1%), then duet prs bayes
#           (PRS-CS-auto) with --n the discovery size
#   oracle  the true per-allele effects of truth.tsv as a duet weights file
#   score   duet score of every weight column in one pass over the
#           validation and test persons (--keep-ambiguous: one strand)
#
# then the R² (squared Pearson correlation) of each score with prs_trait in
# the test persons, beside h² (planned, and realised in the cohort) and the
# expectation of Daetwyler et al. 2008 for a GWAS-derived score,
#   R² = h² · N h² / (N h² + M_e)    (N discovery persons),
# with M_e the common variants tested (an upper bound on the independent
# segments: the expectation is then a lower one) and with M_e the causal
# variants (what it would be if the score knew which variants are causal).
# C+T is reported at the threshold prs ct --validate chose (P.ct.summary;
# the best validation R² computed here from duet score's sums is printed
# beside it).  The last lines are a markdown table for the README.
#
# The split is by the persons' rank in pheno.tsv (persons are exchangeable
# in the simulation): of each 20, 14 discovery, 3 validation, 3 test.
#
# Sizes: COHORT is a `duet simulate` folder.  If it has no prs_trait (as
# bench/run.sh's shared cohort), a cohort of the same size with one is
# simulated into bench/data/prs_SxV_hH_mM (seed 1) and used instead.
# Without COHORT: PRS_SAMPLES x PRS_VARIANTS (quick default 5000 x 20000;
# the issue's benchmark is PRS_SAMPLES=20000 PRS_VARIANTS=50000), PRS_H2
# (0.5), PRS_CAUSAL (1000).  THREADS (2).  A step whose command this duet
# lacks (or that fails) is reported and left out of the table.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
THREADS=${THREADS:-2}
H2=${PRS_H2:-0.5} CAUSAL=${PRS_CAUSAL:-1000}
for tool in bcftools /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench/prs_accuracy.sh: $tool is missing (tools/install-deps.sh)" >&2; exit 1; }
done

simulate() { # SAMPLES VARIANTS: the cohort folder with prs_trait
    local dir=$TOP/bench/data/prs_${1}x${2}_h${H2}_m${CAUSAL}
    if [ ! -d "$dir" ]; then
        mkdir -p "$TOP/bench/data"
        echo "== simulating $1 samples x $2 variants, prs_trait h2 $H2 at $CAUSAL causal variants" >&2
        "$DUET" simulate --samples "$1" --variants "$2" --polygenic-h2 "$H2" --polygenic-causal "$CAUSAL" \
            --threads "$THREADS" --seed 1 -o "$dir" --quiet
    fi
    echo "$dir"
}
truth_n() { awk -F'\t' -v t="$2" '$1 == "cohort" && $4 == t { print $9 }' "$1/truth.tsv"; }
COHORT=${1:-}
if [ -z "$COHORT" ]; then
    COHORT=$(simulate "${PRS_SAMPLES:-5000}" "${PRS_VARIANTS:-20000}")
elif ! head -1 "$COHORT/pheno.tsv" | grep -q 'prs_trait'; then
    echo "$COHORT has no prs_trait: a cohort of its size with one"
    COHORT=$(simulate "$(truth_n "$COHORT" samples)" "$(truth_n "$COHORT" variants)")
fi
BCF=$COHORT/genotypes.bcf
W=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-prs.XXXXXX")
trap 'rm -rf "$W"' EXIT

# ---------------------------------------------------------------- the split
awk -F'\t' -v w="$W" 'NR == 1 { next }
    { r = (NR - 2) % 20; f = r < 14 ? "discovery" : r < 17 ? "validation" : "test"; print $1 > (w "/" f ".ids") }' \
    "$COHORT/pheno.tsv"
awk -F'\t' -v OFS='\t' 'NR == FNR { keep[$1]; next }
    FNR == 1 { for (i = 1; i <= NF; i++) if ($i == "prs_trait") c = i; print "IID", "prs_trait"; next }
    $1 in keep { print $1, $c }' "$W/validation.ids" "$COHORT/pheno.tsv" >"$W/validation.pheno.tsv"
cat "$W/validation.ids" "$W/test.ids" >"$W/eval.ids"
n_disc=$(wc -l <"$W/discovery.ids")
h2_real=$(awk -F'\t' '$1 == "prs_trait" && $3 == "h2" && $4 == "realised" { print $6 }' "$COHORT/truth.tsv")
h2_plan=$(awk -F'\t' '$1 == "prs_trait" && $3 == "h2" && $4 == "planned" { print $6 }' "$COHORT/truth.tsv")
m_causal=$(awk -F'\t' '$1 == "prs_trait" && $4 == "causal_variants" { print $9 }' "$COHORT/truth.tsv")
echo "cohort: $COHORT ($(truth_n "$COHORT" samples) persons x $(truth_n "$COHORT" variants) variants);" \
    "prs_trait h2 $h2_plan planned, $h2_real realised, $m_causal causal variants"
echo "split: $n_disc discovery, $(wc -l <"$W/validation.ids") validation, $(wc -l <"$W/test.ids") test"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $THREADS threads"

# run NAME CMD...: time one step; a failure is reported and the benchmark
# goes on without it
declare -A WALL
run() {
    local name=$1; shift
    if ! /usr/bin/time -f '%e %M' -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err"; then
        printf '%-8s failed: %s\n' "$name" "$*"
        grep -v '^\s' "$W/$name.err" | tail -3 | sed 's/^/    /'
        return 1
    fi
    read -r wall mem <"$W/$name.time"
    WALL[$name]=$wall
    printf '%-8s %8.1f s wall %7.0f MB peak\n' "$name" "$wall" "$((mem / 1024))"
}
# prs_cmd SUB: how this duet spells `prs SUB` (prs SUB, or prs-SUB before the
# command table has it); nothing if neither exists
prs_cmd() {
    if "$DUET" prs "$1" -h >/dev/null 2>&1; then echo "prs $1"
    elif "$DUET" "prs-$1" -h >/dev/null 2>&1; then echo "prs-$1"; fi
}
has_cmd() { "$DUET" "$1" -h >/dev/null 2>&1; }

# ---------------------------------------------------------------- the steps
WEIGHTS=()
run gwas "$DUET" gwas --vcf "$BCF" --pheno "$COHORT/pheno.tsv" --pheno-name prs_trait --keep "$W/discovery.ids" \
    --covar "$COHORT/covar.tsv" --covar-name PC1,PC2,PC3,PC4,PC5,PC6,PC7,PC8,PC9,PC10 \
    --maf 0.01 --threads "$THREADS" -o "$W/gwas" --quiet
echo "         lambda GC $(awk -F'\t' '$1 == "trait" { for (i = 1; i <= NF; i++) if ($i == "lambda_gc") c = i; next }
    $1 == "prs_trait" && c { print $c; exit }' "$W/gwas.log")"
SUMSTATS=$W/gwas.prs_trait.gwas.tsv.gz
m_tested=$(zcat "$SUMSTATS" 2>/dev/null | grep -vc '^#\|^chromosome' || true)

ct=$(prs_cmd ct)
if [ -z "$ct" ]; then
    echo "ct       not run: this duet has no 'prs ct'"
else
    # shellcheck disable=SC2086
    run ct "$DUET" $ct --sumstats "$SUMSTATS" --vcf "$BCF" --validate "$W/validation.pheno.tsv:prs_trait" \
        --target-samples "$W/validation.ids" --threads "$THREADS" -o "$W/ct" --quiet &&
        WEIGHTS+=("$W/ct.ct.weights.tsv.gz") || true
fi
bayes=$(prs_cmd bayes)
if [ -z "$bayes" ]; then
    echo "bayes    not run: this duet has no 'prs bayes'"
else
    ld=()
    if has_cmd ld && run ld "$DUET" ld --vcf "$BCF" --maf 0.01 --threads "$THREADS" -o "$W/ref" --quiet; then
        ld=(--ld "$W/ref.ld.zst")
    else
        ld=(--vcf "$BCF")
    fi
    # shellcheck disable=SC2086
    run bayes "$DUET" $bayes --sumstats "$SUMSTATS" "${ld[@]}" --n "$n_disc" --seed 1 --threads "$THREADS" \
        -o "$W/bayes" --quiet && WEIGHTS+=("$W/bayes.bayes.weights.tsv.gz") || true
fi
# the oracle: truth.tsv's per-ALT-allele effects (ID chrom:pos:ref:alt)
awk -F'\t' -v OFS='\t' 'BEGIN { print "chromosome", "base_pair_location", "variant_id", "effect_allele", "other_allele", "oracle" }
    $1 == "prs_trait" && $3 == "polygenic" { split($4, v, ":"); print v[1], v[2], $4, v[4], v[3], $6 }' \
    "$COHORT/truth.tsv" >"$W/oracle.weights.tsv"
WEIGHTS+=("$W/oracle.weights.tsv")

if ! has_cmd score; then
    echo "score    not run: this duet has no 'score'; no R² can be computed"
    exit 0
fi
wargs=()
for f in "${WEIGHTS[@]}"; do wargs+=(--weights "$f"); done
# --keep-ambiguous: A/T and C/G SNPs are on the GWAS's own strand here
run score "$DUET" score --vcf "$BCF" "${wargs[@]}" --keep-ambiguous --samples "$W/eval.ids" --threads "$THREADS" \
    -o "$W/score" --quiet ||
    exit 0

# ---------------------------------------------------------------- R²
# r2.tsv: score, R² in validation, R² in test (every score column)
awk -F'\t' -v trait=prs_trait -f "$TOP/tools/score_r2.awk" "$W/validation.ids" "$W/test.ids" "$COHORT/pheno.tsv" \
    "$W/score.score.tsv" | sort >"$W/r2.long"
awk -F'\t' -v OFS='\t' '{ r[$1, $2] = $4; s[$1] } END { for (k in s) print k, r[k, "validation"], r[k, "test"] }' \
    "$W/r2.long" | sort >"$W/r2.tsv"
ct_cols=$( [ -f "$W/ct.ct.weights.tsv.gz" ] && zcat "$W/ct.ct.weights.tsv.gz" | grep -v '^##' | head -1 | cut -f6- | tr '\t' '\n' || true)
# prs ct's choice (the Threshold of P.ct.summary: score ct_pT), else the
# best validation R² computed here
best_here=$(awk -F'\t' 'NR == FNR { ct[$1]; next } ($1 in ct) && $2 != "NA" && (best == "" || $2 > b) { best = $1; b = $2 }
    END { print best }' <(echo "$ct_cols") "$W/r2.tsv")
best_ct=$( [ -f "$W/ct.ct.summary" ] && awk -F'\t' '/^#/ { next } !h { for (i = 1; i <= NF; i++) if ($i == "Threshold") c = i; h = 1; next }
    c { print "ct_p" $c; exit }' "$W/ct.ct.summary" || true)
if [ -z "$best_ct" ] || ! grep -qx -- "$best_ct" <(echo "$ct_cols"); then
    [ -n "$ct_cols" ] && echo "C+T: no threshold read from $W/ct.ct.summary ('$best_ct'); the best validation R² here: $best_here"
    best_ct=$best_here
fi
r2_of() { awk -F'\t' -v s="$1" '$1 == s { print $3 }' "$W/r2.tsv"; }

echo
echo "R² of each score with prs_trait (validation, test):"
sed 's/^/    /' "$W/r2.tsv"
[ -n "$best_ct" ] && echo "C+T: prs ct --validate chose $best_ct; the best validation R² computed here is at $best_here"
daet() { awk -v h="$h2_plan" -v n="$n_disc" -v m="$1" 'BEGIN { printf "%.4f", (m > 0 ? h * n * h / (n * h + m) : 0) }'; }
r_ct=${best_ct:+$(r2_of "$best_ct")} r_bayes=$(r2_of bayes) r_oracle=$(r2_of oracle)
rel() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }' || echo "-"; }
# prs bayes's own heritability: beta' D beta over the kept iterations, and
# its two halves' means (a drift between them says the chain had not settled)
bayes_h2=$( [ -f "$W/bayes.bayes.trace.tsv" ] && awk -F'\t' '/^#/ { next }
    !h { for (i = 1; i <= NF; i++) if ($i == "h2") c = i; h = 1; next } c { v[++n] = $c }
    END { if (!n) exit; for (i = 1; i <= n; i++) { s += v[i]; if (i <= n / 2) a += v[i]; else b += v[i] }
          printf "%.4f (halves %.4f, %.4f; %d kept iterations)", s / n, a / int(n / 2), b / (n - int(n / 2)), n }' \
    "$W/bayes.bayes.trace.tsv" || true)
[ -n "$bayes_h2" ] && echo "prs bayes: posterior mean h2 $bayes_h2"
echo
echo "| test-set R² of prs_trait (h² $h2_plan, $m_causal causal; N discovery $n_disc) | R² | / oracle |"
echo "|---|---|---|"
echo "| h² planned / realised in the cohort | $h2_plan / $h2_real | |"
echo "| oracle score (true effects, duet score) | ${r_oracle:--} | 1.00 |"
echo "| Daetwyler expectation, M_e = $m_tested common variants tested | $(daet "$m_tested") | $(rel "$(daet "$m_tested")" "$r_oracle") |"
echo "| Daetwyler expectation, M_e = $m_causal causal variants | $(daet "$m_causal") | $(rel "$(daet "$m_causal")" "$r_oracle") |"
echo "| C+T (prs ct, threshold chosen on validation: ${best_ct:-not run}) | ${r_ct:--} | $(rel "$r_ct" "$r_oracle") |"
echo "| PRS-CS-auto (duet prs bayes) | ${r_bayes:--} | $(rel "$r_bayes" "$r_oracle") |"
echo "| prs bayes's posterior h² (beta' D beta) | ${bayes_h2%% *} | |"
echo "| prs bayes / C+T | $(rel "$r_bayes" "$r_ct") | |"
