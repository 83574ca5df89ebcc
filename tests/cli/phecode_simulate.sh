# tests/cli/phecode_simulate.sh -- end to end on a simulated cohort with known
# truth: duet simulate's OMOP export imports, duet phecode maps its codes,
# and duet pheno finds every planted disease as the phecode truth.tsv names,
# with exactly the cases that have codes on two or more dates, NA for cases
# with one date and for controls with one rule-out code, no false case; and
# its quantitative traits with exactly the planted alternative-unit and
# impossible rows removed, their medians tracking the simulated levels; and
# the background phenome, person by person, against a recomputation.
. "$TOP/tests/lib.sh"

cohort=$WORK/cohort
db=$WORK/sim.db
genes=$DATA/genes/genes_grch37_refFlat_hg19.tsv
t_run "simulate 2000 people" 0 "$DUET" simulate --samples 2000 --variants 200 --seed 11 \
    --genes "$genes" --no-version -o "$cohort"
t_run "store init" 0 "$DUET" store init --db "$db"
t_run "store import of the simulated OMOP export" 0 "$DUET" store import --db "$db" --quiet \
    "$cohort/omop"
t_run "phecode" 0 "$DUET" phecode --db "$db"

truth=$cohort/truth.tsv
# the planted diseases and their phecodes
awk -F'\t' '$2 == "binary" && $3 == "definition" { print $1 "\t" $10 }' "$truth" >"$WORK/diseases"
t_true "truth.tsv plants 5 diseases with phecodes" [ "$(wc -l <"$WORK/diseases")" -eq 5 ]
list=$(cut -f2 "$WORK/diseases" | paste -sd, -)
t_run "pheno --phecodes $list, 4 measurements" 0 "$DUET" pheno --db "$db" -o "$WORK/p" \
    --no-version --phecodes "$list" --quant bmi=3038553 --quant ldl=3009966 \
    --quant sbp=3004249 --quant hba1c=3004410

count() { # TRAIT NAME -> truth count
    awk -F'\t' -v t="$1" -v n="$2" '$1 == t && $3 == "count" && $4 == n { print $9 }' "$truth"
}
col() { # FILE NAME -> column number
    head -1 "$1" | tr '\t' '\n' | grep -nxF "$2" | cut -d: -f1
}
while IFS=$'\t' read -r trait phecode; do
    c=$(col "$WORK/p.pheno.tsv" "$phecode")
    s=$(col "$cohort/pheno.tsv" "$trait")
    read -r cases controls na <<EOF
$(awk -F'\t' -v c="$c" 'NR > 1 { n[$c]++ } END { print n["1"] + 0, n["0"] + 0, n["NA"] + 0 }' \
    "$WORK/p.pheno.tsv")
EOF
    want=$(count "$trait" cases_2plus_dates)
    t_true "$trait -> phecode $phecode: $cases cases = truth's cases with 2+ dates ($want)" \
        [ "$cases" -eq "$want" ]
    eligible=$(count "$trait" eligible)
    want_na=$(( $(count "$trait" cases_1_date) + $(count "$trait" controls_1_code) + 2000 - eligible ))
    t_true "$trait: $na NA = cases with 1 date + controls with a rule-out code + not eligible ($want_na)" \
        [ "$na" -eq "$want_na" ]
    # person by person: no false case, no case called a control
    bad=$(paste <(cut -f"$c" "$WORK/p.pheno.tsv") <(cut -f"$s" "$cohort/pheno.tsv") |
          awk -F'\t' 'NR > 1 && (($1 == "1" && $2 != "1") || ($1 == "0" && $2 != "0"))' | wc -l)
    t_true "$trait: every case is a planted case, every control a planted control ($bad wrong)" \
        [ "$bad" -eq 0 ]
done <"$WORK/diseases"
t_true "sample IDs are the cohort's, in its order" \
    cmp -s <(cut -f1 "$WORK/p.pheno.tsv") <(cut -f1 "$cohort/pheno.tsv")

for trait in bmi ldl sbp hba1c; do
    row=$(awk -F'\t' -v t="$trait" '$1 == t' "$WORK/p.traits.tsv")
    other=$(echo "$row" | cut -f9)
    implausible=$(echo "$row" | cut -f10)
    alt=$(awk -F'\t' -v t="$trait" '$1 == t && $3 == "alt_unit" { print $9 }' "$truth")
    imp=$(awk -F'\t' -v t="$trait" '$1 == t && $3 == "impossible" { print $9 }' "$truth")
    t_true "$trait: $other rows in another unit dropped = planted (${alt:-0})" [ "$other" -eq "${alt:-0}" ]
    t_true "$trait: $implausible impossible rows dropped = planted ($imp)" [ "$implausible" -eq "$imp" ]
    c=$(col "$WORK/p.pheno.tsv" "$trait")
    s=$(col "$cohort/pheno.tsv" "$trait")
    r=$(paste <(cut -f"$c" "$WORK/p.pheno.tsv") <(cut -f"$s" "$cohort/pheno.tsv") |
        awk -F'\t' 'NR > 1 && $1 != "NA" && $2 != "NA" {
            n++; sx += $1; sy += $2; sxx += $1 * $1; syy += $2 * $2; sxy += $1 * $2 }
            END { printf "%.4f", (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy)) }')
    t_true "$trait: the median of the measurements tracks the simulated level (r = $r)" \
        awk -v r="$r" 'BEGIN { exit !(r > 0.9) }'
done

# The whole phenome, person by person: duet phecode's person x phecode
# counts of distinct dates equal an independent recomputation from the
# export with the raw phecode 1.2 sources (map and rollup, vocabulary by
# date), and each background phecode reached by its own code only has the
# persons background.tsv says.
sqlite3 -separator $'\t' "$db" \
    "SELECT person_id, phecode, n_dates FROM duet_person_phecode WHERE version = '1.2'" >"$WORK/pp.tsv"
cat >"$WORK/phenome.py" <<'EOF'
import csv, sys
from collections import defaultdict
d, phe, pp = sys.argv[1], sys.argv[2], sys.argv[3]
def ok(cond, msg): print(("ok" if cond else "not ok") + " - " + msg)
m = {}
for r in csv.DictReader(open(phe + "/PheWAS_pkg_phecode_map.csv")):
    m.setdefault((r["vocabulary_id"], r["code"].upper()), set()).add(r["phecode"])
up = defaultdict(set)
for r in csv.DictReader(open(phe + "/PheWAS_pkg_phecode_rollup_map.csv")):
    up[r["code"]].add(r["phecode_unrolled"])  # phecode -> what it rolls up into
dates = defaultdict(set)
sources = defaultdict(set)  # phecode -> codes counting toward it
for r in csv.DictReader(open(d + "/omop/condition_occurrence.csv")):
    c = r["condition_source_value"].strip()
    if "." not in c and len(c) > 3: c = c[:3] + "." + c[3:]
    day = r["condition_start_date"]
    voc = "ICD10CM" if day >= "2015-10-01" else "ICD9CM"
    for p in m.get((voc, c), ()):
        for q in up.get(p, {p}):
            dates[(r["person_id"], q)].add(day)
            sources[q].add(c)
want = {k: len(v) for k, v in dates.items()}
got = {}
for line in open(pp):
    pid, p, n = line.rstrip("\n").split("\t")
    got[(pid, p)] = int(n)
diff = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
ok(not diff, "%d person x phecode counts equal the recomputation (%d differ, e.g. %s)" % (len(got), len(diff), diff[:3]))
n_phe = len({p for (_, p), n in got.items() if n >= 2})
ok(n_phe >= 1000, "%d phecodes with a case (2+ dates) among 2000 people" % n_phe)
bg = list(csv.DictReader((l for l in open(d + "/background.tsv") if not l.startswith("#")), delimiter="\t"))
alone = [r for r in bg if sources[r["phecode"]] <= {r["icd10"], r["icd9"]}]
per = defaultdict(lambda: [0, 0])
for (pid, p), n in got.items():
    per[p][0] += 1; per[p][1] += n >= 2
wrong = [r["phecode"] for r in alone if per[r["phecode"]] != [int(r["persons"]), int(r["persons_2plus_dates"])]]
ok(len(alone) > 1000 and not wrong,
   "%d background phecodes reached by their own codes only: persons and 2+ dates as background.tsv says %s"
   % (len(alone), wrong[:5]))
EOF
python3 "$WORK/phenome.py" "$cohort" "$DATA/phecode-sources/v1.2" "$WORK/pp.tsv"
