#!/usr/bin/env bash
# bench/binary.sh [COHORT] -- the cost of calibrated case/control tests
# (issue 9): duet's binary-trait modes against plink2 on the same BCF in the
# same run, and a phenome-wide-style gene-burden scan of binary traits.
#
#   gwas   two case/control traits with 10 covariates (sex, age, PC1-8), one
#          pass each run: b01 ~1% cases (t2d, every tenth case kept) and b05
#          ~5% cases (cad, every sixth case dropped, as bench/gwas.sh):
#            duet gwas --binary --logistic MODE, for every MODE that
#              `duet gwas -h` lists (score/wald/firth today; auto/spa/firth/
#              wald once issue 9 lands), the default marked;
#            plink2 --glm firth-fallback and plink2 --glm firth;
#          ratios: plink2 / duet (wall, CPU, peak memory) and each mode / the
#          default mode.
#   burden a phenome-wide-style scan: BINARY_BURDEN_TRAITS (10) null
#          case/control traits, prevalences log-spaced from 0.5% to 10%
#          (Park-Miller draws in awk, seed 1, independent of genotype), every
#          gene, masks BINARY_BURDEN_MASKS (M2 = pLoF + missense) of the
#          cohort's masks.txt, bins 0.01 and all, all five tests:
#            default mode, each --logistic mode where `duet burden -h` has
#            the option (else --firth), and --quantitative (linear on 0/1:
#            the same scan without the case/control machinery);
#          time per gene x trait, and binary / linear.
# Wall time, CPU time and peak memory come from /usr/bin/time -v; timings
# are reported, never asserted.  No regenie: it is not packaged in Debian.
#
# Sizes: COHORT is a `duet simulate` folder (bench/run.sh passes
# bench/data/sim_20000x50000).  Without it, BINARY_SAMPLES x BINARY_VARIANTS
# (20000 x 50000) are simulated (seed 1) into bench/data/sim_SxV, the folder
# bench/run.sh would use.  Other knobs: BINARY_MODES (comma list, default
# every listed mode), BINARY_PLINK2 (the --glm modifiers to run, default
# firth-fallback,firth; 0 skips plink2), BINARY_BURDEN=0 (skip the burden
# scan), THREADS (2).
#   BINARY_SAMPLES=5000 BINARY_VARIANTS=10000 bench/binary.sh    # small
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
THREADS=${THREADS:-2}
for tool in bcftools /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench/binary.sh: $tool is missing (tools/install-deps.sh)" >&2; exit 1; }
done
plink=${BINARY_PLINK2:-firth-fallback,firth}
if [ "$plink" != 0 ] && ! command -v plink2 >/dev/null; then
    echo "bench/binary.sh: plink2 is missing (tools/install-deps.sh); BINARY_PLINK2=0 skips it" >&2; exit 1
fi
COHORT=${1:-}
if [ -z "$COHORT" ]; then
    s=${BINARY_SAMPLES:-20000} v=${BINARY_VARIANTS:-50000}
    COHORT=$TOP/bench/data/sim_${s}x${v}
    if [ ! -d "$COHORT" ]; then
        mkdir -p "$TOP/bench/data"
        echo "== simulating $s samples x $v variants"
        "$DUET" simulate --samples "$s" --variants "$v" --threads "$THREADS" --seed 1 -o "$COHORT" --quiet
    fi
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-binary.XXXXXX")
trap 'rm -rf "$W"' EXIT
BCF=$COHORT/genotypes.bcf
COVARS=sex,age,PC1,PC2,PC3,PC4,PC5,PC6,PC7,PC8

# inputs: one covariate and one phenotype table for both tools (#IID header)
awk 'BEGIN { FS = OFS = "\t" } NR==1 { $1 = "#IID" } 1' "$COHORT/covar.tsv" >"$W/covar.tsv"
awk 'BEGIN { FS = OFS = "\t" }
     NR==1 { for (i = 2; i <= NF; i++) col[$i] = i; print "#IID", "b01", "b05"; next }
     { t = $(col["t2d"]); if (t == 1 && ++nt % 10 != 0) t = 0
       c = $(col["cad"]); if (c == 1 && ++nc % 6 == 0) c = 0
       print $1, t, c }' "$COHORT/pheno.tsv" >"$W/pheno.tsv"
n_samples=$(($(wc -l <"$W/covar.tsv") - 1))
n_records=$(bcftools index -n "$BCF" 2>/dev/null || echo "?")
prev() { awk -F'\t' -v j="$1" 'NR>1 && $j != "NA" { n++; c += $j } END { printf "%.2f%% (%d cases)", 100 * c / n, c }' "$W/pheno.tsv"; }
echo "cohort: $COHORT ($n_samples samples, $n_records records); b01 $(prev 2), b05 $(prev 3); $THREADS threads"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for p in regenie; do
    if [ -z "$(apt-cache policy "$p" 2>/dev/null)" ]; then echo "peer: $p is not in Debian; not run"; fi
done

# run NAME CMD...: time one command (wall, user+sys, peak KB); a failure is
# reported and the benchmark goes on without that row
declare -A WALL CPU MEM
run() {
    local name=$1; shift
    if ! /usr/bin/time -v -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err"; then
        printf '%-26s failed (exit status in %s):\n' "$name" "$W/$name.err"
        grep -v '^\s' "$W/$name.err" | tail -3 | sed 's/^/    /'
        return 1
    fi
    local wall user sys mem
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$W/$name.time")
    user=$(awk -F': ' '/User time/ { print $2 }' "$W/$name.time")
    sys=$(awk -F': ' '/System time/ { print $2 }' "$W/$name.time")
    mem=$(awk -F': ' '/Maximum resident/ { print $2 }' "$W/$name.time")
    WALL[$name]=$wall
    CPU[$name]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    MEM[$name]=$mem
    printf '%-26s %9.2f s wall %9.2f s cpu %7.0f MB peak\n' "$name" "$wall" "${CPU[$name]}" "$((mem / 1024))"
}
ratio() { # A B: A / B, or "-" when either is missing
    if [ -n "${1:-}" ] && [ -n "${2:-}" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
    else echo "-"; fi
}
# modes CMD: the --logistic modes that `duet CMD -h` lists (a mode word
# before "(", ",", "|" or "[", or after "|": "score (Firth below ...)",
# "auto|spa|firth|wald"; not "saddlepoint score test"), and its default
help_block() { "$DUET" "$1" -h 2>&1 | awk '/^ *--logistic/ { on = 1; print; next } on && /^ *-/ { exit } on'; }
modes() {
    local block m out=
    block=$(help_block "$1")
    for m in auto spa score firth wald; do
        echo "$block" | grep -Eq -- "(^|[ |:])$m *[(,|[]|[|]$m([^a-z]|$)" && out="$out${out:+,}$m"
    done
    echo "$out"
}
default_mode() { help_block "$1" | grep -o '\[[a-z]*\]' | tail -1 | tr -d '[]'; }

echo
echo "== gwas: b01 and b05, $COVARS"
gmodes=${BINARY_MODES:-$(modes gwas)}
gdefault=$(default_mode gwas)
[ -n "$gmodes" ] || { echo "duet gwas -h lists no --logistic modes; default only"; gmodes=default; }
echo "duet gwas --logistic modes: $gmodes (default: ${gdefault:-?})"
for m in ${gmodes//,/ }; do
    opt=(--logistic "$m"); [ "$m" = default ] && opt=()
    run "duet_$m" "$DUET" gwas --vcf "$BCF" --pheno "$W/pheno.tsv" --pheno-name b01,b05 --binary "${opt[@]}" \
        --covar "$W/covar.tsv" --covar-name "$COVARS" --threads "$THREADS" -o "$W/duet_$m" --quiet || continue
    # the per-trait summary: the model and how many rows each test produced
    awk '/^trait\tmodel/ { on = 1 } /^top hits/ || /^lambda_gc:/ { on = 0 } on' "$W/duet_$m.log" | column -t -s "$(printf '\t')" |
        sed 's/^/    /'
    rm -f "$W/duet_$m".*.gwas.*
done
if [ "$plink" != 0 ]; then
    for mod in ${plink//,/ }; do
        run "plink2_$mod" plink2 --bcf "$BCF" --pheno "$W/pheno.tsv" --1 --pheno-name b01,b05 \
            --covar "$W/covar.tsv" --covar-name "$COVARS" --covar-variance-standardize \
            --glm "$mod" omit-ref hide-covar --threads "$THREADS" --out "$W/plink2_$mod" || true
        rm -f "$W/plink2_$mod"-temporary.* "$W/plink2_$mod".*.glm.*
    done
fi
echo
echo "ratios, wall (cpu) time; > 1 means duet is faster (a loaded machine stretches wall times; cpu is steadier)"
printf '  %-16s %-22s %-22s %-16s %s\n' "duet mode" "plink2 firth-fallback" "plink2 firth" "peak memory" "duet mode / default"
printf '  %-16s %-22s %-22s %-16s %s\n' "" "/ duet" "/ duet" "plink2 / duet" ""
for m in ${gmodes//,/ }; do
    [ -n "${WALL[duet_$m]:-}" ] || continue
    tag=$m; [ "$m" = "$gdefault" ] && tag="$m (default)"
    printf '  %-16s %-22s %-22s %-16s %s\n' "$tag" \
        "$(ratio "${WALL[plink2_firth-fallback]:-}" "${WALL[duet_$m]}") ($(ratio "${CPU[plink2_firth-fallback]:-}" "${CPU[duet_$m]}"))" \
        "$(ratio "${WALL[plink2_firth]:-}" "${WALL[duet_$m]}") ($(ratio "${CPU[plink2_firth]:-}" "${CPU[duet_$m]}"))" \
        "$(ratio "${MEM[plink2_firth-fallback]:-}" "${MEM[duet_$m]}")" \
        "$(ratio "${WALL[duet_$m]}" "${WALL[duet_$gdefault]:-}") ($(ratio "${CPU[duet_$m]}" "${CPU[duet_$gdefault]:-}"))"
done

[ "${BINARY_BURDEN:-1}" = 1 ] || exit 0
echo
K=${BINARY_BURDEN_TRAITS:-10}
masks=${BINARY_BURDEN_MASKS:-M2}
awk -F'\t' -v want="$masks" 'BEGIN { n = split(want, w, ","); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
     $1 in keep' "$COHORT/masks.txt" >"$W/masks.txt"
[ -s "$W/masks.txt" ] || { echo "bench/binary.sh: no mask of '$masks' in $COHORT/masks.txt" >&2; exit 1; }
# K null traits, prevalence 0.005 * 20^(k / (K - 1)); Park-Miller's minimal
# standard generator (exact in awk's doubles), so any awk gives the same draws
awk -v K="$K" 'BEGIN { FS = OFS = "\t"; x = 1 }
     function u() { x = (x * 16807) % 2147483647; return x / 2147483647 }
     NR == 1 { printf "IID"; for (k = 0; k < K; k++) {
                   pr[k] = 0.005 * 20 ^ (K > 1 ? k / (K - 1) : 0); printf "\tbp%02d", k + 1 }
               print ""; next }
     { printf "%s", $1; for (k = 0; k < K; k++) printf "\t%d", u() < pr[k]; print "" }' \
    "$COHORT/covar.tsv" >"$W/bpheno.tsv"
n_genes=$(grep -vc '^#' "$COHORT/setlist.tsv")
echo "== burden: $K null case/control traits (prevalence 0.5% .. 10%: $(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) c[i] += $i; n++ }
    END { for (i = 2; i <= NF; i++) printf "%s%.1f%%", (i > 2 ? " " : ""), 100 * c[i] / n }' "$W/bpheno.tsv")), $n_genes genes, masks $masks, bins 0.01 and all, all five tests"
burden() { # NAME OPTIONS...
    local name=$1; shift
    run "$name" "$DUET" burden --vcf "$BCF" --anno "$COHORT/annotations.tsv" --set-list "$COHORT/setlist.tsv" \
        --mask-def "$W/masks.txt" --pheno "$W/bpheno.tsv" "$@" --covar "$W/covar.tsv" --covar-name "$COVARS" \
        --threads "$THREADS" -o "$W/$name" --quiet || return 0
    local tested
    tested=$(awk '/^genes:/ { print $7 }' "$W/$name.log")
    printf '    %s genes x %s traits; %.2f ms per gene x trait; %s\n' "$tested" "$K" \
        "$(awk -v w="${WALL[$name]}" -v g="$tested" -v k="$K" 'BEGIN { print 1000 * w / g / k }')" \
        "$(grep '^rows:' "$W/$name.log")"
    rm -f "$W/$name".burden.*
}
burden burden_linear --quantitative
burden burden_default --binary
bmodes=$(modes burden)
if [ -n "$bmodes" ]; then
    bdefault=$(default_mode burden)
    for m in ${bmodes//,/ }; do
        [ "$m" = "$bdefault" ] && continue
        burden "burden_$m" --binary --logistic "$m"
    done
else
    echo "    (duet burden has no --logistic; its other mode is --firth)"
    burden burden_firth --binary --firth
fi
echo
echo "burden ratios, wall (cpu) time"
blist="burden_default ${bmodes:+$(printf 'burden_%s ' ${bmodes//,/ })}"
[ -n "$bmodes" ] || blist="$blist burden_firth"
for n in $blist; do
    [ -n "${WALL[$n]:-}" ] || continue
    printf '  %-16s / linear on the same 0/1 traits: %s (%s)\n' "${n#burden_}" \
        "$(ratio "${WALL[$n]}" "${WALL[burden_linear]:-}")" "$(ratio "${CPU[$n]}" "${CPU[burden_linear]:-}")"
done
