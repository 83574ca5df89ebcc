#!/usr/bin/env bash
# bench/meta.sh [COHORT] -- duet meta on three studies of META_ROWS variants
# each (default 10,000,000; bench/run.sh passes a cohort folder, which is
# not needed: the studies come from build/bench/meta_gen, bgzip-compressed
# GWAS-SSF sharing their variants, about 2% missing per study and a third of
# two studies' alleles swapped).  Inputs are kept in bench/data/meta_<rows>.
#   meta     duet meta A B C -o P (bgzip + tabix + YAML), --threads 2
#   nocomp   the same to stdout (-o -, plain) > /dev/null: merge, alignment,
#            statistics and formatting without the output's compression
#   small    the same as meta on the first 1/10 of the rows, for memory:
#            peak memory must not grow with the number of variants
#   floors   bgzip -dc of the three inputs, and bgzip -c of the output table
# No peer is run: METAL is not packaged in Debian, and R's metafor (which
# tests/ref/meta_metafor.sh checks the numbers against) fits one variant
# per call (about 10 ms each).  Reported, never asserted.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
GEN=${BUILD:-$TOP/build}/bench/meta_gen
ROWS=${META_ROWS:-10000000}
THREADS=2
for tool in bgzip /usr/bin/time "$GEN"; do
    command -v "$tool" >/dev/null || { echo "bench/meta.sh: $tool is missing (make $GEN; tools/install-deps.sh)" >&2; exit 1; }
done
D=$TOP/bench/data/meta_$ROWS
W=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-meta.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$D"
small=$((ROWS / 10))
for s in 1 2 3; do
    [ -s "$D/s$s.tsv.gz" ] || "$GEN" "$ROWS" $s | bgzip -@ $THREADS >"$D/s$s.tsv.gz"
    [ -s "$D/t$s.tsv.gz" ] || "$GEN" "$small" $s | bgzip -@ $THREADS >"$D/t$s.tsv.gz"
done
echo "inputs: 3 studies x $ROWS variants ($(du -ch "$D"/s?.tsv.gz | tail -1 | cut -f1) bgzip); $THREADS threads"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # NAME CMD... ; prints wall, cpu, peak memory
    local name=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || {
        echo "bench/meta.sh: $name failed:" >&2; tail -5 "$W/$name.err" >&2; exit 1; }
    read -r wall user sys mem <"$W/$name.time"
    printf '%-8s %8.2f s wall %8.2f s cpu %7.1f MB peak' "$name" "$wall" \
        "$(echo "$user + $sys" | bc)" "$(echo "$mem / 1024" | bc -l)"
}
per_s() { # VARIANTS WALL
    printf '%12.0f variants/s\n' "$(echo "$1 / $2" | bc -l)"
}
written() { awk '/variants: [0-9]+ written/ { for (i = 1; i <= NF; i++) if ($i == "written,") print $(i - 1) }' "$1"; }

run meta "$DUET" meta "$D"/s1.tsv.gz "$D"/s2.tsv.gz "$D"/s3.tsv.gz -o "$W/m" --threads $THREADS
n=$(written "$W/meta.err")
read -r wall _ <"$W/meta.time"; per_s "$n" "$wall"
run nocomp "$DUET" meta "$D"/s1.tsv.gz "$D"/s2.tsv.gz "$D"/s3.tsv.gz -o - --threads $THREADS
read -r wall _ <"$W/nocomp.time"; per_s "$n" "$wall"
run small "$DUET" meta "$D"/t1.tsv.gz "$D"/t2.tsv.gz "$D"/t3.tsv.gz -o "$W/t" --threads $THREADS
read -r wall _ <"$W/small.time"; per_s "$(written "$W/small.err")" "$wall"
run decomp sh -c "cat $D/s1.tsv.gz $D/s2.tsv.gz $D/s3.tsv.gz | bgzip -dc > /dev/null"
echo
run comp sh -c "bgzip -@ $THREADS -c < $W/nocomp.out > /dev/null"
echo
echo "variants written: $n; output $(du -h "$W/m.meta.tsv.gz" | cut -f1) bgzip ($(wc -c <"$W/nocomp.out") bytes of text)"
