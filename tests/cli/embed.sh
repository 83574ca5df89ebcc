# tests/cli/embed.sh -- duet embed end to end on a simulated cohort (duet
# simulate -> store import -> phecode): the phecode, labs, omics and PC
# modalities, their IDs, formats and sidecars; labs against duet pheno
# --quant; PCs passed through unchanged; the leakage test (with --target,
# the features are byte-identical whether the target's diagnoses are
# deleted from the store or added to every person through new condition
# rows, while without --target they differ); determinism across --threads;
# and the bad inputs with their exit codes, messages and no partial output.
. "$TOP/tests/lib.sh"

t_run "embed -h exits 0" 0 "$DUET" embed -h
t_grep "embed -h: usage" "Usage: +duet embed" "$WORK/out"
t_run "embed with a bad option exits 2" 2 "$DUET" embed --no-such-option
t_run "embed without inputs exits 2" 2 "$DUET" embed -o "$WORK/x"

cohort=$WORK/cohort
db=$WORK/sim.db
genes=$DATA/genes/genes_grch37_refFlat_hg19.tsv
t_run "simulate 1000 people" 0 "$DUET" simulate --samples 1000 --variants 200 --seed 11 \
    --genes "$genes" --no-version -o "$cohort"
t_run "store init" 0 "$DUET" store init --db "$db"
t_run "store import" 0 "$DUET" store import --db "$db" --quiet "$cohort/omop"
t_run "phecode" 0 "$DUET" phecode --db "$db"
t_run "pca of the cohort's genotypes" 0 "$DUET" pca --vcf "$cohort/genotypes.bcf" -k 4 \
    --maf 0.05 --no-version -o "$WORK/pc"

e=$WORK/e
t_run "embed: phecode, labs, omics, pcs" 0 "$DUET" embed --db "$db" --lab bmi=3038553 \
    --lab ldl=3009966 --table omics="$cohort/omics.tsv" --pcs "$WORK/pc.eigenvec" \
    --no-version -o "$e"
cp "$WORK/err" "$WORK/embed.err"
for m in phecode labs omics pcs; do
    t_true "$m: 1001 lines (header + 1000 persons)" [ "$(wc -l <"$e.$m.tsv")" -eq 1001 ]
    t_true "$m: IDs are the cohort's, in its order" \
        cmp -s <(tail -n +2 "$e.$m.tsv" | cut -f1) <(tail -n +2 "$cohort/pheno.tsv" | cut -f1)
    t_nogrep "$m: decimal numbers only (no NA, nan, inf, exponent)" \
        '(NA|nan|inf|[0-9][eE][-+]?[0-9])' <(tail -n +2 "$e.$m.tsv" | cut -f2-)
    nf=$(head -1 "$e.$m.tsv" | awk -F'\t' '{ print NF - 1 }')
    t_grep "$m: the sidecar gives persons 1000 and features $nf" "^features: $nf$" "$e.$m.yaml"
    t_grep "$m: the sidecar gives the modality" "^modality: $m$" "$e.$m.yaml"
    t_true "$m: every row has $nf features" \
        [ "$(awk -F'\t' -v n="$nf" 'NF != n + 1' "$e.$m.tsv" | wc -l)" -eq 0 ]
done
t_grep "phecode: 16 SVD dimensions, then record features" \
    "^#IID	phe1	.*phe16	n_phecodes	record_years	n_visits$" "$e.phecode.tsv"
t_grep "phecode: the SVD converged" 'svd_converged: "yes"' "$e.phecode.yaml"
t_grep "the log counts the constant feature dropped" "phecode: 1 constant feature dropped" \
    "$WORK/embed.err"
t_grep "omics: missing values imputed and counted" "missing_values_imputed: [1-9]" "$e.omics.yaml"

# n_phecodes and n_visits against the store
sqlite3 -separator $'\t' "$db" "SELECT p.person_source_value, COUNT(pp.phecode) FROM person p
    LEFT JOIN duet_person_phecode pp ON pp.person_id = p.person_id AND pp.version = '1.2'
    GROUP BY p.person_id ORDER BY p.person_source_value" >"$WORK/nphe.sql"
c=$(head -1 "$e.phecode.tsv" | tr '\t' '\n' | grep -nx n_phecodes | cut -d: -f1)
t_true "phecode: n_phecodes equals the store's person x phecode rows, person by person" \
    cmp -s "$WORK/nphe.sql" <(tail -n +2 "$e.phecode.tsv" | cut -f1,"$c" | sort)

# labs against duet pheno --quant: the persons with a value, and the
# standardised median
t_run "pheno --quant bmi" 0 "$DUET" pheno --db "$db" --no-phecodes --quant bmi=3038553 \
    --no-version -o "$WORK/p"
col() { head -1 "$1" | tr '\t' '\n' | grep -nxF "$2" | cut -d: -f1; }
pb=$(col "$WORK/p.pheno.tsv" bmi)
read -r n mean sd <<EOF
$(awk -F'\t' -v c="$pb" 'NR > 1 && $c != "NA" { n++; s += $c; ss += $c * $c }
    END { m = s / n; printf "%d %.17g %.17g", n, m, sqrt((ss - n * m * m) / (n - 1)) }' "$WORK/p.pheno.tsv")
EOF
t_true "labs: bmi_missing is 0 for exactly duet pheno's $n persons with a BMI" \
    [ "$(awk -F'\t' 'NR > 1 && $5 == 0' "$e.labs.tsv" | wc -l)" -eq "$n" ]
bad=$(paste <(cut -f"$pb" "$WORK/p.pheno.tsv") <(cut -f2,4,5 "$e.labs.tsv") |
      awk -F'\t' -v m="$mean" -v s="$sd" 'NR > 1 {
          want = $1 == "NA" ? 0 : ($1 - m) / s
          if (($1 == "NA") != ($4 == 1) || (($3 > 0) != ($4 == 0)) ||
              (want - $2 > 1e-6 || $2 - want > 1e-6)) bad++ } END { print bad + 0 }')
t_true "labs: bmi_median = (duet pheno's median - mean) / SD, 0 and missing 1 where NA, count > 0 iff present ($bad wrong)" \
    [ "$bad" -eq 0 ]
rows=$(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$e.labs.tsv")
t_grep "labs: bmi_count sums to the $rows rows duet pheno kept" "^  bmi_rows: $rows$" "$e.labs.yaml"

# PCs pass through unchanged (to the 8 significant digits written)
bad=$(paste <(tail -n +2 "$WORK/pc.eigenvec") <(tail -n +2 "$e.pcs.tsv") | awk -F'\t' '{
    for (j = 2; j <= 5; j++) { d = $j - $(j + 5); if (d < 0) d = -d; if (d > 1e-7 + 1e-7 * ($j < 0 ? -$j : $j)) bad++ }
    if ($1 != $6) bad++ } END { print bad + 0 }')
t_true "pcs: the .eigenvec values and IDs are passed through ($bad differ)" [ "$bad" -eq 0 ]

# determinism
t_run "embed --threads 2" 0 "$DUET" embed --db "$db" --lab bmi=3038553 --threads 2 \
    --no-version -o "$WORK/t2"
t_run "embed --threads 1" 0 "$DUET" embed --db "$db" --lab bmi=3038553 --threads 1 \
    --no-version -o "$WORK/t1"
t_true "phecode table byte-identical for --threads 1 and 2" \
    cmp -s "$WORK/t1.phecode.tsv" "$WORK/t2.phecode.tsv"
t_true "phecode sidecar byte-identical for --threads 1 and 2" \
    cmp -s "$WORK/t1.phecode.yaml" "$WORK/t2.phecode.yaml"
t_true "labs table byte-identical for --threads 1 and 2" cmp -s "$WORK/t1.labs.tsv" "$WORK/t2.labs.tsv"
t_run "embed without --no-version" 0 "$DUET" embed --db "$db" --no-phecode-history \
    --lab bmi=3038553 -o "$WORK/v"
t_grep "the sidecar carries provenance lines" "^# duet " "$WORK/v.labs.yaml"

# --seed: another random start converges to the same vectors (to what
# --tol 1e-6 on the residuals gives over the eigen-gaps, ~1e-5), and --scores passes a duet score-style table through
t_run "embed --seed 2" 0 "$DUET" embed --db "$db" --seed 2 --no-version -o "$WORK/s2"
d=$(paste "$WORK/t1.phecode.tsv" "$WORK/s2.phecode.tsv" | awk -F'\t' 'NR > 1 {
    n = NF / 2; for (j = 2; j <= 17; j++) { x = $j - $(j + n); if (x < 0) x = -x; if (x > m) m = x } }
    END { printf "%.2g", m }')
t_true "--seed 2 gives the same phecode vectors within 1e-4 (max |diff| $d)" \
    awk -v d="$d" 'BEGIN { exit !(d < 1e-4) }'
awk -F'\t' 'BEGIN { OFS = "\t"; print "IID", "SCORE1_SUM", "SCORE2_SUM" }
    NR > 1 { print $1, (NR % 7) * 0.25 - 1, (NR % 3) * 1.5e-7 }' "$cohort/pheno.tsv" >"$WORK/scores.tsv"
t_run "embed --scores" 0 "$DUET" embed --scores "$WORK/scores.tsv" --no-version -o "$WORK/sc"
t_true "scores: the table is passed through, in decimal notation" \
    cmp -s <(awk -F'\t' 'NR > 1 { printf "%s\t%.8g\t%.8g\n", $1, $2, $3 }' "$WORK/scores.tsv") \
           <(awk -F'\t' 'NR > 1 { printf "%s\t%.8g\t%.8g\n", $1, $2, $3 }' "$WORK/sc.scores.tsv")
t_nogrep "scores: no exponent for 1.5e-07" '[eE]-' "$WORK/sc.scores.tsv"
# a real duet score table: only its NAME_SUM columns are features
bcftools query -f '%ID\t%ALT\n' "$cohort/genotypes.bcf" |
    awk 'BEGIN { OFS = "\t"; print "ID", "A1", "W1", "W2" }
         NR % 3 == 0 { print $1, $2, (NR % 7) / 10 - 0.3, (NR % 5) / 10 }' >"$WORK/w.tsv"
t_run "duet score with two plink2-style scores" 0 "$DUET" score --vcf "$cohort/genotypes.bcf" \
    --weights "$WORK/w.tsv" --format plink2 --match-id --score-col-nums 3-4 --no-version -o "$WORK/ds"
t_run "embed --scores of duet score's table" 0 "$DUET" embed --scores "$WORK/ds.score.tsv" \
    --no-version -o "$WORK/dsm"
t_grep "scores: the features are W1_SUM and W2_SUM" "^#IID	W1_SUM	W2_SUM$" "$WORK/dsm.scores.tsv"
t_grep "scores: ALLELE_CT, NAMED_ALLELE_DOSAGE_SUM and the _AVG columns dropped, counted" \
    "score_bookkeeping_columns_dropped: 4$" "$WORK/dsm.scores.yaml"
t_true "scores: the sums are duet score's" \
    cmp -s <(awk -F'\t' -v OFS='\t' 'NR == 1 { for (j = 1; j <= NF; j++) c[$j] = j; next }
                 { printf "%s\t%.8g\t%.8g\n", $1, $c["W1_SUM"], $c["W2_SUM"] }' "$WORK/ds.score.tsv") \
           <(awk -F'\t' 'NR > 1 { printf "%s\t%.8g\t%.8g\n", $1, $2, $3 }' "$WORK/dsm.scores.tsv")

# ---------------------------------------------------------------- leakage
# Target t2d = phecode 250.2.  The store with its diagnoses removed (every
# person x phecode row of 250.2, its children and its exclusion range
# 249-250.99), and the store with an E11.9 code (which maps into that range
# only) added on three dates to every person, give byte-identical features.
target=250.2
t_true "truth plants t2d as phecode $target" \
    grep -qP "^t2d\tbinary\tdefinition\t.*\t$target\t" "$cohort/truth.tsv"
t_true "E11.9 maps to phecodes inside 249-250.99 only" [ "$(sqlite3 "$db" "SELECT COUNT(*) FROM
    duet_phecode_map WHERE version = '1.2' AND vocabulary = 'ICD10CM' AND code = 'E11.9' AND
    NOT (CAST(phecode AS REAL) BETWEEN 249 AND 250.99)")" -eq 0 ]
cp "$db" "$WORK/del.db"
sqlite3 "$WORK/del.db" "DELETE FROM duet_person_phecode WHERE version = '1.2' AND
    (phecode = '$target' OR phecode LIKE '$target.%' OR phecode IN (SELECT d.phecode FROM
     duet_phecode d, duet_phecode_exclude x WHERE d.version = '1.2' AND x.version = '1.2' AND
     x.phecode = '$target' AND CAST(d.phecode AS REAL) BETWEEN x.lo AND x.hi))"
n_del=$(( $(sqlite3 "$db" "SELECT COUNT(*) FROM duet_person_phecode") - \
          $(sqlite3 "$WORK/del.db" "SELECT COUNT(*) FROM duet_person_phecode") ))
t_true "the deleted store lost $n_del person x phecode rows of the target's family" [ "$n_del" -gt 100 ]
cp "$db" "$WORK/add.db"
sqlite3 "$WORK/add.db" "INSERT INTO condition_occurrence (condition_occurrence_id, person_id,
    condition_concept_id, condition_start_date, condition_type_concept_id, condition_source_value)
    SELECT (SELECT MAX(condition_occurrence_id) FROM condition_occurrence) + 3 * p.person_id + d.k,
           p.person_id, 0, '2018-03-0' || (d.k + 1), 32817, 'E11.9'
    FROM person p, (SELECT 0 AS k UNION SELECT 1 UNION SELECT 2) d"
t_run "phecode on the store with E11.9 added to everyone" 0 "$DUET" phecode --db "$WORK/add.db"
t_true "everyone now has 250.2 in the added store" [ "$(sqlite3 "$WORK/add.db" "SELECT COUNT(*)
    FROM duet_person_phecode WHERE version = '1.2' AND phecode = '$target'")" -eq 1000 ]
for s in db del add; do
    f=$db; [ "$s" = db ] || f=$WORK/$s.db
    t_run "embed --target $target on the $s store" 0 "$DUET" embed --db "$f" --target "$target" \
        --no-version -o "$WORK/leak.$s"
    t_run "embed without --target on the $s store" 0 "$DUET" embed --db "$f" \
        --no-version -o "$WORK/open.$s"
done
t_true "leakage: with --target, features identical with the target's diagnoses deleted" \
    cmp -s "$WORK/leak.db.phecode.tsv" "$WORK/leak.del.phecode.tsv"
t_true "leakage: with --target, features identical with the target added to everyone" \
    cmp -s "$WORK/leak.db.phecode.tsv" "$WORK/leak.add.phecode.tsv"
t_ok "leakage control: without --target, deleting the diagnoses changes the features" \
    '! cmp -s "$WORK/open.db.phecode.tsv" "$WORK/open.del.phecode.tsv"'
t_ok "leakage control: without --target, adding them changes the features" \
    '! cmp -s "$WORK/open.db.phecode.tsv" "$WORK/open.add.phecode.tsv"'
t_grep "the sidecar names the target" 'target: "250.2"' "$WORK/leak.db.phecode.yaml"
t_grep "the sidecar counts the removed phecodes" "phecodes_removed: 21$" "$WORK/leak.db.phecode.yaml"
t_run "embed --exclude-phecodes 401,250" 0 "$DUET" embed --db "$db" --exclude-phecodes 401,250 \
    --no-version -o "$WORK/ex"
t_ok "--exclude-phecodes changes the features" '! cmp -s "$WORK/ex.phecode.tsv" "$WORK/open.db.phecode.tsv"'

# ------------------------------------------------------------ bad inputs
bad=$WORK/bad
mkdir -p "$bad"
printf 'IID\ta\tb\nS1\t1\t2\nS2\t3\t4\nS1\t5\t6\n' >"$bad/dup.tsv"
printf 'IID\ta\tb\nS1\t1\t2\nS2\t3\tNaN\n' >"$bad/nan.tsv"
printf 'IID\ta\tb\nS1\t1\t2\nS2\tinf\t4\n' >"$bad/inf.tsv"
printf 'IID\ta\tb\nS1\t1\t2\nS2\t3\tx7\n' >"$bad/text.tsv"
printf 'IID\ta\tb\nS1\t1\t2\nS2\t1\t2\n' >"$bad/const.tsv"
printf 'IID\ta\tb\nS1\t1\t2\nS2\t1\t3\n' >"$bad/onevar.tsv"
printf 'IID\ta\tb\nS1\t1\t2\nS2\tNA\t3\n' >"$bad/na.tsv"
out=$bad/o
t_run "a repeated ID exits 5" 5 "$DUET" embed --table t="$bad/dup.tsv" -o "$out"
t_grep "... naming FILE:LINE:COLUMN and the first line" "dup.tsv:4:1: sample ID 'S1' repeats line 2" "$WORK/err"
t_run "NaN exits 4" 4 "$DUET" embed --table t="$bad/nan.tsv" -o "$out"
t_grep "... naming FILE:LINE:COLUMN" "nan.tsv:3:3: value 'NaN' in column b" "$WORK/err"
t_run "inf exits 4" 4 "$DUET" embed --table t="$bad/inf.tsv" -o "$out"
t_grep "... naming FILE:LINE:COLUMN" "inf.tsv:3:2: value 'inf' in column a" "$WORK/err"
t_run "a non-numeric value exits 4" 4 "$DUET" embed --table t="$bad/text.tsv" -o "$out"
t_grep "... naming FILE:LINE:COLUMN" "text.tsv:3:3: value 'x7'" "$WORK/err"
t_run "NA with --missing error exits 4" 4 "$DUET" embed --missing error --table t="$bad/na.tsv" -o "$out"
t_run "a table of constant features exits 6" 6 "$DUET" embed --table t="$bad/const.tsv" -o "$out"
t_run "a missing table exits 3" 3 "$DUET" embed --table t="$bad/none.tsv" -o "$out"
t_run "a constant column is dropped and counted" 0 "$DUET" embed --table t="$bad/onevar.tsv" \
    --no-version -o "$out"
t_grep "... in the log" "t: 1 constant feature dropped" "$WORK/err"
t_grep "... and in the sidecar" "constant_features_dropped: 1" "$out.t.yaml"
t_run "an existing output without --force exits 7" 7 "$DUET" embed --table t="$bad/onevar.tsv" -o "$out"
rm -f "$out".*
t_run "a bad table after a good one exits 5" 5 "$DUET" embed --table a="$bad/onevar.tsv" \
    --table b="$bad/dup.tsv" -o "$out"
t_ok "... and writes nothing, not even the good modality" '[ ! -e "$out.a.tsv" ] && [ ! -e "$out.a.yaml" ]'
t_run "two tables of one name exit 2" 2 "$DUET" embed --table a="$bad/onevar.tsv" \
    --table a="$bad/onevar.tsv" -o "$out"
t_run "--table without NAME= exits 2" 2 "$DUET" embed --table "$bad/onevar.tsv" -o "$out"
t_run "an unknown --target exits 2" 2 "$DUET" embed --db "$db" --target 999.99 -o "$out"
t_grep "... naming it" "'999.99' is not a phecode" "$WORK/err"
t_run "--dim too large for the phecodes left exits 6" 6 "$DUET" embed --db "$db" \
    --min-persons 900 -o "$out"
"$DUET" store init --db "$bad/empty.db" 2>/dev/null
t_run "a store without phecode counts exits 5" 5 "$DUET" embed --db "$bad/empty.db" -o "$out"
t_grep "... saying to run duet phecode" "run 'duet phecode" "$WORK/err"
t_run "a missing store exits 3" 3 "$DUET" embed --db "$bad/none.db" -o "$out"
t_no_partial "no temporary files are left" "$bad"
t_no_partial "no temporary files are left (work)" "$WORK"

# ---------------------------------------------------------------- burden
# Carrier status of each gene x mask x bin against an independent
# computation from bcftools query and regenie's three files.
t_run "embed --burden with the cohort's regenie files" 0 "$DUET" embed \
    --burden "$cohort/genotypes.bcf" --set-list "$cohort/setlist.tsv" \
    --anno "$cohort/annotations.tsv" --mask-def "$cohort/masks.txt" --no-version -o "$WORK/b"
bcftools query -f '%CHROM:%POS:%REF:%ALT[\t%GT]\n' "$cohort/genotypes.bcf" >"$WORK/gt.tsv"
bcftools query -l "$cohort/genotypes.bcf" >"$WORK/samples.txt"
python3 - "$WORK/gt.tsv" "$WORK/samples.txt" "$cohort/setlist.tsv" "$cohort/annotations.tsv" \
    "$cohort/masks.txt" "$WORK/b.burden.tsv" "$WORK/b.burden.yaml" <<'PY'
import csv, sys
def ok(c, m): print(("ok" if c else "not ok") + " - " + m)
gt_f, smp_f, sl_f, an_f, mk_f, tsv_f, yaml_f = sys.argv[1:]
samples = open(smp_f).read().split()
gts = {}
for line in open(gt_f):
    f = line.rstrip("\n").split("\t")
    calls = [g.replace("|", "/").split("/") for g in f[1:]]
    called = [c for c in calls if "." not in c]
    alt = sum(a != "0" for c in called for a in c)
    aaf = alt / sum(len(c) for c in called) if called else 0
    gts[f[0]] = (aaf, [any(a not in ("0", ".") for a in c) for c in calls])
genes = [(l.split()[0], l.split()[3].split(",")) for l in open(sl_f) if l.strip()]
anno = {(l.split()[1], l.split()[0]): l.split()[-1] for l in open(an_f) if l.strip()}
masks = [(l.split()[0], set(l.split()[1].split(","))) for l in open(mk_f) if l.strip()]
want = {}
for g, vs in genes:
    for m, classes in masks:
        for b, bound in (("0.01", 0.01), ("all", 2)):
            col = [0] * len(samples)
            for v in vs:
                if v in gts and anno.get((g, v)) in classes and gts[v][0] <= bound:
                    col = [c or k for c, k in zip(col, gts[v][1])]
            want["%s.%s.%s" % (g, m, b)] = [int(c) for c in col]
rows = list(csv.reader(open(tsv_f), delimiter="\t"))
hdr = rows[0][1:]
ok([r[0] for r in rows[1:]] == samples, "burden: the persons are the VCF's samples, in order")
bad = [h for j, h in enumerate(hdr) if [int(r[j + 1]) for r in rows[1:]] != want.get(h)]
ok(not bad and hdr, "burden: %d carrier columns equal the recomputation from bcftools (%s differ)" % (len(hdr), bad[:3]))
const = [k for k, v in want.items() if min(v) == max(v)]
kept = [k for k in want if k not in const]
ok(hdr == kept, "burden: exactly the %d columns without carriers (or all carriers) were dropped" % len(const))
ok("constant_features_dropped: %d\n" % len(const) in open(yaml_f).read(), "burden: the sidecar counts them")
PY
t_run "--burden without --anno exits 2" 2 "$DUET" embed --burden "$cohort/genotypes.bcf" \
    --set-list "$cohort/setlist.tsv" --mask-def "$cohort/masks.txt" -o "$WORK/bx"
t_run "--burden-genes with an unknown gene exits 2" 2 "$DUET" embed --burden "$cohort/genotypes.bcf" \
    --set-list "$cohort/setlist.tsv" --anno "$cohort/annotations.tsv" \
    --mask-def "$cohort/masks.txt" --burden-genes NOSUCH -o "$WORK/bx"
t_run "--burden-genes PCSK9,LDLR" 0 "$DUET" embed --burden "$cohort/genotypes.bcf" \
    --set-list "$cohort/setlist.tsv" --anno "$cohort/annotations.tsv" \
    --mask-def "$cohort/masks.txt" --burden-genes PCSK9,LDLR --no-version -o "$WORK/bg"
t_true "... keeps the columns of those genes only" \
    [ "$(head -1 "$WORK/bg.burden.tsv" | tr '\t' '\n' | tail -n +2 | grep -cvE '^(PCSK9|LDLR)\.')" -eq 0 ]

# ------------------------------------------------------------ plot embed
# The figure: the points are the persons on R's prcomp(scale. = TRUE) PC1
# and PC2 (pixel coordinates correlate |r| > 0.9999 with R's scores, person
# by person), cases and controls as pheno.tsv says, and the axis titles
# give R's variance shares.
t_run "plot embed -h exits 0" 0 "$DUET" plot embed -h
t_grep "plot embed -h: usage" "Usage: +duet plot embed" "$WORK/out"
t_run "plot embed of the phecode table coloured by t2d" 0 "$DUET" plot embed "$e.phecode.tsv" \
    --pheno "$cohort/pheno.tsv" --pheno-name t2d --no-version -o "$WORK/e.svg"
t_run "plot embed --threads 2 gives the same bytes" 0 "$DUET" plot embed "$e.phecode.tsv" \
    --pheno "$cohort/pheno.tsv" --pheno-name t2d --no-version --threads 2 -o "$WORK/e2.svg"
t_true "... identical SVG" cmp -s "$WORK/e.svg" "$WORK/e2.svg"
python3 - "$WORK/e.svg" >"$WORK/pts.tsv" <<'PY'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
for g in root.iter(NS + "g"):
    if g.get("id", "").startswith("points-"):
        for c in g.iter(NS + "circle"):
            print(g.get("id")[7:], c.get("cx"), c.get("cy"), sep="\t")
PY
grep -o 'PC[12] ([0-9.]*%' "$WORK/e.svg" | tr -d '(%' | awk '{ print $2 }' >"$WORK/share.txt"
Rscript - "$e.phecode.tsv" "$cohort/pheno.tsv" "$WORK/pts.tsv" "$WORK/share.txt" <<'R' >"$WORK/r.out" 2>&1
a <- commandArgs(TRUE)
ok <- function(cond, msg) cat(if (isTRUE(cond)) "ok" else "not ok", "-", msg, "\n")
e <- read.delim(a[1], comment.char = "", check.names = FALSE, colClasses = c("#IID" = "character"))
p <- read.delim(a[2], colClasses = c(IID = "character"))
pts <- read.delim(a[3], header = FALSE, col.names = c("group", "x", "y"))
share <- scan(a[4], quiet = TRUE)
pc <- prcomp(e[, -1], scale. = TRUE)
t2d <- p$t2d[match(e[[1]], p$IID)]
ord <- c(which(is.na(t2d)), which(t2d == 0), which(t2d == 1))
ok(nrow(pts) == nrow(e), sprintf("%d points for %d persons", nrow(pts), nrow(e)))
ok(sum(pts$group == "cases") == sum(t2d == 1, na.rm = TRUE) &&
   sum(pts$group == "controls") == sum(t2d == 0, na.rm = TRUE),
   sprintf("%d cases and %d controls drawn as pheno.tsv says", sum(pts$group == "cases"),
           sum(pts$group == "controls")))
rx <- abs(cor(pts$x, pc$x[ord, 1])); ry <- abs(cor(pts$y, pc$x[ord, 2]))
ok(rx > 0.9999 && ry > 0.9999, sprintf("points are R's prcomp PC1, PC2 scores (|r| %.6f, %.6f)", rx, ry))
v <- 100 * pc$sdev^2 / sum(pc$sdev^2)
ok(all(abs(share - round(v[1:2], 1)) <= 0.051), sprintf("axis titles give R's variance shares (%.1f%%, %.1f%%)", v[1], v[2]))
R
cat "$WORK/r.out"
t_true "the R check of the figure made 4 checks" [ "$(grep -c '^\(not \)\?ok' "$WORK/r.out")" -eq 4 ]
t_run "plot embed: a quantitative trait" 0 "$DUET" plot embed "$e.labs.tsv" \
    --pheno "$cohort/pheno.tsv" --pheno-name ldl --no-version -o "$WORK/q.svg"
t_grep "... drawn with a colour ramp" 'id="points-trait"' "$WORK/q.svg"
t_run "plot embed without --pheno-name exits 2" 2 "$DUET" plot embed "$e.labs.tsv" \
    --pheno "$cohort/pheno.tsv" -o "$WORK/x.svg"
t_run "plot embed with an unknown trait exits 5 (as every phenotype reader)" 5 "$DUET" plot embed "$e.labs.tsv" \
    --pheno "$cohort/pheno.tsv" --pheno-name nosuch -o "$WORK/x.svg"
printf 'IID\tt2d\nnobody\t1\n' >"$WORK/other.tsv"
t_run "plot embed with a phenotype sharing no ID exits 5" 5 "$DUET" plot embed "$e.labs.tsv" \
    --pheno "$WORK/other.tsv" --pheno-name t2d -o "$WORK/x.svg"
t_true "... and writes no figure" [ ! -e "$WORK/x.svg" ]
