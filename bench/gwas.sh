#!/usr/bin/env bash
# bench/gwas.sh COHORT -- duet gwas against plink2 --glm and the decode floor
# (bcftools view -Ou > /dev/null) on a `duet simulate` cohort (bench/run.sh
# passes bench/data/sim_20000x50000).  Every tool reads the same BCF end to
# end (plink2's conversion included) on 2 threads; wall time, CPU time and
# peak memory are measured with /usr/bin/time in the same run, and the
# ratios printed:
#   q1   1 quantitative trait (ldl) + 10 covariates
#   q10  10 quantitative traits (bmi ldl sbp hba1c and 6 omics features, with
#        their own missing values) + 10 covariates
#   b1   1 case/control trait with 5% cases (cad, cases thinned) + 10
#        covariates, default modes (duet: --logistic auto, score test,
#        saddlepoint, exact test, Firth LRT; plink2: logistic with Firth fallback)
#   decode: bcftools view -Ou > /dev/null
#   scaling: q1 with --threads 1 and 2
# Timings are reported, never asserted.
set -euo pipefail
COHORT=${1:?usage: bench/gwas.sh COHORT_DIR}
DUET=${DUET:-$(cd "$(dirname "$0")/.." && pwd)/build/duet}
THREADS=2
for tool in plink2 bcftools /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench/gwas.sh: $tool is missing (tools/install-deps.sh)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-gwas.XXXXXX")
trap 'rm -rf "$W"' EXIT
BCF=$COHORT/genotypes.bcf
COVARS=sex,age,PC1,PC2,PC3,PC4,PC5,PC6,PC7,PC8

# inputs: one table for both tools (#IID header, tab-separated)
awk 'BEGIN { FS = OFS = "\t" } NR==1 { $1 = "#IID" } 1' "$COHORT/covar.tsv" >"$W/covar.tsv"
# 10 quantitative traits: the 4 clinical ones and 6 omics features; a
# case/control trait with 5% cases: cad's cases, every sixth dropped
# (deterministically) to bring 6.1% down to 5%
awk 'BEGIN { FS = OFS = "\t" }
     NR==FNR { if (FNR == 1) { for (i = 2; i <= 7; i++) oh[i] = $i } else for (i = 2; i <= 7; i++) om[$1, i] = $i; next }
     FNR==1 { for (i = 2; i <= NF; i++) col[$i] = i
              printf "#IID\tbmi\tldl\tsbp\thba1c"; for (i = 2; i <= 7; i++) printf "\t%s", oh[i]; print "\tcad5"; next }
     { c = $(col["cad"]); if (c == 1 && ++cases % 6 == 0) c = 0
       printf "%s\t%s\t%s\t%s\t%s", $1, $(col["bmi"]), $(col["ldl"]), $(col["sbp"]), $(col["hba1c"])
       for (i = 2; i <= 7; i++) printf "\t%s", ((($1, i) in om) ? om[$1, i] : "NA"); print "\t" c }' \
    "$COHORT/omics.tsv" "$COHORT/pheno.tsv" >"$W/pheno.tsv"
Q10=$(head -1 "$W/pheno.tsv" | cut -f2-11 | tr '\t' ,)
n_samples=$(($(wc -l <"$W/covar.tsv") - 1))
n_records=$(bcftools index -n "$BCF" 2>/dev/null || echo "?")
prev=$(awk -F'\t' 'NR>1 && $12 != "NA" { n++; c += $12 } END { printf "%.2f%%", 100 * c / n }' "$W/pheno.tsv")
echo "cohort: $COHORT ($n_samples samples, $n_records records); cad5 cases: $prev; $THREADS threads"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME CMD...: time one command, keep wall, user+sys, peak KB
declare -A WALL CPU MEM
run() {
    local name=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || {
        echo "bench/gwas.sh: $name failed:" >&2; tail -5 "$W/$name.err" >&2; exit 1; }
    read -r wall user sys mem <"$W/$name.time"
    WALL[$name]=$wall
    CPU[$name]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    MEM[$name]=$mem
    printf '%-28s %9.2f s wall %9.2f s cpu %9.0f MB peak\n' "$name" "$wall" "${CPU[$name]}" "$((mem / 1024))"
}
plink_glm() { # NAME PHENO-NAMES
    run "$1" plink2 --bcf "$BCF" --pheno "$W/pheno.tsv" --1 --pheno-name "$2" --covar "$W/covar.tsv" \
        --covar-name "$COVARS" --covar-variance-standardize --glm omit-ref hide-covar \
        --threads $THREADS --out "$W/$1"
    rm -f "$W/$1"-temporary.* "$W/$1".*.glm.*
}
duet_gwas() { # NAME PHENO-NAMES THREADS
    run "$1" "$DUET" gwas --vcf "$BCF" --pheno "$W/pheno.tsv" --pheno-name "$2" --covar "$W/covar.tsv" \
        --covar-name "$COVARS" --threads "$3" -o "$W/$1" --quiet
    rm -f "$W/$1".*
}

run decode sh -c 'bcftools view -Ou "$0" >/dev/null' "$BCF"
duet_gwas duet_q1 ldl $THREADS
duet_gwas duet_q1_t1 ldl 1
duet_gwas duet_q10 "$Q10" $THREADS
duet_gwas duet_b1 cad5 $THREADS
plink_glm plink2_q1 ldl
plink_glm plink2_q10 "$Q10"
plink_glm plink2_b1 cad5

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "ratios (wall time; > 1 means duet is faster, the target in brackets)"
echo "  q1   plink2 / duet: $(ratio "${WALL[plink2_q1]}" "${WALL[duet_q1]}")   [>= 3]"
echo "  q10  plink2 / duet: $(ratio "${WALL[plink2_q10]}" "${WALL[duet_q10]}")   [>= 10]"
echo "  b1   plink2 / duet: $(ratio "${WALL[plink2_b1]}" "${WALL[duet_b1]}")   [>= 3]"
echo "  q1   duet / decode floor (bcftools view -Ou): $(ratio "${WALL[duet_q1]}" "${WALL[decode]}")   [<= 2]"
echo "  peak memory plink2 / duet: q1 $(ratio "${MEM[plink2_q1]}" "${MEM[duet_q1]}"), q10 $(ratio "${MEM[plink2_q10]}" "${MEM[duet_q10]}"), b1 $(ratio "${MEM[plink2_b1]}" "${MEM[duet_b1]}")   [> 1]"
echo "  scaling q1, 1 -> 2 threads: $(ratio "${WALL[duet_q1_t1]}" "${WALL[duet_q1]}")x wall"
echo "  cpu time plink2 / duet: q1 $(ratio "${CPU[plink2_q1]}" "${CPU[duet_q1]}"), q10 $(ratio "${CPU[plink2_q10]}" "${CPU[duet_q10]}"), b1 $(ratio "${CPU[plink2_b1]}" "${CPU[duet_b1]}")"
