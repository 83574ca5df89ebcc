# tests/ref/embed_mimic.sh -- duet embed's phecode modality on the real
# MIMIC-IV demo (OMOP CDM 5.3 export, 100 ICU patients, ICD billing codes)
# against an independent implementation in base R (tests/ref/embed_ref.R:
# co-occurrence, PPMI, svd(), TF-IDF person vectors) fed by the sqlite3
# shell; and with --target, the leakage check on real data: the features are
# identical with the target's person x phecode rows deleted.
. "$TOP/tests/lib.sh"

MIMIC=$DATA/omop-examples/mimic_iv_demo_5.3
db=$WORK/mimic.db
if [ ! -d "$MIMIC" ]; then
    t_fail "the MIMIC-IV demo is not in $MIMIC"
    exit 0
fi
t_run "store init" 0 "$DUET" store init --db "$db"
t_run "store import of the MIMIC-IV demo" 0 "$DUET" store import --db "$db" --quiet "$MIMIC"
t_run "phecode 1.2" 0 "$DUET" phecode --db "$db"
t_run "embed --dim 6 --min-persons 3" 0 "$DUET" embed --db "$db" --dim 6 --min-persons 3 \
    --tol 1e-12 --no-version -o "$WORK/e"
t_true "100 persons" [ "$(wc -l <"$WORK/e.phecode.tsv")" -eq 101 ]
sqlite3 -separator $'\t' "$db" "SELECT p.person_source_value, pp.phecode, pp.n_dates
    FROM duet_person_phecode pp JOIN person p USING (person_id) WHERE pp.version = '1.2'" >"$WORK/pp.tsv"
sqlite3 "$db" "SELECT person_source_value FROM person" >"$WORK/persons.txt"
sv=$(sed -n 's/^  singular_values: "\(.*\)"$/\1/p' "$WORK/e.phecode.yaml")
Rscript "$TOP/tests/ref/embed_ref.R" "$WORK/pp.tsv" "$WORK/persons.txt" "$WORK/e.phecode.tsv" \
    "$sv" 3 6 >"$WORK/r.out" 2>&1 || t_fail "the R reference (tests/ref/embed_ref.R) failed" "$(tail -5 "$WORK/r.out")"
cat "$WORK/r.out"
t_true "the R reference made 5 checks" [ "$(grep -c '^\(not \)\?ok' "$WORK/r.out")" -eq 5 ]

# leakage on real data: 401.1 (essential hypertension), frequent in MIMIC
target=401.1
cp "$db" "$WORK/del.db"
sqlite3 "$WORK/del.db" "DELETE FROM duet_person_phecode WHERE version = '1.2' AND
    (phecode = '$target' OR phecode LIKE '$target.%' OR phecode IN (SELECT d.phecode FROM
     duet_phecode d, duet_phecode_exclude x WHERE d.version = '1.2' AND x.version = '1.2' AND
     x.phecode = '$target' AND CAST(d.phecode AS REAL) BETWEEN x.lo AND x.hi))"
n=$(sqlite3 "$db" "SELECT COUNT(*) FROM duet_person_phecode WHERE phecode = '$target'")
t_true "MIMIC has $n persons with $target" [ "$n" -ge 20 ]
for s in mimic del; do
    t_run "embed --target $target on the $s store" 0 "$DUET" embed --db "$WORK/$s.db" \
        --target "$target" --dim 6 --min-persons 3 --no-version -o "$WORK/l.$s"
done
t_true "leakage: features identical with the target's rows deleted" \
    cmp -s "$WORK/l.mimic.phecode.tsv" "$WORK/l.del.phecode.tsv"
