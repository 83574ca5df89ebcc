# tests/cli/clump.sh -- `duet clump` on a hand-made reference (20 people,
# tests/cli/data/clump/ref.vcf) and summary statistics (ss.tsv): rs2 carries
# rs1's calls (one missing), rs3 their complement (r² = 1 in repulsion), rs4
# and rs8 other calls, rs5 a multi-allelic record matched at its first ALT,
# rs6 rs1's calls 399 kb away, rs7 rs1's calls on another chromosome; a row
# with other alleles at rs1's position, a row absent from the reference, a
# row without p.  Expected tables (equal to plink 1.9's on the same input),
# the log's counts, determinism across --threads, and the documented exit
# codes with nothing left behind.
. "$TOP/tests/lib.sh"
EXP=$TOP/tests/expected/clump
IN=$TOP/tests/cli/data/clump
mkdir -p "$WORK/o"

t_run "clump -h" 0 "$DUET" clump -h
t_grep "usage names the command" 'Usage: +duet clump' "$WORK/out"
t_run "clump: bad option" 2 "$DUET" clump --no-such-option

t_run "clump with plink's defaults" 0 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" -o "$WORK/o/c" --no-version
t_expect "clump .clumped" "$EXP/c.clumped" "$WORK/o/c.clumped"
t_expect "clump .clumps.tsv" "$EXP/c.clumps.tsv" "$WORK/o/c.clumps.tsv"
t_expect "clump .log" "$EXP/c.log" "$WORK/o/c.log"
t_grep "rs1 takes rs2 (swapped alleles, missing call) and rs3 (repulsion); SP2 lists p < 0.01 only" \
    '^ +1 +1 +rs1 +1000 +1e-08 +2 +1 +0 +1 +0 +0 rs2\(1\)$' "$WORK/o/c.clumped"
t_grep "rs6, 399 kb away, is its own index variant" '^ +1 +1 +rs6 +400000 ' "$WORK/o/c.clumped"
t_grep "rs7 on chromosome 2 is its own index variant" '^ +2 +1 +rs7 +100 ' "$WORK/o/c.clumped"
t_grep "log: one row with other alleles" '^rows_allele_mismatch	1$' "$WORK/o/c.log"
t_grep "log: one row absent (with p <= p1)" '^rows_index_candidates_unmatched	1$' "$WORK/o/c.log"
t_grep "log: one row without p" '^rows_without_p	1$' "$WORK/o/c.log"
t_grep "log: the multi-allelic record matched" '^rows_multiallelic	1$' "$WORK/o/c.log"
t_grep "warning names the unmatched index candidates" 'warning: 1 rows with p <= 0.0001 are not in the reference' "$WORK/err"

t_run "clump --clump-r2 0.99 --clump-kb 500 --clump-p1 0.05" 0 "$DUET" clump --sumstats "$IN/ss.tsv" \
    --vcf "$IN/ref.vcf" --clump-r2 0.99 --clump-kb 500 --clump-p1 0.05 --clump-p2 0.05 -o "$WORK/o/w" --no-version --threads 2
t_expect "clump wide window .clumped" "$EXP/w.clumped" "$WORK/o/w.clumped"
t_grep "500 kb: rs6 joins rs1" '^ +1 +1 +rs1 +1000 .* rs2\(1\),rs6\(1\)$' "$WORK/o/w.clumped"
t_run "clump --threads 2" 0 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" -o "$WORK/o/t2" --no-version --threads 2
t_true "--threads 2 gives the same bytes" cmp -s "$WORK/o/c.clumped" "$WORK/o/t2.clumped"
# An indexed BCF with 100 more rows far from the index candidates: only the
# windows around those are read (regions), the same clumps come out.
bcftools view -Ob -o "$WORK/ref.bcf" "$IN/ref.vcf" && bcftools index "$WORK/ref.bcf"
{ cat "$IN/ss.tsv"; for i in $(seq 1 100); do printf '1\t%d\tA\tG\t0.1\t0.1\t0.9\tfar%d\n' $((700000 + i)) $i; done; } >"$WORK/ss_far.tsv"
t_run "clump an indexed BCF by regions" 0 "$DUET" clump --sumstats "$WORK/ss_far.tsv" --vcf "$WORK/ref.bcf" -o "$WORK/o/r" --no-version
t_true "regions give the same .clumped" cmp -s "$WORK/o/c.clumped" "$WORK/o/r.clumped"
t_grep "log: regions read" '^reference_regions	[1-9]' "$WORK/o/r.log"
t_grep "log: the far rows are outside the windows" '^rows_outside_windows	100$' "$WORK/o/r.log"
t_run "clump with provenance" 0 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" -o "$WORK/o/v"
t_grep "provenance lines" '^## command: .*duet clump' "$WORK/o/v.log"

# ---------------------------------------------------------------- bad input
mkdir -p "$WORK/bad"
cut -f1-6,8 "$IN/ss.tsv" >"$WORK/nop.tsv"
t_run "sumstats without a p-value column: exit 4" 4 "$DUET" clump --sumstats "$WORK/nop.tsv" --vcf "$IN/ref.vcf" -o "$WORK/bad/a"
t_grep "message names the file and the columns looked for" 'nop.tsv: .*without a p-value column' "$WORK/err"
sed 's/^1	/3	/; s/^2	/3	/' "$IN/ss.tsv" >"$WORK/other.tsv"
t_run "nothing matched: exit 5" 5 "$DUET" clump --sumstats "$WORK/other.tsv" --vcf "$IN/ref.vcf" -o "$WORK/bad/b"
t_grep "message gives the counts" 'no summary statistic matched a variant of .*: 9 rows with a p-value, 9 absent' "$WORK/err"
(grep '^#' "$IN/ref.vcf"; grep -v '^#' "$IN/ref.vcf" | sort -k2,2nr) >"$WORK/unsorted.vcf"
t_run "unsorted reference: exit 4" 4 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$WORK/unsorted.vcf" -o "$WORK/bad/c"
t_grep "message names the record" 'record 2 \(1:5000\)' "$WORK/err"
printf 'chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\tstandard_error\tp_value\n1\t1000\tG\tA\t0.1\t0.1\t1.5\n' >"$WORK/p15.tsv"
t_run "a p-value above 1: exit 4" 4 "$DUET" clump --sumstats "$WORK/p15.tsv" --vcf "$IN/ref.vcf" -o "$WORK/bad/d"
t_grep "message gives file:line:column" 'p15.tsv:2:' "$WORK/err"
t_run "missing reference: exit 3" 3 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$WORK/none.vcf" -o "$WORK/bad/e"
t_run "missing sumstats: exit 3" 3 "$DUET" clump --sumstats "$WORK/none.tsv" --vcf "$IN/ref.vcf" -o "$WORK/bad/f"
t_run "--clump-r2 1.5: exit 2" 2 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" --clump-r2 1.5 -o "$WORK/bad/g"
t_run "--clump-p1 0: exit 2" 2 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" --clump-p1 0 -o "$WORK/bad/h"
t_run "--clump-kb 0: exit 2" 2 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" --clump-kb 0 -o "$WORK/bad/i"
t_run "no --vcf: exit 2" 2 "$DUET" clump --sumstats "$IN/ss.tsv" -o "$WORK/bad/j"
t_run "-o -: exit 2" 2 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" -o -
t_true "failed runs leave no output" [ -z "$(ls -A "$WORK/bad")" ]
t_no_partial "no temporaries left" "$WORK/bad"
cp "$WORK/o/c.log" "$WORK/o/c.log.before"
t_run "existing output without --force: exit 7" 7 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" -o "$WORK/o/c"
t_true "the existing output is untouched" cmp -s "$WORK/o/c.log" "$WORK/o/c.log.before"
t_run "--force overwrites" 0 "$DUET" clump --sumstats "$IN/ss.tsv" --vcf "$IN/ref.vcf" -o "$WORK/o/c" --force --no-version
t_no_partial "no temporaries left in the output folder" "$WORK/o"
