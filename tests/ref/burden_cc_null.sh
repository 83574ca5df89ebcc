# tests/ref/burden_cc_null.sh -- calibration of duet burden's tests of
# case/control traits under the null (issue 9): random case/control status
# (Python's random, fixed seed) at 1% prevalence (about 40 cases of 4,000)
# and at 30%, on a simulated cohort; one mask (all classes), the default
# bins.  For SKAT, SKAT-O, ACAT-V and ACAT-O the number of p-values below
# 1e-2 and 1e-3 must not exceed the 99.9% Poisson quantile of its expected
# count (conservative is allowed); at 1% prevalence the exact and
# saddlepoint-adjusted tests (genetest.h) carry that, where the asymptotic
# ones gave 13-27x the expected count at 1e-3.  The burden regression row
# comes from the scan engine (bintest.h); its counts are printed, not
# checked here.
. "$TOP/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { t_fail "python3 is not installed"; exit 0; }
cd "$WORK" || exit 1
"$DUET" simulate --samples 4000 --variants 6000 --seed 5 --threads 2 -o coh --quiet || { t_fail "simulate"; exit 1; }
python3 - <<'PY'
import random
rows = [l.rstrip("\n").split("\t") for l in open("coh/pheno.tsv")]
ids = [r[0] for r in rows[1:]]
rng = random.Random(20261203)
names = ["lo%d" % i for i in range(3)] + ["hi%d" % i for i in range(2)]
cols = [[1 if rng.random() < (0.01 if nm.startswith("lo") else 0.30) else 0 for _ in ids] for nm in names]
with open("cc.tsv", "w") as f:
    f.write("IID\t" + "\t".join(names) + "\n")
    for k, iid in enumerate(ids):
        f.write(iid + "\t" + "\t".join(str(c[k]) for c in cols) + "\n")
PY
printf 'ALL\tpLoF,missense,synonymous\n' >mask_all.txt
t_run "duet burden on random case/control traits" 0 "$DUET" burden --vcf coh/genotypes.bcf \
    --anno coh/annotations.tsv --set-list coh/setlist.tsv --mask-def mask_all.txt --pheno cc.tsv \
    --binary --covar coh/covar.tsv --covar-name sex,age,PC1,PC2 --threads 2 -o null --quiet
grep '^case/control SKAT' null.log | sed 's/^/# /'
zcat null.burden.tsv.gz | awk -F'\t' 'NR > 1 && $10 != "NA" { print substr($1, 1, 2), $7, $10 }' >p.txt
python3 - <<'PY' >calib.txt
import math
def qpois(mean, q=0.999):
    k, term = 0, math.exp(-mean)
    cum = term
    while cum < q:
        k += 1
        term *= mean / k
        cum += term
    return k
counts = {}
for line in open("p.txt"):
    grp, test, p = line.split()
    c = counts.setdefault((grp, test), [0, 0, 0])
    p = float(p)
    c[0] += 1; c[1] += p < 1e-2; c[2] += p < 1e-3
for (grp, test), (n, a, b) in sorted(counts.items()):
    print(grp, test, n, a, "%.1f" % (n * 1e-2), qpois(n * 1e-2), b, "%.1f" % (n * 1e-3), qpois(n * 1e-3))
PY
while read -r grp test n a ea qa b eb qb; do
    prev=$([ "$grp" = lo ] && echo 1% || echo 30%)
    echo "# $prev $test: $n genes; p < 1e-2: $a (expected $ea, $(awk -v a=$a -v e=$ea 'BEGIN { printf "%.2f", a / e }')x); p < 1e-3: $b (expected $eb, $(awk -v a=$b -v e=$eb 'BEGIN { printf "%.2f", a / e }')x)"
    [ "$test" = burden ] && continue
    t_ok "$prev $test: $n p-values" '[ "$n" -ge 1000 ]'
    t_ok "$prev $test: $a below 1e-2, at most $qa" '[ "$a" -le "$qa" ]'
    t_ok "$prev $test: $b below 1e-3, at most $qb" '[ "$b" -le "$qb" ]'
done <calib.txt
