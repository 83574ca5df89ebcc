# tests/cli/meta.sh -- `duet meta`: three small studies in the three input
# formats (GWAS-SSF with "chr" names, plink2 --glm, regenie) with swapped
# alleles, a strand flip, a multi-allelic site, variants in one or two
# studies and chromosomes 1, 2, 10, X, MT; the expected table, values
# checked by hand, --scheme samplesize, --min-studies, --gc against a
# median computed here, stdout output, determinism across --threads, and
# that merge, plot and tabix read the output.  Bad inputs give their
# documented exit codes with nothing left behind: unsorted rows and
# chromosomes (4, file:line), non-numeric and infinite statistics (4,
# file:line:column), a duplicated variant (4), no standard errors (4
# unless --scheme samplesize; then no sample size is 4 unless --n), one
# study (2), different traits (a warning), missing input (3), existing
# output (7).
. "$TOP/tests/lib.sh"
EXP=$TOP/tests/expected/meta
cd "$WORK" || exit 1

# Study 1, GWAS-SSF with chr names.  1:100: b 0.1, 0.3 (study 2, swapped),
# 0.2 (study 3), all se 0.05: beta 0.2, se 0.05/sqrt(3), Q = 8, I^2 75%.
{
printf 'chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\tstandard_error\teffect_allele_frequency\tp_value\trsid\tn\n'
printf 'chr1\t100\tA\tG\t0.1\t0.05\t0.3\t0.0455\trs100\t1000\n'
printf 'chr1\t200\tC\tT\t-0.2\t0.1\t0.1\t0.0455\t#NA\t1000\n'
printf 'chr1\t250\tA\tG\t0.05\t0.1\t0.2\t0.617\t#NA\t1000\n'
printf 'chr1\t300\tA\tC\t0.3\t0.2\t0.05\t0.134\t#NA\t1000\n'
printf 'chr1\t300\tA\tT\t0.1\t0.2\t0.05\t0.617\t#NA\t1000\n'
printf 'chr2\t50\tG\tA\t#NA\t#NA\t#NA\t#NA\t#NA\t1000\n'
printf 'chr10\t5\tAT\tA\t0.4\t0.2\t0.4\t0.0455\t#NA\t1000\n'
printf 'chrX\t10\tG\tC\t0.1\t0.1\t0.5\t0.317\t#NA\t1000\n'
} >s1.tsv
printf 'trait_description:\n  - "ldl"\n' >s1.yaml
# Study 2, plink2 --glm: A1 is REF at 1:100 (swapped), T/C at 1:250 is
# study 1's A/G on the other strand (dropped), a non-ADD row skipped.
{
printf '#CHROM\tPOS\tID\tREF\tALT\tA1\tTEST\tOBS_CT\tBETA\tSE\tT_STAT\tP\tERRCODE\n'
printf '1\t100\trs100\tA\tG\tG\tADD\t2000\t-0.3\t0.05\t-6\t1.97e-09\t.\n'
printf '1\t100\trs100\tA\tG\tG\tDOMDEV\t2000\t0.01\t0.05\t0.2\t0.84\t.\n'
printf '1\t250\t.\tT\tC\tC\tADD\t2000\t0.07\t0.1\t0.7\t0.484\t.\n'
printf '1\t300\t.\tA\tT\tT\tADD\t2000\t-0.2\t0.2\t-1\t0.317\t.\n'
printf '2\t50\t.\tG\tA\tA\tADD\t2000\t0.15\t0.05\t3\t0.0027\t.\n'
printf '10\t5\t.\tA\tAT\tAT\tADD\t2000\t0.2\t0.2\t1\t0.317\t.\n'
printf 'MT\t7\t.\tA\tG\tG\tADD\t2000\t0.01\t0.1\t0.1\t0.92\t.\n'
} >s2.glm.linear
# Study 3, regenie (effect ALLELE1).
{
printf 'CHROM GENPOS ID ALLELE0 ALLELE1 A1FREQ N TEST BETA SE CHISQ LOG10P\n'
printf '1 100 rs100 G A 0.32 500 ADD 0.2 0.05 16 4.2\n'
printf '1 200 x C T 0.88 500 ADD 0.25 0.1 6.25 1.9\n'
printf '1 300 y A G 0.02 500 ADD 0.5 0.3 2.78 1.0\n'
printf '23 10 z C G 0.5 500 ADD -0.1 0.1 1 0.5\n'
} >s3.regenie
printf 'trait_description:\n  - "ldl"\n' >s3.yaml

mkdir -p o
t_run "meta of three formats" 0 "$DUET" meta s1.tsv s2.glm.linear s3.regenie -o o/m --no-version
t_true "bgzip output, tabix index, YAML sidecar, log" \
    [ -s o/m.meta.tsv.gz ] && [ -s o/m.meta.tsv.gz.tbi ] && [ -s o/m.meta.yaml ] && [ -s o/m.meta.log ]
zcat o/m.meta.tsv.gz >o/m.tsv
t_expect "meta table" "$EXP/small.meta.tsv" o/m.tsv
t_true "standard GWAS-SSF columns first, in order" \
    [ "$(head -1 o/m.tsv | cut -f1-16)" = "$(printf 'chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\todds_ratio\tstandard_error\teffect_allele_frequency\tp_value\tneg_log_10_p_value\tci_upper\tci_lower\trsid\tvariant_id\tinfo\tn')" ]
# 1:100 by hand: beta 0.2, se 0.05/sqrt(3) = 0.02886751346, Q 8 on 2 df
# (p = exp(-4)), I^2 = 75%, tau^2 = (8 - 2) / (1200 - 1200/3) = 0.0075
t_grep "1:100 beta 0.2, se 0.05/sqrt(3), n 3500, +++" \
    '^1	100	A	G	0.2	#NA	0.02886751346	[^	]+	[^	]+	[^	]+	[^	]+	[^	]+	rs100	1_100_G_A	#NA	3500	3	\+\+\+	' o/m.tsv
t_grep "1:100 Q 8, df 2, p exp(-4), I^2 75, tau^2 0.0075" \
    '	3	\+\+\+	6.92820323	8	2	0.01831563889	75	0.0075	' o/m.tsv
t_grep "1:250 strand flip dropped: study 1 only" '^1	250	A	G	.*	1	\+\?\?	' o/m.tsv
t_grep "multi-allelic 1:300 A/C: study 1 only" '^1	300	A	C	.*	1	\+\?\?	' o/m.tsv
t_grep "multi-allelic 1:300 A/T: studies 1 and 2 (2 swapped)" '^1	300	A	T	.*	2	\+\+\?	' o/m.tsv
t_grep "multi-allelic 1:300 G/A: study 3 only, its alleles" '^1	300	G	A	.*	1	\?\?\+	' o/m.tsv
t_grep "2:50: NA row of study 1 absent; study 2 gives the alleles" '^2	50	A	G	.*	1	\?\+\?	' o/m.tsv
t_grep "chrX, 23 and X matched; written X" '^X	10	G	C	.*	2	\+\?-	' o/m.tsv
t_true "chromosomes in order 1, 2, 10, X, MT" \
    [ "$(cut -f1 o/m.tsv | uniq | tr '\n' ' ')" = "chromosome 1 2 10 X MT " ]
t_grep "log: study 2 swapped 2, 1 allele mismatch, 1 non-additive row" \
    '^2	s2.glm.linear	plink2	#NA	6	[0-9]+	2	1	0	1	' o/m.meta.log
t_grep "YAML: trait" '^  - "ldl"$' o/m.meta.yaml
t_grep "YAML: variants written" '^  variants_written: 10$' o/m.meta.yaml
t_grep "YAML: sample_size = 1000 + 2000 + 500" '^sample_size: 3500$' o/m.meta.yaml
t_nogrep "--no-version: no software line" 'analysis_software' o/m.meta.yaml
t_nogrep "no NaN or inf in the table" '(^|	)-?(nan|inf)' <(tail -n +2 o/m.tsv)
t_run "tabix reads the index" 0 tabix o/m.meta.tsv.gz 1:200-300
t_true "tabix: 5 rows at 1:200-300" [ "$(grep -c . "$WORK/out")" -eq 5 ]
t_run "duet merge reads the output" 0 "$DUET" merge o/m.meta.tsv.gz -o o/merged.tsv.gz
t_true "merged == the output" cmp -s o/m.tsv <(zcat o/merged.tsv.gz)
t_run "duet plot manhattan reads the output" 0 "$DUET" plot manhattan o/m.meta.tsv.gz -o o/m.svg
t_run "duet plot qq reads the output" 0 "$DUET" plot qq o/m.meta.tsv.gz -o o/q.svg

t_run "provenance in the sidecar" 0 "$DUET" meta s1.tsv s2.glm.linear s3.regenie -o o/v
t_grep "sidecar: software" '^analysis_software: "duet ' o/v.meta.yaml
t_grep "sidecar: command line" '^  command: "duet meta s1.tsv' o/v.meta.yaml
t_grep "log: command line" '^# duet meta s1.tsv' o/v.meta.log
t_run "-o - writes the table to stdout" 0 "$DUET" meta s1.tsv s2.glm.linear s3.regenie -o - --no-version
t_true "stdout == the file's table" cmp -s "$WORK/out" o/m.tsv
t_run "--threads 2" 0 "$DUET" meta s1.tsv s2.glm.linear s3.regenie -o o/t2 --no-version --threads 2
t_true "--threads 1 and 2 give identical bytes" cmp -s o/m.meta.tsv.gz o/t2.meta.tsv.gz

t_run "--min-studies 2" 0 "$DUET" meta --min-studies 2 s1.tsv s2.glm.linear s3.regenie -o - --no-version
t_true "--min-studies 2: 5 variants" [ "$(tail -n +2 "$WORK/out" | grep -c .)" -eq 5 ]

# Sample size: z from p and the sign of beta, weights sqrt(n); 1:100 by
# hand from the three p-values and n 1000, 2000, 500.
t_run "--scheme samplesize" 0 "$DUET" meta --scheme samplesize s1.tsv s2.glm.linear s3.regenie \
    -o o/ss --no-version
zcat o/ss.meta.tsv.gz >o/ss.tsv
t_expect "samplesize table" "$EXP/small.samplesize.tsv" o/ss.tsv
want=$(Rscript -e 'z <- c(1, 1, 1) * qnorm(c(0.0455, 1.97e-09, 10^-4.2) / 2, lower.tail = FALSE); cat(sprintf("%.10g", sum(sqrt(c(1000, 2000, 500)) * z) / sqrt(3500)))' 2>/dev/null)
t_grep "samplesize 1:100 Z = $want (R)" "^1	100	A	G	#NA	#NA	#NA	.*	3500	3	\\+\\+\\+	$want	" o/ss.tsv

# Genomic control: study 4's chi-squares (b/se)^2 have median 4 (lambda
# 8.79), study 5's below 1 (no correction)
{
printf 'chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\tstandard_error\tp_value\n'
for i in 1 2 3 4 5; do printf '1\t%d\tA\tG\t%d\t1\t0.5\n' $((i * 10)) $((i - 1)); done
} >s4.tsv
{
printf 'chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\tstandard_error\tp_value\n'
for i in 1 2 3 4; do printf '1\t%d\tA\tG\t0.1\t1\t0.9\n' $((i * 10)); done
} >s5.tsv
lambda=$(awk -F'\t' 'NR > 1 { print ($5 / $6)^2 }' s4.tsv | sort -g |
    awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                              printf "%.4f", m / 0.45493642311957283 }')
t_run "--gc" 0 "$DUET" meta --gc s4.tsv s5.tsv -o o/gc --no-version
t_grep "--gc: study 4 lambda $lambda (median computed here)" "^1	s4.tsv	GWAS-SSF	#NA	5	5	0	0	0	0	$lambda\$" o/gc.meta.log
t_grep "--gc: lambda in the sidecar" "^      lambda_gc: $lambda\$" o/gc.meta.yaml
se=$(awk -v l="$lambda" 'BEGIN { printf "%.4g", sqrt(l) }')
t_ok "--gc: 1:50 (study 4 only) se = sqrt(lambda) = $se" \
    "[ \"\$(zcat o/gc.meta.tsv.gz | awk -F'\t' '\$2 == 50 { printf \"%.4g\", \$7 }')\" = $se ]"

# Bad inputs: exit codes, messages, nothing left behind.
mkdir -p e
printf 'chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\tstandard_error\tp_value\n' >hdr
{ cat hdr; printf '1\t200\tA\tG\t0.1\t0.1\t0.3\n1\t100\tA\tG\t0.1\t0.1\t0.3\n'; } >unsorted.tsv
t_run "unsorted positions exit 4" 4 "$DUET" meta s1.tsv unsorted.tsv -o e/a
t_grep "unsorted: file:line named" 'unsorted.tsv:3: 1:100 comes after 1:200: the file is not sorted' "$WORK/err"
{ cat hdr; printf '10\t200\tA\tG\t0.1\t0.1\t0.3\n2\t100\tA\tG\t0.1\t0.1\t0.3\n'; } >unsorted2.tsv
t_run "chromosome 2 after 10 exits 4" 4 "$DUET" meta s1.tsv unsorted2.tsv -o e/b
t_grep "chromosome order: file:line named" 'unsorted2.tsv:3: 2:100 comes after 10:200' "$WORK/err"
{ cat hdr; printf '1\t100\tA\tG\tabc\t0.1\t0.3\n'; } >text.tsv
t_run "non-numeric beta exits 4" 4 "$DUET" meta s1.tsv text.tsv -o e/c
t_grep "non-numeric: file:line:column" 'text.tsv:2:5' "$WORK/err"
{ cat hdr; printf '1\t100\tA\tG\t0.1\tinf\t0.3\n'; } >inf.tsv
t_run "infinite standard error exits 4" 4 "$DUET" meta s1.tsv inf.tsv -o e/d
t_grep "infinite: file:line:column" 'inf.tsv:2:6' "$WORK/err"
{ cat hdr; printf '1\t100\tA\tG\t0.1\t0.1\t0.3\n1\t100\tG\tA\t-0.1\t0.1\t0.3\n'; } >dup.tsv
t_run "duplicated variant exits 4" 4 "$DUET" meta s1.tsv dup.tsv -o e/e
t_grep "duplicate: file:line" 'dup.tsv:3: variant 1:100 G/A appears twice \(line 2\)' "$WORK/err"
printf 'chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\tp_value\n1\t100\tA\tG\t0.1\t0.3\n' >nose.tsv
t_run "no standard errors exits 4" 4 "$DUET" meta s1.tsv nose.tsv -o e/f
t_grep "no SE: the file named, samplesize suggested" 'nose.tsv: no standard_error column.*--scheme samplesize' "$WORK/err"
t_run "no SE, --scheme samplesize without n exits 4" 4 "$DUET" meta --scheme samplesize s1.tsv nose.tsv -o e/g
t_grep "no n: file:line and --n named" 'nose.tsv:2: no sample size.*--n' "$WORK/err"
t_run "no SE, --scheme samplesize --n .,800" 0 "$DUET" meta --scheme samplesize --n .,800 s1.tsv nose.tsv -o o/n --no-version
t_grep "--n: 1000 + 800 at 1:100" '^1	100	A	G	.*	1800	2	\+\+	' <(zcat o/n.meta.tsv.gz)
t_run "--n with a wrong count exits 2" 2 "$DUET" meta --scheme samplesize --n 800 s1.tsv nose.tsv -o e/h
printf 'trait_description:\n  - "hdl"\n' >nose.yaml
t_run "different traits: a warning" 0 "$DUET" meta --scheme samplesize --n .,800 s1.tsv nose.tsv -o o/w
t_grep "different traits: both named" "warning: the studies name different traits.*'ldl' \\(s1.tsv\\) and 'hdl' \\(nose.tsv\\)" "$WORK/err"
t_run "one study exits 2" 2 "$DUET" meta s1.tsv -o e/i
t_grep "one study: said" 'one study given' "$WORK/err"
t_run "missing input exits 3" 3 "$DUET" meta s1.tsv nope.tsv -o e/j
t_run "--min-studies above the studies exits 2" 2 "$DUET" meta --min-studies 3 s1.tsv s3.regenie -o e/k
t_run "--scheme other exits 2" 2 "$DUET" meta --scheme fixed s1.tsv s3.regenie -o e/l
t_run "no -o exits 2" 2 "$DUET" meta s1.tsv s3.regenie
t_run "existing output without --force exits 7" 7 "$DUET" meta s1.tsv s2.glm.linear s3.regenie -o o/m
t_run "an input as the output exits 2, even with --force" 2 "$DUET" meta o/m.meta.tsv.gz s1.tsv -o o/m --force
t_grep "input as output: said" "the output 'o/m.meta.tsv.gz' is also an input" "$WORK/err"
t_run "existing output with --force" 0 "$DUET" meta s1.tsv s2.glm.linear s3.regenie -o o/m --force --no-version
t_true "--force: same table" cmp -s o/m.tsv <(zcat o/m.meta.tsv.gz)
t_no_partial "no temporary files left behind" "$WORK/e"
t_no_partial "no temporary files left in o/" "$WORK/o"
t_true "failed runs wrote nothing" [ -z "$(ls -A e)" ]
