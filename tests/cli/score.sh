# tests/cli/score.sh -- `duet score`: expected tables for the three weights
# formats (duet weights with swaps, a strand flip, an ambiguous SNP, a
# multi-allelic record, a duplicated VCF record, absent and mismatched
# rows; a PGS Catalog 2.0 file with is_dominant / is_recessive; a plink2
# --score file with --score-col-nums), several files in one run, the
# options (--match-id, --keep-ambiguous, --no-mean-imputation, --samples,
# --min-overlap), determinism across --threads and --block, the output read
# by duet phewas --score, and every documented bad input with its exit code,
# its message and nothing left behind.
. "$TOP/tests/lib.sh"
EXP=$TOP/tests/expected/score

cat >"$WORK/small.vcf" <<'VCF'
##fileformat=VCFv4.2
##contig=<ID=1,length=1000000>
##contig=<ID=2,length=1000000>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	A	B	C	D	E	F
1	100	rs1	A	G	.	.	.	GT	0|0	0|1	1|1	./.	1/0	0/0
1	200	rs2	C	T,A	.	.	.	GT	0/1	1/2	2/2	0/0	./.	0|2
1	300	rs3	A	T	.	.	.	GT	0/1	1/1	0/0	0/0	0/1	0|0
1	400	rs4	G	A	.	.	.	GT	0/1	./.	1/1	0/0	0/1	1|1
2	100	rs5	C	A	.	.	.	GT	0/1	0/0	1/1	0/1	0/0	0|0
2	100	rs5dup	C	A	.	.	.	GT	1/1	1/1	1/1	1/1	1/1	1|1
VCF
bcftools view -Ob -o "$WORK/small.bcf" "$WORK/small.vcf" && bcftools index "$WORK/small.bcf"
t_true "small VCF converted with bcftools" [ -s "$WORK/small.bcf.csi" ]

printf '## weights for tests/cli/score.sh\nchromosome\tbase_pair_location\tvariant_id\teffect_allele\tother_allele\ta\tb\n' >"$WORK/w.tsv"
cat >>"$WORK/w.tsv" <<'W'
1	100	rs1	G	A	0.5	NA
1	200	rs2	C	A	0.25	1
1	300	rs3	T	A	1	1
chr1	400	rs4	T	C	2	NA
2	100	rs5	A	C	-1	-1
3	500	rs9	A	G	1	1
1	100	rs1x	T	TT	1	1
W

mkdir -p "$WORK/o"
t_run "duet weights file" 0 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" -o "$WORK/o/w" --no-version
t_expect "duet weights: scores" "$EXP/w.score.tsv" "$WORK/o/w.score.tsv"
t_expect "duet weights: match table" "$EXP/w.score.match.tsv" "$WORK/o/w.score.match.tsv"
sed "s|$WORK/||g" "$WORK/o/w.log" >"$WORK/w.log"
t_expect "duet weights: log (paths as given, folder removed)" "$EXP/w.log" "$WORK/w.log"
t_grep "report: score a" 'score a: 7 variants: 4 matched \(57.14%; 1 swapped, 1 flipped, 0 ambiguous kept\), 1 ambiguous dropped, 1 allele mismatch, 1 absent, 1 duplicated' "$WORK/o/w.log"
t_grep "report: score b counts only its rows" 'score b: 5 variants: 2 matched' "$WORK/o/w.log"
# Sample A by hand: rs1 G 0 x 0.5; rs2 REF C count 2 - (1 T + 0 G) = 1 x
# 0.25; rs4 A count 1 x 2 (flipped T/C -> A/G); rs5 A count 1 x -1 (the
# duplicated record rs5dup ignored): a_SUM 1.25 over 4 rows (8 alleles);
# b: 1 x 1 - 1 = 0.
t_grep "sample A by hand: a_SUM 1.25, a_AVG 1.25/8" '^A	8	3	0.15625	0	1.25	0$' "$WORK/o/w.score.tsv"
# Sample D: rs1 missing, imputed with the mean G count 4/5 = 0.8 (x 0.5);
# rs2 REF count 2 x 0.25; rs5 -1: a_SUM -0.1, AVG over every scored allele.
t_grep "sample D: missing call mean-imputed" '^D	6	3	-0.0125	0.25	-0.1	1$' "$WORK/o/w.score.tsv"
t_grep "match table: swap on the right ALT of a multi-allelic record" '	swapped	1	200	C	A	REF$' "$WORK/o/w.score.match.tsv"
t_grep "match table: strand flip" '	flipped	1	400	G	A	ALT$' "$WORK/o/w.score.match.tsv"
t_grep "match table: ambiguous SNP dropped" '	ambiguous_dropped	NA' "$WORK/o/w.score.match.tsv"
t_grep "match table: absent" '	absent	NA' "$WORK/o/w.score.match.tsv"
t_grep "match table: allele mismatch" '	allele_mismatch	NA' "$WORK/o/w.score.match.tsv"

t_run "--no-mean-imputation" 0 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" \
    -o "$WORK/o/n" --no-mean-imputation --no-version
t_grep "sample D without imputation: 0 for the missing call, AVG over its 6 alleles" '^D	6	3	-0.08333333333	0.25	-0.5	1$' "$WORK/o/n.score.tsv"
t_run "--keep-ambiguous" 0 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" \
    -o "$WORK/o/k" --keep-ambiguous --no-version
t_grep "--keep-ambiguous: kept on the forward strand" '	ambiguous_kept	1	300	A	T	ALT$' "$WORK/o/k.score.match.tsv"
# B: rs1 1 x 0.5, rs2 REF count 0, rs3 T count 2 x 1, rs4 missing: mean A
# count 6/5 x 2, rs5 0: a_SUM 4.9 over 5 rows; b: 2 over 3 rows.
t_grep "--keep-ambiguous: sample B by hand" '^B	8	3	0.49	0.3333333333	4.9	2$' "$WORK/o/k.score.tsv"

cat >"$WORK/pgs.txt" <<'P'
###PGS CATALOG SCORING FILE - see https://www.pgscatalog.org/downloads/#dl_ftp_scoring for additional information
#format_version=2.0
##POLYGENIC SCORE (PGS) INFORMATION
#pgs_id=PGS000999
#pgs_name=test
#genome_build=GRCh37
##HARMONIZATION DETAILS
#HmPOS_build=GRCh37
rsID	chr_name	chr_position	effect_allele	other_allele	effect_weight	is_dominant	is_recessive	hm_chr	hm_pos
rs1	1	9100	G	A	1	True	False	1	100
rs2	1	9200	A	C	1	False	True	1	200
rs5	2	9100	A	C	0.5	False	False	2	100
P
t_run "PGS Catalog 2.0 file" 0 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/pgs.txt" -o "$WORK/o/pgs" --no-version
t_expect "PGS: scores" "$EXP/pgs.score.tsv" "$WORK/o/pgs.score.tsv"
# C: rs1 1/1 dominant 1; rs2 2/2 recessive 1; rs5 1/1 additive 2 x 0.5
t_grep "PGS: dominant, recessive and additive rows (sample C: 1 + 1 + 1)" '^C	6	6	0.5	3$' "$WORK/o/pgs.score.tsv"
t_grep "PGS: named by #pgs_id, matched by hm_pos" 'score PGS000999: 3 variants: 3 matched' "$WORK/o/pgs.log"
t_grep "PGS: model in the match table" '	dominant	PGS000999	matched	' "$WORK/o/pgs.score.match.tsv"

printf 'ID\tA1\tx\tS1\tS2\nrs1\tG\tq\t1\t2\nrs2\tC\tq\t0.5\t0\nrs4\tA\tq\t1\t-1\n' >"$WORK/plink.txt"
t_run "plink2 --score file, --score-col-nums 4-5" 0 "$DUET" score --vcf "$WORK/small.bcf" \
    --weights "$WORK/plink.txt" --score-col-nums 4-5 -o "$WORK/o/pl" --no-version
t_expect "plink2 file: scores" "$EXP/pl.score.tsv" "$WORK/o/pl.score.tsv"
t_grep "plink2 file: matched by ID" 'score S1: 3 variants: 3 matched \(100.00%; 1 swapped' "$WORK/o/pl.log"
t_run "several files in one run" 0 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" \
    --weights "$WORK/pgs.txt" --weights "$WORK/plink.txt" --score-col-nums 4-5 -o "$WORK/o/all" --no-version
t_true "several files: the columns of each score as in its own run" \
    [ "$(cut -f1,4,5,9,10 "$WORK/o/all.score.tsv" | tail -n +2)" = "$(cut -f1,4-7 "$WORK/o/w.score.tsv" | tail -n +2)" ]
t_true "several files: PGS score as alone" \
    [ "$(cut -f1,6,11 "$WORK/o/all.score.tsv" | tail -n +2)" = "$(cut -f1,4,5 "$WORK/o/pgs.score.tsv" | tail -n +2)" ]
t_run "--match-id" 0 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" --match-id \
    -o "$WORK/o/id" --no-version
t_grep "--match-id: rs4 still flipped, rs9 absent" 'score a: 7 variants: 4 matched' "$WORK/o/id.log"
printf '#IID\nF\nA\n' >"$WORK/keep.txt"
t_run "--samples (reordered)" 0 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" \
    --samples "$WORK/keep.txt" -o "$WORK/o/s" --no-version
t_true "--samples: F then A" [ "$(cut -f1 "$WORK/o/s.score.tsv" | tr '\n' ' ')" = "IID F A " ]
t_run "provenance lines" 0 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" -o "$WORK/o/prov"
t_grep "## duet provenance line" '^## duet [0-9]' "$WORK/o/prov.score.tsv"
t_grep "## command line" '^## command: duet score ' "$WORK/o/prov.score.match.tsv"
tail -n +2 "$WORK/o/w.score.tsv" >"$WORK/w.rows"
t_nogrep "no NaN, inf or NA in the scores" 'nan|inf|NA' "$WORK/w.rows"

# Determinism: a generated 150 x 800 file, threads 1 vs 2, block sizes.
python3 - "$WORK/gen.vcf" "$WORK/gen.w" <<'PY'
import random, sys
random.seed(3)
n, m = 150, 800
w = open(sys.argv[2], 'w')
w.write('chromosome\tbase_pair_location\tvariant_id\teffect_allele\tother_allele\ts1\ts2\ts3\n')
with open(sys.argv[1], 'w') as f:
    f.write('##fileformat=VCFv4.2\n##contig=<ID=1,length=100000000>\n')
    f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n')
    f.write('#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t' +
            '\t'.join('S%d' % i for i in range(n)) + '\n')
    for r in range(m):
        af = random.choice([0.01, 0.05, 0.3])
        gts = ['./.' if random.random() < 0.02 else
               '%d|%d' % (random.random() < af, random.random() < af) for i in range(n)]
        f.write('1\t%d\tv%d\tA\tG\t.\t.\t.\tGT\t%s\n' % (1000 + 10 * r, r, '\t'.join(gts)))
        if random.random() < 0.7:
            e, o = ('G', 'A') if random.random() < 0.7 else ('A', 'G')
            w.write('1\t%d\t.\t%s\t%s\t%.4f\t%.4f\t%s\n' % (1000 + 10 * r, e, o, random.gauss(0, 1),
                    random.gauss(0, 1), 'NA' if random.random() < 0.5 else '%.3f' % random.random()))
PY
bcftools view -Ob -o "$WORK/gen.bcf" "$WORK/gen.vcf" && bcftools index "$WORK/gen.bcf"
t_run "--threads 1" 0 "$DUET" score --vcf "$WORK/gen.bcf" --weights "$WORK/gen.w" -o "$WORK/o/t1" --threads 1 --no-version
t_run "--threads 2" 0 "$DUET" score --vcf "$WORK/gen.bcf" --weights "$WORK/gen.w" -o "$WORK/o/t2" --threads 2 --no-version
t_run "--threads 2 --block 1" 0 "$DUET" score --vcf "$WORK/gen.bcf" --weights "$WORK/gen.w" -o "$WORK/o/t2b" \
    --threads 2 --block 1 --no-version
t_run "--threads 4 --block 500" 0 "$DUET" score --vcf "$WORK/gen.bcf" --weights "$WORK/gen.w" -o "$WORK/o/t4" \
    --threads 4 --block 500 --no-version
t_true "--threads 1 and 2 give identical bytes" cmp -s "$WORK/o/t1.score.tsv" "$WORK/o/t2.score.tsv"
t_true "--block 1 gives identical bytes" cmp -s "$WORK/o/t1.score.tsv" "$WORK/o/t2b.score.tsv"
t_true "--threads 4 --block 500 gives identical bytes" cmp -s "$WORK/o/t1.score.tsv" "$WORK/o/t4.score.tsv"

# The table is a duet phewas --score input.
awk 'BEGIN { srand(5); print "IID\ty" } NR > 1 && !/^##/ { print $1 "\t" (rand() < 0.5 ? 1 : 0) + 0.1 * rand() }' \
    "$WORK/o/t1.score.tsv" >"$WORK/ph.tsv"
t_run "duet phewas --score P.score.tsv:s1_SUM reads it" 0 "$DUET" phewas --score "$WORK/o/t1.score.tsv:s1_SUM" \
    --pheno "$WORK/ph.tsv" -o "$WORK/o/ph" --no-version --quiet

# Errors: exit codes, messages, nothing left behind.
mkdir -p "$WORK/e"
bad() { # NAME EXIT PATTERN WEIGHTS_CONTENT [OPTIONS...]
    local name=$1 code=$2 pat=$3 content=$4; shift 4
    printf '%b' "$content" >"$WORK/bad.w"
    t_run "$name exits $code" "$code" "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/bad.w" -o "$WORK/e/x" "$@"
    t_grep "$name: message" "$pat" "$WORK/err"
}
H='chromosome\tbase_pair_location\tvariant_id\teffect_allele\tother_allele\ta\n'
bad "no variant matches" 5 'score a: no variant of the weights matches the VCF: 2 variants: 0 matched .*1 absent' \
    "${H}3\t10\t.\tA\tG\t1\n1\t100\t.\tC\tTT\t1\n"
bad "--min-overlap 0.9" 5 'score a: 50.00% of the variants matched, below --min-overlap 90%' \
    "${H}3\t10\t.\tA\tG\t1\n1\t100\t.\tG\tA\t1\n" --min-overlap 0.9
bad "non-numeric weight" 4 'bad.w:2:6: weight .abc. is not a finite decimal number' "${H}1\t100\t.\tG\tA\tabc\n"
bad "infinite weight" 4 'bad.w:2:6: weight .inf. is not a finite decimal number' "${H}1\t100\t.\tG\tA\tinf\n"
bad "hex weight" 4 'bad.w:2:6: weight .0x1p3. is not a finite decimal number' "${H}1\t100\t.\tG\tA\t0x1p3\n"
bad "overflowing weight" 4 'bad.w:2:6: weight .1e999. is not' "${H}1\t100\t.\tG\tA\t1e999\n"
bad "duplicated variant" 4 'bad.w:3: duplicated variant 1:100 A/G \(also at line 2\)' \
    "${H}1\t100\t.\tG\tA\t1\n1\t100\t.\tA\tG\t2\n"
bad "bad position" 4 'bad.w:2:2: base_pair_location .12x. is not a positive integer' "${H}1\t12x\t.\tG\tA\t1\n"
bad "short row" 4 'bad.w:2: 5 fields, the header has 6' "${H}1\t100\t.\tG\tA\n"
bad "header only" 4 'no weights' "${H}"
bad "empty file" 4 'no header line' ""
bad "PGS format 1.0" 4 'PGS Catalog format version 1.0; only format 2.0 is read' \
    "#format_version=1.0\n#pgs_id=PGS1\nrsID\teffect_allele\teffect_weight\nrs1\tG\t1\n"
bad "PGS without a format version" 4 "without '#format_version=2.0'" \
    "### PGS CATALOG SCORING FILE\n# PGS ID = PGS000001\nrsID\teffect_allele\teffect_weight\nrs1\tG\t1\n"
bad "PGS interaction term" 4 'bad.w:4: interaction terms are not supported' \
    "#format_version=2.0\n#pgs_id=PGS1\nrsID\teffect_allele\teffect_weight\tis_interaction\nrs1\tG\t1\tTrue\n"
bad "PGS without effect_weight" 4 'lacks the column effect_weight' \
    "#format_version=2.0\n#pgs_id=PGS1\nrsID\teffect_allele\tOR\nrs1\tG\t1.2\n"
bad "PGS dominant and recessive" 4 'both dominant and recessive' \
    "#format_version=2.0\n#pgs_id=PGS1\nrsID\teffect_allele\teffect_weight\tis_dominant\tis_recessive\nrs1\tG\t1\tTrue\tTrue\n"
bad "plink2 row without its weight column" 4 'bad.w:2: 2 fields, column 3 is needed' "rs1 G 1\nrs2 C\n" --format plink2
bad "plink2 duplicated ID" 4 'duplicated variant rs1 \(effect allele G; also at line 1\)' "rs1 G 1\nrs1 G 2\n"
printf "${H}1\t100\t.\tG\tA\t1\n" >"$WORK/a.w"
t_run "the same score name twice exits 2" 2 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/a.w" \
    --weights "$WORK/a.w" -o "$WORK/e/y"
t_grep "the same score name twice: message" "score name 'a' is given twice" "$WORK/err"
t_run "missing weights file exits 3" 3 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/nope.w" -o "$WORK/e/z"
t_run "missing VCF exits 3" 3 "$DUET" score --vcf "$WORK/nope.bcf" --weights "$WORK/w.tsv" -o "$WORK/e/z"
t_run "missing --weights exits 2" 2 "$DUET" score --vcf "$WORK/small.bcf" -o "$WORK/e/z"
t_run "--min-overlap 2 exits 2" 2 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" --min-overlap 2 -o "$WORK/e/z"
t_run "--score-col-nums 3-2 exits 2" 2 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" --score-col-nums 3-2 -o "$WORK/e/z"
t_run "existing output without --force exits 7" 7 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" -o "$WORK/o/w"
t_expect "existing output left as it was" "$EXP/w.score.tsv" "$WORK/o/w.score.tsv"
t_run "unwritable output folder exits 7" 7 "$DUET" score --vcf "$WORK/small.bcf" --weights "$WORK/w.tsv" -o "$WORK/no/such/x"
t_no_partial "no temporary files left behind" "$WORK/e"
t_true "failed runs wrote nothing" [ -z "$(ls -A "$WORK/e")" ]
