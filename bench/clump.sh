#!/usr/bin/env bash
# bench/clump.sh -- wall time and peak memory of duet clump against plink
# 1.9 --clump on the same genotypes and p-values, in the same run.  Timings
# are reported, never asserted.
#
#   bench/clump.sh [DIR]    (called by bench/run.sh with the cohort folder;
#                            without an argument, a 5,000 x 50,000 simulated
#                            cohort is made first)
#
# The summary statistics are duet gwas of the cohort's ldl.  Two settings:
# plink's defaults (p1 1e-4, r2 0.5, 250 kb) and PRSice-2's (p1 1, p2 1,
# r2 0.1, 250 kb: every variant an index candidate).  plink 1.9 is timed
# reading the BCF itself (--bcf: its import included) and from a .bed
# converted beforehand (conversion not included); duet always reads the BCF.
# The index variants are checked to be the same (tests/ref/clump_compare.py).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
THREADS=${THREADS:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-clump.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

dir=${1:-}
if [ -z "$dir" ]; then
    dir=$work/sim
    "$DUET" simulate --samples 5000 --variants 50000 --seed 1 --threads "$THREADS" -o "$dir" --quiet
fi
bcf=$dir/genotypes.bcf
n_samples=$(bcftools query -l "$bcf" | wc -l)
n_records=$(bcftools index -n "$bcf" 2>/dev/null || bcftools view -H "$bcf" | wc -l)

run() { # NAME CMD... : time it; the seconds and kilobytes go to $work/NAME.time
    local name=$1; shift
    if ! /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>&1; then
        echo "$name failed:" >&2
        tail -5 "$work/$name.out" >&2
        exit 1
    fi
}

"$DUET" gwas --vcf "$bcf" --pheno "$dir/pheno.tsv" --pheno-name ldl --covar "$dir/covar.tsv" \
    --threads "$THREADS" -o "$work/g" --quiet
ss=$work/g.ldl.gwas.tsv.gz
# plink reads the BCF's IDs (CHR:POS:REF:ALT in a duet simulate cohort)
zcat "$ss" | awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print "SNP\tP"; next }
    $c["p_value"] != "#NA" { print $c["chromosome"] ":" $c["base_pair_location"] ":" $c["other_allele"] ":" $c["effect_allele"] "\t" $c["p_value"] }' >"$work/plink.ss"
run convert plink1.9 --bcf "$bcf" --make-bed --threads "$THREADS" --out "$work/bed"

echo "input: $bcf ($n_samples samples, $n_records records), $THREADS threads"
printf '%-44s %10s %12s\n' "tool" "wall (s)" "peak (MB)"
for setting in defaults prsice; do
    args=()
    [ $setting = prsice ] && args=(--clump-p1 1 --clump-p2 1 --clump-r2 0.1)
    run "duet_$setting" "$DUET" clump --sumstats "$ss" --vcf "$bcf" "${args[@]}" --threads "$THREADS" \
        -o "$work/d_$setting" --no-version --force
    run "plinkbcf_$setting" plink1.9 --bcf "$bcf" --clump "$work/plink.ss" "${args[@]}" \
        --threads "$THREADS" --out "$work/pb_$setting"
    run "plinkbed_$setting" plink1.9 --bfile "$work/bed" --clump "$work/plink.ss" "${args[@]}" \
        --threads "$THREADS" --out "$work/pd_$setting"
    read -r d_s d_kb <"$work/duet_$setting.time"
    read -r b_s b_kb <"$work/plinkbcf_$setting.time"
    read -r p_s p_kb <"$work/plinkbed_$setting.time"
    n_index=$(awk -F'\t' '$1 == "index_variants" { print $2 }' "$work/d_$setting.log")
    same=$(python3 "$TOP/tests/ref/clump_compare.py" "$work/d_$setting.clumped" "$work/pd_$setting.clumped" | tail -1)
    echo "-- $setting ($n_index clumps; vs plink: $same)"
    printf '%-44s %10.2f %12.0f\n' "duet clump (BCF)" "$d_s" "$((d_kb / 1024))"
    printf '%-44s %10.2f %12.0f   ratio %.1fx\n' "plink1.9 --bcf --clump (import included)" "$b_s" "$((b_kb / 1024))" \
        "$(awk -v a="$b_s" -v b="$d_s" 'BEGIN { print a / b }')"
    printf '%-44s %10.2f %12.0f   ratio %.1fx\n' "plink1.9 --bfile --clump (.bed ready)" "$p_s" "$((p_kb / 1024))" \
        "$(awk -v a="$p_s" -v b="$d_s" 'BEGIN { print a / b }')"
done
read -r c_s c_kb <"$work/convert.time"
printf '%-44s %10.2f %12.0f\n' "(plink1.9 --bcf --make-bed, once)" "$c_s" "$((c_kb / 1024))"
