#!/usr/bin/env bash
# bench/phewas.sh -- `duet phewas` of one variant across the whole phecode 1.2
# phenome of a 100,000-person store, against the way it is done in R: the
# person x phecode table written by `duet pheno`, the variant's genotypes
# from `bcftools query`, and a loop of glm(y ~ g + sex + age, family =
# binomial) over every phecode with >= 20 cases and >= 20 controls (the rule
# duet phewas applies).  Both run in the same invocation; the script prints
# a markdown table of wall times and peak memory, the ratio R loop / duet
# (target >= 50), and how far the two agree: duet's default case/control
# policy (score, saddlepoint, exact, Firth LRT) is timed, and a second run
# with --logistic wald (maximum likelihood and Wald z, glm's test, with R's
# covariate numbers) is timed and compared with R row by row.
#
#   bench/phewas.sh [COHORT_DIR]     (COHORT_DIR, from bench/run.sh, is not used)
#
# The cohort is its own: `duet simulate --samples PHEWAS_BENCH_SAMPLES
# (100000) --variants 500 --seed 1`, imported into a store and mapped with
# `duet phecode`, kept in bench/data/phewas/ between runs (delete the folder
# to rebuild it).  Its background phenome gives ~1,700 null phecodes around
# the five planted diseases (man duet-simulate).  The variant is the planted
# t2d variant with the largest effect in truth.tsv (TCF7L2-like).  Missing
# genotypes are mean-imputed on both sides.  Timings are reported, never
# asserted.  PHEWAS_BENCH_DRY=1 skips `duet phewas` (for a build without it).
#
# The R loop is what a user writes: glm's default convergence (epsilon
# 1e-8) stops one IRLS step early on some rare phecodes, leaving R's SE (and
# p) up to ~1e-4 (~1e-3) relative from the converged fit; with epsilon =
# 1e-12 R matches duet to print precision (as tests/ref/phewas_glm.sh
# checks).  The largest relative p difference printed is that effect.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
samples=${PHEWAS_BENCH_SAMPLES:-100000}
variants=500
THREADS=2
dry=${PHEWAS_BENCH_DRY:-0}
for tool in bcftools Rscript python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench/phewas.sh: $tool is missing (tools/install-deps.sh)" >&2; exit 1; }
done
if [ "$dry" != 1 ] && ! "$DUET" --commands | grep -qx phewas; then
    echo "bench/phewas.sh: this duet has no phewas command (PHEWAS_BENCH_DRY=1 runs the rest)" >&2
    exit 1
fi
data=$TOP/bench/data/phewas
[ "$samples" = 100000 ] || data=${data}_$samples
cohort=$data/cohort
db=$data/store.db
mkdir -p "$data"
W=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-phewas.XXXXXX")
trap 'rm -rf "$W"' EXIT

# run NAME CMD...: time one command (wall, peak KB) with /usr/bin/time
declare -A WALL MEM
run() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || {
        echo "bench/phewas.sh: $name failed:" >&2; tail -5 "$W/$name.err" >&2; exit 1; }
    read -r wall mem <"$W/$name.time"
    WALL[$name]=$wall
    MEM[$name]=$((mem / 1024))
}

# ---------------------------------------------------------------- the cohort
cached="cached"
if [ ! -f "$data/ready" ]; then
    cached="built now"
    rm -rf "$cohort" "$db"
    echo "building $data: duet simulate --samples $samples --variants $variants, store import, phecode"
    run simulate "$DUET" simulate --samples "$samples" --variants "$variants" --seed 1 --threads "$THREADS" \
        --quiet -o "$cohort"
    "$DUET" store init --db "$db" --quiet
    run import "$DUET" store import --db "$db" --threads "$THREADS" --quiet "$cohort/omop"
    run phecode "$DUET" phecode --db "$db" --quiet
    {
        echo "simulate ${WALL[simulate]} ${MEM[simulate]}"
        echo "import ${WALL[import]} ${MEM[import]}"
        echo "phecode ${WALL[phecode]} ${MEM[phecode]}"
    } >"$data/setup.times"
    touch "$data/ready"
fi
while read -r name wall mem; do WALL[$name]=$wall; MEM[$name]=$mem; done <"$data/setup.times"
BCF=$cohort/genotypes.bcf
variant=$(awk -F'\t' '$1 == "t2d" && $3 == "variant" { e = $6 < 0 ? -$6 : $6; if (e > best) { best = e; id = $4; g = $5; b = $6 } }
    END { print id }' "$cohort/truth.tsv")
gene=$(awk -F'\t' -v v="$variant" '$1 == "t2d" && $4 == v { print $5 " (planted log-OR " $6 ")" }' "$cohort/truth.tsv")
rows=$(awk -F'\t' '$4 == "condition_rows" { print $9 }' "$cohort/truth.tsv")
n20=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT phecode FROM duet_person_phecode WHERE version = '1.2'
    AND n_dates >= 2 GROUP BY phecode HAVING count(*) >= 20)")
echo "cohort: $cohort ($samples persons, $variants variants, $rows condition rows; $cached)"
echo "variant: $variant, t2d, $gene; phecodes with >= 20 cases: $n20; $THREADS threads"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- duet phewas
if [ "$dry" != 1 ]; then
    run phewas "$DUET" phewas --vcf "$BCF" --variant "$variant" --db "$db" --threads "$THREADS" \
        --quiet -o "$W/duet"
fi

# ---------------------------------------------------------------- the R peer
run pheno "$DUET" pheno --db "$db" --quiet -o "$W/peer"
run query bcftools query -i "ID==\"$variant\"" -f '[%SAMPLE\t%GT\n]' -o "$W/g.tsv" "$BCF"
cat >"$W/peer.R" <<'EOF'
# The person x phecode table, the variant's genotypes (mean-imputed where
# missing) and sex + age; glm for every phecode with >= 20 cases and >= 20
# controls.  Prints the loop's and the whole script's elapsed seconds.
args <- commandArgs(TRUE)
t_all <- system.time({
    hdr <- scan(args[1], what = "", sep = "\t", nlines = 1, quiet = TRUE)
    ph <- read.delim(args[1], colClasses = c("character", rep("integer", length(hdr) - 1)),
                     check.names = FALSE)
    cv <- read.delim(args[2], check.names = FALSE, colClasses = c(IID = "character"))
    gt <- read.delim(args[3], header = FALSE, col.names = c("IID", "GT"), colClasses = "character")
    a1 <- substr(gt$GT, 1, 1); a2 <- substr(gt$GT, 3, 3)
    dose <- ifelse(a1 == "." | a2 == ".", NA, as.integer(a1 == "1") + as.integer(a2 == "1"))
    dose[is.na(dose)] <- mean(dose, na.rm = TRUE)
    ids <- intersect(ph$IID, gt$IID)
    ph <- ph[match(ids, ph$IID), ]
    g <- dose[match(ids, gt$IID)]
    sex <- cv$sex[match(ids, cv$IID)]
    age <- cv$age[match(ids, cv$IID)]
    traits <- Filter(function(t) sum(ph[[t]] == 1, na.rm = TRUE) >= 20 && sum(ph[[t]] == 0, na.rm = TRUE) >= 20,
                     hdr[-1])
    t_loop <- system.time(res <- do.call(rbind, lapply(traits, function(t) {
        d <- data.frame(y = ph[[t]], g = g, sex = sex, age = age)
        f <- glm(y ~ g + sex + age, family = binomial, data = d)
        s <- summary(f)$coefficients
        data.frame(phecode = t, n_cases = sum(d$y == 1, na.rm = TRUE), n_controls = sum(d$y == 0, na.rm = TRUE),
                   beta = s["g", 1], se = s["g", 2], p = s["g", 4], converged = f$converged,
                   separated = any(f$fitted.values < 1e-10 | f$fitted.values > 1 - 1e-10))
    })))
    write.table(res, args[4], sep = "\t", quote = FALSE, row.names = FALSE)
})
cat(sprintf("traits %d samples %d loop %.2f all %.2f\n", length(traits), length(ids), t_loop[["elapsed"]],
            t_all[["elapsed"]]))
EOF
run R Rscript "$W/peer.R" "$W/peer.pheno.tsv" "$W/peer.covar.tsv" "$W/g.tsv" "$W/r.tsv"
# duet again with R's covariate numbers (covar.tsv rounds ages to 0.01 years),
# for the agreement check only
if [ "$dry" != 1 ]; then
    run phewas_same "$DUET" phewas --vcf "$BCF" --variant "$variant" --db "$db" --threads "$THREADS" \
        --store-covars '' --covar "$W/peer.covar.tsv" --covar-name sex,age --logistic wald \
        --quiet -o "$W/same"
fi
read -r _ r_traits _ r_samples _ r_loop _ r_all <"$W/R.out"

# ---------------------------------------------------------------- agreement
agree="(no duet phewas run)"
n_duet="-"
if [ "$dry" != 1 ]; then
    cat >"$W/agree.py" <<'EOF'
import csv, gzip, sys
duet = {}
with gzip.open(sys.argv[1], "rt") as f:
    rows = csv.DictReader((l for l in f if not l.startswith("#")), delimiter="\t")
    for r in rows:
        duet[r["phecode"]] = r
peer = {r["phecode"]: r for r in csv.DictReader(open(sys.argv[2]), delimiter="\t")}
def num(x):
    try:
        return float(x)
    except ValueError:
        return float("nan")
# wald rows with an estimate on both sides, where glm converged without
# separation (fitted probabilities 0 or 1, as for a phecode whose cases are
# all of one sex: no maximum-likelihood estimate exists and two programs
# stop at different points); p compared where R's p is a normal double
# (R's glm underflows to 0 below ~1e-308, duet does not)
separated = sorted(p for p, r in peer.items() if r["separated"] == "TRUE" or r["converged"] != "TRUE")
wald = [p for p, r in duet.items() if r["test"] == "wald" and r["errcode"] == "NA" and p in peer
        and p not in separated
        and num(r["beta"]) == num(r["beta"]) and num(peer[p]["beta"]) == num(peer[p]["beta"])]
db = max((abs(num(duet[p]["beta"]) - num(peer[p]["beta"])) for p in wald), default=float("nan"))
dp, at = max(((abs(num(duet[p]["p_value"]) - num(peer[p]["p"])) / num(peer[p]["p"]), p) for p in wald
              if num(peer[p]["p"]) > 1e-300), default=(float("nan"), "NA"))
at = "%s(p=%s)" % (at, duet[at]["p_value"]) if at in duet else at
only_duet = sorted(set(duet) - set(peer))
only_peer = sorted(set(peer) - set(duet))
def count(x):
    return int(x) if x.isdigit() else None
bad_n = [p for p in duet if p in peer and None not in (count(duet[p]["n_cases"]), count(duet[p]["n_controls"]))
         and (count(duet[p]["n_cases"]), count(duet[p]["n_controls"])) != (int(peer[p]["n_cases"]), int(peer[p]["n_controls"]))]
tests = {}
for r in duet.values():
    tests[r["test"]] = tests.get(r["test"], 0) + 1
print("%d %d %d %.3g %.3g %s %s %s %d %s %s" % (len(duet), len(peer), len(wald), db, dp, at,
                                      ",".join(only_duet) or "none", ",".join(only_peer) or "none",
                                      len(bad_n), ",".join("%s:%d" % kv for kv in sorted(tests.items())),
                                      ",".join(separated) or "none"))
EOF
    read -r n_duet n_peer n_wald max_db max_dp max_dp_at only_duet only_peer bad_n tests separated \
        <<<"$(python3 "$W/agree.py" "$W/same.phewas.tsv.gz" "$W/r.tsv")"
    agree="over the $n_wald phecodes where duet's test is wald: max |beta difference| $max_db, max relative p difference $max_dp (at $max_dp_at)"
    read -r _ _ n_wald2 max_db2 max_dp2 max_dp_at2 _ <<<"$(python3 "$W/agree.py" "$W/duet.phewas.tsv.gz" "$W/r.tsv")"
    agree2="the timed run (sex, age from the store, ages unrounded) against R: max |beta difference| $max_db2, max relative p difference $max_dp2 (at $max_dp_at2)"
fi

# ---------------------------------------------------------------- the report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo
echo "| step | tool | traits | wall s | peak MB |"
echo "|---|---|---:|---:|---:|"
echo "| setup: simulate $samples x $variants (--threads $THREADS) | duet simulate | | ${WALL[simulate]} | ${MEM[simulate]} |"
echo "| setup: import the OMOP export ($rows condition rows) | duet store import | | ${WALL[import]} | ${MEM[import]} |"
echo "| setup: phecodes 1.2 | duet phecode | | ${WALL[phecode]} | ${MEM[phecode]} |"
if [ "$dry" != 1 ]; then
    echo "| **PheWAS: 1 variant x every phecode, --threads $THREADS** | **duet phewas** | $n_duet | **${WALL[phewas]}** | ${MEM[phewas]} |"
    echo "| --logistic wald (glm's test; covariates from covar.tsv, the agreement run) | duet phewas | $n_duet | ${WALL[phewas_same]} | ${MEM[phewas_same]} |"
fi
echo "| peer input: person x phecode table + sex, age | duet pheno | | ${WALL[pheno]} | ${MEM[pheno]} |"
echo "| peer input: the variant's genotypes | bcftools query | | ${WALL[query]} | ${MEM[query]} |"
echo "| **peer: glm loop alone (system.time)** | **R** | $r_traits | **$r_loop** | |"
echo "| peer: whole R script (read tables + loop) | R | $r_traits | $r_all | ${MEM[R]} |"
echo
if [ "$dry" != 1 ]; then
    peer_total=$(awk -v a="${WALL[pheno]}" -v b="${WALL[query]}" -v c="${WALL[R]}" 'BEGIN { print a + b + c }')
    echo "ratios (wall time; > 1 means duet is faster, the target in brackets)"
    echo "  R glm loop / duet phewas: $(ratio "$r_loop" "${WALL[phewas]}")   [>= 50]"
    echo "  R glm loop / duet phewas --logistic wald (the same test): $(ratio "$r_loop" "${WALL[phewas_same]}")"
    echo "  R pipeline (duet pheno + bcftools + whole R script) / duet phewas: $(ratio "$peer_total" "${WALL[phewas]}")"
    echo "agreement: $agree"
    echo "  duet tests: $tests; phecodes tested by duet only: $only_duet; by R only: $only_peer"
    echo "  (duet run with --covar on duet pheno's covar.tsv, the numbers R fits; left out, R's fit separated"
    echo "  or not converged: $separated)"
    echo "  $agree2"
    echo "  phecodes whose case/control counts differ (where duet writes them): $bad_n"
else
    echo "dry run (PHEWAS_BENCH_DRY=1): duet phewas not run; R: $r_traits phecodes, $r_samples samples"
fi
