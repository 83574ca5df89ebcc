# tests/ref/embed_synthea.sh -- duet embed's labs modality on a real OMOP
# CDM 5.4 export (Synthea, 28 patients, LOINC-coded measurements), against
# an independent computation in Python from the raw MEASUREMENT and PERSON
# CSV files (not the store): per person the median, the last value (by
# date, then measurement_id), the count of rows in the most frequent unit
# within the given range, and the missingness; median and last standardised
# over the persons with a value (sample SD), 0 where missing.
. "$TOP/tests/lib.sh"

SYN=$DATA/omop-examples/synthea27nj_5.4
db=$WORK/syn.db
if [ ! -d "$SYN" ]; then
    t_fail "the Synthea export is not in $SYN"
    exit 0
fi
t_run "store init" 0 "$DUET" store init --db "$db"
t_run "store import of the Synthea export" 0 "$DUET" store import --db "$db" --quiet "$SYN"
t_run "embed labs: sbp (28 persons), ldl (17 persons)" 0 "$DUET" embed --db "$db" \
    --no-phecode-history --lab sbp=3004249 --lab ldl=3009966 --range sbp=50:260 \
    --range ldl=1:1000 --no-version -o "$WORK/e"
t_grep "the log counts the constant columns dropped (sbp_missing)" "labs: 1 constant feature dropped" "$WORK/err"
zstd -dc "$SYN/MEASUREMENT.csv.zst" >"$WORK/measurement.csv"
zstd -dc "$SYN/PERSON.csv.zst" >"$WORK/person.csv"
python3 - "$WORK/measurement.csv" "$WORK/person.csv" "$WORK/e.labs.tsv" <<'PY'
import csv, math, statistics, sys
from collections import Counter, defaultdict
def ok(c, m): print(("ok" if c else "not ok") + " - " + m)
iid = {r["person_id"]: r["person_source_value"] for r in csv.DictReader(open(sys.argv[2]))}
rows = list(csv.DictReader(open(sys.argv[1])))
labs = {"sbp": ("3004249", 50, 260), "ldl": ("3009966", 1, 1000)}
got = list(csv.DictReader(open(sys.argv[3]), delimiter="\t"))
ok(len(got) == len(iid), "%d persons, as PERSON.csv" % len(got))
for name, (concept, lo, hi) in labs.items():
    rs = [r for r in rows if r["measurement_concept_id"] == concept and r["value_as_number"] != ""]
    unit = sorted(Counter(r["unit_concept_id"] for r in rs).items(), key=lambda u: (-u[1], int(u[0])))[0][0]
    per = defaultdict(list)
    for r in rs:
        v = float(r["value_as_number"])
        if r["unit_concept_id"] == unit and lo <= v <= hi:
            per[iid[r["person_id"]]].append((r["measurement_date"], int(r["measurement_id"]), v))
    med = {p: statistics.median(v for _, _, v in x) for p, x in per.items()}
    last = {p: sorted(x)[-1][2] for p, x in per.items()}
    def z(d):
        m, s = statistics.mean(d.values()), statistics.stdev(d.values())
        return {p: (v - m) / s for p, v in d.items()}
    zm, zl = z(med), z(last)
    bad = 0
    for g in got:
        p = g["#IID"]
        want = (zm.get(p, 0.0), zl.get(p, 0.0), len(per.get(p, ())))
        have = (float(g[name + "_median"]), float(g[name + "_last"]), float(g[name + "_count"]))
        if any(abs(a - b) > 1e-6 for a, b in zip(want, have)): bad += 1
        if name + "_missing" in g and float(g[name + "_missing"]) != (p not in per): bad += 1
    ok(bad == 0, "%s: median, last, count and missing of %d persons with %d rows equal the recomputation from the CSV (%d differ)"
       % (name, len(per), sum(map(len, per.values())), bad))
    ok((name + "_missing" in got[0]) == (len(per) < len(got)),
       "%s: the missing indicator is there exactly when someone lacks a value" % name)
PY
