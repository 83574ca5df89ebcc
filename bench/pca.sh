#!/usr/bin/env bash
# bench/pca.sh -- wall time and peak memory of duet pca against plink2 --pca
# on the same BCF, in the same run.  Timings are reported, never asserted.
#
#   bench/pca.sh [DIR|FILE.bcf]     (called by bench/run.sh with the cohort
#                                    folder; without an argument, the 1000
#                                    Genomes subset of ../shared/data)
#
# Both tools get the same threads, MAF filter (0.01) and 10 components, and
# read the BCF end to end (plink2's conversion to its own format included).
# plink2 uses its exact eigensolver below 5,000 samples and its randomized
# one ("approx") above, as its manual recommends.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
THREADS=${THREADS:-2}
K=${K:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-pca.XXXXXX")
trap 'rm -rf "$work"' EXIT

bcf=
if [ $# -ge 1 ] && [ -d "$1" ]; then
    bcf=$(find "$1" -maxdepth 2 -name '*.bcf' | sort | head -1)
elif [ $# -ge 1 ]; then
    bcf=$1
fi
if [ -z "$bcf" ]; then
    G=$TOP/../shared/data/genotypes/uwgac_1kg_phase3_subset
    for c in $(seq 1 22); do echo "$G/1KG_phase3_subset_chr$c.vcf.gz"; done >"$work/list"
    bcftools concat -f "$work/list" -Ou 2>/dev/null | bcftools view -m2 -M2 -Ob -o "$work/kg.bcf"
    bcf=$work/kg.bcf
fi
n_samples=$(bcftools query -l "$bcf" | wc -l)
n_records=$(bcftools index -n "$bcf" 2>/dev/null || bcftools view -H "$bcf" | wc -l)
approx=
[ "$n_samples" -gt 5000 ] && approx=approx

run() { # NAME CMD... : time it; the seconds and kilobytes go to $work/NAME.time
    local name=$1; shift
    if ! /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>&1; then
        echo "$name failed:" >&2
        tail -5 "$work/$name.out" >&2
        exit 1
    fi
}

echo "input: $bcf ($n_samples samples, $n_records records), $THREADS threads, k=$K, MAF >= 0.01"
run duet "$DUET" pca --vcf "$bcf" -k "$K" --maf 0.01 --threads "$THREADS" \
    -o "$work/duet" --no-version --force
run plink2 plink2 --bcf "$bcf" --maf 0.01 --pca "$K" $approx --threads "$THREADS" \
    --out "$work/plink"
run duet1 "$DUET" pca --vcf "$bcf" -k "$K" --maf 0.01 --threads 1 \
    -o "$work/duet1" --no-version --force
read -r d_s d_kb <"$work/duet.time"
read -r p_s p_kb <"$work/plink2.time"
read -r d1_s d1_kb <"$work/duet1.time"
used=$(awk -F'\t' '$1 == "variants_used" {print $2}' "$work/duet.pca.log")
iters=$(awk -F'\t' '$1 == "iterations" {print $2}' "$work/duet.pca.log")
mode=$(awk -F'\t' '$1 == "genotypes" {print $2}' "$work/duet.pca.log")
printf '%-28s %10s %12s\n' tool "wall (s)" "peak (MB)"
printf '%-28s %10s %12d\n' "duet pca ($THREADS threads)" "$d_s" $((d_kb / 1024))
printf '%-28s %10s %12d\n' "duet pca (1 thread)" "$d1_s" $((d1_kb / 1024))
printf '%-28s %10s %12d\n' "plink2 --pca $approx ($THREADS thr.)" "$p_s" $((p_kb / 1024))
awk -v d="$d_s" -v p="$p_s" -v dk="$d_kb" -v pk="$p_kb" -v d1="$d1_s" 'BEGIN {
    printf "plink2 / duet wall time: %.2fx; duet / plink2 peak memory: %.2fx; duet 1->%s threads: %.2fx\n",
        p / (d > 0 ? d : 0.01), dk / pk, "'"$THREADS"'", d1 / (d > 0 ? d : 0.01) }'
echo "duet: $used variants used, $iters iterations, genotypes $mode"
# How close the two are (top components, |r|).
python3 - "$work/duet" "$work/plink" <<'EOF'
import math, sys
def read(prefix):
    lines = open(prefix + ".eigenvec").read().splitlines()
    hdr = lines[0].split("\t")
    iid = hdr.index("IID") if "IID" in hdr else hdr.index("#IID")
    pcs = [i for i, h in enumerate(hdr) if h.startswith("PC")]
    return {l.split("\t")[iid]: [float(l.split("\t")[i]) for i in pcs] for l in lines[1:]}
a, b = read(sys.argv[1]), read(sys.argv[2])
ids = sorted(a)
rs = []
for k in range(len(a[ids[0]])):
    x = [a[i][k] for i in ids]; y = [b[i][k] for i in ids]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((u - mx) * (v - my) for u, v in zip(x, y))
    rs.append(abs(sxy) / math.sqrt(sum((u - mx) ** 2 for u in x) * sum((v - my) ** 2 for v in y)))
print("|r| duet vs plink2, PC1..PC%d: %s" % (len(rs), " ".join("%.6f" % r for r in rs)))
EOF
