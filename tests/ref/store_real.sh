# tests/ref/store_real.sh -- the two real OMOP exports in ../shared/data
# (Synthea 27 NJ, CDM 5.4, upper-case zstd files; MIMIC-IV demo, CDM 5.3)
# import cleanly, and what the store holds equals what Python reads from the
# CSVs: per table, the row count from Python's csv module, and every value of
# every row, normalised by Python's own date/number parsers following the
# CDM field specification read straight from OMOP_CDMv5.4_Field_Level.csv.
# A few values are also spot-checked with the sqlite3 shell.
. "$TOP/tests/lib.sh"
cd "$WORK" || exit 1
EX=$DATA/omop-examples
SPEC=$DATA/omop-cdm-5.4/OMOP_CDMv5.4_Field_Level.csv
if [ ! -d "$EX/synthea27nj_5.4" ] || [ ! -d "$EX/mimic_iv_demo_5.3" ] || [ ! -f "$SPEC" ]; then
    t_fail "reference data missing under $DATA (see ../shared/data/PROVENANCE.md)"
    exit 0
fi

cat >compare.py <<'EOF'
# compare.py SPEC EXPORT_DIR STORE: one line per table "table csv_rows store_rows
# mismatches", then "first mismatch" lines if any.
import csv, datetime, io, os, sqlite3, subprocess, sys

spec_path, export, store = sys.argv[1:4]
spec = {}
for r in csv.DictReader(open(spec_path, newline="", encoding="utf-8-sig")):
    spec.setdefault(r["cdmTableName"].lower(), {})[r["cdmFieldName"].strip('"').lower()] = \
        (r["cdmDatatype"].lower(), r["isPrimaryKey"] == "Yes")
# CDM 5.3 -> 5.4 column names (the CDM 5.4 release notes).
renamed = {"admitting_source_concept_id": "admitted_from_concept_id",
           "admitting_source_value": "admitted_from_source_value",
           "discharge_to_concept_id": "discharged_to_concept_id",
           "discharge_to_source_value": "discharged_to_source_value",
           "visit_detail_parent_id": "parent_visit_detail_id"}

def norm(kind, v):
    if v == "":
        return None
    if kind == "integer":
        return int(v)
    if kind == "float":
        return float(v)
    if kind == "date":
        return datetime.datetime.fromisoformat(v).date().isoformat()
    if kind == "datetime":
        return datetime.datetime.fromisoformat(v).isoformat(sep=" ")
    return v

db = sqlite3.connect(store)
bad_lines = []
for name in sorted(os.listdir(export)):
    if not name.endswith(".csv.zst"):
        continue
    table = name.split(".")[0].lower()
    if table not in spec:
        print(f"{table} skipped")
        continue
    text = subprocess.run(["zstd", "-dc", os.path.join(export, name)], check=True,
                          capture_output=True).stdout.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = [renamed.get(h.strip().lower(), h.strip().lower())
              if table.startswith("visit_") else h.strip().lower() for h in rows[0]]
    keep = [i for i, h in enumerate(header) if h in spec[table]]
    cols = [header[i] for i in keep]
    kinds = [spec[table][c][0] for c in cols]
    kinds = ["integer" if k == "integer" else k if k in ("float", "date", "datetime") else "text"
             for k in kinds]
    want = sorted((tuple(norm(k, r[i]) for k, i in zip(kinds, keep)) for r in rows[1:]),
                  key=repr)
    sel = ", ".join('"%s"' % c for c in cols)
    got = sorted(db.execute(f'SELECT {sel} FROM "{table}"').fetchall(), key=repr)
    n_bad = sum(1 for a, b in zip(want, got) if a != b) + abs(len(want) - len(got))
    print(f"{table} {len(rows) - 1} {len(got)} {n_bad}")
    if n_bad and len(bad_lines) < 5:
        for a, b in zip(want, got):
            if a != b:
                bad_lines.append(f"# {table}: csv {a} store {b}")
                break
for l in bad_lines:
    print(l)
EOF

check_export() { # NAME DIR
    local name=$1 dir=$2
    t_run "$name: init" 0 "$DUET" store init --db "$name.db"
    t_run "$name: import exits 0" 0 "$DUET" store import --db "$name.db" "$dir"
    cp "$WORK/err" "$name.log"
    python3 compare.py "$SPEC" "$dir" "$name.db" >"$name.cmp"
    local n=0
    while read -r table csv_rows store_rows n_bad; do
        case $table in '#'*) continue ;; esac
        [ "$csv_rows" = skipped ] && continue
        n=$((n + 1))
        t_true "$name $table: $store_rows rows, $csv_rows CSV rows" [ "$csv_rows" = "$store_rows" ]
        t_true "$name $table: every value equals Python's reading" [ "$n_bad" = 0 ]
    done <"$name.cmp"
    grep '^#' "$name.cmp" | head -5
    t_true "$name: tables compared" [ "$n" -gt 20 ]
    t_true "$name: no import error" [ "$(grep -c 'error' "$name.log")" = 0 ]
}

check_export synthea "$EX/synthea27nj_5.4"
check_export mimic "$EX/mimic_iv_demo_5.3"

q() { sqlite3 -batch -noheader "$@"; }
# Spot checks with the sqlite3 shell (values read off the CSVs by hand).
t_true "synthea: first measurement" [ "$(q synthea.db "SELECT person_id, measurement_concept_id, measurement_date, value_as_number, unit_source_value FROM measurement WHERE measurement_id = 1")" = "1|3025315|2013-05-17|48.1|kg" ]
t_true "synthea: condition_era dates written as datetimes keep their date" [ "$(q synthea.db "SELECT typeof(condition_era_start_date), length(condition_era_start_date) FROM condition_era LIMIT 1")" = "text|10" ]
t_true "synthea: 10,040 measurement rows (PROVENANCE.md)" [ "$(q synthea.db "SELECT count(*) FROM measurement")" = 10040 ]
t_true "synthea: 28 persons" [ "$(q synthea.db "SELECT count(*) FROM person")" = 28 ]
t_true "mimic: a padded ICD-9 code kept as exported" [ "$(q mimic.db "SELECT '[' || condition_source_value || ']' FROM condition_occurrence WHERE condition_occurrence_id = 7000818053728441484")" = "[78791  ]" ]
t_true "mimic: negative 64-bit ids" [ "$(q mimic.db "SELECT person_id FROM observation_period WHERE observation_period_id = -422211212329812262")" = "-7391666713304457659" ]
t_true "mimic: 5.3 admitting_source_value (275 filled) read as admitted_from_source_value" [ "$(q mimic.db "SELECT count(admitted_from_source_value) || '|' || count(discharged_to_source_value) FROM visit_occurrence")" = "275|233" ]
t_true "mimic: cdm_version_concept_id supplied as 0" [ "$(q mimic.db "SELECT cdm_version || '|' || cdm_version_concept_id FROM cdm_source")" = "5.3.1|0" ]
t_true "mimic: JSON in a quoted field" [ "$(q mimic.db "SELECT specimen_source_id FROM specimen WHERE specimen_id = -5102033398575528989")" = '{"subject_id":10021487,"hadm_id":20429160,"microevent_id":7820}' ]
t_grep "mimic: 5.3-only tables reported" "attribute_definition has no CDM 5.4 counterpart" mimic.log
# 3,833 ICD rows (1,852 ICD-9-CM + 1,981 ICD-10-CM, PROVENANCE.md): the shape
# classes of duet store info add up to them, and never exceed each vocabulary.
t_run "mimic: info" 0 "$DUET" store info --db mimic.db --no-version
i9=$(awk -F'\t' '$2 == "condition_occurrence:ICD9CM-like" {print $3}' "$WORK/out")
i10=$(awk -F'\t' '$2 == "condition_occurrence:ICD10CM-like" {print $3}' "$WORK/out")
amb=$(awk -F'\t' '$2 == "condition_occurrence:ICD9CM-or-ICD10CM" {print $3}' "$WORK/out")
t_true "mimic: ICD shapes add up to 3833 ($i9 + $i10 + $amb)" [ $((i9 + i10 + amb)) = 3833 ]
t_ok "mimic: ICD-9-like <= 1852, ICD-10-like <= 1981" '[ "$i9" -le 1852 ] && [ "$i10" -le 1981 ]'
t_true "mimic: 100 persons in info" grep -q "^persons	total	100$" "$WORK/out"
