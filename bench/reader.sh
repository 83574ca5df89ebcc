#!/usr/bin/env bash
# bench/reader.sh -- the genotype reader against bcftools on the same BCF, in
# the same run.
#
#   bench/reader.sh FILE.bcf|COHORT_DIR [ROUNDS]
#
# Times (wall and CPU, by /usr/bin/time) of
#   bcftools view -Ou FILE > /dev/null        decompress + copy every record
#   bcftools view --threads 1 -Ou ...         the same with a decompression thread
#   build/bench/reader FILE --threads 1|2     fetch + decode every block into
#                                             dense dosages (duet_geno_scan)
#   duet freq --vcf FILE --threads 1|2        the reader + a frequency table
# ROUNDS rounds (default 5) are interleaved, so that load from other work on
# the machine hits every command alike; the best round of each is reported,
# with throughput ratios against the best bcftools time (> 1: duet faster).
# A COHORT_DIR (as bench/run.sh passes) is searched for its first *.bcf.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
DUET=${DUET:-$BUILD/duet}
READER=${READER:-$BUILD/bench/reader}
in=${1:?usage: bench/reader.sh FILE.bcf|COHORT_DIR [ROUNDS]}
rounds=${2:-${ROUNDS:-5}}
if [ -d "$in" ]; then
    bcf=$(find "$in" -maxdepth 2 -name '*.bcf' | sort | head -1)
    [ -n "$bcf" ] || { echo "reader.sh: no .bcf in $in" >&2; exit 2; }
else
    bcf=$in
fi
for tool in bcftools /usr/bin/time "$DUET" "$READER"; do
    command -v "$tool" >/dev/null || { echo "reader.sh: $tool not found (make bench)" >&2; exit 2; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-reader.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

names=(bcftools bcftools_t1 reader_t1 reader_t2 freq_t1 freq_t2)
cmd_of() {
    case $1 in
        bcftools) echo "bcftools view -Ou $bcf" ;;
        bcftools_t1) echo "bcftools view --threads 1 -Ou $bcf" ;;
        reader_t1) echo "$READER $bcf --threads 1" ;;
        reader_t2) echo "$READER $bcf --threads 2" ;;
        freq_t1) echo "$DUET freq --vcf $bcf --threads 1 --quiet --force -o $tmp/f1" ;;
        freq_t2) echo "$DUET freq --vcf $bcf --threads 2 --quiet --force -o $tmp/f2" ;;
    esac
}
echo "file: $bcf ($(du -h "$bcf" | cut -f1)); $(bcftools query -l "$bcf" | wc -l) samples;" \
     "$rounds interleaved rounds; $(nproc) cores"
"$READER" "$bcf" --threads 1 | tee "$tmp/reader.info"
for r in $(seq "$rounds"); do
    for n in "${names[@]}"; do
        # shellcheck disable=SC2046
        /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" $(cmd_of "$n") >/dev/null
        echo "$n $(cat "$tmp/t")" >>"$tmp/times"
    done
done
awk -v rounds="$rounds" '
    { n = $1; wall = $2; cpu = $3 + $4
      if (!(n in best) || wall < best[n]) { best[n] = wall; bcpu[n] = cpu; rss[n] = $5 }
      if (!(n in mcpu) || cpu < mcpu[n]) mcpu[n] = cpu
      order[n] = NR }
    END {
        ref = best["bcftools"]; if (best["bcftools_t1"] < ref) ref = best["bcftools_t1"]
        refcpu = mcpu["bcftools"]
        printf "\n%-12s %9s %9s %10s %14s %14s\n", "command", "wall_s", "cpu_s", "peak_MB",
               "vs_bcftools", "cpu_vs_bcft"
        split("bcftools bcftools_t1 reader_t1 reader_t2 freq_t1 freq_t2", ns, " ")
        for (i = 1; i <= 6; i++) {
            n = ns[i]
            printf "%-12s %9.3f %9.3f %10.0f %14.2f %14.2f\n", n, best[n], mcpu[n], rss[n] / 1024,
                   ref / best[n], refcpu / mcpu[n]
        }
        printf "\nvs_bcftools: best bcftools wall time (either thread setting) / this wall time;\n"
        printf "cpu_vs_bcft: bcftools single-thread CPU time / this CPU time (user + sys).\n"
    }' "$tmp/times"
