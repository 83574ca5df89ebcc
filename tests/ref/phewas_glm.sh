# tests/ref/phewas_glm.sh -- duet phewas against R on a simulated store:
# for a planted type 2 diabetes variant and an LDL variant, every phecode's
# beta, SE and p agree with glm(family = binomial) where duet fits by
# maximum likelihood (--logistic wald), with brglm2's Firth fit and the
# penalised likelihood-ratio test where duet uses Firth, and
# with lm() for a quantitative trait (R reads the table duet pheno writes
# from the same store); and the planted disease comes out on top.
. "$TOP/tests/lib.sh"

cohort=$WORK/cohort
db=$WORK/sim.db
t_run "simulate 3000 people" 0 "$DUET" simulate --samples 3000 --variants 2000 --seed 5 \
    --genes "$DATA/genes/genes_grch37_refFlat_hg19.tsv" --no-version -o "$cohort"
"$DUET" store init --db "$db" && "$DUET" store import --db "$db" --quiet "$cohort/omop" &&
    "$DUET" phecode --db "$db" --quiet
t_true "store built and phecodes derived" [ $? -eq 0 ]

# the strongest planted t2d variant, and the strongest LDL one
t2d=$(awk -F'\t' '$1 == "t2d" && $3 == "variant" { print $6 "\t" $4 }' "$cohort/truth.tsv" |
    sort -gr | head -1 | cut -f2)
ldl=$(awk -F'\t' '$1 == "ldl" && $3 == "variant" { e = $6 < 0 ? -$6 : $6; print e "\t" $4 }' \
    "$cohort/truth.tsv" | sort -gr | head -1 | cut -f2)
t_run "pheno: the person x phecode table and covariates for R" 0 "$DUET" pheno --db "$db" \
    --quant LDL=3009966 --no-version -o "$WORK/p"
# duet takes sex and age from P.covar.tsv too (its ages are rounded to
# 0.01 years), so that both sides fit the same numbers
t_run "phewas of $t2d and $ldl x every phecode, LDL too" 0 "$DUET" phewas \
    --vcf "$cohort/genotypes.bcf" --variant "$t2d,$ldl" --db "$db" --quant LDL=3009966 \
    --store-covars '' --covar "$WORK/p.covar.tsv" --covar-name sex,age \
    --threads 2 --no-version -o "$WORK/pw"
t_run "the same with --logistic wald (R's glm)" 0 "$DUET" phewas \
    --vcf "$cohort/genotypes.bcf" --variant "$t2d,$ldl" --db "$db" --quant LDL=3009966 \
    --store-covars '' --covar "$WORK/p.covar.tsv" --covar-name sex,age --logistic wald \
    --threads 2 --no-version -o "$WORK/pww"

# R sees the samples and the genotype calls as bcftools gives them
bcftools query -l "$cohort/genotypes.bcf" >"$WORK/ids"
ok() { # OUT TEST MIN: compared at least MIN times, within 1e-4 (beta in SEs, SE, log p)
    echo "$1" | awk -v t="$2" -v m="$3" '$1 == t { split($2, n, "="); split($3, b, "=");
        split($4, s, "="); split($5, l, "="); ok = n[2] >= m && b[2] < 1e-4 && s[2] < 1e-4 &&
        l[2] < 1e-4 } END { exit !ok }'
}
for v in "$t2d" "$ldl"; do
    IFS=: read -r c p _ _ <<EOF2
$v
EOF2
    bcftools query -r "$c:$p" -i "ID==\"$v\"" -f '[%GT\t]\n' "$cohort/genotypes.bcf" >"$WORK/$p.gt"
    out=$(Rscript "$TOP/tests/ref/phewas_glm.R" "$WORK/$p.gt" "$WORK/ids" "$WORK/pww.phewas.tsv.gz" \
        "$WORK/p.pheno.tsv" "$WORK/p.covar.tsv" "$v" sex age 2>"$WORK/r.err")
    echo "$out" | sed 's/^/# R: /'
    t_true "$v: wald rows agree with glm()" ok "$out" wald 10
    t_true "$v: firth rows agree with brglm2" ok "$out" firth 1
    [ "$v" = "$ldl" ] && t_true "$v: the LDL row agrees with lm()" ok "$out" linear 1
done

# The planted disease against a realistic null phenome: duet simulate's
# background phecodes (background.tsv) have no genetic effect.  At 3,000
# people the planted t2d effect (OR 1.4, ~250 cases, z ~ 3) need not beat
# every one of ~600 null phecodes (the smallest of 600 null p-values is
# ~1/600), so: among the phecodes with >= 200 cases (comparable power) the
# top is 250.2 or its parent 250; overall the
# planted phecode is in the top 1%; and the null phecodes' p-values are
# calibrated (about 5% below 0.05, within 4 binomial SDs).
zcat "$WORK/pw.phewas.tsv.gz" | awk -F'\t' -v v="$t2d" '$1 == v && $13 != "NA"' |
    sort -t$'\t' -k14,14gr >"$WORK/t2d.rows"
top=$(awk -F'\t' '$5 + 0 >= 200' "$WORK/t2d.rows" | head -1 | cut -f2)
t_ok "the top phecode with >= 200 cases of $t2d is type 2 diabetes or its parent (250.2 / 250), got $top" \
    '[ "$top" = 250.2 ] || [ "$top" = 250 ]'
read -r rank n_rows <<<"$(awk -F'\t' '$2 == "250.2" { r = NR } END { print r + 0, NR }' "$WORK/t2d.rows")"
t_ok "250.2 ranks $rank of $n_rows phecodes for $t2d (top 1%)" \
    '[ "$rank" -ge 1 ] && [ $((100 * rank)) -le "$n_rows" ]'
grep -v '^#' "$cohort/background.tsv" | cut -f1 | sort >"$WORK/null.phecodes"
read -r n_null n_05 <<<"$(cut -f2,13 "$WORK/t2d.rows" | sort -k1,1 | join -t$'\t' - "$WORK/null.phecodes" |
    awk -F'\t' '{ n++; s += $2 < 0.05 } END { print n + 0, s + 0 }')"
t_ok "null phecodes of $t2d: $n_05 of $n_null with p < 0.05 (5% +- 4 SD)" \
    '[ "$n_null" -ge 300 ] && awk -v k="$n_05" -v n="$n_null" "BEGIN { exit !(((k - 0.05 * n) / sqrt(0.0475 * n))^2 < 16) }"'
top=$(zcat "$WORK/pw.phewas.tsv.gz" | awk -F'\t' -v v="$ldl" '$1 == v && $13 != "NA"' |
    sort -t$'\t' -k14,14gr | head -1 | cut -f2)
t_true "the top trait of $ldl is LDL, got $top" [ "$top" = LDL ]
