#!/usr/bin/env bash
# bench/phecode.sh -- time `duet phecode` per million condition rows, against
# the same person x phecode counting done by set-based SQL in the sqlite3
# shell on the same store, in the same run.
#
#   bench/phecode.sh [COHORT_DIR]      (COHORT_DIR, from bench/run.sh, is not used)
#
# The input is a synthetic OMOP export made by bench/gen_icd_export.py:
# PHECODE_BENCH_ROWS condition rows (default 1,000,000) over a tenth as many
# persons, ICD-9-CM codes before 2015-10-01 and ICD-10-CM after, undotted and
# partly blank-padded or lower case, 3% local non-ICD codes.  It is kept in
# bench/data/phecode_<rows>/ between runs.  Timings are reported, never
# asserted.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
rows=${PHECODE_BENCH_ROWS:-1000000}
data=$TOP/bench/data/phecode_$rows
mkdir -p "$data"
if [ ! -f "$data/export/condition_occurrence.csv" ]; then
    echo "generating a synthetic export of $rows condition rows"
    python3 "$TOP/bench/gen_icd_export.py" "$data/export" "$rows"
fi
db=$data/bench.db
rm -f "$db"

secs() { # CMD... : wall seconds of CMD, to stdout; its output to $data/last.log
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >"$data/last.log" 2>&1 || { cat "$data/last.log" >&2; return 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
per_m() { awk -v s="$1" -v n="$rows" 'BEGIN { printf "%.2f", s * 1e6 / n }'; }

"$DUET" store init --db "$db" --quiet
t_import=$(secs "$DUET" store import --db "$db" --quiet "$data/export")
t12=$(secs "$DUET" phecode --db "$db" --version 1.2)
grep -E 'all ICD|persons with' "$data/last.log" | sed 's/^/    /'
t12b=$(secs "$DUET" phecode --db "$db" --version 1.2)
tx=$(secs "$DUET" phecode --db "$db" --version X)
grep -E 'all ICD' "$data/last.log" | sed 's/^/    /'

# The peer: the same counts with set-based SQL in the sqlite3 shell (codes
# normalised in SQL, joined to the rolled-up map the run stored, distinct
# dates per person x phecode, written to a table), on a copy of the store.
cp "$db" "$data/sql.db"
cat >"$data/peer.sql" <<'SQL'
PRAGMA cache_size = -262144;
BEGIN;
CREATE TABLE peer AS
WITH rows AS (
  SELECT person_id, condition_start_date AS d,
         replace(upper(trim(condition_source_value)), '.', '') AS c
  FROM condition_occurrence),
norm AS (
  SELECT person_id, d,
         CASE WHEN c GLOB '[0-9]*' OR ((c GLOB 'V*' OR c GLOB 'E*') AND d < '2015-10-01')
              THEN 'ICD9CM' ELSE 'ICD10CM' END AS vocabulary, c
  FROM rows WHERE c GLOB '[0-9A-Z][0-9][0-9A-Z]*' AND length(c) BETWEEN 3 AND 7)
SELECT n.person_id, m.phecode, COUNT(DISTINCT n.d) AS n_dates, MIN(n.d) AS first_date,
       MAX(n.d) AS last_date
FROM (SELECT person_id, d, vocabulary,
             CASE WHEN vocabulary = 'ICD9CM' AND c GLOB 'E*' AND length(c) > 4
                    THEN substr(c, 1, 4) || '.' || substr(c, 5)
                  WHEN length(c) > 3 AND NOT (vocabulary = 'ICD9CM' AND c GLOB 'E*')
                    THEN substr(c, 1, 3) || '.' || substr(c, 4)
                  ELSE c END AS code
      FROM norm) n
JOIN duet_phecode_map m ON m.version = '1.2' AND m.vocabulary = n.vocabulary AND m.code = n.code
GROUP BY n.person_id, m.phecode;
COMMIT;
SQL
tsql=$(secs sqlite3 "$data/sql.db" ".read $data/peer.sql")
npeer=$(sqlite3 "$data/sql.db" "SELECT COUNT(*) FROM peer")
nduet=$(sqlite3 "$db" "SELECT COUNT(*) FROM duet_person_phecode WHERE version = '1.2'")
rm -f "$data/sql.db"

printf '\n%-52s %9s %12s\n' "phecode benchmark, $rows condition rows" "seconds" "s / M rows"
printf '%-52s %9s %12s\n' "duet store import (all tables)" "$t_import" "$(per_m "$t_import")"
printf '%-52s %9s %12s\n' "duet phecode --version 1.2 (first run)" "$t12" "$(per_m "$t12")"
printf '%-52s %9s %12s\n' "duet phecode --version 1.2 (re-run, replaces)" "$t12b" "$(per_m "$t12b")"
printf '%-52s %9s %12s\n' "duet phecode --version X (first run)" "$tx" "$(per_m "$tx")"
printf '%-52s %9s %12s\n' "sqlite3 shell, set-based SQL (exact codes only)" "$tsql" "$(per_m "$tsql")"
awk -v a="$t12" -v b="$tsql" 'BEGIN { printf "ratio sqlite3 SQL / duet phecode 1.2: %.2f\n", b / a }'
echo "person x phecode rows: duet $nduet, SQL peer $npeer (the peer has no ancestor fallback,"
echo "no vocabulary rules beyond shape and date, and does not write coverage or the map)"
