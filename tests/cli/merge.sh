# tests/cli/merge.sh -- duet merge: chunked duet gwas runs gathered give the
# whole run's bytes (data, and sidecar under --no-version), in any argument
# order; region runs likewise; the index works; missing, repeated,
# overlapping and foreign chunks, different headers and an output that is an
# input are refused with their exit codes and no partial output.
. "$TOP/tests/lib.sh"

D=$WORK/data
mkdir -p "$D" "$WORK/o"
python3 "$TOP/tests/cli/data/gwas_data.py" "$D"
bcftools view -Ob -o "$D/small.bcf" "$D/small.vcf" && bcftools index "$D/small.bcf"
V=$D/small.bcf
P=$D/pheno.tsv
C=$D/covar.tsv
gw() { "$DUET" gwas --vcf "$V" --pheno "$P" --covar "$C" --pheno-name q1,b1 --no-version --quiet "$@"; }

no_outputs() { # NAME FILE
    local left
    left=$(ls "$2" "$2.tbi" "${2%.tsv.gz}.yaml" 2>/dev/null | head -3)
    if [ -z "$left" ]; then t_pass "$1"; else t_fail "$1" "left behind: $left"; fi
    t_no_partial "$1 (no temporaries)" "$(dirname "$2")"
}

gw -o "$WORK/o/whole" || t_fail "whole run"
for k in 1 2 3 4; do gw --chunk $k/4 -o "$WORK/o/c$k" || t_fail "chunk $k/4"; done
t_grep "a chunk's sidecar names it" "^  chunk: 2/4$" "$WORK/o/c2.q1.gwas.yaml"
rows=0
for k in 1 2 3 4; do rows=$((rows + $(zcat "$WORK/o/c$k.q1.gwas.tsv.gz" | tail -n +2 | wc -l))); done
t_true "the chunks hold all 49 rows between them ($rows)" [ "$rows" -eq 49 ]

for t in q1 b1; do
    # given out of order: the sidecars put them back in chunk order
    t_run "merge $t (arguments out of order)" 0 "$DUET" merge --no-version "$WORK/o/c3.$t.gwas.tsv.gz" "$WORK/o/c1.$t.gwas.tsv.gz" "$WORK/o/c4.$t.gwas.tsv.gz" "$WORK/o/c2.$t.gwas.tsv.gz" -o "$WORK/o/m.$t.gwas.tsv.gz"
    t_true "merged $t data = whole run, byte for byte" cmp -s "$WORK/o/m.$t.gwas.tsv.gz" "$WORK/o/whole.$t.gwas.tsv.gz"
    t_true "merged $t index = whole run's" cmp -s "$WORK/o/m.$t.gwas.tsv.gz.tbi" "$WORK/o/whole.$t.gwas.tsv.gz.tbi"
    grep -v ^data_file_name "$WORK/o/m.$t.gwas.yaml" >"$WORK/a.yaml"
    grep -v ^data_file_name "$WORK/o/whole.$t.gwas.yaml" >"$WORK/b.yaml"
    t_true "merged $t sidecar = whole run's (variants_tested, lambda_gc, md5)" cmp -s "$WORK/a.yaml" "$WORK/b.yaml"
done
t_grep "the merged sidecar names the merged file" '^data_file_name: "m.q1.gwas.tsv.gz"$' "$WORK/o/m.q1.gwas.yaml"
t_true "tabix reads the merged file" [ "$(tabix "$WORK/o/m.q1.gwas.tsv.gz" 2 | wc -l)" -eq 18 ]

t_run "merge with provenance" 0 "$DUET" merge "$WORK/o/c1.q1.gwas.tsv.gz" "$WORK/o/c2.q1.gwas.tsv.gz" "$WORK/o/c3.q1.gwas.tsv.gz" "$WORK/o/c4.q1.gwas.tsv.gz" -o "$WORK/o/p.q1.gwas.tsv.gz"
t_grep "the merged sidecar records the merge command" '^merge_command: "duet merge ' "$WORK/o/p.q1.gwas.yaml"
t_run "-o - streams the rows" 0 "$DUET" merge "$WORK/o/c1.q1.gwas.tsv.gz" "$WORK/o/c2.q1.gwas.tsv.gz" "$WORK/o/c3.q1.gwas.tsv.gz" "$WORK/o/c4.q1.gwas.tsv.gz" -o -
zcat "$WORK/o/whole.q1.gwas.tsv.gz" >"$WORK/whole.tsv"
t_true "the stream is the whole run's table" cmp -s "$WORK/out" "$WORK/whole.tsv"

# region runs (no chunk lines): taken in the order given
gw --region 1 -o "$WORK/o/r1" && gw --region 2 -o "$WORK/o/r2"
t_run "merge region runs" 0 "$DUET" merge --no-version "$WORK/o/r1.q1.gwas.tsv.gz" "$WORK/o/r2.q1.gwas.tsv.gz" -o "$WORK/o/rm.q1.gwas.tsv.gz"
t_true "merged regions = whole run" cmp -s "$WORK/o/rm.q1.gwas.tsv.gz" "$WORK/o/whole.q1.gwas.tsv.gz"
t_nogrep "the merged sidecar has no region line" "region:" "$WORK/o/rm.q1.gwas.yaml"

# refusals
mkdir -p "$WORK/bad"
X=$WORK/bad/x.q1.gwas.tsv.gz
t_run "a missing chunk exits 5" 5 "$DUET" merge "$WORK/o/c1.q1.gwas.tsv.gz" "$WORK/o/c2.q1.gwas.tsv.gz" "$WORK/o/c4.q1.gwas.tsv.gz" -o "$X"
t_grep "a missing chunk is named" "chunk 3/4 is missing" "$WORK/err"
no_outputs "a missing chunk: no output" "$X"
t_run "a repeated chunk exits 5" 5 "$DUET" merge "$WORK/o/c1.q1.gwas.tsv.gz" "$WORK/o/c2.q1.gwas.tsv.gz" "$WORK/o/c2.q1.gwas.tsv.gz" "$WORK/o/c3.q1.gwas.tsv.gz" -o "$X"
t_grep "a repeated chunk is named" "are both chunk 2/4" "$WORK/err"
no_outputs "a repeated chunk: no output" "$X"
t_run "chunks of another trait exit 5" 5 "$DUET" merge "$WORK/o/c1.q1.gwas.tsv.gz" "$WORK/o/c2.b1.gwas.tsv.gz" "$WORK/o/c3.q1.gwas.tsv.gz" "$WORK/o/c4.q1.gwas.tsv.gz" -o "$X"
t_grep "foreign chunks: the sidecars disagree" "sidecars of .* disagree" "$WORK/err"
no_outputs "foreign chunks: no output" "$X"
gw --region 1:1-3000 -o "$WORK/o/ov1" && gw --region 1:2500-9000 -o "$WORK/o/ov2"
t_run "overlapping regions exit 5" 5 "$DUET" merge "$WORK/o/ov1.q1.gwas.tsv.gz" "$WORK/o/ov2.q1.gwas.tsv.gz" -o "$X"
t_grep "overlapping regions: message" "overlap" "$WORK/err"
no_outputs "overlapping regions: no output" "$X"
# without chunk lines the order given is kept (any contig order is valid),
# but a chromosome may not come back
t_run "a chromosome coming back exits 5" 5 "$DUET" merge "$WORK/o/r1.q1.gwas.tsv.gz" "$WORK/o/r2.q1.gwas.tsv.gz" "$WORK/o/ov2.q1.gwas.tsv.gz" -o "$X"
t_grep "a chromosome coming back: message" "chromosome 1 appears again" "$WORK/err"
no_outputs "a chromosome coming back: no output" "$X"
zcat "$WORK/o/r1.q1.gwas.tsv.gz" | cut -f1-19 | bgzip >"$WORK/o/short.q1.gwas.tsv.gz"
cp "$WORK/o/r1.q1.gwas.yaml" "$WORK/o/short.q1.gwas.yaml"
t_run "a different header exits 5" 5 "$DUET" merge "$WORK/o/short.q1.gwas.tsv.gz" "$WORK/o/r2.q1.gwas.tsv.gz" -o "$X"
t_grep "a different header: message" "header of .* differs" "$WORK/err"
no_outputs "a different header: no output" "$X"
t_run "an input named as the output exits 2" 2 "$DUET" merge --force "$WORK/o/r1.q1.gwas.tsv.gz" "$WORK/o/r2.q1.gwas.tsv.gz" -o "$WORK/o/r1.q1.gwas.tsv.gz"
t_true "the input is untouched" [ "$(zcat "$WORK/o/r1.q1.gwas.tsv.gz" | wc -l)" -eq 32 ]
t_run "an existing output is refused" 7 "$DUET" merge "$WORK/o/r1.q1.gwas.tsv.gz" "$WORK/o/r2.q1.gwas.tsv.gz" -o "$WORK/o/rm.q1.gwas.tsv.gz"
t_run "a missing input exits 3" 3 "$DUET" merge "$WORK/o/nosuch.tsv.gz" -o "$X"
t_run "no input exits 2" 2 "$DUET" merge -o "$X"
t_no_partial "no temporaries left" "$WORK/o"
