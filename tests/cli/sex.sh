# tests/cli/sex.sh -- samples' sexes and chrX, chrY, MT (geno.h, "Sex and
# ploidy") through duet freq, gwas and burden on a hand-made VCF whose
# counts are worked out below (and equal plink2 2.00a3.5 --freq/--missing
# with --update-sex and --split-par b37): hemizygous males (haploid, homozygous and
# heterozygous calls), a female's haploid call read as homozygous, samples
# of unknown sex diploid, chrY counted on males only, MT haploid, the PARs
# diploid; --sex in each layout it reads (.psam, .fam, FID IID SEX, IID
# SEX, any header with a SEX column); --par; the loud warning without
# sexes; and every documented bad --sex file: exit 4 with file:line and
# field, exit 3 when unreadable, exit 2 for bad --par / --xchr-model, and
# no output left behind.
. "$TOP/tests/lib.sh"

D=$WORK/d
O=$WORK/o
mkdir -p "$D" "$O"
{
    printf '##fileformat=VCFv4.2\n'
    for c in 1 X Y MT; do printf '##contig=<ID=%s>\n' "$c"; done
    printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tM1\tM2\tM3\tF1\tF2\tU1\n'
    printf '1\t1000\tauto\tA\tG\t.\t.\t.\tGT\t0/1\t1/1\t0/0\t0/1\t0/0\t1/1\n'
    printf 'X\t100000\tpar1\tA\tG\t.\t.\t.\tGT\t0/1\t1/1\t0/0\t0/1\t0/0\t1/1\n'
    printf 'X\t5000000\thap\tA\tG\t.\t.\t.\tGT\t1\t0\t1/1\t0/1\t1\t0/1\n'
    printf 'X\t5000100\thet\tA\tG\t.\t.\t.\tGT\t0/1\t.\t1\t1/1\t./.\t1\n'
    printf 'Y\t3000000\ty\tA\tG\t.\t.\t.\tGT\t1\t0\t1\t0/1\t.\t1\n'
    printf 'MT\t100\tmt\tA\tG\t.\t.\t.\tGT\t1\t0/1\t0\t1/1\t1\t0\n'
} >"$D/s.vcf"
printf '#IID\tSEX\nM1\t1\nM2\t1\nM3\tM\nF1\t2\nF2\tF\nU1\tNA\n' >"$D/s.psam"

# expected rows: id alt_allele_count n_called n_missing alt_allele_freq
#   auto, par1: diploid, 6 of 12
#   hap: males 1 + 0 + 1 (1/1 is one allele) of 3; F1 1 of 2; F2's haploid
#        "1" homozygous, 2 of 2; U1 diploid 1 of 2: 6 of 9
#   het: M1's 0/1 half an allele of 1, M2 missing, M3 1 of 1; F1 2 of 2,
#        F2 missing; U1's haploid "1" homozygous 2 of 2: 5.5 of 6
#   y:   males only, 2 of 3; F1, F2, U1 neither called nor missing
#   mt:  everyone haploid, 0/1 half an allele: 1 + .5 + 0 + 1 + 1 + 0 of 6
cat >"$D/want.txt" <<'EOF'
auto	6	6	0	0.5
par1	6	6	0	0.5
hap	6	6	0	0.66666667
het	5.5	4	2	0.91666667
y	2	3	0	0.66666667
mt	3.5	6	0	0.58333333
EOF
got() { awk -F'\t' '!/^#/ && NR > 1 { print $3 "\t" $9 "\t" $7 "\t" $8 "\t" $6 }' "$1"; }

t_run "freq --sex .psam" 0 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/s.psam" -o "$O/p" --no-version
got "$O/p.afreq.tsv" >"$D/got.txt"
t_true "freq --sex: counts as plink2 counts them (worked out by hand)" cmp -s "$D/want.txt" "$D/got.txt"
[ -f "$D/got.txt" ] && diff "$D/want.txt" "$D/got.txt" | sed 's/^/# /'
t_grep "freq --sex logs the counts" "sex from .*s.psam: 3 males, 2 females, 1 unknown; chrX PARs b37" "$WORK/err"

# the other layouts give the same table
printf 'M1 M1 0 0 1 -9\nM2 M2 0 0 1 -9\nM3 M3 0 0 1 -9\nF1 F1 0 0 2 -9\nF2 F2 0 0 2 -9\nU1 U1 0 0 0 -9\n' >"$D/s.fam"
printf 'M1 M1 1\nM2 M2 1\nM3 M3 m\nF1 F1 f\nF2 F2 2\nU1 U1 0\n' >"$D/s3.txt"
printf 'M1\tmale\nM2\t1\nM3\t1\nF1\tfemale\nF2\t2\n' >"$D/s2.txt"
printf 'IID\tage\tsex\nM1\t50\t1\nM2\t51\t1\nM3\t52\t1\nF1\t53\t2\nF2\t54\t2\nU1\t55\tNA\n' >"$D/covar.tsv"
for f in s.fam s3.txt s2.txt covar.tsv; do
    t_run "freq --sex $f" 0 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/$f" -o "$O/$f" --no-version
    t_true "--sex $f gives the .psam's table" cmp -s "$O/p.afreq.tsv" "$O/$f.afreq.tsv"
done

# --par none: the PAR1 record is chrX; males hemizygous there too
t_run "freq --par none" 0 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/s.psam" --par none -o "$O/pn" --no-version
t_true "--par none: PAR1's males count one allele (0.5 + 1 + 0 of 3, 3 + 1.5 in all)" \
    [ "$(got "$O/pn.afreq.tsv" | awk '$1 == "par1" { print $2 }')" = 4.5 ]
t_run "freq --par 50000,155000000" 0 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/s.psam" --par 50000,155000000 -o "$O/pc" --no-version
t_true "--par BP1,BP2 places 100000 outside PAR1" cmp -s "$O/pn.afreq.tsv" "$O/pc.afreq.tsv"

# no sexes: every contig diploid, loudly
t_run "freq without --sex" 0 "$DUET" freq --vcf "$D/s.vcf" -o "$O/n" --no-version
t_grep "without --sex a loud warning that chrX, chrY and MT are read as diploid" \
    "no sample's sex is known: chrX, chrY and MT .* DIPLOID" "$WORK/err"
t_true "without --sex the het male counts a diploid call (5 of 6)" \
    [ "$(got "$O/n.afreq.tsv" | awk '$1 == "het" { print $2 "/" $5 }')" = "5/0.83333333" ]
printf '#IID\tSEX\nM1\tNA\nM2\t0\n' >"$D/none.psam"
t_run "freq --sex with nobody's sex known" 0 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/none.psam" -o "$O/nn" --no-version
t_grep "... warns the same" "no sample's sex is known" "$WORK/err"
t_true "... and reads as without --sex" cmp -s "$O/n.afreq.tsv" "$O/nn.afreq.tsv"

# ------------------------------------------------------------ bad inputs
E=$O/e
mkdir -p "$E"
printf '#IID\tSEX\nM1\t1\nM2\tX\n' >"$D/bad1.psam"
printf '#IID\tPHENO\nM1\t1\n' >"$D/bad2.psam"
printf 'M1 M1 1 2\n' >"$D/bad3.txt"
printf '#FID\tIID\tSEX\nM1\tM1\t1\nM2\n' >"$D/bad4.psam"
printf '#IID\tSEX\nM1\t1\nM1\t2\n' >"$D/bad5.psam"
t_run "freq: a value that is not a sex code exits 4" 4 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/bad1.psam" -o "$E/a"
t_grep "... naming file, line and field" "bad1.psam:3: field 2 \(SEX\): 'X' is not a sex code" "$WORK/err"
t_run "freq: a header without SEX exits 4" 4 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/bad2.psam" -o "$E/b"
t_grep "... naming file and line" "bad2.psam:1: the header has no SEX column" "$WORK/err"
t_run "freq: no header and 4 fields exits 4" 4 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/bad3.txt" -o "$E/c"
t_grep "... naming file and line" "bad3.txt:1: 4 fields and no header" "$WORK/err"
t_run "freq: a line without the SEX field exits 4" 4 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/bad4.psam" -o "$E/d"
t_grep "... naming file, line and field" "bad4.psam:3: 1 field, the SEX column is field 3" "$WORK/err"
t_run "freq: a sample given two sexes exits 4" 4 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/bad5.psam" -o "$E/e"
t_grep "... naming file and line" "bad5.psam:3: sample 'M1' is given twice with different sexes" "$WORK/err"
t_run "freq: an unreadable --sex file exits 3" 3 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/nope.psam" -o "$E/f"
t_run "freq: bad --par exits 2" 2 "$DUET" freq --vcf "$D/s.vcf" --sex "$D/s.psam" --par b39 -o "$E/g"
t_grep "... saying what --par takes" "--par expects b37, b38, none or BP1,BP2" "$WORK/err"
t_run "freq: --par with BP1 >= BP2 exits 2" 2 "$DUET" freq --vcf "$D/s.vcf" --par 10,5 -o "$E/h"

# gwas and burden read --sex through the same code
printf '#IID\ty\nM1\t0.1\nM2\t1.3\nM3\t-0.4\nF1\t0.8\nF2\t-1.1\nU1\t0.2\n' >"$D/pheno.tsv"
t_run "gwas: a bad --sex file exits 4" 4 "$DUET" gwas --vcf "$D/s.vcf" --pheno "$D/pheno.tsv" --sex "$D/bad1.psam" -o "$E/g1"
t_grep "... naming file, line and field" "bad1.psam:3: field 2 \(SEX\)" "$WORK/err"
t_run "gwas: bad --xchr-model exits 2" 2 "$DUET" gwas --vcf "$D/s.vcf" --pheno "$D/pheno.tsv" --xchr-model 3 -o "$E/g2"
t_run "gwas: bad --par exits 2" 2 "$DUET" gwas --vcf "$D/s.vcf" --pheno "$D/pheno.tsv" --par hg17 -o "$E/g3"
printf 'G\tX\t5000000\thap,het\n' >"$D/set.txt"
printf 'hap\tG\tpLoF\nhet\tG\tpLoF\n' >"$D/anno.txt"
printf 'M\tpLoF\n' >"$D/mask.txt"
t_run "burden: a bad --sex file exits 4" 4 "$DUET" burden --vcf "$D/s.vcf" --anno "$D/anno.txt" \
    --set-list "$D/set.txt" --mask-def "$D/mask.txt" --pheno "$D/pheno.tsv" --sex "$D/bad2.psam" -o "$E/b1"
t_grep "... naming file and line" "bad2.psam:1: the header has no SEX column" "$WORK/err"
left=$(find "$E" -mindepth 1 | head -3)
t_true "no output of a failed run is left behind ($left)" [ -z "$left" ]
t_no_partial "no temporaries left behind" "$E"

# gwas: the chrX and chrY set-ups and the sidecar
t_run "gwas --sex --genome-build GRCh38" 0 "$DUET" gwas --vcf "$D/s.vcf" --pheno "$D/pheno.tsv" \
    --sex "$D/s.psam" --genome-build GRCh38 -o "$O/g" --no-version
t_grep "the sidecar names the sex source and counts" '^  sex: "s.psam: 3 males, 2 females, 1 unknown"$' "$O/g.y.gwas.yaml"
t_grep "--genome-build GRCh38 sets GRCh38's PARs" "^  par: b38$" "$O/g.y.gwas.yaml"
t_grep "the sidecar gives plink2's chrX model" "^  xchr_model: 2$" "$O/g.y.gwas.yaml"
t_true "chrX outside the PARs: the sample of unknown sex left out (n = 5, the others 6)" \
    [ "$(zcat "$O/g.y.gwas.tsv.gz" | awk -F'\t' 'NR > 1 { printf "%s:%s ", $14, $16 }')" = "1_1000_A_G:6 X_100000_A_G:6 X_5000000_A_G:5 X_5000100_A_G:5 Y_3000000_A_G:3 MT_100_A_G:6 " ]
t_grep "the sidecar's lambda GC over MAF >= 1%" "^  lambda_gc_min_maf: 0.01$" "$O/g.y.gwas.yaml"
t_run "gwas --xchr-model 0" 0 "$DUET" gwas --vcf "$D/s.vcf" --pheno "$D/pheno.tsv" --sex "$D/s.psam" --xchr-model 0 -o "$O/g0" --no-version
t_true "--xchr-model 0 leaves chrX outside the PARs untested" \
    [ "$(zcat "$O/g0.y.gwas.tsv.gz" | awk -F'\t' 'NR > 1 { printf "%s ", $14 }')" = "1_1000_A_G X_100000_A_G Y_3000000_A_G MT_100_A_G " ]
t_grep "... and says so in the log" "2 on chrX or chrY not tested \(--xchr-model 0\)" "$O/g0.log"
# a trait of females only, too few to test on chrX: chrX and chrY are
# left untested, the run goes on
printf '#IID\tf\nM1\tNA\nM2\tNA\nM3\tNA\nF1\t0.8\nF2\t-1.1\nU1\t0.2\n' >"$D/fem.tsv"
t_run "gwas of a trait of two females and one unknown" 0 "$DUET" gwas --vcf "$D/s.vcf" --pheno "$D/fem.tsv" --sex "$D/s.psam" -o "$O/gf" --no-version
t_grep "... warns that chrX is not tested" "no trait can be tested among the 2 samples of known sex .*chrX's .*variants are not tested" "$WORK/err"
t_grep "... and counts chrX and chrY in the log" "3 on chrX or chrY not tested \(no trait testable in their samples\)" "$O/gf.log"
