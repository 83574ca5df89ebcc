# tests/ref/phecode_mimic.sh -- duet phecode and duet pheno on the real
# MIMIC-IV demo (OMOP CDM 5.3 export, 100 ICU patients, ICD-9-CM and
# ICD-10-CM billing codes without dots and padded with blanks), against
#  - the sqlite3 shell on the raw condition_occurrence table: ICD row counts
#    by vocabulary, and case and control counts of 8 phecodes computed with
#    SQL from the raw rows and phecodes/v1.2/{map,exclude}.tsv;
#  - an independent Python implementation of the documented rules
#    (tests/ref/phecode_ref.py): every person x phecode count of 1.2 and X,
#    the coverage by vocabulary, and the case/control/NA values of a handful
#    of phecodes;
# and asserts that at least 90% of the ICD rows map.
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
cp "$WORK/err" "$WORK/phecode.err"
sed 's/^/#   /' "$WORK/phecode.err"

# coverage: at least 90% of the ICD rows map
pct=$(grep -E 'all ICD' "$WORK/phecode.err" | grep -oE '[0-9.]+%' | tr -d %)
t_true "at least 90% of ICD rows map to a 1.2 phecode ($pct%)" \
    awk -v p="$pct" 'BEGIN { exit !(p >= 90) }'

# the sqlite3 shell on the raw table: the ICD rows are the billing rows
# (condition_type_concept_id 32821, 'EHR billing diagnosis'); digits-only
# codes are ICD-9-CM, codes starting with a letter other than E/V ICD-10-CM,
# E/V codes by their concept id block (ICD9CM: 44819000-44837999).
read -r n9 n10 <<EOF
$(sqlite3 -separator ' ' "$db" "
  WITH c AS (SELECT upper(trim(condition_source_value)) AS code,
                    condition_source_concept_id AS cid
             FROM condition_occurrence WHERE condition_type_concept_id = 32821)
  SELECT SUM(code GLOB '[0-9]*' OR (substr(code, 1, 1) IN ('E', 'V') AND
                                    cid BETWEEN 44819000 AND 44837999)),
         SUM(code GLOB '[A-Z]*' AND NOT (substr(code, 1, 1) IN ('E', 'V') AND
                                         cid BETWEEN 44819000 AND 44837999))
  FROM c")
EOF
t_true "sqlite3: 1,852 ICD-9-CM billing rows ($n9)" [ "$n9" = 1852 ]
t_true "sqlite3: 1,981 ICD-10-CM billing rows ($n10)" [ "$n10" = 1981 ]
t_grep "duet counts 1,852 ICD-9-CM rows" 'ICD9CM +1852 ' "$WORK/phecode.err"
t_grep "duet counts 1,981 ICD-10-CM rows" 'ICD10CM +1981 ' "$WORK/phecode.err"
t_grep "the 12,608 chart rows (MIMIC concepts) are not ICD" '12608 of other vocabularies' "$WORK/phecode.err"

# sqlite3: persons with >= 2 distinct dates of a phecode, from the raw rows
# and the map file: vocabulary by the rule above, the dot after 3 characters
# (4 for ICD-9-CM E codes), exact codes only (no ancestor fallback)
sqlite3 "$db" <<EOF >"$WORK/sqlcases.tsv"
CREATE TEMP TABLE m (vocabulary TEXT, code TEXT, phecodes TEXT, source TEXT);
.mode tabs
.import --skip 1 $TOP/phecodes/v1.2/map.tsv m
CREATE TEMP TABLE mp AS
  WITH RECURSIVE split(vocabulary, code, phecode, rest) AS (
    SELECT vocabulary, code, '', phecodes || ',' FROM m
    UNION ALL
    SELECT vocabulary, code, substr(rest, 1, instr(rest, ',') - 1),
           substr(rest, instr(rest, ',') + 1) FROM split WHERE rest <> '')
  SELECT vocabulary, code, phecode FROM split WHERE phecode <> '';
CREATE TEMP TABLE rows AS
  SELECT person_id, condition_start_date AS d,
         replace(upper(trim(condition_source_value)), '.', '') AS c,
         CASE WHEN upper(trim(condition_source_value)) GLOB '[0-9]*'
                OR (substr(upper(trim(condition_source_value)), 1, 1) IN ('E', 'V')
                    AND condition_source_concept_id BETWEEN 44819000 AND 44837999)
              THEN 'ICD9CM' ELSE 'ICD10CM' END AS vocabulary
  FROM condition_occurrence WHERE condition_type_concept_id = 32821;
CREATE TEMP TABLE norm AS
  SELECT person_id, d, vocabulary,
         CASE WHEN vocabulary = 'ICD9CM' AND c GLOB 'E*' THEN
                CASE WHEN length(c) > 4 THEN substr(c, 1, 4) || '.' || substr(c, 5) ELSE c END
              WHEN length(c) > 3 THEN substr(c, 1, 3) || '.' || substr(c, 4) ELSE c END AS code
  FROM rows;
CREATE TEMP TABLE ex (phecode TEXT, lo REAL, hi REAL);
.import --skip 1 $TOP/phecodes/v1.2/exclude.tsv ex
CREATE TEMP TABLE pq AS
  SELECT n.person_id, mp.phecode, COUNT(DISTINCT n.d) AS nd
  FROM norm n JOIN mp ON mp.vocabulary = n.vocabulary AND mp.code = n.code
  GROUP BY n.person_id, mp.phecode;
CREATE TEMP TABLE want (phecode TEXT);
INSERT INTO want VALUES ('250.2'), ('272.1'), ('296.22'), ('401.1'), ('411.4'), ('427.21'),
                        ('428'), ('585.3');
.mode tabs
SELECT w.phecode,
       (SELECT COUNT(*) FROM pq WHERE pq.phecode = w.phecode AND nd >= 2),
       (SELECT COUNT(*) FROM person) -
       (SELECT COUNT(DISTINCT pq.person_id) FROM pq JOIN ex ON ex.phecode = w.phecode
        WHERE CAST(pq.phecode AS REAL) BETWEEN ex.lo AND ex.hi)
FROM want w ORDER BY w.phecode;
EOF
list="250.2,272.1,401.1,411.4,427.21,428,585.3,296.22,600,185,618"
t_run "duet pheno --phecodes" 0 "$DUET" pheno --db "$db" -o "$WORK/p" --no-version \
    --phecodes "$list"
awk -F'\t' 'NR == 1 { for (i = 2; i <= NF; i++) name[i] = $i; n = NF; next }
    { for (i = 2; i <= n; i++) { c[i] += $i == "1"; k[i] += $i == "0" } }
    END { for (i = 2; i <= n; i++) printf "%s\t%d\t%d\n", name[i], c[i], k[i] }' \
    "$WORK/p.pheno.tsv" | grep -vE '^(600|185|618)'"$(printf '\t')" | LC_ALL=C sort >"$WORK/duetcases.tsv"
t_true "sqlite3 computed 8 phecodes" [ "$(wc -l <"$WORK/sqlcases.tsv")" -eq 8 ]
sed 's/^/#   sqlite3 phecode cases controls: /' "$WORK/sqlcases.tsv"
if cmp -s "$WORK/sqlcases.tsv" "$WORK/duetcases.tsv"; then
    t_pass "cases and controls of 8 phecodes: duet pheno = sqlite3 on the raw rows"
else
    t_fail "cases and controls of 8 phecodes: duet pheno = sqlite3 on the raw rows" \
        "$(diff "$WORK/sqlcases.tsv" "$WORK/duetcases.tsv")"
fi

# the Python reference: every count, coverage, phenotypes
python3 "$TOP/tests/ref/phecode_ref.py" "$db" "$TOP/phecodes" 1.2 "$WORK/ref12" \
    $(echo "$list" | tr , ' ') || t_fail "phecode_ref.py 1.2 ran"
sqlite3 -header -separator "$(printf '\t')" "$db" "
  SELECT person_id, phecode, n_dates, first_date, last_date FROM duet_person_phecode
  WHERE version = '1.2' ORDER BY person_id, phecode" >"$WORK/pp12.tsv"
sort "$WORK/ref12/person_phecode.tsv" >"$WORK/a"; sort "$WORK/pp12.tsv" >"$WORK/b"
n=$(($(wc -l <"$WORK/pp12.tsv") - 1))
if cmp -s "$WORK/a" "$WORK/b"; then
    t_pass "1.2: all $n person x phecode rows (dates, first, last) = Python reference"
else
    t_fail "1.2: person x phecode rows = Python reference" "$(diff "$WORK/a" "$WORK/b" | head)"
fi
sqlite3 -header -separator "$(printf '\t')" "$db" "
  SELECT vocabulary, n_rows, n_mapped_rows FROM duet_phecode_coverage
  WHERE version = '1.2' ORDER BY vocabulary" >"$WORK/cov12.tsv"
if cmp -s "$WORK/ref12/coverage.tsv" "$WORK/cov12.tsv"; then
    t_pass "1.2: coverage by vocabulary = Python reference"
else
    t_fail "1.2: coverage by vocabulary = Python reference" \
        "$(diff "$WORK/ref12/coverage.tsv" "$WORK/cov12.tsv")"
fi
if cmp -s "$WORK/ref12/pheno.tsv" "$WORK/p.pheno.tsv"; then
    t_pass "1.2: case/control/NA of 11 phecodes for 100 persons = Python reference"
else
    t_fail "1.2: case/control/NA of 11 phecodes = Python reference" \
        "$(diff "$WORK/ref12/pheno.tsv" "$WORK/p.pheno.tsv" | head)"
fi
# the counts behind that comparison, for the log
awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) c[i, $i]++ }
    NR == 1 { for (i = 2; i <= NF; i++) name[i] = $i; n = NF }
    END { for (i = 2; i <= n; i++)
        printf "#   %-7s cases %3d controls %3d NA %3d\n", name[i], c[i, "1"], c[i, "0"], c[i, "NA"] }' \
    "$WORK/p.pheno.tsv"
cases=$(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) if ($i == "1") c++ } END { print c + 0 }' \
    "$WORK/p.pheno.tsv")
t_true "the compared columns hold cases ($cases)" [ "$cases" -ge 50 ]
t_true "sex restriction: 600 (male only) NA for every woman" \
    test -z "$(sqlite3 "$db" "SELECT person_source_value FROM person WHERE gender_concept_id = 8532" |
               grep -Fxf - <(awk -F'\t' 'NR > 1 && $10 != "NA" { print $1 }' "$WORK/p.pheno.tsv"))"

# X
t_run "phecode X" 0 "$DUET" phecode --db "$db" --version X
pct=$(grep -E 'all ICD' "$WORK/err" | grep -oE '[0-9.]+%' | tr -d %)
t_true "at least 90% of ICD rows map to a PhecodeX phecode ($pct%)" \
    awk -v p="$pct" 'BEGIN { exit !(p >= 90) }'
python3 "$TOP/tests/ref/phecode_ref.py" "$db" "$TOP/phecodes" X "$WORK/refx" \
    CV_401.1 EM_202.2 || t_fail "phecode_ref.py X ran"
sqlite3 -header -separator "$(printf '\t')" "$db" "
  SELECT person_id, phecode, n_dates, first_date, last_date FROM duet_person_phecode
  WHERE version = 'X' ORDER BY person_id, phecode" >"$WORK/ppx.tsv"
sort "$WORK/refx/person_phecode.tsv" >"$WORK/a"; sort "$WORK/ppx.tsv" >"$WORK/b"
n=$(($(wc -l <"$WORK/ppx.tsv") - 1))
if cmp -s "$WORK/a" "$WORK/b"; then
    t_pass "X: all $n person x phecode rows = Python reference"
else
    t_fail "X: person x phecode rows = Python reference" "$(diff "$WORK/a" "$WORK/b" | head)"
fi
t_run "duet pheno --version X" 0 "$DUET" pheno --db "$db" -o "$WORK/x" --no-version \
    --version X --phecodes CV_401.1,EM_202.2
if cmp -s "$WORK/refx/pheno.tsv" "$WORK/x.pheno.tsv"; then
    t_pass "X: case/control/NA of CV_401.1 and EM_202.2 = Python reference"
else
    t_fail "X: case/control/NA = Python reference" "$(diff "$WORK/refx/pheno.tsv" "$WORK/x.pheno.tsv" | head)"
fi
