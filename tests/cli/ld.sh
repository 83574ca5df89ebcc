# tests/cli/ld.sh -- `duet ld`: the LD reference checked by an independent
# reader of the documented format (tests/cli/ld_check.py: magic, lengths,
# trailer counts, FNV-1a hash) against correlations recomputed from the GT
# calls; blocks from variant windows, kb windows and a BED; --extract and
# --maf; an expected dump; identical bytes for --threads 1 and 2; the
# documented exit codes with nothing left behind.
. "$TOP/tests/lib.sh"
EXP=$TOP/tests/expected/ld
CHECK="python3 $TOP/tests/cli/ld_check.py"

# 120 samples; chr1: 25 variants in LD runs, a multi-allelic record, a
# monomorphic one; chr2: 12 variants; some missing calls.
python3 - "$WORK/ref.vcf" <<'PY'
import random, sys
random.seed(11)
n = 120
out = open(sys.argv[1], 'w')
out.write('##fileformat=VCFv4.2\n##contig=<ID=1,length=10000000>\n##contig=<ID=2,length=10000000>\n')
out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
out.write('#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t' + '\t'.join('S%d' % i for i in range(n)) + '\n')
def rows(chrom, count, start):
    hap = [[random.random() < 0.3 for _ in range(2)] for _ in range(n)]
    pos = start
    for k in range(count):
        pos += random.randint(5000, 60000)
        af = random.choice([0.1, 0.25, 0.4])
        for h in hap:                       # drift: keeps LD between neighbours
            for a in range(2):
                if random.random() < 0.15:
                    h[a] = random.random() < af
        gts = []
        for i, h in enumerate(hap):
            g = '%d|%d' % (h[0], h[1])
            if random.random() < 0.02:
                g = './.'
            gts.append(g)
        ref, alt = random.sample('ACGT', 2)
        out.write('%s\t%d\t%s_%d\t%s\t%s\t.\t.\t.\tGT\t%s\n' % (chrom, pos, 'rs' + chrom, k, ref, alt, '\t'.join(gts)))
        if chrom == '1' and k == 5:
            out.write('1\t%d\tmulti\tA\tC,G\t.\t.\t.\tGT\t%s\n' % (pos + 1, '\t'.join(random.choice(['0/1', '0/2', '0/0']) for _ in range(n))))
            pos += 1
        if chrom == '1' and k == 8:
            out.write('1\t%d\tmono\tA\tC\t.\t.\t.\tGT\t%s\n' % (pos + 1, '\t'.join('0/0' for _ in range(n))))
            pos += 1
rows('1', 25, 10000)
rows('2', 12, 50000)
PY
bcftools view -Ob -o "$WORK/ref.bcf" "$WORK/ref.vcf" && bcftools index "$WORK/ref.bcf"
t_true "reference VCF converted with bcftools" [ -s "$WORK/ref.bcf.csi" ]
mkdir -p "$WORK/o"

decode() { zstd -dcq "$1" >"$2"; }

t_run "ld --window-variants 10" 0 "$DUET" ld --vcf "$WORK/ref.bcf" --window-variants 10 -o "$WORK/o/w10"
t_grep "log: counts of the dropped variants (both ALTs of the multi-allelic record)" '2 multi-allelic, 1 monomorphic' "$WORK/err"
t_ok "output is a zstd frame" '[ "$(head -c4 "$WORK/o/w10.ld.zst" | od -An -tx1 | tr -d " ")" = 28b52ffd ]'
decode "$WORK/o/w10.ld.zst" "$WORK/w10.raw"
$CHECK compare "$WORK/w10.raw" "$WORK/ref.vcf" >"$WORK/w10.cmp" 2>&1
t_grep "independent reader: 120 samples" '^samples 120$' "$WORK/w10.cmp"
t_grep "blocks of 10 variants, cut at the chromosome" '^sizes 10 10 5 10 2$' "$WORK/w10.cmp"
t_ok "correlations equal the recomputed ones (float32)" \
    "awk '/^max_abs_diff/ { exit !(\$2 < 1e-6) }' '$WORK/w10.cmp'"
t_ok "frequencies equal the GT ones" "awk '/^freq_diff/ { exit !(\$2 < 1e-12) }' '$WORK/w10.cmp'"
t_ok "every block non-negative definite" "awk '/^eigmin/ { exit !(\$2 > -1e-6) }' '$WORK/w10.cmp'"
t_grep "provenance: command line in the header" '^provenance duet [0-9].* \| command: duet ld ' "$WORK/w10.cmp"

t_run "ld --threads 2 --no-version" 0 "$DUET" ld --vcf "$WORK/ref.bcf" --window-variants 10 -o "$WORK/o/t2" --threads 2 --no-version
t_run "ld --threads 1 --no-version" 0 "$DUET" ld --vcf "$WORK/ref.bcf" --window-variants 10 -o "$WORK/o/t1" --no-version
t_true "--threads 1 and 2: identical bytes" cmp -s "$WORK/o/t1.ld.zst" "$WORK/o/t2.ld.zst"
decode "$WORK/o/t1.ld.zst" "$WORK/t1.raw"
$CHECK dump "$WORK/t1.raw" >"$WORK/t1.dump"
t_expect "ld dump (window 10)" "$EXP/w10.dump" "$WORK/t1.dump"

# kb windows: 200 kb
t_run "ld --window-kb 200" 0 "$DUET" ld --vcf "$WORK/ref.bcf" --window-kb 200 -o "$WORK/o/kb"
decode "$WORK/o/kb.ld.zst" "$WORK/kb.raw"
$CHECK compare "$WORK/kb.raw" "$WORK/ref.vcf" >"$WORK/kb.cmp" 2>&1
$CHECK dump "$WORK/kb.raw" | awk '$1 == "block" { b++ } $2 ~ /^[0-9]+$/ && NF == 6 { print b, $1, int(($2 - 1) / 200000) }' |
    sort -u | awk '{ n[$1]++; k[$1 " " $2 " " $3] } END { bad = 0; for (b in n) if (n[b] != 1) bad = 1; exit bad }'
t_true "kb windows: each block is one chromosome's one 200 kb window" [ $? -eq 0 ]
t_ok "kb windows: correlations equal the recomputed ones" \
    "awk '/^max_abs_diff/ { exit !(\$2 < 1e-6) }' '$WORK/kb.cmp'"

# BED blocks: a header line, chr prefixes, unsorted; variants outside dropped
printf 'chr\tstart\tstop\nchr2\t0\t300000\nchr1\t0\t400000\nchr1\t400000\t700000\n' >"$WORK/blocks.bed"
t_run "ld --blocks BED" 0 "$DUET" ld --vcf "$WORK/ref.bcf" --blocks "$WORK/blocks.bed" -o "$WORK/o/bed"
decode "$WORK/o/bed.ld.zst" "$WORK/bed.raw"
$CHECK compare "$WORK/bed.raw" "$WORK/ref.vcf" >"$WORK/bed.cmp" 2>&1
want_sizes=$(awk '!/^#/ { p[$1] = $2 } END { }
    { if ($1 == "1" && $2 <= 400000) a++; else if ($1 == "1" && $2 <= 700000) b++; else if ($1 == "2" && $2 <= 300000) c++ }
    END { printf "%d %d %d", a, b, c }' <(grep -v '^#' "$WORK/ref.vcf" | grep -v -e multi -e mono))
t_grep "BED blocks: sizes as the intervals say ($want_sizes)" "^sizes $want_sizes\$" "$WORK/bed.cmp"
t_ok "BED blocks: correlations equal the recomputed ones" \
    "awk '/^max_abs_diff/ { exit !(\$2 < 1e-6) }' '$WORK/bed.cmp'"
t_grep "BED blocks: variants outside counted" '[1-9][0-9]* outside the blocks' "$WORK/err"

# --extract and --maf
printf 'rs1_0\nrs1_1\nrs1_2\nrs2_3\nnot_there\n' >"$WORK/extract.txt"
t_run "ld --extract" 0 "$DUET" ld --vcf "$WORK/ref.bcf" --extract "$WORK/extract.txt" -o "$WORK/o/ex"
decode "$WORK/o/ex.ld.zst" "$WORK/ex.raw"
$CHECK compare "$WORK/ex.raw" "$WORK/ref.vcf" >"$WORK/ex.cmp" 2>&1
t_grep "--extract keeps the 4 listed variants" '^sizes 3 1$' "$WORK/ex.cmp"
t_run "ld --maf 0.2" 0 "$DUET" ld --vcf "$WORK/ref.bcf" --maf 0.2 -o "$WORK/o/maf"
decode "$WORK/o/maf.ld.zst" "$WORK/maf.raw"
t_ok "--maf 0.2: every kept variant has MAF >= 0.2" \
    "$CHECK dump '$WORK/maf.raw' | awk 'NF == 6 && \$2 ~ /^[0-9]+\$/ { f = \$6; if (f > 0.5) f = 1 - f; if (f < 0.2) bad = 1; n++ } END { exit bad || n == 0 }'"

seq 0 2 119 | sed 's/^/S/' >"$WORK/keep.txt"
t_run "ld --samples (60 of 120)" 0 "$DUET" ld --vcf "$WORK/ref.bcf" --samples "$WORK/keep.txt" -o "$WORK/o/sub"
decode "$WORK/o/sub.ld.zst" "$WORK/sub.raw"
t_ok "--samples: the header counts 60 samples" "$CHECK dump '$WORK/sub.raw' | head -1 | grep -qx 'samples 60'"

# Errors, with nothing left behind
t_run "missing VCF: exit 3" 3 "$DUET" ld --vcf "$WORK/nope.bcf" -o "$WORK/o/e1"
printf 'chr1\t0\t1000\nchr1\tten\t2000\n' >"$WORK/bad.bed"
t_run "malformed BED: exit 4" 4 "$DUET" ld --vcf "$WORK/ref.bcf" --blocks "$WORK/bad.bed" -o "$WORK/o/e2"
t_grep "malformed BED: FILE:LINE:COLUMN" 'bad.bed:2:6: .ten. is not' "$WORK/err"
printf 'chr1\t0\t1000\nchr1\t500\t2000\n' >"$WORK/overlap.bed"
t_run "overlapping BED intervals: exit 4" 4 "$DUET" ld --vcf "$WORK/ref.bcf" --blocks "$WORK/overlap.bed" -o "$WORK/o/e3"
grep -v '^#' "$WORK/ref.vcf" >"$WORK/body.vcf"
{ grep '^#' "$WORK/ref.vcf"; sed -n 1,3p "$WORK/body.vcf"; sed -n 12p "$WORK/body.vcf"; sed -n 4,11p "$WORK/body.vcf"; } >"$WORK/unsorted.vcf"
t_run "unsorted VCF: exit 4" 4 "$DUET" ld --vcf "$WORK/unsorted.vcf" -o "$WORK/o/e4"
t_grep "unsorted VCF: the message says so" 'sort' "$WORK/err"
t_run "existing output without --force: exit 7" 7 "$DUET" ld --vcf "$WORK/ref.bcf" -o "$WORK/o/w10"
t_run "--force overwrites" 0 "$DUET" ld --vcf "$WORK/ref.bcf" -o "$WORK/o/w10" --force
t_run "--blocks with --window-kb: exit 2" 2 "$DUET" ld --vcf "$WORK/ref.bcf" --blocks "$WORK/blocks.bed" --window-kb 10 -o "$WORK/o/e5"
t_run "no --vcf: exit 2" 2 "$DUET" ld -o "$WORK/o/e6"
t_run "--maf 0.7: exit 2" 2 "$DUET" ld --vcf "$WORK/ref.bcf" --maf 0.7 -o "$WORK/o/e7"
t_run "--extract listing nothing present: exit 6" 6 "$DUET" ld --vcf "$WORK/ref.bcf" --extract <(echo none) -o "$WORK/o/e8"
t_true "failed runs wrote no output" [ -z "$(ls "$WORK/o" | grep -E '^e[0-9]')" ]
t_no_partial "no temporaries left" "$WORK/o"
