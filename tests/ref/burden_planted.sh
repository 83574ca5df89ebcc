# tests/ref/burden_planted.sh -- the planted gene of `duet simulate`: LDLR
# carries rare pLoF and missense variants that raise LDL (truth.tsv, source
# gene_burden).  duet burden on LDL must rank LDLR first among all genes by
# the burden test of the pLoF + missense mask in the AAF <= 0.01 bin, and by
# ACAT-O, and find it genome-wide significant for 2,000 genes (p < 2.5e-6).
. "$TOP/tests/lib.sh"
cd "$WORK" || exit 1
"$DUET" simulate --samples 1500 --variants 4000 --seed 23 -o coh --quiet || { t_fail "simulate"; exit 1; }
t_grep "the truth plants LDLR for ldl" "^ldl	quantitative	gene_burden	LDLR:pLoF	LDLR" coh/truth.tsv
t_run "duet burden on LDL" 0 "$DUET" burden --vcf coh/genotypes.bcf --anno coh/annotations.tsv \
    --set-list coh/setlist.tsv --mask-def coh/masks.txt --pheno coh/pheno.tsv --pheno-name ldl \
    --covar coh/covar.tsv --tests burden,skat,acatv,acato --threads 2 -o ldl --quiet
for test in burden acato; do
    top=$(zcat ldl.burden.tsv.gz | awk -F'\t' -v t=$test '$3 == "M2" && $4 == "0.01" && $7 == t && $10 != "NA"' |
          sort -t"$(printf '\t')" -k11,11gr | head -1)
    gene=$(echo "$top" | cut -f2)
    nl=$(echo "$top" | cut -f11)
    t_true "$test: the top gene of M2 / 0.01 is LDLR (got $gene)" [ "$gene" = LDLR ]
    t_ok "$test: LDLR -log10 p = $nl above 5.6" "awk 'BEGIN { exit !($nl > 5.6) }'"
done
