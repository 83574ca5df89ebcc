# tests/cli/freq.sh -- `duet freq`: expected tables (GT, DS, sample subset,
# region, chunks), stdout output, provenance lines, determinism across
# --threads and --block, and the documented exit codes with no partial
# output (missing VCF 3, truncated VCF 4, absent samples 5, unwritable
# output 7, existing output without --force 7, usage 2).
. "$TOP/tests/lib.sh"
EXP=$TOP/tests/expected/freq

cat >"$WORK/small.vcf" <<'VCF'
##fileformat=VCFv4.2
##contig=<ID=1,length=1000000>
##contig=<ID=2,length=1000000>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DS,Number=A,Type=Float,Description="ALT dosage">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	A	B	C	D	E	F
1	100	rs1	A	G	.	.	.	GT	0|0	0|1	1|1	./.	1/0	0/0
1	200	.	C	T,G	.	.	.	GT	0/1	1/2	2/2	0/0	./.	0|0
1	300	rs3	G	A	.	.	.	GT	0	1	.	0|1	1/.	0|0
1	400	rs4	T	C	.	.	.	GT:DS	0/1:0.9	1/1:1.8	0/0:.	./.:0.1	0/0:0	0/0:0.05
2	100	rs6	G	C	.	.	.	GT	0|0	0|0	0|0	0|0	0|0	0|0
2	150	rs7	A	C	.	.	.	GT	./.	./.	./.	./.	./.	./.
2	200	rs8	A	C,G	.	.	.	GT:DS	1/2:0.5,1.5	0/0:0,0	./.:.,.	2/2:0,2	0/1:1,0	0/0:0,0
VCF
bcftools view -Ob -o "$WORK/small.bcf" "$WORK/small.vcf" && bcftools index "$WORK/small.bcf" &&
    bcftools view -Oz -o "$WORK/small.vcf.gz" "$WORK/small.vcf" && bcftools index "$WORK/small.vcf.gz"
t_true "small VCF converted with bcftools" [ -s "$WORK/small.bcf.csi" ]

mkdir -p "$WORK/o"
t_run "freq GT" 0 "$DUET" freq --vcf "$WORK/small.bcf" -o "$WORK/o/gt" --no-version
t_expect "freq GT table" "$EXP/small.gt.afreq.tsv" "$WORK/o/gt.afreq.tsv"
t_run "freq GT from VCF.gz" 0 "$DUET" freq --vcf "$WORK/small.vcf.gz" -o "$WORK/o/gtz" --no-version
t_true "VCF.gz gives the same table" cmp -s "$WORK/o/gt.afreq.tsv" "$WORK/o/gtz.afreq.tsv"
t_run "freq GT from VCF" 0 "$DUET" freq --vcf "$WORK/small.vcf" -o "$WORK/o/gtv" --no-version
t_true "VCF gives the same table" cmp -s "$WORK/o/gt.afreq.tsv" "$WORK/o/gtv.afreq.tsv"
t_grep "multi-allelic record split: 1:200 G row" '^1	200	#NA	G	C	0.3	5	1	3	3$' "$WORK/o/gt.afreq.tsv"
t_grep "all-missing variant: frequency #NA" '^2	150	rs7	C	A	#NA	0	6	0	0$' "$WORK/o/gt.afreq.tsv"

t_run "freq --dosage" 0 "$DUET" freq --vcf "$WORK/small.bcf" --dosage -o "$WORK/o/ds" --no-version
t_expect "freq --dosage table" "$EXP/small.ds.afreq.tsv" "$WORK/o/ds.afreq.tsv"

printf '#FID\tIID\nx\tF\nx\tD\nx\tB\n' >"$WORK/keep.psam"
t_run "freq --samples (psam, reordered)" 0 "$DUET" freq --vcf "$WORK/small.bcf" \
    --samples "$WORK/keep.psam" -o "$WORK/o/sub" --no-version
t_expect "freq --samples table" "$EXP/small.sub.afreq.tsv" "$WORK/o/sub.afreq.tsv"

t_run "freq --region 1:150-350" 0 "$DUET" freq --vcf "$WORK/small.vcf.gz" --region 1:150-350 \
    -o "$WORK/o/reg" --no-version
t_expect "freq --region table" "$EXP/small.region.afreq.tsv" "$WORK/o/reg.afreq.tsv"

# Chunks: concatenated rows equal the whole table.
: >"$WORK/chunks.rows"
for k in 1 2 3; do
    "$DUET" freq --vcf "$WORK/small.bcf" --chunk $k/3 -o - --no-version 2>/dev/null |
        tail -n +2 >>"$WORK/chunks.rows"
done
tail -n +2 "$WORK/o/gt.afreq.tsv" >"$WORK/whole.rows"
t_true "chunks 1/3..3/3 concatenated == whole file" cmp -s "$WORK/chunks.rows" "$WORK/whole.rows"

t_run "-o - writes to stdout" 0 "$DUET" freq --vcf "$WORK/small.bcf" -o - --no-version
t_true "stdout table == file table" cmp -s "$WORK/out" "$WORK/o/gt.afreq.tsv"
t_run "provenance lines" 0 "$DUET" freq --vcf "$WORK/small.bcf" -o - --threads 2
t_grep "## duet provenance line" '^## duet [0-9]' "$WORK/out"
t_grep "## command line" '^## command: duet freq ' "$WORK/out"
t_true "header follows the provenance lines" [ "$(sed -n 3p "$WORK/out" | cut -f1)" = chromosome ]

# Determinism: a generated 150 x 800 file, threads 1 vs 2, several block sizes.
python3 - "$WORK/gen.vcf" <<'PY'
import random, sys
random.seed(7)
n, m = 150, 800
with open(sys.argv[1], 'w') as f:
    f.write('##fileformat=VCFv4.2\n##contig=<ID=1,length=100000000>\n')
    f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n')
    f.write('#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t' +
            '\t'.join('S%d' % i for i in range(n)) + '\n')
    for r in range(m):
        nalt = 1 if random.random() < 0.9 else 2
        af = random.choice([0.002, 0.01, 0.05, 0.3])
        gts = []
        for i in range(n):
            if random.random() < 0.02:
                gts.append('./.')
                continue
            a = [min(nalt, int(random.random() < af) + int(random.random() < af * (nalt - 1)))
                 for _ in range(2)]
            gts.append('%d|%d' % (a[0], a[1]))
        alts = 'G' if nalt == 1 else 'G,T'
        f.write('1\t%d\tv%d\tA\t%s\t.\t.\t.\tGT\t%s\n' % (1000 + 10 * r, r, alts, '\t'.join(gts)))
PY
bcftools view -Ob -o "$WORK/gen.bcf" "$WORK/gen.vcf" && bcftools index "$WORK/gen.bcf"
t_run "freq --threads 1" 0 "$DUET" freq --vcf "$WORK/gen.bcf" -o "$WORK/o/t1" --threads 1
t_run "freq --threads 2" 0 "$DUET" freq --vcf "$WORK/gen.bcf" -o "$WORK/o/t2" --threads 2
t_run "freq --threads 2 --block 1" 0 "$DUET" freq --vcf "$WORK/gen.bcf" -o "$WORK/o/t2b" \
    --threads 2 --block 1
t_run "freq --threads 2 --block 100" 0 "$DUET" freq --vcf "$WORK/gen.bcf" -o "$WORK/o/t2c" \
    --threads 2 --block 100
t_run "freq --threads 4 (htslib threads too)" 0 "$DUET" freq --vcf "$WORK/gen.bcf" -o "$WORK/o/t4" --threads 4
# The command line differs in the provenance line only.
for f in t1 t2 t2b t2c t4; do grep -v '^## command' "$WORK/o/$f.afreq.tsv" >"$WORK/$f.body"; done
t_true "--threads 1 and 2 give identical bytes" cmp -s "$WORK/t1.body" "$WORK/t2.body"
t_true "--block 1 gives identical bytes" cmp -s "$WORK/t1.body" "$WORK/t2b.body"
t_true "--block 100 gives identical bytes" cmp -s "$WORK/t1.body" "$WORK/t2c.body"
t_true "--threads 4 gives identical bytes" cmp -s "$WORK/t1.body" "$WORK/t4.body"
t_true "800 rows plus 2 ALTs for the multi-allelic records" \
    [ "$(grep -vc '^##' "$WORK/o/t1.afreq.tsv")" -gt 800 ]

# Errors: exit codes, messages, and no partial output.
mkdir -p "$WORK/e"
t_run "missing VCF exits 3" 3 "$DUET" freq --vcf "$WORK/nope.bcf" -o "$WORK/e/a"
t_grep "missing VCF: message names it" 'nope.bcf' "$WORK/err"
head -c $(( $(stat -c %s "$WORK/gen.bcf") / 2 )) "$WORK/gen.bcf" >"$WORK/cut.bcf"
t_run "truncated BCF exits 4" 4 "$DUET" freq --vcf "$WORK/cut.bcf" -o "$WORK/e/b"
t_grep "truncated BCF: message names the record" 'cut.bcf: malformed or truncated record [0-9]+ \(the record after 1:[0-9]+\)' "$WORK/err"
t_true "truncated BCF: no output file" [ ! -e "$WORK/e/b.afreq.tsv" ]
printf 'A\nghost1\nC\nghost2\n' >"$WORK/absent.txt"
t_run "absent samples exit 5" 5 "$DUET" freq --vcf "$WORK/small.bcf" --samples "$WORK/absent.txt" -o "$WORK/e/c"
t_grep "absent samples named with the count" '2 requested samples are not in the file: ghost1, ghost2' "$WORK/err"
t_run "missing --samples file exits 3" 3 "$DUET" freq --vcf "$WORK/small.bcf" --samples "$WORK/nolist.txt" -o "$WORK/e/h"
printf '# no IDs\n' >"$WORK/empty.txt"
t_run "empty --samples file exits 6" 6 "$DUET" freq --vcf "$WORK/small.bcf" --samples "$WORK/empty.txt" -o "$WORK/e/i"
t_run "unwritable output folder exits 7" 7 "$DUET" freq --vcf "$WORK/small.bcf" -o "$WORK/no/such/dir/x"
t_run "existing output without --force exits 7" 7 "$DUET" freq --vcf "$WORK/small.bcf" -o "$WORK/o/gt"
t_run "existing output with --force" 0 "$DUET" freq --vcf "$WORK/small.bcf" -o "$WORK/o/gt" --force --no-version
t_expect "freq GT table after --force" "$EXP/small.gt.afreq.tsv" "$WORK/o/gt.afreq.tsv"
printf '1\t100\trs1\tA\tG\t.\t.\t.\tGT\t0|0\t0|1\n' >"$WORK/short.body"
cat "$WORK/small.vcf" "$WORK/short.body" >"$WORK/short.vcf"
t_run "VCF row with too few samples exits 4" 4 "$DUET" freq --vcf "$WORK/short.vcf" -o "$WORK/e/d"
t_grep "bad row named by record number" 'record 8' "$WORK/err"
t_run "region on a plain VCF exits 3" 3 "$DUET" freq --vcf "$WORK/small.vcf" --region 1 -o "$WORK/e/e"
t_grep "region without index: says to run bcftools index" 'bcftools index' "$WORK/err"
t_run "--chunk 0/3 exits 2" 2 "$DUET" freq --vcf "$WORK/small.bcf" --chunk 0/3 -o "$WORK/e/f"
t_run "--region with --chunk exits 2" 2 "$DUET" freq --vcf "$WORK/small.bcf" --region 1 --chunk 1/2 -o "$WORK/e/g"
t_run "missing -o exits 2" 2 "$DUET" freq --vcf "$WORK/small.bcf"
t_no_partial "no temporary files left behind" "$WORK/e"
t_true "failed runs wrote nothing" [ -z "$(ls -A "$WORK/e")" ]
