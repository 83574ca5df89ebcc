#!/usr/bin/env bash
# bench/prs_bayes.sh -- wall time and peak memory of duet prs bayes per
# 10,000 variants (PRS-CS-auto defaults: 1000 iterations, 500 burn-in,
# thin 5; blocks of 500 variants), with the LD build (duet ld) timed
# separately.  Timings are reported, never asserted.
#
#   bench/prs_bayes.sh [DIR]     (called by bench/run.sh with the cohort
#                                 folder; without an argument a 5,000 x
#                                 10,000 cohort is simulated)
#
# Summary statistics: duet gwas of bmi on the first half of the samples;
# the LD reference from the same half.  THREADS (default 2), WINDOW
# (variants per block, default 500) and N_ITER (default 1000) may be set.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
BAYES=${BAYES:-"$DUET prs bayes"}
THREADS=${THREADS:-2}
WINDOW=${WINDOW:-500}
N_ITER=${N_ITER:-1000}
work=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-bayes.XXXXXX")
trap 'rm -rf "$work"' EXIT

dir=${1:-}
if [ -z "$dir" ]; then
    dir=$work/sim
    "$DUET" simulate --samples 5000 --variants 10000 --seed 1 --threads "$THREADS" --quiet -o "$dir"
fi
bcf=$(find "$dir" -maxdepth 1 -name '*.bcf' | sort | head -1)
bcftools query -l "$bcf" >"$work/samples.txt"
n_samples=$(wc -l <"$work/samples.txt")
head -n $((n_samples / 2)) "$work/samples.txt" >"$work/discovery.txt"

run() { # NAME CMD... : time it; seconds and kilobytes go to $work/NAME.time
    local name=$1; shift
    if ! /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>&1; then
        echo "$name failed:" >&2
        tail -5 "$work/$name.out" >&2
        exit 1
    fi
}

run gwas "$DUET" gwas --vcf "$bcf" --pheno "$dir/pheno.tsv" --pheno-name bmi \
    --covar "$dir/covar.tsv" --keep "$work/discovery.txt" --threads "$THREADS" \
    -o "$work/g" --no-version
run ld "$DUET" ld --vcf "$bcf" --samples "$work/discovery.txt" --window-variants "$WINDOW" \
    --threads "$THREADS" -o "$work/ref" --no-version
# shellcheck disable=SC2086
run bayes $BAYES --sumstats "$work/g.bmi.gwas.tsv.gz" --ld "$work/ref.ld.zst" \
    --n-iter "$N_ITER" --n-burnin $((N_ITER / 2)) --threads "$THREADS" -o "$work/b" --no-version
matched=$(awk -F': ' '$1 == "matched" { print $2 }' "$work/b.log")
blocks=$(awk -F': ' '$1 == "blocks_used" { print $2 }' "$work/b.log")
read -r ld_s ld_kb <"$work/ld.time"
read -r b_s b_kb <"$work/bayes.time"
echo "input: $bcf ($n_samples samples; LD and GWAS on $((n_samples / 2)))," \
    "$THREADS threads, blocks of $WINDOW variants, $N_ITER iterations"
echo "variants fitted: $matched in $blocks blocks"
printf '%-34s %10s %10s %22s\n' step "wall (s)" "peak (MB)" "s per 10,000 variants"
printf '%-34s %10.1f %10.0f %22.2f\n' "duet ld (LD build)" "$ld_s" "$((ld_kb / 1024))" \
    "$(awk -v s="$ld_s" -v m="$matched" 'BEGIN { print s * 10000 / m }')"
printf '%-34s %10.1f %10.0f %22.2f\n' "duet prs bayes (sampler)" "$b_s" "$((b_kb / 1024))" \
    "$(awk -v s="$b_s" -v m="$matched" 'BEGIN { print s * 10000 / m }')"
grep -E '^posterior_(mean|sd)_(phi|h2)' "$work/b.log"
