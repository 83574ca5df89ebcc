# tests/cli/prs_bayes.sh -- `duet prs bayes`: a small GWAS (duet gwas on a
# generated trait) turned into weights with LD built on the fly and from a
# duet ld file (identical), expected weights, identical bytes for --threads
# 1 and 2, allele swaps flipping signs, --n on a file without n, --phi
# fixed, the trace and log; the documented exit codes with nothing left
# behind; and an accuracy check on a simulated cohort (GWAS and LD on one
# half, scored with plink2 --score on the other half): the Bayesian score
# predicts bmi better than the genome-wide-significant variants do.
. "$TOP/tests/lib.sh"
EXP=$TOP/tests/expected/prs_bayes
# TEMPORARY spelling until bayes is wired into `duet prs`: then "$DUET prs bayes"
BAYES="$DUET prs bayes"
mkdir -p "$WORK/o"

# 1500 samples; chr1 30 and chr2 20 variants in LD runs; 8 causal variants.
python3 - "$WORK/ref.vcf" "$WORK/pheno.tsv" <<'PY'
import random, sys
random.seed(5)
n = 1500
vcf = open(sys.argv[1], 'w')
vcf.write('##fileformat=VCFv4.2\n##contig=<ID=1,length=10000000>\n##contig=<ID=2,length=10000000>\n')
vcf.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
vcf.write('#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t' + '\t'.join('S%03d' % i for i in range(n)) + '\n')
y = [random.gauss(0, 1) for _ in range(n)]
causal = {3: 0.35, 9: -0.3, 14: 0.25, 22: 0.3, 31: -0.35, 37: 0.25, 44: 0.3, 48: -0.25}
k = 0
for chrom, count in (('1', 30), ('2', 20)):
    hap = [[random.random() < 0.3 for _ in range(2)] for _ in range(n)]
    pos = 10000
    for _ in range(count):
        pos += random.randint(2000, 20000)
        af = random.choice([0.15, 0.3, 0.45])
        for h in hap:
            for a in range(2):
                if random.random() < 0.2:
                    h[a] = random.random() < af
        ref, alt = random.sample('ACGT', 2)
        vcf.write('%s\t%d\tv%d\t%s\t%s\t.\t.\t.\tGT\t%s\n' % (chrom, pos, k, ref, alt,
                  '\t'.join('%d|%d' % (h[0], h[1]) for h in hap)))
        for i, h in enumerate(hap):
            y[i] += causal.get(k, 0) * (h[0] + h[1])
        k += 1
with open(sys.argv[2] + '.truth', 'w') as f:
    for j in range(k):
        f.write('v%d\t%g\n' % (j, causal.get(j, 0)))
with open(sys.argv[2], 'w') as f:
    f.write('IID\ty\n')
    for i in range(n):
        f.write('S%03d\t%.6f\n' % (i, y[i]))
PY
bcftools view -Ob -o "$WORK/ref.bcf" "$WORK/ref.vcf" && bcftools index "$WORK/ref.bcf"
"$DUET" gwas --vcf "$WORK/ref.bcf" --pheno "$WORK/pheno.tsv" -o "$WORK/g" --no-version --quiet
SS=$WORK/g.y.gwas.tsv.gz
t_true "a GWAS to start from" [ -s "$SS" ]
FAST="--n-iter 300 --n-burnin 100 --thin 4 --seed 3"

# shellcheck disable=SC2086
t_run "prs bayes --vcf --ld-out" 0 $BAYES --sumstats "$SS" --vcf "$WORK/ref.bcf" --window-variants 12 \
    --ld-out "$WORK/o/ref" $FAST -o "$WORK/o/a"
t_grep "log: 50 matched" '^matched: 50$' "$WORK/o/a.log"
t_grep "log: posterior mean of h2" '^posterior_mean_h2: [0-9.e-]+$' "$WORK/o/a.log"
t_true "--ld-out kept the LD reference" [ -s "$WORK/o/ref.ld.zst" ]
t_true "no temporary LD file left" [ ! -e "$WORK/o/a.bayes.tmp-ld.zst" ]
zcat "$WORK/o/a.bayes.weights.tsv.gz" >"$WORK/a.w"
t_grep "weights: provenance line" '^## command: duet ' "$WORK/a.w"
t_grep "weights: duet weights header" '^chromosome	base_pair_location	variant_id	effect_allele	other_allele	bayes$' "$WORK/a.w"
t_ok "weights: 50 rows, decimal numbers only" \
    "[ \$(grep -v '^#' '$WORK/a.w' | tail -n +2 | awk -F'\t' '\$6 ~ /^-?[0-9.]+(e[-+][0-9]+)?\$/' | wc -l) -eq 50 ]"
t_ok "trace: (300 - 100) / 4 = 50 kept iterations" \
    "[ \$(grep -v '^#' '$WORK/o/a.bayes.trace.tsv' | tail -n +2 | wc -l) -eq 50 ]"
t_grep "trace header" '^iteration	phi	h2	sigma2$' "$WORK/o/a.bayes.trace.tsv"
# The weights follow the planted effects (r > 0.7 over the 50 variants; the
# marginal GWAS betas, blurred by LD, are the baseline).
python3 - "$WORK/pheno.tsv.truth" "$WORK/a.w" "$SS" >"$WORK/truth_r.txt" <<'PY'
import gzip, math, sys
truth = dict(l.split() for l in open(sys.argv[1]))
def corr(pairs):
    n = len(pairs); mx = sum(a for a, _ in pairs) / n; my = sum(b for _, b in pairs) / n
    sxy = sum((a - mx) * (b - my) for a, b in pairs)
    return sxy / math.sqrt(sum((a - mx) ** 2 for a, _ in pairs) * sum((b - my) ** 2 for _, b in pairs))
w = []
for line in open(sys.argv[2]):
    f = line.rstrip('\n').split('\t')
    if line.startswith('#') or f[0] == 'chromosome':
        continue
    w.append((float(f[5]), float(truth[f[2]])))
print('r_weights %.4f' % corr(w))
PY
t_ok "the weights follow the planted effects (r > 0.7)" \
    "awk '{ exit !(\$2 > 0.7) }' '$WORK/truth_r.txt'"
echo "# $(cat "$WORK/truth_r.txt")"

# shellcheck disable=SC2086
t_run "prs bayes --ld FILE" 0 $BAYES --sumstats "$SS" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/b" --no-version
# shellcheck disable=SC2086
t_run "prs bayes --ld FILE --threads 2" 0 $BAYES --sumstats "$SS" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/b2" --no-version --threads 2
zcat "$WORK/o/b.bayes.weights.tsv.gz" >"$WORK/b.w"
zcat "$WORK/o/b2.bayes.weights.tsv.gz" >"$WORK/b2.w"
t_true "--threads 1 and 2: identical weights" cmp -s "$WORK/b.w" "$WORK/b2.w"
t_true "--threads 1 and 2: identical traces" cmp -s "$WORK/o/b.bayes.trace.tsv" "$WORK/o/b2.bayes.trace.tsv"
t_ok "--ld FILE gives the weights of the LD built on the fly" \
    "cmp -s <(grep -v '^##' '$WORK/a.w') <(grep -v '^##' '$WORK/b.w')"
t_expect "expected weights" "$EXP/small.weights.tsv" "$WORK/b.w"
t_expect "expected trace" "$EXP/small.trace.tsv" "$WORK/o/b.bayes.trace.tsv"
# shellcheck disable=SC2086
t_run "another --seed" 0 $BAYES --sumstats "$SS" --ld "$WORK/o/ref.ld.zst" --n-iter 300 --n-burnin 100 --thin 4 --seed 4 -o "$WORK/o/s4" --no-version
t_ok "another --seed gives other draws" "! cmp -s '$WORK/b.w' <(zcat '$WORK/o/s4.bayes.weights.tsv.gz')"

# Alleles swapped in the sumstats (and the sign of beta): same weights, signs flipped.
zcat "$SS" | awk -F'\t' -v OFS='\t' 'NR == 1 { print; next }
    { t = $3; $3 = $4; $4 = t; $5 = -$5; $8 = 1 - $8; u = $11; $11 = -$12; $12 = -u; print }' >"$WORK/swapped.tsv"
# shellcheck disable=SC2086
t_run "swapped alleles" 0 $BAYES --sumstats "$WORK/swapped.tsv" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/sw" --no-version
t_grep "log: 50 matched with swapped alleles" '^matched_swapped: 50$' "$WORK/o/sw.log"
t_ok "swapped alleles: effect allele swapped, weight negated" \
    "paste <(grep -v '^#' '$WORK/b.w' | tail -n +2) <(zcat '$WORK/o/sw.bayes.weights.tsv.gz' | grep -v '^#' | tail -n +2) |
     awk -F'\t' '{ if (\$4 != \$11 || \$5 != \$10 || \$6 + \$12 != 0) bad = 1 } END { exit bad }'"

# The same statistics as plink2 --glm writes them, and with "chr" prefixes: the same weights.
zcat "$SS" | awk -F'\t' -v OFS='\t' 'NR == 1 { print "#CHROM", "POS", "ID", "REF", "ALT", "A1", "TEST", "OBS_CT", "BETA", "SE", "T_STAT", "P"; next }
    { print $1, $2, $14, $4, $3, $3, "ADD", $16, $5, $7, $5 / $7, $9 }' >"$WORK/g.y.glm.linear"
# shellcheck disable=SC2086
t_run "plink2 --glm input" 0 $BAYES --sumstats "$WORK/g.y.glm.linear" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/pl" --no-version
t_ok "plink2 --glm input: the same weights" "cmp -s '$WORK/b.w' <(zcat '$WORK/o/pl.bayes.weights.tsv.gz')"
zcat "$SS" | awk -F'\t' -v OFS='\t' 'NR > 1 { $1 = "chr" $1 } { print }' >"$WORK/chr.tsv"
# shellcheck disable=SC2086
t_run "chr-prefixed chromosomes" 0 $BAYES --sumstats "$WORK/chr.tsv" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/chr" --no-version
t_ok "chr-prefixed chromosomes: the same weights" "cmp -s '$WORK/b.w' <(zcat '$WORK/o/chr.bayes.weights.tsv.gz')"

# No n column: --n required (exit 4), and --n N gives the same weights.
n_gwas=$(zcat "$SS" | awk -F'\t' 'NR == 2 { print $16 }')
zcat "$SS" | cut -f1-15,17- >"$WORK/no_n.tsv"
# shellcheck disable=SC2086
t_run "no n column and no --n: exit 4" 4 $BAYES --sumstats "$WORK/no_n.tsv" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/e_n"
t_grep "no n: the message says to give --n" 'give --n' "$WORK/err"
# shellcheck disable=SC2086
t_run "no n column, --n $n_gwas" 0 $BAYES --sumstats "$WORK/no_n.tsv" --n "$n_gwas" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/nn" --no-version
t_ok "--n on a file without n: the same weights" "cmp -s '$WORK/b.w' <(zcat '$WORK/o/nn.bayes.weights.tsv.gz')"

# Without standard errors: z from p and the sign of beta (PRS-CS's way).
# The p-values are t-test ones with 6 digits and the chain follows its
# input, so the weights agree closely, not to the last digit.
zcat "$SS" | cut -f1-6,8- >"$WORK/no_se.tsv"
# shellcheck disable=SC2086
t_run "no standard_error column: z from p" 0 $BAYES --sumstats "$WORK/no_se.tsv" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/nose" --no-version
paste <(grep -v '^#' "$WORK/b.w" | tail -n +2 | cut -f6) \
    <(zcat "$WORK/o/nose.bayes.weights.tsv.gz" | grep -v '^#' | tail -n +2 | cut -f6) |
    awk '{ n++; sx += $1; sy += $2; sxx += $1 * $1; syy += $2 * $2; sxy += $1 * $2 }
         END { printf "%.6f\n", (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy)) }' >"$WORK/nose.r"
echo "# weights from p vs from SE: r = $(cat "$WORK/nose.r")"
t_ok "no standard_error: weights correlate > 0.98 with the SE-based ones" "awk '{ exit !(\$1 > 0.98) }' '$WORK/nose.r'"

# --phi fixed: the trace's phi is constant
# shellcheck disable=SC2086
t_run "--phi 1e-4" 0 $BAYES --sumstats "$SS" --ld "$WORK/o/ref.ld.zst" --phi 1e-4 $FAST -o "$WORK/o/phi" --no-version
t_ok "--phi: every trace phi is 1e-4" \
    "tail -n +2 '$WORK/o/phi.bayes.trace.tsv' | awk -F'\t' '\$2 != 0.0001 { bad = 1 } END { exit bad || NR == 0 }'"
t_grep "--phi: the log says fixed" '^phi: fixed$' "$WORK/o/phi.log"

# Errors, with nothing left behind
zstd -dcq "$WORK/o/ref.ld.zst" >"$WORK/raw"
head -c $(($(stat -c %s "$WORK/o/ref.ld.zst") / 2)) "$WORK/o/ref.ld.zst" >"$WORK/trunc.ld.zst"
# shellcheck disable=SC2086
t_run "truncated LD file: exit 4" 4 $BAYES --sumstats "$SS" --ld "$WORK/trunc.ld.zst" $FAST -o "$WORK/o/e1"
t_grep "truncated LD file: said so" 'truncated|corrupted' "$WORK/err"
python3 -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b) // 2] ^= 0x20; open(sys.argv[2], 'wb').write(b)" \
    "$WORK/raw" "$WORK/corrupt.raw"
zstd -qf "$WORK/corrupt.raw" -o "$WORK/corrupt.ld.zst"
# shellcheck disable=SC2086
t_run "corrupted LD file (valid zstd, bad content): exit 4" 4 $BAYES --sumstats "$SS" --ld "$WORK/corrupt.ld.zst" $FAST -o "$WORK/o/e2"
t_grep "corrupted LD file: said so" 'corrupted' "$WORK/err"
zcat "$SS" | awk -F'\t' -v OFS='\t' 'NR > 1 { $1 = 7 } { print }' >"$WORK/chr7.tsv"
# shellcheck disable=SC2086
t_run "sumstats with no overlap: exit 5" 5 $BAYES --sumstats "$WORK/chr7.tsv" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/e3"
t_grep "no overlap: said so" 'no variant of .* matches' "$WORK/err"
# shellcheck disable=SC2086
t_run "existing outputs without --force: exit 7" 7 $BAYES --sumstats "$SS" --ld "$WORK/o/ref.ld.zst" $FAST -o "$WORK/o/b"
t_run "--ld and --vcf together: exit 2" 2 $BAYES --sumstats "$SS" --ld "$WORK/o/ref.ld.zst" --vcf "$WORK/ref.bcf" -o "$WORK/o/e4"
t_run "--blocks with --ld: exit 2" 2 $BAYES --sumstats "$SS" --ld "$WORK/o/ref.ld.zst" --window-kb 10 -o "$WORK/o/e5"
t_run "burn-in not below iterations: exit 2" 2 $BAYES --sumstats "$SS" --ld "$WORK/o/ref.ld.zst" --n-iter 10 --n-burnin 10 -o "$WORK/o/e6"
t_run "missing sumstats: exit 3" 3 $BAYES --sumstats "$WORK/none.tsv" --ld "$WORK/o/ref.ld.zst" -o "$WORK/o/e7"
t_true "failed runs wrote no output" [ -z "$(ls "$WORK/o" | grep -E '^e[0-9_]')" ]
t_no_partial "no temporaries left" "$WORK/o"

# Accuracy: a simulated cohort; GWAS of bmi and LD on the first half, the
# scores on the second half (plink2 --score, mean-imputed), correlated with bmi.
"$DUET" simulate --samples 4000 --variants 3000 --seed 9 --quiet --no-version -o "$WORK/sim"
bcftools query -l "$WORK/sim/genotypes.bcf" >"$WORK/all.txt"
head -2000 "$WORK/all.txt" >"$WORK/disc.txt"
tail -n +2001 "$WORK/all.txt" >"$WORK/test.txt"
"$DUET" gwas --vcf "$WORK/sim/genotypes.bcf" --pheno "$WORK/sim/pheno.tsv" --pheno-name bmi \
    --keep "$WORK/disc.txt" -o "$WORK/sg" --no-version --quiet
# shellcheck disable=SC2086
t_run "accuracy: prs bayes on the discovery half" 0 $BAYES --sumstats "$WORK/sg.bmi.gwas.tsv.gz" \
    --vcf "$WORK/sim/genotypes.bcf" --samples "$WORK/disc.txt" --window-variants 100 --maf 0.01 \
    --n-iter 400 --n-burnin 200 --seed 1 --threads 2 -o "$WORK/o/acc" --no-version
zcat "$WORK/o/acc.bayes.weights.tsv.gz" | tail -n +2 | cut -f3,4,6 >"$WORK/bayes.score"
# Thresholded scores of the GWAS betas (variant IDs of the BCF: chrom:pos:REF:ALT)
for t in 5e-8 1e-4 1e-3 1e-2; do
    zcat "$WORK/sg.bmi.gwas.tsv.gz" | awk -F'\t' -v t=$t 'NR > 1 && $9 != "#NA" && $9 < t {
        print $1 ":" $2 ":" $4 ":" $3 "\t" $3 "\t" $5 }' >"$WORK/p$t.score"
done
score() { # WEIGHTS OUT
    [ -s "$1" ] || return 0
    plink2 --bcf "$WORK/sim/genotypes.bcf" --keep "$WORK/test.txt" --score "$1" 1 2 3 cols=scoresums \
        --out "$2" >/dev/null 2>&1
}
score "$WORK/bayes.score" "$WORK/bayes"
for t in 5e-8 1e-4 1e-3 1e-2; do score "$WORK/p$t.score" "$WORK/p$t"; done
python3 - "$WORK/sim/pheno.tsv" "$WORK" >"$WORK/acc.txt" <<'PY'
import math, os, sys
y = {}
for i, line in enumerate(open(sys.argv[1])):
    f = line.split('\t')
    if i and f[1] not in ('NA', ''):
        y[f[0]] = float(f[1])
def corr(path):
    if not os.path.exists(path):   # no variant below the threshold: no score
        return 0.0
    xs, ys = [], []
    for i, line in enumerate(open(path)):
        f = line.split()
        if i and f[0] in y:
            xs.append(float(f[-1])); ys.append(y[f[0]])
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(xs, ys))
    sxx = sum((a - mx) ** 2 for a in xs); syy = sum((b - my) ** 2 for b in ys)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 else 0.0
print('r_bayes %.4f' % corr(sys.argv[2] + '/bayes.sscore'))
for t in ('5e-8', '1e-4', '1e-3', '1e-2'):
    print('r_p%s %.4f' % (t, corr(sys.argv[2] + '/p%s.sscore' % t)))
PY
echo "# accuracy on the test half (r with bmi): $(tr '\n' ' ' <"$WORK/acc.txt")"
echo "# variants per threshold: $(for t in 5e-8 1e-4 1e-3 1e-2; do printf '%s:%s ' $t "$(wc -l <"$WORK/p$t.score")"; done)"
t_ok "accuracy: the Bayesian score predicts bmi (r > 0.15)" \
    "awk '\$1 == \"r_bayes\" { exit !(\$2 > 0.15) }' '$WORK/acc.txt'"
t_ok "accuracy: better than the p < 5e-8 score" \
    "awk '\$1 == \"r_bayes\" { b = \$2 } \$1 == \"r_p5e-8\" { g = \$2 } END { exit !(b > g) }' '$WORK/acc.txt'"
t_ok "accuracy: better than every thresholded score (p < 1e-4, 1e-3, 1e-2)" \
    "awk '\$1 == \"r_bayes\" { b = \$2 } \$1 ~ /^r_p/ && \$2 > best { best = \$2 } END { exit !(b > best) }' '$WORK/acc.txt'"
