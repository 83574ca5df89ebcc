# tests/cli/prs_ct.sh -- `duet prs ct` on the hand-made reference of
# tests/cli/data/clump (20 people; rs1/rs2/rs3 in full LD, rs5 multi-allelic)
# with a quantitative and a binary trait (pheno.tsv, one trait missing):
# expected weights, scores and PRSice tables; the weights read back by
# duet score give the same scores; determinism across --threads; bad
# grids, --prevalence outside (0, 1), validation options without
# --validate, nothing matched in the target, sumstats without p; nothing
# left behind.
. "$TOP/tests/lib.sh"
EXP=$TOP/tests/expected/prs_ct
IN=$TOP/tests/cli/data/clump
mkdir -p "$WORK/o" "$WORK/bad"

t_run "prs -h" 0 "$DUET" prs -h
t_grep "prs usage lists ct" '^ +ct ' "$WORK/out"
t_run "prs ct -h" 0 "$DUET" prs ct -h
t_grep "usage names the command" 'Usage: +duet prs ct' "$WORK/out"
t_run "prs: unknown subcommand" 2 "$DUET" prs nope
t_run "prs ct: bad option" 2 "$DUET" prs ct --no-such-option

t_run "prs ct, quantitative trait" 0 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" \
    --validate "$IN/pheno.tsv:y" -o "$WORK/o/q" --no-version
zcat "$WORK/o/q.ct.weights.tsv.gz" >"$WORK/o/q.weights.tsv"
t_expect "weights" "$EXP/q.weights.tsv" "$WORK/o/q.weights.tsv"
t_expect "scores" "$EXP/q.ct.score.tsv" "$WORK/o/q.ct.score.tsv"
t_expect ".prsice" "$EXP/q.ct.prsice" "$WORK/o/q.ct.prsice"
t_expect ".summary" "$EXP/q.ct.summary" "$WORK/o/q.ct.summary"
t_grep "PRSice's clumping (r² 0.1): rs1 takes rs2 and rs3; thresholds 0.001 and 0.05" \
    '^chromosome	base_pair_location	variant_id	effect_allele	other_allele	ct_p0.001	ct_p0.05$' "$WORK/o/q.weights.tsv"
t_grep "rs5c (p 0.03) only in the 0.05 score" '^1	5000	rs5c	C	A	NA	0.1$' "$WORK/o/q.weights.tsv"
t_grep "P01: 0 copies of rs1's G, one C of rs4 (weight 0.4)" '^P01	0.4	0.5$' "$WORK/o/q.ct.score.tsv"
t_grep "19 people with the trait" '	19	NA	NA$' "$WORK/o/q.ct.summary"
t_run "duet score reads the weights" 0 "$DUET" score --vcf "$IN/ref.vcf" --weights "$WORK/o/q.ct.weights.tsv.gz" \
    -o "$WORK/o/sc" --no-version
t_ok "duet score's SUM = prs ct's scores" "awk -F'\t' 'NR == FNR && !/^#/ { a[\$1] = \$2 \" \" \$3; next }
    FNR == 1 { for (i = 1; i <= NF; i++) c[\$i] = i; next }
    { if (a[\$1] != \$c[\"ct_p0.001_SUM\"] \" \" \$c[\"ct_p0.05_SUM\"]) bad++; n++ } END { exit !(n == 20 && !bad) }' \
    '$WORK/o/q.ct.score.tsv' '$WORK/o/sc.score.tsv'"

t_run "prs ct, binary trait with --prevalence and a user grid" 0 "$DUET" prs ct --sumstats "$IN/ss.tsv" \
    --vcf "$IN/ref.vcf" --validate "$IN/pheno.tsv:b" --prevalence 0.3 --bar-levels 1e-5,0.01,1 \
    -o "$WORK/o/b" --no-version --threads 2
t_expect "binary .prsice" "$EXP/b.ct.prsice" "$WORK/o/b.ct.prsice"
t_grep "binary: AUC and liability R² columns" '^Pheno	Set	Threshold	R2	P	Coefficient	Standard.Error	Num_SNP	R2.liability	AUC$' "$WORK/o/b.ct.prsice"
t_run "same, --threads 1" 0 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" --validate "$IN/pheno.tsv:b" \
    --prevalence 0.3 --bar-levels 1e-5,0.01,1 -o "$WORK/o/b1" --no-version
t_true "--threads 1 and 2 give the same bytes" cmp -s "$WORK/o/b.ct.prsice" "$WORK/o/b1.ct.prsice"
t_run "without --validate: weights, scores and log only" 0 "$DUET" prs ct --sumstats "$IN/ss.tsv" \
    --vcf "$IN/ref.vcf" -o "$WORK/o/n"
t_true "no .prsice without --validate" [ ! -e "$WORK/o/n.ct.prsice" ]
t_grep "provenance in the weights" '^## command: .*prs ct' <(zcat "$WORK/o/n.ct.weights.tsv.gz")

# ---------------------------------------------------------------- bad input
B=$WORK/bad
t_run "--bar-levels 0,0.5: exit 2" 2 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" --bar-levels 0,0.5 -o "$B/a"
t_grep "message names the grid" "bar-levels: '0,0.5'" "$WORK/err"
t_run "--bar-levels abc: exit 2" 2 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" --bar-levels abc -o "$B/b"
t_run "--high-res with --interval 1e-9: exit 2" 2 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" \
    --high-res --interval 1e-9 -o "$B/c"
t_run "--high-res with --lower above --upper: exit 2" 2 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" \
    --high-res --lower 0.6 -o "$B/d"
t_run "--prevalence 1.5: exit 2" 2 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" \
    --validate "$IN/pheno.tsv:b" --prevalence 1.5 -o "$B/e"
t_grep "message gives the range" 'prevalence must lie in \(0, 1\)' "$WORK/err"
t_run "--prevalence 0: exit 2" 2 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" \
    --validate "$IN/pheno.tsv:b" --prevalence 0 -o "$B/f"
t_run "--prevalence for a quantitative trait: exit 2" 2 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" \
    --validate "$IN/pheno.tsv:y" --prevalence 0.1 -o "$B/g"
t_run "--perm without --validate: exit 2" 2 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" --perm 10 -o "$B/h"
t_run "--binary on a trait that is not 0/1: exit 4" 4 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" \
    --validate "$IN/pheno.tsv:y" --binary -o "$B/i"
t_run "a trait the table lacks: exit 5" 5 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" \
    --validate "$IN/pheno.tsv:zz" -o "$B/j"
cut -f1-6,8 "$IN/ss.tsv" >"$WORK/nop.tsv"
t_run "sumstats without a p-value column: exit 4" 4 "$DUET" prs ct --sumstats "$WORK/nop.tsv" --vcf "$IN/ref.vcf" -o "$B/k"
sed 's/^1	/3	/; s/^2	/3	/' "$IN/ss.tsv" >"$WORK/other.tsv"
t_run "nothing matched in the reference: exit 5" 5 "$DUET" prs ct --sumstats "$WORK/other.tsv" --vcf "$IN/ref.vcf" -o "$B/l"
# a target whose variants sit elsewhere: the scores match nothing
sed 's/^1	\([0-9]*\)	/1	9\1	/; s/^2	\([0-9]*\)	/2	9\1	/' "$IN/ref.vcf" >"$WORK/moved.vcf"
t_run "nothing matched in the target: exit 5" 5 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" \
    --target "$WORK/moved.vcf" -o "$B/m"
t_grep "the match report is shown" 'absent' "$WORK/err"
t_true "failed runs leave no output" [ -z "$(ls -A "$B")" ]
t_no_partial "no temporaries left" "$B"
t_run "existing output without --force: exit 7" 7 "$DUET" prs ct --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" -o "$WORK/o/n"
t_no_partial "no temporaries in the output folder" "$WORK/o"
