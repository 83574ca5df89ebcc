#!/usr/bin/env bash
# bench/score.sh COHORT -- duet score against plink2 --score on a `duet
# simulate` cohort (bench/run.sh passes bench/data/sim_20000x50000), both
# reading the same BCF on 2 threads; wall time, CPU time and peak memory
# measured with /usr/bin/time in the same run, and the ratios printed:
#   duet_1       duet score, 1 score (every other variant, ambiguous SNPs
#                left out so that both tools score the same variants)
#   duet_10      duet score, the same variants x 10 scores
#   plink2_e2e   plink2 --bcf ... --score (import and score in one command)
#   plink2_10    the same with 10 score columns
#   plink2_import, plink2_pfile: plink2 --make-pgen, then --pfile --score
#                (score only, from plink2's own format)
# Timings are reported, never asserted.
set -euo pipefail
COHORT=${1:?usage: bench/score.sh COHORT_DIR}
DUET=${DUET:-$(cd "$(dirname "$0")/.." && pwd)/build/duet}
THREADS=2
for tool in plink2 bcftools /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench/score.sh: $tool is missing (tools/install-deps.sh)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-score.XXXXXX")
trap 'rm -rf "$W"' EXIT
BCF=$COHORT/genotypes.bcf

# Weights: every other variant that is not strand-ambiguous; 10 scores of
# seeded random weights; the same in plink2's layout (ID, allele, weights).
bcftools query -f '%CHROM\t%POS\t%ID\t%REF\t%ALT\n' "$BCF" |
    awk 'BEGIN { FS = OFS = "\t"; srand(1)
                 print "chromosome", "base_pair_location", "variant_id", "effect_allele", "other_allele",
                       "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10" >"'"$W"'/w10.tsv"
                 print "ID", "A1", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10" >"'"$W"'/p10.txt" }
         NR % 2 == 0 && $5 !~ /,/ && !($4 $5 ~ /^(AT|TA|CG|GC)$/) {
             line = $1 OFS $2 OFS $3 OFS $5 OFS $4; pl = $3 OFS $5
             for (k = 1; k <= 10; k++) { w = sprintf("%.5f", rand() - 0.5); line = line OFS w; pl = pl OFS w }
             print line >"'"$W"'/w10.tsv"; print pl >"'"$W"'/p10.txt" }'
cut -f1-6 "$W/w10.tsv" >"$W/w1.tsv"
cut -f1-3 "$W/p10.txt" >"$W/p1.txt"
n_samples=$(bcftools query -l "$BCF" | wc -l)
n_records=$(bcftools index -n "$BCF" 2>/dev/null || echo "?")
echo "cohort: $COHORT ($n_samples samples, $n_records records); $(($(wc -l <"$W/w1.tsv") - 1)) scored variants; $THREADS threads"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A WALL CPU MEM
run() {
    local name=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || {
        echo "bench/score.sh: $name failed:" >&2; tail -5 "$W/$name.err" >&2; exit 1; }
    read -r wall user sys mem <"$W/$name.time"
    WALL[$name]=$wall
    CPU[$name]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    MEM[$name]=$mem
    printf '%-16s %9.2f s wall %9.2f s cpu %9.0f MB peak\n' "$name" "$wall" "${CPU[$name]}" "$((mem / 1024))"
}

run duet_1 "$DUET" score --vcf "$BCF" --weights "$W/w1.tsv" -o "$W/d1" --threads $THREADS --quiet
run duet_10 "$DUET" score --vcf "$BCF" --weights "$W/w10.tsv" -o "$W/d10" --threads $THREADS --quiet
run plink2_e2e plink2 --bcf "$BCF" --score "$W/p1.txt" 1 2 header-read cols=+scoresums \
    --threads $THREADS --out "$W/pe"
run plink2_10 plink2 --bcf "$BCF" --score "$W/p10.txt" 1 2 header-read cols=+scoresums \
    --score-col-nums 3-12 --threads $THREADS --out "$W/pe10"
rm -f "$W"/pe*-temporary.*
run plink2_import plink2 --bcf "$BCF" --make-pgen --threads $THREADS --out "$W/pg"
run plink2_pfile plink2 --pfile "$W/pg" --score "$W/p1.txt" 1 2 header-read cols=+scoresums \
    --threads $THREADS --out "$W/pp"

# the two tools agree (6 significant digits, plink2's printing)
agree=$(awk '/^#|^IID/ { next }
             NR == FNR { s[$1] = $5; next }
             { d = s[$1] - $5; if (d < 0) d = -d; r = d / ($5 < 0 ? -$5 : $5 + 1e-300)
                       if (r > m) m = r; n++ }
             END { printf "%d samples, max relative difference of SUM %.2g", n, m }' \
    "$W/d1.score.tsv" "$W/pe.sscore")
echo "check: duet vs plink2 s1_SUM: $agree"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "ratios (wall time; > 1 means duet is faster, the target in brackets)"
echo "  end to end from the BCF, 1 score:   plink2 / duet $(ratio "${WALL[plink2_e2e]}" "${WALL[duet_1]}")   [>= 3]"
echo "  end to end from the BCF, 10 scores: plink2 / duet $(ratio "${WALL[plink2_10]}" "${WALL[duet_10]}")"
echo "  plink2 import + score-only:         $(ratio "$(awk -v a="${WALL[plink2_import]}" -v b="${WALL[plink2_pfile]}" 'BEGIN { print a + b }')" "${WALL[duet_1]}")"
echo "  plink2 score-only from its pgen / duet from the BCF: $(ratio "${WALL[plink2_pfile]}" "${WALL[duet_1]}")"
echo "  duet 10 scores / 1 score: $(ratio "${WALL[duet_10]}" "${WALL[duet_1]}")x wall"
echo "  peak memory plink2 / duet: $(ratio "${MEM[plink2_e2e]}" "${MEM[duet_1]}")"
