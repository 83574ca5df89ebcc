# tests/cli/phecode.sh -- duet phecode on a small hand-built OMOP export
# (tests/data/ehr): the person x phecode counts of 1.2 and X, coverage by
# vocabulary (stderr and store), unmapped codes, the run row and its table
# checksum (against phecodes/README.md), replacement on a re-run, duet_log,
# and the documented exit codes.
. "$TOP/tests/lib.sh"

EHR=$TOP/tests/data/ehr
EXP=$TOP/tests/expected/phecode
db=$WORK/ehr.db
dump() { # SQL -> stdout, tab-separated with a header
    sqlite3 -header -separator "$(printf '\t')" "$db" "$1"
}

t_run "store init" 0 "$DUET" store init --db "$db"
t_run "store import" 0 "$DUET" store import --db "$db" "$EHR"
t_run "phecode --db (1.2)" 0 "$DUET" phecode --db "$db"
cp "$WORK/err" "$WORK/err12"
t_grep "stderr: rows read" '27 source rows, 22 with an ICD code, 4 of other vocabularies or shapes, 1 without a source code' "$WORK/err12"
t_grep "stderr: ICD9CM coverage" 'ICD9CM +5 +5 100\.00% +3 +3' "$WORK/err12"
t_grep "stderr: ICD10CM coverage" 'ICD10CM +17 +16 +94\.12% +9 +8' "$WORK/err12"
t_grep "stderr: all ICD" 'all ICD +22 +21 +95\.45%' "$WORK/err12"
t_grep "stderr: persons" '7 persons with a phecode, 16 person x phecode rows stored' "$WORK/err12"

dump "SELECT person_id, phecode, n_dates, first_date, last_date FROM duet_person_phecode
      WHERE version = '1.2' ORDER BY person_id, phecode" >"$WORK/pp12.tsv"
t_expect "person x phecode counts, 1.2" "$EXP/person_phecode_1.2.tsv" "$WORK/pp12.tsv"
dump "SELECT version, vocabulary, n_rows, n_mapped_rows, n_codes, n_mapped_codes
      FROM duet_phecode_coverage ORDER BY version, vocabulary" >"$WORK/cov12.tsv"
t_expect "coverage table, 1.2" "$EXP/coverage_1.2.tsv" "$WORK/cov12.tsv"
dump "SELECT version, vocabulary, code, n_rows FROM duet_phecode_unmapped
      ORDER BY version, vocabulary, code" >"$WORK/unm12.tsv"
t_expect "unmapped codes, 1.2" "$EXP/unmapped_1.2.tsv" "$WORK/unm12.tsv"

# the run row carries the checksum that phecodes/README.md records
want=$(grep -E '^\| 1\.2 \| tables \|' "$TOP/phecodes/README.md" | grep -oE '[0-9a-f]{64}')
got=$(sqlite3 "$db" "SELECT tables_sha256 FROM duet_phecode_run WHERE version = '1.2'")
t_ok "run row: tables_sha256 is phecodes/README.md's" '[ -n "$want" ] && [ "$want" = "$got" ]'
got=$(sqlite3 "$db" "SELECT n_rows || ' ' || n_icd_rows || ' ' || n_mapped_rows || ' ' ||
                     n_persons || ' ' || n_person_phecodes FROM duet_phecode_run
                     WHERE version = '1.2'")
t_true "run row: counts ($got)" [ "$got" = "27 22 21 7 16" ]
got=$(sqlite3 "$db" "SELECT COUNT(*) FROM duet_phecode WHERE version = '1.2'")
t_true "1.2 definitions stored ($got)" [ "$got" = 1866 ]
got=$(sqlite3 "$db" "SELECT group_concat(phecode) FROM duet_phecode_map
                     WHERE version = '1.2' AND vocabulary = 'ICD10CM' AND code = 'E11.9'")
t_true "1.2 map stored rolled up: E11.9 -> $got" [ "$got" = "250,250.2" ]

# X beside 1.2
t_run "phecode --version X" 0 "$DUET" phecode --db "$db" --version X
dump "SELECT person_id, phecode, n_dates, first_date, last_date FROM duet_person_phecode
      WHERE version = 'X' ORDER BY person_id, phecode" >"$WORK/ppx.tsv"
t_expect "person x phecode counts, X" "$EXP/person_phecode_X.tsv" "$WORK/ppx.tsv"
dump "SELECT person_id, phecode, n_dates, first_date, last_date FROM duet_person_phecode
      WHERE version = '1.2' ORDER BY person_id, phecode" >"$WORK/pp12b.tsv"
t_true "an X run leaves the 1.2 counts alone" cmp -s "$WORK/pp12.tsv" "$WORK/pp12b.tsv"

# a re-run replaces, never duplicates
t_run "phecode again (1.2)" 0 "$DUET" phecode --db "$db" --quiet
t_true "--quiet prints nothing" [ ! -s "$WORK/err" ]
dump "SELECT person_id, phecode, n_dates, first_date, last_date FROM duet_person_phecode
      WHERE version = '1.2' ORDER BY person_id, phecode" >"$WORK/pp12c.tsv"
t_true "a re-run gives the same counts" cmp -s "$WORK/pp12.tsv" "$WORK/pp12c.tsv"
got=$(sqlite3 "$db" "SELECT COUNT(*) || ' ' || SUM(version = '1.2') FROM duet_phecode_run")
t_true "one run row per version ($got)" [ "$got" = "2 1" ]
got=$(sqlite3 "$db" "SELECT COUNT(*) FROM duet_log WHERE action = 'phecode'")
t_true "duet_log has one row per run ($got)" [ "$got" = 3 ]
t_true "duet_log detail names version, checksum and coverage" \
    test -n "$(sqlite3 "$db" "SELECT 1 FROM duet_log WHERE action = 'phecode' AND
              detail LIKE 'version=1.2 tables_sha256=$want rows=27 icd_rows=22 mapped_rows=21%'")"

# exit codes
t_run "no --db: exit 2" 2 "$DUET" phecode
t_run "--version 2.0: exit 2" 2 "$DUET" phecode --db "$db" --version 2.0
t_run "a stray argument: exit 2" 2 "$DUET" phecode --db "$db" extra
t_run "a store that does not exist: exit 3" 3 "$DUET" phecode --db "$WORK/none.db"
printf 'not a database\n' >"$WORK/text.db"
t_run "a file that is not a store: exit 4" 4 "$DUET" phecode --db "$WORK/text.db"
sqlite3 "$WORK/plain.db" "CREATE TABLE t (x); PRAGMA user_version = 1"
t_run "an SQLite file that is not a duet store: exit 4" 4 "$DUET" phecode --db "$WORK/plain.db"
t_grep "... saying so" 'not a duet store' "$WORK/err"
