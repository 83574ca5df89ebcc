# tests/ref/freq_plink2.sh -- `duet freq` against plink2 --freq counts and
# --missing on real 1000 Genomes genotypes (../shared/data/genotypes/
# uwgac_1kg_phase3_subset: 1,126 samples, phased GT, multi-allelic records).
#
# Autosomes (chr22, chr1) are compared exactly: per ALT allele, the ALT
# count, the observation count (plink2 OBS_CT = 2 x duet n_called), the
# frequency within 1e-6, and the missing count of plink2 --missing.
# chrX is compared under a documented rule: males are written "0/." there
# (half-calls), which duet counts as one allele, as plink2 does with
# --vcf-half-call haploid and the samples' sex from the annotation table;
# the pseudo-autosomal regions are split off in plink2 (--split-par b37) so
# that their male calls stay diploid, as they are in the file.  The same
# with duet freq --sex; and a copy with haploid male calls, heterozygous
# male calls, missing calls and samples of unknown sex (chrx_vcf.py)
# against plink2 --update-sex: equal counts under plink2's chrX rules.
. "$TOP/tests/lib.sh"

G=$DATA/genotypes/uwgac_1kg_phase3_subset
if [ ! -d "$G" ]; then
    t_fail "reference data $G is missing"
    exit 0
fi
command -v plink2 >/dev/null || { t_fail "plink2 is not installed (tools/install-deps.sh)"; exit 0; }

# SEX for plink2 from the annotation table (1 = male, 2 = female).
awk -F'\t' 'BEGIN { print "#IID\tSEX" } NR > 1 { print $1 "\t" ($5 == "M" ? 1 : $5 == "F" ? 2 : 0) }' \
    "$G/1KG_phase3_subset_annot.tsv" >"$WORK/sex.txt"
t_true "sex table has 1126 samples" [ "$(grep -c . "$WORK/sex.txt")" -eq 1127 ]

# compare.py DUET_TSV PLINK_ACOUNT PLINK_VMISS: one line per failure, then
# a summary line "compared N".
cat >"$WORK/compare.py" <<'PY'
import sys
duet_path, acount_path, vmiss_path = sys.argv[1:4]
rows = [l.rstrip('\n').split('\t') for l in open(duet_path) if not l.startswith('##')]
hdr, rows = rows[0], rows[1:]
col = {name: i for i, name in enumerate(hdr)}
def table(path):
    lines = [l.rstrip('\n').split('\t') for l in open(path)]
    h = lines[0]
    h[0] = h[0].lstrip('#')
    return [dict(zip(h, l)) for l in lines[1:]]
acount, vmiss = table(acount_path), table(vmiss_path)
bad, k, n = 0, 0, 0
if len(acount) != len(vmiss):
    print('plink2 tables differ in length'); bad += 1
for rec, miss in zip(acount, vmiss):
    alts = rec['ALT'].split(',')
    cts = [float(x) for x in rec['ALT_CTS'].split(',')]
    obs = float(rec['OBS_CT'])
    for alt, ct in zip(alts, cts):
        if k >= len(rows):
            print('duet has fewer rows than plink2'); bad += 1; break
        r = rows[k]; k += 1; n += 1
        where = '%s:%s %s' % (r[col['chromosome']], r[col['base_pair_location']], alt)
        if r[col['effect_allele']] != alt or r[col['other_allele']] != rec['REF']:
            print('%s: alleles %s/%s vs plink2 %s/%s' % (where, r[col['effect_allele']],
                  r[col['other_allele']], alt, rec['REF'])); bad += 1; continue
        d_ct = float(r[col['alt_allele_count']])
        d_af = float(r[col['alt_allele_freq']]) if r[col['alt_allele_freq']] != '#NA' else None
        p_af = ct / obs if obs > 0 else None
        if d_ct != ct:
            print('%s: ALT count %g vs plink2 %g' % (where, d_ct, ct)); bad += 1
        if (d_af is None) != (p_af is None) or (d_af is not None and abs(d_af - p_af) > 1e-6):
            print('%s: ALT frequency %s vs plink2 %s' % (where, d_af, p_af)); bad += 1
        if int(r[col['n_missing']]) != int(miss['MISSING_CT']):
            print('%s: missing %s vs plink2 %s' % (where, r[col['n_missing']], miss['MISSING_CT'])); bad += 1
        if sys.argv[4:] == ['autosome'] and 2 * int(r[col['n_called']]) != obs:
            print('%s: 2 x n_called %d vs plink2 OBS_CT %g' % (where, 2 * int(r[col['n_called']]), obs)); bad += 1
        if bad > 20: break
if k != len(rows) and bad <= 20:
    print('duet has %d rows, plink2 %d alleles' % (len(rows), k)); bad += 1
print('compared %d' % n)
sys.exit(1 if bad else 0)
PY

for chr in 22 1; do
    vcf=$G/1KG_phase3_subset_chr$chr.vcf.gz
    t_run "duet freq chr$chr" 0 "$DUET" freq --vcf "$vcf" -o "$WORK/d$chr" --threads 2 --no-version
    t_run "plink2 --freq counts --missing chr$chr" 0 plink2 --vcf "$vcf" --freq counts \
        --missing variant-only --out "$WORK/p$chr"
    python3 "$WORK/compare.py" "$WORK/d$chr.afreq.tsv" "$WORK/p$chr.acount" "$WORK/p$chr.vmiss" \
        autosome >"$WORK/cmp$chr" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && grep -Eq '^compared [0-9]{4,}' "$WORK/cmp$chr"; then
        t_pass "chr$chr: ALT counts, frequencies (1e-6), observation and missing counts equal plink2 ($(tail -1 "$WORK/cmp$chr"))"
    else
        t_fail "chr$chr: duet freq differs from plink2" "$(head -8 "$WORK/cmp$chr")"
    fi
done

# chrX: half-calls as haploid, sexes from the annotation, PARs split off.
vcf=$G/1KG_phase3_subset_chrX.vcf.gz
t_run "duet freq chrX" 0 "$DUET" freq --vcf "$vcf" -o "$WORK/dX" --no-version
t_run "plink2 chrX (--vcf-half-call h, --update-sex, --split-par b37)" 0 plink2 --vcf "$vcf" \
    --vcf-half-call h --update-sex "$WORK/sex.txt" --split-par b37 --freq counts \
    --missing variant-only --out "$WORK/pX"
# check_chrx NAME DUET PLINK: duet's table against plink2's .acount and
# .vmiss (PLINK is their prefix), at least 100 alleles compared.  plink2
# writes PAR1 rows first, then X, then PAR2 (by position), as duet does.
check_chrx() {
    python3 "$WORK/compare.py" "$2" "$3.acount" "$3.vmiss" >"$WORK/cmp.$1" 2>&1
    if [ $? -eq 0 ] && grep -Eq '^compared [0-9]{3,}' "$WORK/cmp.$1"; then
        t_pass "$1: ALT counts, frequencies and missing counts equal plink2 ($(tail -1 "$WORK/cmp.$1"))"
    else
        t_fail "$1: duet freq differs from plink2" "$(head -8 "$WORK/cmp.$1")"
    fi
}
check_chrx chrX "$WORK/dX.afreq.tsv" "$WORK/pX"

# chrX with the samples' sexes (--sex): the same file, males hemizygous.
t_run "duet freq chrX --sex" 0 "$DUET" freq --vcf "$vcf" --sex "$WORK/sex.txt" -o "$WORK/dXs" --no-version
check_chrx "chrX --sex" "$WORK/dXs.afreq.tsv" "$WORK/pX"
# The same genotypes with haploid male calls, heterozygous male calls
# (half an allele of one), missing calls and 28 samples of unknown sex
# (diploid, as plink2 counts them): tests/ref/chrx_vcf.py.
python3 "$TOP/tests/ref/chrx_vcf.py" "$vcf" "$G/1KG_phase3_subset_annot.tsv" "$WORK/kx.vcf" "$WORK/kx.psam"
t_run "duet freq planted chrX --sex" 0 "$DUET" freq --vcf "$WORK/kx.vcf" --sex "$WORK/kx.psam" \
    -o "$WORK/dK" --no-version --threads 2
t_run "plink2 planted chrX (--update-sex, --split-par b37)" 0 plink2 --vcf "$WORK/kx.vcf" \
    --update-sex "$WORK/kx.psam" --split-par b37 --freq counts --missing variant-only --out "$WORK/pK"
check_chrx "planted chrX" "$WORK/dK.afreq.tsv" "$WORK/pK"
t_grep "planted chrX: heterozygous males count half an allele" '[0-9]\.5	' "$WORK/dK.afreq.tsv"
t_run "duet freq planted chrX without --sex" 0 "$DUET" freq --vcf "$WORK/kx.vcf" -o "$WORK/dK0" --no-version
t_grep "without --sex, a loud warning that chrX is read as diploid" "no sample's sex is known: chrX.*DIPLOID" "$WORK/err"
t_true "without --sex the haploid male calls count one allele, the het ones two" \
    [ "$(cmp -s "$WORK/dK.afreq.tsv" "$WORK/dK0.afreq.tsv"; echo $?)" = 1 ]

# A sample subset: plink2 --keep with the same list.
t_run "duet freq --samples" 0 "$DUET" freq --vcf "$G/1KG_phase3_subset_chr22.vcf.gz" \
    --samples "$G/sample_subset.txt" -o "$WORK/s22" --no-version
t_run "plink2 --keep" 0 plink2 --vcf "$G/1KG_phase3_subset_chr22.vcf.gz" \
    --keep "$G/sample_subset.txt" --freq counts --missing variant-only --out "$WORK/ps22"
if python3 "$WORK/compare.py" "$WORK/s22.afreq.tsv" "$WORK/ps22.acount" "$WORK/ps22.vmiss" \
    autosome >"$WORK/cmps" 2>&1; then
    t_pass "chr22, 100 samples: equal to plink2 --keep ($(tail -1 "$WORK/cmps"))"
else
    t_fail "chr22, 100 samples: duet freq differs from plink2 --keep" "$(head -8 "$WORK/cmps")"
fi
