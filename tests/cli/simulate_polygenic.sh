# tests/cli/simulate_polygenic.sh -- duet simulate --polygenic-h2: the
# polygenic-only trait (GCTA --simu-qt convention).  Without the option the
# cohort has no such trait; with it every other output is byte-identical,
# pheno.tsv gains the column prs_trait, truth.tsv its rows; the realised h2
# (var(g) / var(y)) equals the planned one within a stated tolerance; an
# independent R recomputation of g from the BCF and truth.tsv's per-allele
# effects explains the trait as h2 says; effects are N(0, h2/M) on the
# standardised scale; tools/score_r2.awk agrees with R; option errors exit 2.
. "$TOP/tests/lib.sh"

SIM="$DUET simulate --no-version --quiet"
N=2000 M=3000 H2=0.4 CAUSAL=200

t_run "cohort without --polygenic-h2" 0 $SIM --samples $N --variants $M --seed 21 -o "$WORK/off"
t_run "cohort with --polygenic-h2 $H2 --polygenic-causal $CAUSAL" 0 $SIM --samples $N --variants $M --seed 21 \
    --polygenic-h2 $H2 --polygenic-causal $CAUSAL -o "$WORK/on"
OFF=$WORK/off ON=$WORK/on

# ---------------------------------------------------------------- absent / present
t_nogrep "without the option: no prs_trait column" 'prs_trait' <(head -1 "$OFF/pheno.tsv")
t_nogrep "without the option: no prs_trait rows in truth.tsv" '^prs_trait' "$OFF/truth.tsv"
t_true "with it: prs_trait is the last column of pheno.tsv" \
    [ "$(head -1 "$ON/pheno.tsv" | awk -F'\t' '{print $NF, NF}')" = "prs_trait 11" ]
t_true "with it: every person has a value" \
    [ "$(awk -F'\t' 'NR > 1 && $11 ~ /^-?[0-9]+\.[0-9][0-9][0-9][0-9]$/' "$ON/pheno.tsv" | wc -l)" -eq $N ]
diffs=$(cd "$OFF" && find . -type f | sort | while read -r f; do cmp -s "$f" "$ON/$f" || echo "$f"; done | tr '\n' ' ')
t_true "only pheno.tsv and truth.tsv differ ($diffs)" [ "$diffs" = "./pheno.tsv ./truth.tsv " ]
t_true "pheno.tsv without prs_trait is the cohort without the option" \
    cmp -s "$OFF/pheno.tsv" <(cut -f1-10 "$ON/pheno.tsv")
t_true "truth.tsv without the prs_trait rows is the cohort without the option" \
    cmp -s "$OFF/truth.tsv" <(grep -v '^prs_trait' "$ON/truth.tsv")
t_run "same cohort on 2 threads" 0 $SIM --samples $N --variants $M --seed 21 --threads 2 \
    --polygenic-h2 $H2 --polygenic-causal $CAUSAL -o "$WORK/on2"
t_true "--threads 1 and 2: identical pheno.tsv and truth.tsv" \
    cmp -s "$ON/pheno.tsv" "$WORK/on2/pheno.tsv" && cmp -s "$ON/truth.tsv" "$WORK/on2/truth.tsv"
t_run "another seed" 0 $SIM --samples $N --variants $M --seed 22 --polygenic-h2 $H2 \
    --polygenic-causal $CAUSAL -o "$WORK/seed22"
t_true "another seed: other causal variants" \
    [ "$(grep -P '^prs_trait\tquantitative\tpolygenic\t' "$ON/truth.tsv" | cut -f4 | md5sum)" != \
      "$(grep -P '^prs_trait\tquantitative\tpolygenic\t' "$WORK/seed22/truth.tsv" | cut -f4 | md5sum)" ]

# ---------------------------------------------------------------- truth.tsv
row() { awk -F'\t' -v s="$1" -v t="$2" -v c="$3" '$1 == "prs_trait" && $3 == s && $4 == t {print $c}' "$ON/truth.tsv"; }
t_true "h2 planned is $H2" [ "$(row h2 planned 6)" = "0.400000" ]
realised=$(row h2 realised 6)
# var(g) is exactly h2; var(y) = h2 + var(e) + 2 cov(g, e) with e ~ N(0, 1 - h2),
# so the ratio's sampling SD is about h2 sqrt(2 (1 - h2^2) / N) (0.012 here):
# the tolerance is 4 of them.
tol=$(awk -v h=$H2 -v n=$N 'BEGIN {printf "%.4f", 4 * h * sqrt(2 * (1 - h * h) / n)}')
t_ok "realised h2 $realised within $tol of $H2 (4 sampling SDs)" \
    "awk -v r=$realised -v h=$H2 -v t=$tol 'BEGIN {d = r - h; exit !(d < t && d > -t)}'"
t_true "causal_variants count is $CAUSAL" [ "$(row count causal_variants 9)" -eq $CAUSAL ]
awk -F'\t' '$1 == "prs_trait" && $3 == "polygenic" {print $4 "\t" $6 "\t" $8}' "$ON/truth.tsv" >"$WORK/causal.tsv"
awk -F'\t' '$1 == "prs_trait" && $3 == "polygenic_std" {print $4 "\t" $6 "\t" $8}' "$ON/truth.tsv" >"$WORK/std.tsv"
t_true "$CAUSAL per-allele rows, distinct variants" [ "$(cut -f1 "$WORK/causal.tsv" | sort -u | wc -l)" -eq $CAUSAL ]
t_true "$CAUSAL standardised rows, the same variants" cmp -s <(cut -f1 "$WORK/causal.tsv") <(cut -f1 "$WORK/std.tsv")
t_true "causal variants are BCF records" \
    [ "$(bcftools query -f '%ID\n' "$ON/genotypes.bcf" | sort | comm -13 - <(cut -f1 "$WORK/causal.tsv" | sort) | wc -l)" -eq 0 ]
t_true "causal variants are common (true ALT frequency 0.5% to 99.5%)" \
    [ "$(awk -F'\t' '$3 < 0.005 || $3 > 0.995' "$WORK/std.tsv" | wc -l)" -eq 0 ]
t_ok "standardised = per-allele x sqrt(2p(1-p)) (to 1e-5)" \
    "paste '$WORK/causal.tsv' '$WORK/std.tsv' | awk -F'\t' '{d = \$2 * sqrt(2 * \$6 * (1 - \$6)) - \$5; if (d > 1e-5 || d < -1e-5) bad++} END {exit bad > 0}'"

# ---------------------------------------------------------------- independent R check
cut -f1 "$WORK/causal.tsv" >"$WORK/causal.ids"
bcftools query -f '%ID[\t%GT]\n' "$ON/genotypes.bcf" | awk -F'\t' 'NR == FNR {want[$1]; next} $1 in want' \
    "$WORK/causal.ids" - >"$WORK/causal.gt"
bcftools query -l "$ON/genotypes.bcf" >"$WORK/samples"
cat >"$WORK/check.R" <<'EOF'
args <- commandArgs(TRUE); w <- args[1]; d <- args[2]; h2 <- as.numeric(args[3]); M <- as.integer(args[4])
ok <- function(cond, msg) cat(if (isTRUE(cond)) "ok" else "not ok", "-", msg, "\n")
eff <- read.delim(file.path(w, "causal.tsv"), header = FALSE, col.names = c("id", "beta", "af"))
std <- read.delim(file.path(w, "std.tsv"), header = FALSE, col.names = c("id", "b", "p"))
gt <- read.delim(file.path(w, "causal.gt"), header = FALSE, stringsAsFactors = FALSE)
ids <- readLines(file.path(w, "samples"))
X <- apply(as.matrix(gt[, -1]), 2, function(g) ifelse(g == "./.", NA, (substr(g, 1, 1) == "1") + (substr(g, 3, 3) == "1")))
X <- t(X)  # persons x variants
colnames(X) <- gt[, 1]
X <- X[, eff$id]
X <- apply(X, 2, function(x) { x[is.na(x)] <- mean(x, na.rm = TRUE); x - mean(x) })
g <- as.vector(X %*% eff$beta)
ph <- read.delim(file.path(d, "pheno.tsv"))
stopifnot(identical(as.character(ph$IID), ids))
y <- ph$prs_trait
ok(abs(var(g) - h2) < 0.01, sprintf("g from the BCF and the per-allele effects: var(g) %.4f = h2 %.2f (missing calls mean-imputed)", var(g), h2))
r2 <- cor(g, y)^2
ok(abs(r2 - h2) < 0.03, sprintf("oracle R^2 of g on the trait %.4f near h2 %.2f", r2, h2))
f <- coef(lm(y ~ g))
ok(abs(f[2] - 1) < 0.05, sprintf("y = g + e: slope of y on g %.3f (1)", f[2]))
ok(abs(var(y - g) - (1 - h2)) < 0.04, sprintf("residual variance %.4f (1 - h2 = %.2f)", var(y - g), 1 - h2))
ok(abs(mean(y)) < 0.05 && abs(var(y) - 1) < 0.08, sprintf("y mean %.3f, variance %.3f (0, 1)", mean(y), var(y)))
# effects N(0, h2/M) on standardised genotypes (scaled so var(g) = h2)
s <- std$b / sqrt(h2 / M)
ok(abs(sum(std$b^2) / h2 - 1) < 0.3, sprintf("sum of squared standardised effects %.3f near h2 %.2f", sum(std$b^2), h2))
ks <- ks.test(s / sd(s), "pnorm")$p.value
ok(ks > 0.001, sprintf("standardised effects normal (KS p %.3g)", ks))
ok(abs(mean(s)) < 4 / sqrt(M), sprintf("standardised effects centred (mean %.3f SD)", mean(s)))
# the standardising frequency: true ALT alleles, close to the called ones
ok(max(abs(std$p - eff$af)) < 0.01, sprintf("standardising frequency = realised ALT frequency (max diff %.4f)", max(abs(std$p - eff$af))))
# a duet-score-like table of g for tools/score_r2.awk, and R's R² per group
sc <- data.frame(IID = ids, ALLELE_CT = 2 * M, NAMED_ALLELE_DOSAGE_SUM = 0, g_AVG = g / (2 * M), g_SUM = g,
                 check.names = FALSE)
names(sc)[1] <- "#IID"
con <- file(file.path(w, "g.score.tsv"), "w"); writeLines("## a provenance line", con)
write.table(sc, con, sep = "\t", quote = FALSE, row.names = FALSE); close(con)
grp <- ifelse(seq_along(ids) %% 2 == 0, "even", "odd")
writeLines(ids[grp == "even"], file.path(w, "even.ids")); writeLines(ids[grp == "odd"], file.path(w, "odd.ids"))
for (k in c("even", "odd")) cat(sprintf("g\t%s\t%d\t%.4f\n", k, sum(grp == k), cor(g[grp == k], y[grp == k])^2),
                                file = file.path(w, "r2.R.tsv"), append = TRUE)
EOF
Rscript "$WORK/check.R" "$WORK" "$ON" $H2 $CAUSAL 2>&1 | grep -E '^(not )?ok' || t_fail "R checks ran"
awk -F'\t' -v trait=prs_trait -f "$TOP/tools/score_r2.awk" "$WORK/even.ids" "$WORK/odd.ids" "$ON/pheno.tsv" \
    "$WORK/g.score.tsv" >"$WORK/r2.awk.tsv"
t_true "tools/score_r2.awk: R² per group as R's cor()^2 ($(cut -f2,4 "$WORK/r2.awk.tsv" | tr '\t\n' ': '))" \
    cmp -s "$WORK/r2.R.tsv" "$WORK/r2.awk.tsv"

# ---------------------------------------------------------------- edges
t_run "h2 1: no residual" 0 $SIM --samples 300 --variants 1000 --seed 3 --polygenic-h2 1 --polygenic-causal 50 -o "$WORK/h1"
t_true "h2 1: realised h2 is 1" \
    [ "$(awk -F'\t' '$1 == "prs_trait" && $3 == "h2" && $4 == "realised" {print $6}' "$WORK/h1/truth.tsv")" = "1.000000" ]
t_run "more causal variants than common ones: all of them, with a warning" 0 "$DUET" simulate --no-version \
    --samples 200 --variants 300 --polygenic-h2 0.3 --polygenic-causal 100000 -o "$WORK/all"
t_grep "the warning names the number used" 'polygenic-causal 100000: only [0-9]+ common variants' "$WORK/err"
n_used=$(awk -F'\t' '$1 == "prs_trait" && $4 == "causal_variants" {print $9}' "$WORK/all/truth.tsv")
t_true "truth.tsv counts them ($n_used, 30% of 300 expected)" [ "$n_used" -ge 60 ] && [ "$n_used" -le 120 ]
t_run "--polygenic-causal alone" 0 "$DUET" simulate --no-version --samples 50 --variants 200 --polygenic-causal 10 -o "$WORK/alone"
t_grep "warns that it has no effect" 'polygenic-causal has no effect without --polygenic-h2' "$WORK/err"
t_nogrep "and plants no trait" 'prs_trait' "$WORK/alone/pheno.tsv"
E=$WORK/errors
mkdir -p "$E"
t_run "--polygenic-h2 above 1 exits 2" 2 $SIM --polygenic-h2 1.5 -o "$E/o1"
t_grep "names the option" 'polygenic-h2' "$WORK/err"
t_run "negative --polygenic-h2 exits 2" 2 $SIM --polygenic-h2 -0.1 -o "$E/o2"
t_run "non-numeric --polygenic-h2 exits 2" 2 $SIM --polygenic-h2 half -o "$E/o3"
t_run "--polygenic-causal 0 exits 2" 2 $SIM --polygenic-h2 0.5 --polygenic-causal 0 -o "$E/o4"
t_true "failures leave nothing behind" [ -z "$(ls -A "$E")" ]
