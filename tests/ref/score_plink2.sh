# tests/ref/score_plink2.sh -- `duet score` against plink2 --score
# cols=+scoresums and an independent computation (tests/ref/score_ref.py),
# on a `duet simulate` cohort (2,000 x 5,000, every 25th record made
# tri-allelic) and on real 1000 Genomes genotypes (chr22, 1,126 samples,
# ../shared/data/genotypes/uwgac_1kg_phase3_subset), 1% of the calls set
# missing in both.
#
# duet reads a duet weights file written with swaps (effect allele REF),
# strand flips, strand-ambiguous SNPs, absent positions and allele
# mismatches; plink2 reads the same scores in VCF orientation by ID (only
# the rows duet must match).  SUM, AVG, ALLELE_CT and
# NAMED_ALLELE_DOSAGE_SUM must agree with plink2 to 1e-6 relative beyond
# plink2's printed precision (6 significant digits), with and without mean
# imputation, and with the independent computation to 1e-8 relative; the
# match report must equal the one planted.  A PGS Catalog 2.0 file (hm_pos
# right, chr_position wrong, is_dominant / is_recessive rows) is checked
# against the independent computation.
. "$TOP/tests/lib.sh"

G=$DATA/genotypes/uwgac_1kg_phase3_subset
if [ ! -d "$G" ]; then
    t_fail "reference data $G is missing"
    exit 0
fi
for tool in plink2 bcftools python3; do
    command -v $tool >/dev/null 2>&1 || { t_fail "$tool is not installed (tools/install-deps.sh)"; exit 0; }
done
REF=$TOP/tests/ref/score_ref.py
cd "$WORK" || exit 1

# below NAME LINE TOL: the maxrel of a score_ref.py compare line is below TOL
below() {
    local rel
    rel=$(printf '%s' "$2" | sed -n 's/^maxrel=\([^ ]*\) n=\([0-9]*\).*/\1/p')
    n=$(printf '%s' "$2" | sed -n 's/^maxrel=[^ ]* n=\([0-9]*\).*/\1/p')
    echo "# $1: $2"
    t_ok "$1: max relative difference ${rel:-?} < $3 over ${n:-0} values" \
        "[ \"\${n:-0}\" -gt 1000 ] && awk -v v=\"${rel:-1}\" -v t=\"$3\" 'BEGIN { exit !(v < t) }'"
}

# cohort NAME VCF SEED [multi]
cohort() {
    local name=$1 vcf=$2 seed=$3 multi=${4:-}
    local d=$WORK/$name
    mkdir -p "$d"
    bcftools view "$vcf" >"$d/in.vcf"
    python3 "$REF" prep "$d/in.vcf" "$d" "$seed" $multi
    bcftools view -Ob -o "$d/geno.bcf" "$d/geno.vcf" && bcftools index "$d/geno.bcf"
    t_true "$name: inputs prepared" [ -s "$d/geno.bcf.csi" ]
    t_run "$name: duet score" 0 "$DUET" score --vcf "$d/geno.bcf" --weights "$d/duet.tsv" \
        -o "$d/d" --threads 2 --no-version
    t_true "$name: match report as planted" grep -qF "score S1: $(cat "$d/counts.txt")" "$d/d.log"
    t_run "$name: plink2 --score" 0 plink2 --vcf "$d/geno.vcf" --score "$d/plink.txt" 1 2 \
        header-read cols=+scoresums --score-col-nums 3-4 --threads 2 --out "$d/p"
    below "$name: duet == plink2 (mean imputation)" "$(python3 "$REF" compare "$d/d.score.tsv" "$d/p.sscore" plink)" 1e-6
    # blocks of 4: many blocks read their dosages in place (half of their
    # variants scored), the others copy the scored columns
    t_run "$name: duet score --block 4" 0 "$DUET" score --vcf "$d/geno.bcf" --weights "$d/duet.tsv" \
        -o "$d/d4" --block 4 --no-version
    below "$name: duet --block 4 == plink2" "$(python3 "$REF" compare "$d/d4.score.tsv" "$d/p.sscore" plink)" 1e-6
    python3 "$REF" expect "$d/geno.vcf" "$d/truth.tsv" "$d/e.tsv"
    below "$name: duet == independent computation (S1-S3)" "$(python3 "$REF" compare "$d/d.score.tsv" "$d/e.tsv")" 1e-8

    t_run "$name: duet score --no-mean-imputation" 0 "$DUET" score --vcf "$d/geno.bcf" \
        --weights "$d/duet.tsv" -o "$d/dn" --no-mean-imputation --no-version
    t_run "$name: plink2 --score no-mean-imputation" 0 plink2 --vcf "$d/geno.vcf" --score "$d/plink.txt" 1 2 \
        header-read cols=+scoresums no-mean-imputation --score-col-nums 3-4 --threads 2 --out "$d/pn"
    below "$name: duet == plink2 (no-mean-imputation)" "$(python3 "$REF" compare "$d/dn.score.tsv" "$d/pn.sscore" plink)" 1e-6
    t_run "$name: duet score --no-mean-imputation --block 4" 0 "$DUET" score --vcf "$d/geno.bcf" \
        --weights "$d/duet.tsv" -o "$d/dn4" --no-mean-imputation --block 4 --no-version
    below "$name: duet --block 4 == plink2 (no-mean-imputation)" "$(python3 "$REF" compare "$d/dn4.score.tsv" "$d/pn.sscore" plink)" 1e-6

    t_run "$name: duet score --keep-ambiguous" 0 "$DUET" score --vcf "$d/geno.bcf" \
        --weights "$d/duet.tsv" -o "$d/da" --keep-ambiguous --no-version
    t_run "$name: plink2 --score with the ambiguous SNPs" 0 plink2 --vcf "$d/geno.vcf" \
        --score "$d/plink_amb.txt" 1 2 header-read cols=+scoresums --score-col-nums 3-4 --threads 2 --out "$d/pa"
    below "$name: duet --keep-ambiguous == plink2" "$(python3 "$REF" compare "$d/da.score.tsv" "$d/pa.sscore" plink)" 1e-6
    t_grep "$name: ambiguous SNPs kept and reported" 'ambiguous_kept' "$d/da.score.match.tsv"

    t_run "$name: PGS Catalog 2.0 file" 0 "$DUET" score --vcf "$d/geno.bcf" --weights "$d/pgs.txt" \
        -o "$d/g" --no-version
    t_grep "$name: PGS file matched in full by hm_chr/hm_pos" 'score PGS999999: ([0-9]+) variants: \1 matched' "$d/g.log"
    sed 's/PGS999999_/S1_/g' "$d/g.score.tsv" >"$d/g1.tsv"
    python3 "$REF" expect "$d/geno.vcf" "$d/pgs_truth.tsv" "$d/ge.tsv"
    below "$name: PGS with is_dominant/is_recessive == independent computation" \
        "$(python3 "$REF" compare "$d/g1.tsv" "$d/ge.tsv")" 1e-8
}

"$DUET" simulate --samples 2000 --variants 5000 --seed 11 -o "$WORK/sim" --quiet
t_true "simulated cohort" [ -s "$WORK/sim/genotypes.bcf" ]
cohort sim "$WORK/sim/genotypes.bcf" 5 multi
cohort 1kg "$G/1KG_phase3_subset_chr22.vcf.gz" 7
t_true "1kg: the real data has multi-allelic records" [ "$(grep -v '^#' "$WORK/1kg/geno.vcf" | cut -f5 | grep -c ,)" -gt 0 ]
