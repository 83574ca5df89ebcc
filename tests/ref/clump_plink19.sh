# tests/ref/clump_plink19.sh -- duet clump against plink 1.9 --clump: the
# same index variants, and per index variant the same TOTAL, p-value
# classes (NSIG S05 S01 S001 S0001) and SP2 list.
#
# Inputs: (1) a duet simulate cohort (1,500 people, 12,000 variants in
# haplotype blocks, so that LD exists), summary statistics of duet gwas for
# a quantitative (ldl) and a binary (t2d) trait; (2) the real 1000 Genomes
# genotypes of ../shared/data (chromosomes 20-22, 1,126 people, multi-allelic
# records) with duet gwas of the annotation's outcome.  plink 1.9 reads the
# same genotypes converted by plink2 (records split with bcftools norm -m-,
# IDs CHR_POS_REF_ALT, the variant_id duet gwas writes) and the same
# p-values (SNP, P columns); plink2 --glm output is also read as the input.
# Settings: plink's defaults; p1 0.01 r2 0.1 p2 0.05; PRSice's p1 1 r2 0.1
# p2 1; p1 1e-3 r2 0.8 kb 100.
. "$TOP/tests/lib.sh"

K=$DATA/genotypes/uwgac_1kg_phase3_subset
if [ ! -d "$K" ]; then
    t_fail "reference data missing under $DATA/genotypes"
    exit 0
fi
for tool in plink1.9 plink2 bcftools python3; do
    command -v $tool >/dev/null 2>&1 || { t_fail "$tool is not installed (tools/install-deps.sh)"; exit 0; }
done
cd "$WORK" || exit 1
CMP=$TOP/tests/ref/clump_compare.py

# sumstats_for_plink GWAS_SSF OUT: SNP (variant_id) and P, "NA" kept (plink
# skips the row, duet counts it as without p)
sumstats_for_plink() {
    zcat "$1" | awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print "SNP\tP"; next }
        { print $c["variant_id"] "\t" ($c["p_value"] == "#NA" ? "NA" : $c["p_value"]) }' >"$2"
}

# compare NAME BED_PREFIX SSF ARGS...: both tools with ARGS, then the tables
compare() {
    local name=$1 bed=$2 ssf=$3; shift 3
    rm -f d.clumped p.clumped
    "$DUET" clump --sumstats "$ssf" --vcf "$VCF" "$@" -o d --force --quiet --threads 2 2>d.err
    plink1.9 --bfile "$bed" --clump plink.ss "$@" --out p >/dev/null 2>&1
    [ -s p.clumped ] || printf ' CHR    F   SNP   BP   P  TOTAL NSIG S05 S01 S001 S0001 SP2\n' >p.clumped
    local res
    res=$(python3 "$CMP" d.clumped p.clumped 2>&1)
    if [ $? -eq 0 ] && [ -s d.clumped ]; then
        t_pass "$name: same index variants, TOTAL, classes and SP2 as plink 1.9 ($(echo "$res" | tail -1))"
    else
        t_fail "$name: differs from plink 1.9" "$(head -c 300 d.err)" "$(echo "$res" | head -8)"
    fi
}

# ---------------------------------------------------------------- simulated
t_run "simulate a cohort" 0 "$DUET" simulate --samples 1500 --variants 12000 --seed 7 --threads 2 -o sim --quiet
t_run "gwas ldl, t2d" 0 "$DUET" gwas --vcf sim/genotypes.bcf --pheno sim/pheno.tsv --pheno-name ldl,t2d \
    --covar sim/covar.tsv -o sg --quiet --threads 2
plink2 --bcf sim/genotypes.bcf --set-all-var-ids '@_#_$r_$a' --new-id-max-allele-len 1000 \
    --make-bed --out simp >/dev/null 2>&1
t_true "plink2 converted the BCF" [ -s simp.bed ]
VCF=sim/genotypes.bcf
for t in ldl t2d; do
    sumstats_for_plink sg.$t.gwas.tsv.gz plink.ss
    compare "simulated $t, defaults" simp sg.$t.gwas.tsv.gz
    compare "simulated $t, p1 0.01 r2 0.1 p2 0.05" simp sg.$t.gwas.tsv.gz --clump-p1 0.01 --clump-r2 0.1 --clump-p2 0.05
    # LD exists: index variants with members
    t_true "simulated $t: clumps with members (LD)" awk 'NR > 1 && $6 > 0 { n++ } END { exit !(n >= 5) }' d.clumped
    compare "simulated $t, p1 1 r2 0.1 p2 1" simp sg.$t.gwas.tsv.gz --clump-p1 1 --clump-r2 0.1 --clump-p2 1
    compare "simulated $t, p1 1e-3 r2 0.8 kb 100" simp sg.$t.gwas.tsv.gz --clump-p1 0.001 --clump-r2 0.8 --clump-kb 100
done

# plink2 --glm results as the summary statistics (A1 may be REF: swaps)
awk 'NR == 1 { print "#IID\tldl"; next } { print $1 "\t" $3 }' sim/pheno.tsv >ldl.pheno
plink2 --bfile simp --pheno ldl.pheno --glm allow-no-covars --out pg >/dev/null 2>&1
t_true "plink2 --glm ran" [ -s pg.ldl.glm.linear ]
awk 'NR == 1 { print "SNP\tP"; next } { print $3 "\t" $12 }' pg.ldl.glm.linear >plink.ss
compare "simulated ldl from plink2 --glm, p1 0.01 r2 0.2" simp pg.ldl.glm.linear --clump-p1 0.01 --clump-r2 0.2
t_grep "plink2 --glm: read as plink2, swapped alleles matched" '^rows_swapped	[1-9]' d.log

# ------------------------------------------------------------- 1000 Genomes
bcftools concat -Ob -o kg.bcf "$K"/1KG_phase3_subset_chr2[0-2].vcf.gz 2>/dev/null && bcftools index kg.bcf
bcftools norm -m- -Ob -o kgsplit.bcf kg.bcf 2>/dev/null
plink2 --bcf kgsplit.bcf --set-all-var-ids '@_#_$r_$a' --new-id-max-allele-len 1000 \
    --make-bed --out kgp >/dev/null 2>&1
t_true "plink2 converted the 1000 Genomes BCF" [ -s kgp.bed ]
awk -F'\t' 'NR==1 { print "#IID\tsex" } NR>1 { print $1 "\t" ($5 == "M" ? 1 : 0) }' "$K/1KG_phase3_subset_annot.tsv" >covar.tsv
t_run "gwas outcome on 1000 Genomes chr20-22" 0 "$DUET" gwas --vcf kg.bcf --pheno "$K/1KG_phase3_subset_annot.tsv" \
    --pheno-name outcome --covar covar.tsv -o kg --quiet --threads 2
sumstats_for_plink kg.outcome.gwas.tsv.gz plink.ss
# duet reads the unsplit BCF: each ALT of a multi-allelic record matched by
# its alleles
VCF=kg.bcf
compare "1000 Genomes, p1 0.01 r2 0.1 p2 0.05" kgp kg.outcome.gwas.tsv.gz --clump-p1 0.01 --clump-r2 0.1 --clump-p2 0.05
compare "1000 Genomes, p1 0.05 r2 0.2 kb 500" kgp kg.outcome.gwas.tsv.gz --clump-p1 0.05 --clump-r2 0.2 --clump-kb 500
compare "1000 Genomes, p1 1 r2 0.1 p2 1" kgp kg.outcome.gwas.tsv.gz --clump-p1 1 --clump-r2 0.1 --clump-p2 1
t_grep "1000 Genomes: multi-allelic ALTs matched" '^rows_multiallelic	[1-9]' d.log
