# tests/ref/calibration_null.sh -- calibration of duet's case/control tests
# under the null, for rare variants and low-prevalence traits (issue 9).
#
# A `duet simulate` cohort (5,000 people, 4,000 mostly rare variants) gets
# eight null case/control traits drawn by R with a fixed seed, independent
# of genotype: four at 1% prevalence and four at 30%, case probability
# depending on sex and age (tests/ref/calibration_null.R).  Then, with sex
# and age as covariates, in each command's default binary-trait mode:
#   gwas    duet gwas --binary of all eight traits (every variant);
#   phewas  duet phewas of every variant with MAC 5-50 x the eight traits
#           (--pheno table);
#   burden  duet burden over every gene, one mask (pLoF, missense and
#           synonymous), the AAF <= 0.01 bin;
#   fisher  Fisher's exact test on the minor-allele-carrier x case/control
#           2x2 table of every gwas variant and trait (the reference: exact,
#           hence conservative).
# For each command, prevalence and MAC class (and each burden test) the
# count of p < 1e-2 and p < 1e-3 must not exceed the 99.9% Poisson quantile
# of its expected count (conservative allowed); the table of observed and
# expected counts is printed as "# calib" lines.  Power sanity: the
# strongest planted type 2 diabetes variant of truth.tsv, and a variant
# planted with odds ratio 20 in a 1%-prevalence trait, are still found by
# duet gwas --binary (Bonferroni over the variants tested).
# Before issue 9's fix (duet 0.1.0: score test with Firth below p = 0.05,
# Firth for phewas below 200 cases, unadjusted gene tests) the 1% rows of
# gwas (every MAC class at 1e-3), phewas, SKAT, SKAT-O, ACAT-V and ACAT-O
# fail, by up to 47x at p < 1e-3; the 30% rows, burden and Fisher pass.
#
# Run alone: TOP=$PWD DUET=$PWD/build/duet bash tests/ref/calibration_null.sh
# CALIB_TABLE=FILE copies the table there (for the README);
# CALIB_LOGISTIC=MODE passes --logistic MODE to each command that has it.
. "$TOP/tests/lib.sh"
for tool in Rscript bcftools; do
    command -v $tool >/dev/null 2>&1 || { t_fail "$tool is not installed (tools/install-deps.sh)"; exit 0; }
done
cd "$WORK" || exit 1
R="$TOP/tests/ref/calibration_null.R"
t_run "simulate 5000 x 4000" 0 "$DUET" simulate --samples 5000 --variants 4000 --seed 11 --threads 2 \
    --no-version -o coh
[ -s coh/genotypes.bcf ] || exit 1

# MAC of every variant, keyed by chromosome, position and sorted alleles
bcftools +fill-tags coh/genotypes.bcf -Ou -- -t AC,AN 2>/dev/null |
    bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\t%ID\t%INFO/AC\t%INFO/AN\n' >ac.tsv
awk 'BEGIN { FS = OFS = "\t"; print "key", "id", "mac" }
     { a = $3 < $4 ? $3 : $4; b = $3 < $4 ? $4 : $3; ac = $6 + 0; an = $7 + 0
       print $1 ":" $2 ":" a ":" b, $5, ac < an - ac ? ac : an - ac }' ac.tsv >mac.tsv
awk -F'\t' 'NR > 1 && $3 >= 5 && $3 <= 50 { print $2 }' mac.tsv >rare.txt
planted=$(awk -F'\t' 'NR > 1 && $3 >= 30 && $3 <= 50 { print $2; exit }' mac.tsv)
bcftools query -i "ID==\"$planted\" && GT=\"alt\"" -f '[%SAMPLE\n]' coh/genotypes.bcf >planted.ids
Rscript "$R" traits coh/covar.tsv coh/pheno.tsv planted.ids null.tsv planted.tsv >traits.txt 2>r.err
t_ok "null traits: 4 at 1% and 4 at 30% prevalence, and the planted ones" \
    '[ -s null.tsv ] && [ -s planted.tsv ] && [ "$(head -1 null.tsv | wc -w)" -eq 9 ]'
sed 's/^/# /' traits.txt
traits=$(head -1 null.tsv | cut -f2- | tr '\t' ' ')

# minor-allele carriers x case/control of every variant and trait, from
# the calls (missing calls excluded), for Fisher's exact test.  Each sample
# gets a bitmask of the traits it is a case of, so that a carrier costs one
# hash update whatever the number of traits.
bcftools +fill-tags coh/genotypes.bcf -Ou -- -t AC,AN 2>/dev/null |
    bcftools query -i 'GT="alt" | GT="mis"' -f '%ID\t%INFO/AC\t%INFO/AN[\t%SAMPLE=%GT]\n' |
awk 'BEGIN { FS = OFS = "\t" }
     NR == FNR { if (FNR == 1) { nt = NF - 1; for (j = 2; j <= NF; j++) name[j - 1] = $j; next }
                 code = 0; for (j = 2; j <= NF; j++) if ($j == 1) { code += 2 ^ (j - 2); cases[j - 1]++ }
                 mask[$1] = code; n++; next }
     FNR == 1 { print "id", "trait", "mac", "carriers", "case_carriers", "called", "called_cases" }
     { delete alt; delete hom; delete mis; nalt = nhom = nmis = 0
       for (i = 4; i <= NF; i++) {
           eq = index($i, "="); s = substr($i, 1, eq - 1); gt = substr($i, eq + 1); c = mask[s]
           if (gt ~ /\./) { mis[c]++; nmis++ }
           else { alt[c]++; nalt++; if (gt !~ /0/) { hom[c]++; nhom++ } } }
       ac = $2 + 0; an = $3 + 0; m = ac < an - ac ? ac : an - ac
       for (t = 1; t <= nt; t++) {
           bit = 2 ^ (t - 1); ca = ch = cm = 0
           for (c in alt) if (int(c / bit) % 2) ca += alt[c]
           for (c in hom) if (int(c / bit) % 2) ch += hom[c]
           for (c in mis) if (int(c / bit) % 2) cm += mis[c]
           called = n - nmis; called_cases = cases[t] - cm
           if (ac <= an - ac) print $1, name[t], m, nalt, ca, called, called_cases
           else print $1, name[t], m, called - nhom, called_cases - ch, called, called_cases } }' \
    null.tsv - >fisher.tsv
t_ok "carrier x case/control tables of every variant with a carrier, x 8 traits" \
    '[ "$(($(wc -l <fisher.tsv) - 1))" -ge "$((8 * $(awk -F"\t" "\$6 > 0" ac.tsv | wc -l)))" ]'

logistic() { # CMD: --logistic MODE where CALIB_LOGISTIC asks and CMD has it
    [ -n "${CALIB_LOGISTIC:-}" ] || return 0
    if "$DUET" "$1" -h 2>&1 | grep -q -- '--logistic'; then echo "--logistic $CALIB_LOGISTIC"
    else echo "# duet $1 has no --logistic; default mode" >&2; fi
}
t_run "gwas --binary of the 8 null traits" 0 "$DUET" gwas --vcf coh/genotypes.bcf --pheno null.tsv --binary \
    $(logistic gwas) --covar coh/covar.tsv --covar-name sex,age --threads 2 --no-version -o g
t_run "phewas of $(wc -l <rare.txt) variants with MAC 5-50 x the 8 null traits" 0 "$DUET" phewas \
    --vcf coh/genotypes.bcf --variants rare.txt --pheno null.tsv --binary $(logistic phewas) \
    --covar coh/covar.tsv --covar-name sex,age --threads 2 --no-version -o pw
printf 'ALL\tpLoF,missense,synonymous\n' >mask_all.txt
t_run "burden of every gene, one mask, x the 8 null traits" 0 "$DUET" burden --vcf coh/genotypes.bcf \
    --anno coh/annotations.tsv --set-list coh/setlist.tsv --mask-def mask_all.txt --pheno null.tsv --binary \
    $(logistic burden) --covar coh/covar.tsv --covar-name sex,age --threads 2 --no-version -o bu

for t in $traits; do printf '%s\tg.%s.gwas.tsv.gz\n' "$t" "$t"; done >gwas.list
if Rscript "$R" table mac.tsv fisher.tsv gwas.list pw.phewas.tsv.gz bu.burden.tsv.gz calib.tsv checks.txt 2>r.err; then
    echo "# calib: null p-values below 1e-2 and 1e-3, observed / expected; limit = qpois(0.999, expected)"
    column -t -s "$(printf '\t')" calib.tsv | sed 's/^/# calib /'
    [ -n "${CALIB_TABLE:-}" ] && cp calib.tsv "$CALIB_TABLE"
    while IFS="$(printf '\t')" read -r status what; do
        if [ "$status" = ok ]; then t_pass "$what"; else t_fail "$what"; fi
    done <checks.txt
else
    t_fail "calibration table (Rscript)" "$(head -c 600 r.err)"
fi

# power: the strongest planted t2d variant of truth.tsv, and the variant
# planted in rare01, each the top hit of its trait at p below 0.05 / tested
t_run "gwas --binary of t2d and rare01" 0 "$DUET" gwas --vcf coh/genotypes.bcf --pheno planted.tsv --binary \
    $(logistic gwas) --covar coh/covar.tsv --covar-name sex,age,PC1,PC2,PC3,PC4 --threads 2 --no-version -o pl
t2d=$(awk -F'\t' '$1 == "t2d" && $3 == "variant" { print $6 "\t" $4 }' coh/truth.tsv | sort -gr | head -1 | cut -f2)
for tv in "t2d $t2d" "rare01 $planted"; do
    set -- $tv
    top=$(zcat "pl.$1.gwas.tsv.gz" | awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c["p_value"] != "#NA" { n++; k = $c["chromosome"] ":" $c["base_pair_location"]
            if (best == "" || $c["neg_log_10_p_value"] + 0 > bl) { best = k; bl = $c["neg_log_10_p_value"] + 0 } }
        END { printf "%s %s %d", best, bl, n }')
    read -r best nl n <<<"$top"
    want=$(echo "$2" | cut -d: -f1,2)
    t_true "power: $1's top hit is the planted $2 (got $best)" [ "$best" = "$want" ]
    t_ok "power: $1 -log10 p = $nl above Bonferroni -log10(0.05 / $n)" \
        "awk 'BEGIN { exit !($nl > -log(0.05 / $n) / log(10)) }'"
done
