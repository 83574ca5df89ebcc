#!/usr/bin/env bash
# bench/run.sh -- run every benchmark on one simulated cohort and collect the
# reports in bench/results/.  Called by `make bench`.
#
#   bench/run.sh [--samples N] [--variants M]     (default 20000 x 50000)
#
# The cohort is simulated once into bench/data/ (kept between runs; delete the
# folder to re-simulate).  Each bench/<name>.sh is then run with the cohort
# folder as its argument and DUET pointing at the binary; each prints its own
# table of timings and the ratios against its peers (plink2, bcftools, sqlite3,
# R), measured in the same run.  Timings are never asserted: they are reported.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
export DUET=${DUET:-$TOP/build/duet}
export BUILD=${BUILD:-$TOP/build}
samples=20000 variants=50000
while [ $# -gt 0 ]; do
    case $1 in
        --samples) samples=$2; shift 2 ;;
        --variants) variants=$2; shift 2 ;;
        *) echo "usage: bench/run.sh [--samples N] [--variants M]" >&2; exit 2 ;;
    esac
done
threads=$(nproc)
data=$TOP/bench/data/sim_${samples}x${variants}
results=$TOP/bench/results
mkdir -p "$TOP/bench/data" "$results"

if [ ! -d "$data" ]; then
    echo "== simulating $samples samples x $variants variants ($threads threads)"
    /usr/bin/time -f "simulate: %e s wall, %M KB peak" \
        "$DUET" simulate --samples "$samples" --variants "$variants" \
        --threads "$threads" --seed 1 -o "$data"
fi

for b in "$TOP"/bench/*.sh; do
    name=$(basename "$b" .sh)
    [ "$name" = run ] && continue
    echo "== $name"
    bash "$b" "$data" 2>&1 | tee "$results/$name.txt"
done
echo "reports in $results/"
