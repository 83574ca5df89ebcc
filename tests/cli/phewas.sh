# tests/cli/phewas.sh -- duet phewas on a small simulated store: outputs and
# their columns, a score equal to a variant's dosage gives that variant's
# results, --region and --variants, a phenotype table instead of the store,
# the dissemination rule (<N, and no count recoverable from another column),
# q-values as R's p.adjust(method = "BH"), byte-identical outputs for any
# --threads, the PheWAS plot of the output, and every documented bad input
# (exit code, message, no partial output).
. "$TOP/tests/lib.sh"

cohort=$WORK/cohort
db=$WORK/sim.db
"$DUET" simulate --samples 1500 --variants 600 --seed 9 --no-version --quiet \
    --genes "$DATA/genes/genes_grch37_refFlat_hg19.tsv" -o "$cohort" &&
    "$DUET" store init --db "$db" && "$DUET" store import --db "$db" --quiet "$cohort/omop" &&
    "$DUET" phecode --db "$db" --quiet
t_true "a simulated store with phecodes" [ $? -eq 0 ]
V=$cohort/genotypes.bcf
t2d=$(awk -F'\t' '$1 == "t2d" && $3 == "variant" { print $6 "\t" $4 }' "$cohort/truth.tsv" |
    sort -gr | head -1 | cut -f2)
# a variant without missing calls (for the score comparison)
full=$(bcftools query -i 'N_MISSING == 0 && MAF > 0.2' -f '%ID\n' "$V" | head -1)
O=$WORK/o
mkdir -p "$O"

# ---------------------------------------------------------------- outputs
t_run "phewas of two variants x every phecode" 0 "$DUET" phewas --vcf "$V" \
    --variant "$t2d,$full" --db "$db" --no-version -o "$O/a"
t_ok "P.phewas.tsv.gz and P.log written" '[ -s "$O/a.phewas.tsv.gz" ] && [ -s "$O/a.log" ]'
t_true "the header names the documented columns" [ "$(zcat "$O/a.phewas.tsv.gz" | head -1)" = \
    "$(printf 'id\tphecode\tdescription\tcategory\tn_cases\tn_controls\tn\tbeta\tstandard_error\todds_ratio\tci_lower\tci_upper\tp_value\tneg_log_10_p_value\tq_value\tbonferroni\ttest\terrcode')" ]
n_tested=$(awk '/^traits:/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "tested,") print $i }' "$O/a.log")
t_ok "one row per variant x tested phecode ($n_tested tested)" \
    '[ "$n_tested" -gt 20 ] && [ "$(zcat "$O/a.phewas.tsv.gz" | tail -n +2 | wc -l)" -eq $((2 * n_tested)) ]'
t_true "phecodes carry their description and category" \
    [ "$(zcat "$O/a.phewas.tsv.gz" | awk -F'\t' '$2 == "250.2" { print $3 "|" $4; exit }')" = \
      "Type 2 diabetes|endocrine/metabolic" ]
t_true "odds ratio = exp(beta), CI = exp(beta +- 1.96 SE)" bash -c "zcat '$O/a.phewas.tsv.gz' |
    awk -F'\t' 'NR > 1 && \$8 != \"NA\" { n++; if (sqrt((exp(\$8) / \$10 - 1)^2) > 1e-5 ||
        sqrt((exp(\$8 - 1.959964 * \$9) / \$11 - 1)^2) > 1e-4) bad++ } END { exit !(n > 0 && !bad) }'"
t_true "the log names the covariates (sex, age from the store)" grep -q '^covariates: sex,age$' "$O/a.log"
t_true "the log lists the top hits" grep -q '^top hits:$' "$O/a.log"

# q-values against R's p.adjust, per variant
zcat "$O/a.phewas.tsv.gz" >"$WORK/a.tsv"
t_true "q_value is p.adjust(p, 'BH') over each variant's phecodes (rel 1e-5)" Rscript -e '
    d <- read.table(commandArgs(TRUE)[1], sep = "\t", header = TRUE, quote = "", comment.char = "")
    bad <- 0
    for (v in unique(d$id)) { x <- d[d$id == v & !is.na(d$p_value), ]
      q <- p.adjust(x$p_value, "BH"); bad <- bad + sum(abs(q - x$q_value) > 1e-5 * q)
      b <- as.integer(x$p_value < 0.05 / nrow(x)); bad <- bad + sum(b != x$bonferroni) }
    quit(status = bad > 0)' "$WORK/a.tsv"

# ---------------------------------------------------------------- score
bcftools query -i "ID==\"$full\"" -f '[%SAMPLE\t%GT\n]' "$V" |
    awk -F'\t' 'BEGIN { print "IID\tprs" } { split($2, a, /[|\/]/); print $1 "\t" (a[1] + a[2]) }' \
    >"$WORK/score.tsv"
t_run "phewas --score FILE:prs" 0 "$DUET" phewas --vcf "$V" --score "$WORK/score.tsv:prs" \
    --db "$db" --no-version -o "$O/s"
t_true "a score equal to a variant's dosage gives that variant's rows" bash -c "
    diff <(zcat '$O/s.phewas.tsv.gz' | tail -n +2 | cut -f2-) \
         <(zcat '$O/a.phewas.tsv.gz' | awk -F'\t' '\$1 == \"$full\"' | cut -f2-) >/dev/null"
t_true "score rows are named by the column" [ "$(zcat "$O/s.phewas.tsv.gz" | awk -F'\t' 'NR == 2 { print $1 }')" = prs ]
t_run "--score without --vcf uses the score file's samples" 0 "$DUET" phewas \
    --score "$WORK/score.tsv:prs" --db "$db" --no-version -o "$O/s2"
t_true "the same rows" cmp -s <(zcat "$O/s.phewas.tsv.gz") <(zcat "$O/s2.phewas.tsv.gz")

# ---------------------------------------------------------------- region, list, table
IFS=: read -r c p _ _ <<EOF
$t2d
EOF
t_run "--region around the t2d variant" 0 "$DUET" phewas --vcf "$V" --region "$c:$((p - 1))-$((p + 1))" \
    --db "$db" --no-version -o "$O/r"
t_true "--region gives the variant's rows" bash -c "diff <(zcat '$O/r.phewas.tsv.gz') \
    <(zcat '$O/a.phewas.tsv.gz' | awk -F'\t' 'NR == 1 || \$1 == \"$t2d\"') >/dev/null"
printf '%s\n' "$t2d" >"$WORK/list"
t_run "--variants FILE" 0 "$DUET" phewas --vcf "$V" --variants "$WORK/list" --db "$db" --no-version -o "$O/l"
t_true "--variants gives the same rows" cmp -s <(zcat "$O/r.phewas.tsv.gz") <(zcat "$O/l.phewas.tsv.gz")
t_run "duet pheno table of the store" 0 "$DUET" pheno --db "$db" --no-version -o "$WORK/p"
t_run "--pheno table + --covar instead of the store" 0 "$DUET" phewas --vcf "$V" --variant "$t2d" \
    --pheno "$WORK/p.pheno.tsv" --covar "$WORK/p.covar.tsv" --covar-name sex,age --no-version -o "$O/t"
t_true "phecode columns of a table get their descriptions from the phecode map" \
    [ "$(zcat "$O/t.phewas.tsv.gz" | awk -F'\t' '$2 == "250.2" { print $3; exit }')" = "Type 2 diabetes" ]

# the two ALTs of a multi-allelic record, asked for by position: one read
# of the record, one row each
mkdir -p "$WORK/small"
python3 "$TOP/tests/cli/data/gwas_data.py" "$WORK/small" >/dev/null
bcftools view -Ob -o "$WORK/small/small.bcf" "$WORK/small/small.vcf" && bcftools index "$WORK/small/small.bcf"
t_run "--variant of both ALTs of 1:2787 (A>C,G)" 0 "$DUET" phewas --vcf "$WORK/small/small.bcf" \
    --variant 1:2787:A:C,1:2787:A:G --pheno "$WORK/small/pheno.tsv" --pheno-name q1 --no-version \
    -o "$O/ma"
t_true "one row per ALT, named chrom:pos:ref:alt" [ "$(zcat "$O/ma.phewas.tsv.gz" | tail -n +2 | cut -f1 | paste -sd,)" = \
    "1:2787:A:C,1:2787:A:G" ]

# ---------------------------------------------------------------- dissemination rule
t_run "--min-cases 5 --min-cell 300" 0 "$DUET" phewas --vcf "$V" --variant "$t2d" --db "$db" \
    --min-cases 5 --min-cell 300 --no-version -o "$O/m"
t_true "counts below 300 are written <300" bash -c "zcat '$O/m.phewas.tsv.gz' | awk -F'\t' 'NR > 1 && \$5 == \"<300\"' | grep -q ."
t_true "no count below 300 is written as a number" bash -c "zcat '$O/m.phewas.tsv.gz' |
    awk -F'\t' 'NR > 1 && ((\$5 ~ /^[0-9]+\$/ && \$5 < 300) || (\$6 ~ /^[0-9]+\$/ && \$6 < 300)) { bad = 1 } END { exit bad }'"
t_true "where a count is withheld, n is too (n - controls = cases)" bash -c "zcat '$O/m.phewas.tsv.gz' |
    awk -F'\t' 'NR > 1 && (\$5 ~ /^</ || \$6 ~ /^</) && \$7 != \"NA\" { bad = 1 } END { exit bad }'"

# ---------------------------------------------------------------- threads, plot
t_run "--threads 2" 0 "$DUET" phewas --vcf "$V" --variant "$t2d,$full" --db "$db" --threads 2 \
    --no-version -o "$O/a2"
t_true "byte-identical for 1 and 2 threads" cmp -s "$O/a.phewas.tsv.gz" "$O/a2.phewas.tsv.gz"
t_run "plot phewas of the output" 0 "$DUET" plot phewas "$O/a.phewas.tsv.gz" --id "$t2d" \
    --no-version -o "$O/a.svg"
t_true "the plot groups the phecodes by category" grep -q 'data-category="endocrine/metabolic"' "$O/a.svg"

# ---------------------------------------------------------------- bad input
t_run "no exposure: usage error" 2 "$DUET" phewas --vcf "$V" --db "$db" -o "$O/x"
t_run "two exposures: usage error" 2 "$DUET" phewas --vcf "$V" --variant "$t2d" --region 1 --db "$db" -o "$O/x"
t_run "--db and --pheno: usage error" 2 "$DUET" phewas --vcf "$V" --variant "$t2d" --db "$db" \
    --pheno "$WORK/p.pheno.tsv" -o "$O/x"
t_grep "  ...naming the conflict" "\-\-pheno and \-\-db exclude each other" "$WORK/err"
t_run "unknown variant: exit 5" 5 "$DUET" phewas --vcf "$V" --variant "$t2d,rs_nowhere" --db "$db" -o "$O/x"
t_grep "  ...named" "rs_nowhere" "$WORK/err"
t_run "score file without the column: exit 4" 4 "$DUET" phewas --vcf "$V" --score "$WORK/score.tsv:nope" \
    --db "$db" -o "$O/x"
t_grep "  ...named, with the columns present" "no column 'nope'.*prs" "$WORK/err"
t_run "--score without a column: usage error" 2 "$DUET" phewas --vcf "$V" --score "$WORK/score.tsv" \
    --db "$db" -o "$O/x"
"$DUET" store init --db "$WORK/empty.db" && "$DUET" store import --db "$WORK/empty.db" --quiet "$cohort/omop"
t_run "store without phecode counts: exit 5" 5 "$DUET" phewas --vcf "$V" --variant "$t2d" \
    --db "$WORK/empty.db" -o "$O/x"
t_grep "  ...saying to run duet phecode" "duet phecode" "$WORK/err"
t_run "phecode options with --pheno: usage error" 2 "$DUET" phewas --vcf "$V" --variant "$t2d" \
    --pheno "$WORK/p.pheno.tsv" --version 1.2 -o "$O/x"
t_run "--store-covars naming an unknown covariate: usage error" 2 "$DUET" phewas --vcf "$V" \
    --variant "$t2d" --db "$db" --store-covars sex,bmi -o "$O/x"
t_run "an existing output without --force: exit 7" 7 "$DUET" phewas --vcf "$V" --variant "$t2d" \
    --db "$db" -o "$O/a"
t_true "no output of a failed run" [ -z "$(find "$O" -name 'x.*')" ]
t_no_partial "no temporaries left" "$O"
