#!/usr/bin/env bash
# bench/burden.sh COHORT -- duet burden: a gene-burden scan of every gene of
# a `duet simulate` cohort (bench/run.sh passes bench/data/sim_20000x50000)
# for one trait (LDL, 10 covariates), on 2 threads:
#   all5     burden, SKAT, SKAT-O, ACAT-V, ACAT-O (the default), 3 masks x
#            bins 0.01 and all
#   fast4    the same without SKAT-O (whose p-value integral dominates)
#   burden   the burden regressions alone
#   decode   the floor: bcftools view -Ou > /dev/null
# Wall time, CPU time, peak memory and the time per gene are reported, never
# asserted.  No peer is run: regenie is not packaged in Debian, and neither
# is R's SKAT package (r-cran-skat); the kernels are checked against SKAT
# in tests/unit/test_genetest.c instead.
set -euo pipefail
COHORT=${1:?usage: bench/burden.sh COHORT_DIR}
DUET=${DUET:-$(cd "$(dirname "$0")/.." && pwd)/build/duet}
THREADS=2
for tool in bcftools /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench/burden.sh: $tool is missing (tools/install-deps.sh)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-burden.XXXXXX")
trap 'rm -rf "$W"' EXIT
BCF=$COHORT/genotypes.bcf
n_samples=$(($(wc -l <"$COHORT/pheno.tsv") - 1))
n_records=$(bcftools index -n "$BCF" 2>/dev/null || echo "?")
n_genes=$(grep -vc '^#' "$COHORT/setlist.tsv")
for p in regenie r-cran-skat; do
    if [ -z "$(apt-cache policy "$p" 2>/dev/null)" ]; then echo "peer: $p is not in Debian; not run"; fi
done
echo "cohort: $COHORT ($n_samples samples, $n_records records, $n_genes genes); $THREADS threads"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A WALL
run() { # NAME CMD...
    local name=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || {
        echo "bench/burden.sh: $name failed:" >&2; tail -5 "$W/$name.err" >&2; exit 1; }
    read -r wall user sys mem <"$W/$name.time"
    WALL[$name]=$wall
    printf '%-10s %9.2f s wall %9.2f s cpu %7.0f MB peak' "$name" "$wall" \
        "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$((mem / 1024))"
}
burden() { # NAME TESTS
    run "$1" "$DUET" burden --vcf "$BCF" --anno "$COHORT/annotations.tsv" --set-list "$COHORT/setlist.tsv" \
        --mask-def "$COHORT/masks.txt" --pheno "$COHORT/pheno.tsv" --pheno-name ldl \
        --covar "$COHORT/covar.tsv" --covar-name sex,age,PC1,PC2,PC3,PC4,PC5,PC6,PC7,PC8 \
        --tests "$2" --threads $THREADS -o "$W/$1" --quiet
    local tested rows
    tested=$(awk '/^genes:/ { print $7 }' "$W/$1.log")
    rows=$(awk '/^rows:/ { print $2 }' "$W/$1.log")
    printf '   %s genes, %s rows, %.1f ms per gene\n' "$tested" "$rows" \
        "$(awk -v w="${WALL[$1]}" -v g="$tested" 'BEGIN { print 1000 * w / g }')"
    grep -A3 '^top hits' "$W/$1.log" | tail -2 | sed 's/^/           best: /'
}

run decode sh -c 'bcftools view -Ou "$0" >/dev/null' "$BCF"; echo
burden burden burden
burden fast4 burden,skat,acatv,acato
burden all5 burden,skat,skato,acatv,acato
echo
echo "burden scan / decode floor: $(awk -v a="${WALL[burden]}" -v b="${WALL[decode]}" 'BEGIN { printf "%.2f", a / b }')"
echo "SKAT-O share of the full scan: $(awk -v a="${WALL[all5]}" -v b="${WALL[fast4]}" 'BEGIN { printf "%.0f%%", 100 * (a - b) / a }')"
