# tests/ref/burden_null.sh -- calibration of duet burden's tests under the
# null: LDL of a simulated cohort permuted across samples (Python's random,
# fixed seed), so that no gene is associated; one mask (all classes) in the
# AAF <= 0.01 bin, one row per gene and test.  For SKAT, SKAT-O, ACAT-V,
# ACAT-O and burden, the p-values of the genes (about 200) must look
# uniform: Kolmogorov-Smirnov D below its 1% critical value 1.63 / sqrt(n),
# and the count below 0.05 within 3 binomial standard deviations of n/20.
. "$TOP/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { t_fail "python3 is not installed"; exit 0; }
cd "$WORK" || exit 1
"$DUET" simulate --samples 800 --variants 3000 --seed 17 -o coh --quiet || { t_fail "simulate"; exit 1; }
python3 - <<'PY'
import random
rows = [l.rstrip("\n").split("\t") for l in open("coh/pheno.tsv")]
hdr, body = rows[0], rows[1:]
j = hdr.index("ldl")
vals = [r[j] for r in body]
random.Random(20240601).shuffle(vals)
with open("perm.tsv", "w") as f:
    f.write("IID\tldl_perm\n")
    for r, v in zip(body, vals):
        f.write(r[0] + "\t" + v + "\n")
PY
printf 'ALL\tpLoF,missense,synonymous\n' >mask_all.txt
t_run "duet burden on the permuted trait" 0 "$DUET" burden --vcf coh/genotypes.bcf --anno coh/annotations.tsv \
    --set-list coh/setlist.tsv --mask-def mask_all.txt --pheno perm.tsv --covar coh/covar.tsv \
    --covar-name sex,age,PC1,PC2 --threads 2 -o null --quiet
zcat null.burden.tsv.gz | awk -F'\t' 'NR > 1 && $4 == "0.01"' >rows.tsv
for test in burden skat skato acatv acato; do
    res=$(awk -F'\t' -v t=$test '$7 == t && $10 != "NA" { print $10 }' rows.tsv | python3 -c '
import sys, math
p = sorted(float(x) for x in sys.stdin)
n = len(p)
d = max(max((i + 1) / n - x, x - i / n) for i, x in enumerate(p)) if n else 1
k = sum(x < 0.05 for x in p)
print(n, "%.4f" % d, "%.4f" % (1.63 / math.sqrt(max(n, 1))), k, "%.1f" % (n * 0.05 - 3 * math.sqrt(n * 0.05 * 0.95)), "%.1f" % (n * 0.05 + 3 * math.sqrt(n * 0.05 * 0.95)))')
    read -r n d crit k lo hi <<<"$res"
    t_ok "$test: p-values of $n genes" '[ "$n" -ge 150 ]'
    t_ok "$test: KS D = $d below $crit" "awk 'BEGIN { exit !($d < $crit) }'"
    t_ok "$test: $k below 0.05, within [$lo, $hi]" "awk 'BEGIN { exit !($k >= $lo && $k <= $hi) }'"
done
