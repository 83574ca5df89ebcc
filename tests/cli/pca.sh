# tests/cli/pca.sh -- duet pca on real 1000 Genomes genotypes (chromosomes 21
# and 22 of ../shared/data): expected outputs (numbers within 1e-6), the
# eigenvector contract (unit norm, orthogonal, sign convention), identical
# bytes for --threads 1 and 2 and for cached and streamed genotypes,
# --samples, --region, --write-variants, --ld-prune; and every documented
# error with its exit code and no partial output.
. "$TOP/tests/lib.sh"

G=$DATA/genotypes/uwgac_1kg_phase3_subset
EXP=$TOP/tests/cli/expected/pca
IN=$WORK/in.bcf
bcftools concat -Ob -o "$IN" "$G/1KG_phase3_subset_chr21.vcf.gz" \
    "$G/1KG_phase3_subset_chr22.vcf.gz" 2>/dev/null && bcftools index "$IN"
bcftools view -Ob -o "$WORK/chr22.bcf" "$G/1KG_phase3_subset_chr22.vcf.gz"

# num_expect NAME EXPECTED GOT : same shape and text, numbers within 1e-6
# (relative, or absolute below 1e-6): last digits may differ between BLAS
# builds, not between runs.
num_expect() {
    local name=$1 want=$2 got=$3
    if [ "$UPDATE" = 1 ]; then
        mkdir -p "$(dirname "$want")"; cp "$got" "$want"; t_pass "$name (updated)"; return
    fi
    local msg
    if msg=$(python3 - "$want" "$got" <<'EOF'
import sys
a = [l.split('\t') for l in open(sys.argv[1]).read().splitlines()]
b = [l.split('\t') for l in open(sys.argv[2]).read().splitlines()]
if len(a) != len(b): sys.exit("%d lines, want %d" % (len(b), len(a)))
for i, (x, y) in enumerate(zip(a, b)):
    if len(x) != len(y): sys.exit("line %d: %d fields, want %d" % (i + 1, len(y), len(x)))
    for u, v in zip(x, y):
        try: fu, fv = float(u), float(v)
        except ValueError:
            if u != v: sys.exit("line %d: '%s', want '%s'" % (i + 1, v, u))
            continue
        if abs(fu - fv) > 1e-6 * max(1.0, abs(fu)):
            sys.exit("line %d: %s, want %s" % (i + 1, v, u))
EOF
    ); then t_pass "$name"
    else cp "$got" "$want.new"; t_fail "$name" "$msg (new output in $want.new)"; fi
}

t_run "pca -k 4 --tol 1e-9 runs" 0 "$DUET" pca --vcf "$IN" -k 4 --tol 1e-9 -o "$WORK/a" --no-version --write-variants
for f in eigenvec eigenval pca.log pca.variants; do
    t_true "writes a.$f" [ -s "$WORK/a.$f" ]
done
t_grep "eigenvec header is #IID PC1..PC4" '^#IID	PC1	PC2	PC3	PC4$' "$WORK/a.eigenvec"
t_true "eigenvec has one row per sample (1126)" [ "$(grep -vc '^#' "$WORK/a.eigenvec")" -eq 1126 ]
t_true "eigenval has 4 lines" [ "$(wc -l <"$WORK/a.eigenval")" -eq 4 ]
num_expect "eigenvec as expected" "$EXP/a.eigenvec" "$WORK/a.eigenvec"
num_expect "eigenval as expected" "$EXP/a.eigenval" "$WORK/a.eigenval"
# The log's counts are exact; residuals (last column of the PC rows) are not
# compared.
sed -n '/^samples/,/^genotypes/p' "$WORK/a.pca.log" >"$WORK/a.counts"
t_expect "pca.log counts as expected" "$EXP/a.counts" "$WORK/a.counts"
t_nogrep "--no-version: no provenance in the log" '^# duet' "$WORK/a.pca.log"
used=$(awk -F'\t' '$1 == "variants_used" {print $2}' "$WORK/a.pca.log")
t_true "pca.variants lists the $used variants used" \
    [ "$(grep -vc '^#' "$WORK/a.pca.variants")" -eq "$used" ]
t_true "samples in VCF order" cmp -s <(cut -f1 "$WORK/a.eigenvec" | tail -n +2) \
    <(bcftools query -l "$IN")

# Eigenvector contract, checked independently of the code.
if msg=$(python3 - "$WORK/a.eigenvec" <<'EOF'
import sys, math
rows = [l.split('\t') for l in open(sys.argv[1]).read().splitlines()[1:]]
k = len(rows[0]) - 1
cols = [[float(r[j + 1]) for r in rows] for j in range(k)]
for j in range(k):
    for l in range(j, k):
        d = sum(a * b for a, b in zip(cols[j], cols[l]))
        want = 1.0 if j == l else 0.0
        if abs(d - want) > 1e-5: sys.exit("PC%d.PC%d = %g" % (j + 1, l + 1, d))
    big = max(cols[j], key=abs)
    if big <= 0: sys.exit("PC%d: largest |entry| is negative" % (j + 1))
EOF
); then t_pass "eigenvectors orthonormal, largest entry positive"
else t_fail "eigenvectors orthonormal, largest entry positive" "$msg"; fi

t_run "--threads 2" 0 "$DUET" pca --vcf "$IN" -k 4 --tol 1e-9 -o "$WORK/t2" --no-version --threads 2
t_run "--memory 1 (no cache: one file pass per iteration)" 0 \
    "$DUET" pca --vcf "$IN" -k 4 --tol 1e-9 -o "$WORK/m1" --no-version --memory 1
t_grep "--memory 1 reads the file per iteration" 'read once per iteration' "$WORK/m1.pca.log"
t_grep "default caches the genotypes" 'cached in memory' "$WORK/a.pca.log"
for f in eigenvec eigenval; do
    t_true "$f: --threads 1 and 2 give identical bytes" cmp -s "$WORK/a.$f" "$WORK/t2.$f"
    t_true "$f: cached and streamed genotypes give identical bytes" cmp -s "$WORK/a.$f" "$WORK/m1.$f"
done
t_true "pca.log: --threads 1 and 2 identical" cmp -s "$WORK/a.pca.log" "$WORK/t2.pca.log"

t_run "with provenance" 0 "$DUET" pca --vcf "$IN" -k 2 -o "$WORK/prov"
t_grep "log starts with the version line" '^# duet [0-9]' "$WORK/prov.pca.log"
t_grep "log has the command line" '^# duet pca --vcf' "$WORK/prov.pca.log"
t_nogrep "eigenvec has no comment lines (readable as covariates)" '^##' "$WORK/prov.eigenvec"

# --region 22 == the chromosome-22 file
t_run "--region 22" 0 "$DUET" pca --vcf "$IN" --region 22 -k 3 -o "$WORK/r22" --no-version
t_run "chromosome 22 alone" 0 "$DUET" pca --vcf "$WORK/chr22.bcf" -k 3 -o "$WORK/c22" --no-version
t_true "--region 22 gives the chromosome-22 result" cmp -s "$WORK/r22.eigenvec" "$WORK/c22.eigenvec"

# --samples: a keep list in another order, FID IID form, with an unknown ID
awk -F'\t' 'NR > 1 && $3 ~ /^(YRI|CEU|CHB)$/ {print $2 "\t" $1}' \
    "$G/1KG_phase3_subset_annot.tsv" | sort -r >"$WORK/keep.txt"
echo "NOBODY NOBODY" >>"$WORK/keep.txt"
nkeep=$(($(wc -l <"$WORK/keep.txt") - 1))
t_run "--samples (FID IID, unknown ID)" 0 "$DUET" pca --vcf "$IN" -k 2 -o "$WORK/s" \
    --samples "$WORK/keep.txt" --no-version
t_grep "warns about the unknown ID" '1 of [0-9]+ sample IDs are not in' "$WORK/err"
t_true "--samples keeps $nkeep samples" [ "$(grep -vc '^#' "$WORK/s.eigenvec")" -eq "$nkeep" ]
t_true "--samples: file order" cmp -s <(cut -f1 "$WORK/s.eigenvec" | tail -n +2) \
    <(bcftools query -l "$IN" | grep -Fxf <(cut -f2 "$WORK/keep.txt"))
t_grep "--samples: MAF over the kept samples (fewer variants pass)" '^samples	'"$nkeep"'$' "$WORK/s.pca.log"

t_run "--ld-prune 50,5,0.2" 0 "$DUET" pca --vcf "$IN" -k 3 -o "$WORK/ld" --ld-prune 50,5,0.2 \
    --no-version --write-variants
pruned=$(awk -F'\t' '$1 == "variants_ld_pruned" {print $2}' "$WORK/ld.pca.log")
t_true "--ld-prune prunes some variants ($pruned)" [ "${pruned:-0}" -gt 0 ]
t_grep "--ld-prune recorded in the log" '^ld_prune	50,5,0.2$' "$WORK/ld.pca.log"

# Errors: exit code, message, no output.
chk_none() { # NAME PREFIX
    if ls "$2".* >/dev/null 2>&1; then t_fail "$1: no output" "$(ls "$2".*)"; else t_pass "$1: no output"; fi
}
t_run "missing VCF: exit 3" 3 "$DUET" pca --vcf "$WORK/none.bcf" -o "$WORK/e1"
chk_none "missing VCF" "$WORK/e1"
printf '##fileformat=VCFv4.2\n##contig=<ID=1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n1\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1\n' >"$WORK/bad.vcf"
t_run "record with too few samples: exit 4" 4 "$DUET" pca --vcf "$WORK/bad.vcf" -k 1 -o "$WORK/e2"
chk_none "malformed VCF" "$WORK/e2"
head -c 30000 "$IN" >"$WORK/trunc.bcf"
t_run "truncated BCF: exit 4" 4 "$DUET" pca --vcf "$WORK/trunc.bcf" -k 1 -o "$WORK/e2b"
chk_none "truncated BCF" "$WORK/e2b"
head -3 "$WORK/keep.txt" >"$WORK/keep3.txt"
t_run "3 samples, 5 components: exit 6" 6 "$DUET" pca --vcf "$IN" --samples "$WORK/keep3.txt" -k 5 -o "$WORK/e3"
t_grep "says how many samples" '3 samples kept' "$WORK/err"
chk_none "too few samples" "$WORK/e3"
t_run "--maf 0.5 leaves nothing: exit 6" 6 "$DUET" pca --vcf "$IN" --maf 0.5 -o "$WORK/e4"
t_grep "gives the counts after each filter" 'left after filtering' "$WORK/err"
chk_none "no variants" "$WORK/e4"
echo "NOBODY" >"$WORK/nobody.txt"
t_run "no sample in common: exit 5" 5 "$DUET" pca --vcf "$IN" --samples "$WORK/nobody.txt" -o "$WORK/e5"
chk_none "no sample in common" "$WORK/e5"
t_run "missing --samples file: exit 3" 3 "$DUET" pca --vcf "$IN" --samples "$WORK/none.txt" -o "$WORK/e6"
t_run "bad --ld-prune: exit 2" 2 "$DUET" pca --vcf "$IN" --ld-prune 50,5 -o "$WORK/e7"
t_run "no --vcf: exit 2" 2 "$DUET" pca -o "$WORK/e8"
t_run "-o -: exit 2" 2 "$DUET" pca --vcf "$IN" -o -
cp "$WORK/a.eigenval" "$WORK/keep.eigenval"
t_run "existing output without --force: exit 7" 7 "$DUET" pca --vcf "$IN" -k 4 -o "$WORK/a" --no-version
t_true "existing output untouched" cmp -s "$WORK/a.eigenval" "$WORK/keep.eigenval"
t_run "--force overwrites" 0 "$DUET" pca --vcf "$IN" -k 4 -o "$WORK/a" --no-version --force
t_no_partial "no temporaries left" "$WORK"
