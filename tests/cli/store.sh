# tests/cli/store.sh -- duet store init|import|info on small hand-made OMOP
# exports written here: subcommand usage, store creation and refusal of
# foreign or other-version files, an export in every accepted form (upper-case
# names, CRLF, BOM, tab, gzip, zstd, RFC 4180 quoting, CDM 5.3 column names,
# unknown columns), row counts checked against Python's csv module, stored
# values checked with the sqlite3 shell, the info summary against
# tests/expected/store/, and every bad input: exit status, a message naming
# file:line:column and field, and a store left byte-for-byte as it was.
. "$TOP/tests/lib.sh"
cd "$WORK" || exit 1
EXP=$TOP/tests/expected/store

q() { sqlite3 -batch -noheader "$@"; }
dump_sum() { sqlite3 "$1" .dump | sha256sum | cut -d' ' -f1; }
# Data rows of a CSV/TSV file (any compression), counted by Python's csv module.
py_rows() {
    case $1 in
        *.zst) zstd -dc "$1" ;;
        *.gz) gzip -dc "$1" ;;
        *) cat "$1" ;;
    esac | python3 -c '
import csv, io, sys
text = sys.stdin.buffer.read().decode("utf-8-sig")
first = text.split("\n", 1)[0]
delim = "\t" if first.count("\t") > first.count(",") else ","
rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if r]
print(len(rows) - 1)'
}

# ---------------------------------------------------------------- usage
t_run "store -h exits 0" 0 "$DUET" store -h
t_grep "store -h lists init" '^ +init ' "$WORK/out"
t_grep "store -h lists import" '^ +import ' "$WORK/out"
t_grep "store -h lists info" '^ +info ' "$WORK/out"
t_run "store without a subcommand exits 2" 2 "$DUET" store
t_run "unknown subcommand exits 2" 2 "$DUET" store frobnicate
t_grep "unknown subcommand is named" "unknown subcommand 'frobnicate'" "$WORK/err"
for sub in init import info; do
    t_run "store $sub -h exits 0" 0 "$DUET" store $sub -h
    t_grep "store $sub -h shows its usage" "^Usage:   duet store $sub " "$WORK/out"
    t_run "store $sub with a bad option exits 2" 2 "$DUET" store $sub --bogus
    t_run "store $sub without --db exits 2" 2 "$DUET" store $sub
done
t_run "store import without a PATH exits 2" 2 "$DUET" store import --db x.db

# ---------------------------------------------------------------- schema
if [ -n "${DATA:-}" ] && [ -f "$DATA/omop-cdm-5.4/OMOP_CDMv5.4_Field_Level.csv" ]; then
    t_run "schemas/10_omop_cdm_5.4.sql is what tools/build-schema.py writes" 0 \
        python3 "$TOP/tools/build-schema.py" --check \
        --spec "$DATA/omop-cdm-5.4/OMOP_CDMv5.4_Field_Level.csv" \
        --out "$TOP/schemas/10_omop_cdm_5.4.sql"
fi

# ---------------------------------------------------------------- init
t_run "init creates a store" 0 "$DUET" store init --db s.db
t_true "the store file exists" [ -f s.db ]
t_no_partial "init leaves no temporary files" "$WORK"
t_true "user_version is the schema version" [ "$(q s.db 'PRAGMA user_version')" = 1 ]
t_true "application_id is duet's" [ "$(q s.db 'PRAGMA application_id')" = 1146438996 ]
n_spec=$(q s.db "SELECT count(DISTINCT table_name) FROM duet_field WHERE cdm = 1")
t_true "39 CDM 5.4 tables in duet_field" [ "$n_spec" = 39 ]
n_made=$(q s.db "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (SELECT table_name FROM duet_field)")
t_true "every table in duet_field exists" [ "$n_made" = 40 ]
cols=$(q s.db "SELECT group_concat(name || ':' || type || ':' || \"notnull\" || ':' || pk, ' ') FROM pragma_table_info('observation_period')")
t_true "observation_period columns, types, NOT NULL, key" [ "$cols" = "observation_period_id:INTEGER:1:1 person_id:INTEGER:1:0 observation_period_start_date:TEXT:1:0 observation_period_end_date:TEXT:1:0 period_type_concept_id:INTEGER:1:0" ]
t_true "indices from 11_omop_indices.sql" [ "$(q s.db "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'idx_condition_occurrence_source_value'")" = 1 ]
t_true "init is logged" [ "$(q s.db "SELECT action || '|' || command_line FROM duet_log")" = "init|duet store init --db s.db" ]
t_run "init refuses an existing store" 7 "$DUET" store init --db s.db
t_grep "refusal says to use --force" "already exists.*--force" "$WORK/err"
t_run "init --force replaces it" 0 "$DUET" store init --db s.db --force
t_run "init in a missing folder exits 7" 7 "$DUET" store init --db no/such/dir/s.db

# ---------------------------------------------------------------- a hand-made export
mkdir -p export
# PERSON.csv: upper-case name, byte-order mark, CRLF line ends.
printf '\xef\xbb\xbfperson_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,birth_datetime,race_concept_id,ethnicity_concept_id,person_source_value\r\n' >export/PERSON.csv
printf '1,8507,1950,3,,1950-03-02T10:00:00,8527,0,P001\r\n2,8532,1962,,,,8527,0,P002\r\n3,8532,1975,,,,0,0,"P003"\r\n4,0,1990,,,,0,0,P004\r\n' >>export/PERSON.csv
# observation_period.csv.gz: gzip.
printf 'observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id\n1,1,2001-01-01,2020-12-31,32817\n2,2,19990615,20210101,32817\n3,3,2010-02-28,2019-05-05,32817\n' | gzip -c >export/observation_period.csv.gz
# visit_occurrence.csv: CDM 5.3 column names.
cat >export/visit_occurrence.csv <<'EOF'
visit_occurrence_id,person_id,visit_concept_id,visit_start_date,visit_start_datetime,visit_end_date,visit_end_datetime,visit_type_concept_id,admitting_source_concept_id,admitting_source_value,discharge_to_concept_id,discharge_to_source_value
100,1,9201,2005-05-01,2005-05-01 08:00,2005-05-03,2005-05-03 17:30:00,32817,0,EMERGENCY ROOM,0,HOME
101,2,9202,2000-01-10,,2000-01-10,,32817,,,,
102,3,9202,2012-07-07,2012-07-07T09:15:00.5Z,2012-07-07,,32817,,,,
EOF
# condition_occurrence.tsv.zst: tabs, zstd, padded ICD codes, a quoted field
# holding a tab, a quote and a line break, an unknown column.
printf 'condition_occurrence_id\tperson_id\tcondition_concept_id\tcondition_start_date\tcondition_start_datetime\tcondition_end_date\tcondition_type_concept_id\tcondition_source_value\tcondition_source_concept_id\tcondition_status_source_value\tlocal_note\n' >cond.tsv
printf '1000\t1\t0\t2005-05-01\t2005-05-01T08:00:00\t\t32821\t78791  \t44824628\t\tx\n' >>cond.tsv
printf '1001\t1\t0\t20050502\t\t2005-05-03\t32821\tI2510\t0\t"primary\tdx, ""final""\nsecond line"\ty\n' >>cond.tsv
printf '1002\t2\t0\t2000-01-10\t\t\t32821\tE8798\t\t\t\n' >>cond.tsv
printf '1003\t3\t0\t2012-07-07\t\t\t32821\t65363002\t4112343\t\t\n' >>cond.tsv
printf '1004\t3\t0\t2013-01-01\t\t\t32821\t\t\t\t\n' >>cond.tsv
zstd -q -19 cond.tsv -o export/condition_occurrence.tsv.zst
# measurement.csv: floats, an empty optional field, quoted numbers.
cat >export/measurement.csv <<'EOF'
measurement_id,person_id,measurement_concept_id,measurement_date,measurement_datetime,measurement_type_concept_id,value_as_number,unit_source_value,range_low
1,1,3004410,2005-05-01,2005-05-01 08:00:00,32817,5.7,%,4.0
2,1,3004410,2006-05-01,,32817,"6.25",%,
3,2,3013682,2000-01-10,,32817,-1.5e-1,mg/dL,.5
EOF
# concept.csv: quoted names with commas and doubled quotes.
cat >export/concept.csv <<'EOF'
concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code,valid_start_date,valid_end_date,invalid_reason
44824628,"Diarrhea, unspecified",Condition,ICD9CM,5-dig billing code,,787.91,1970-01-01,2099-12-31,
4112343,"Acute ""viral"" pharyngitis",Condition,SNOMED,Clinical Finding,S,195662009,1970-01-01,2099-12-31,
3004410,Hemoglobin A1c,Measurement,LOINC,Lab Test,S,4548-4,1970-01-01,2099-12-31,
EOF
cat >export/vocabulary.csv <<'EOF'
vocabulary_id,vocabulary_name,vocabulary_reference,vocabulary_version,vocabulary_concept_id
ICD9CM,ICD-9-CM,CMS,v32,5046
ICD10CM,ICD-10-CM,CMS,2023,44819098
EOF
echo "not data" >export/README.txt

t_run "import the hand-made export" 0 "$DUET" store import --db s.db export
cp "$WORK/err" import.log
t_grep "5.3 column names are mapped" "CDM 5.3 columns read as their 5.4 names: admitting_source_concept_id -> admitted_from_concept_id" import.log
t_grep "an unknown column is reported once" "column not in CDM 5.4 table condition_occurrence, skipped: local_note" import.log
t_true "the unknown column is reported once" [ "$(grep -c local_note import.log)" = 1 ]
t_nogrep "README.txt is ignored" "README" import.log
for f in export/PERSON.csv export/observation_period.csv.gz export/visit_occurrence.csv \
         export/condition_occurrence.tsv.zst export/measurement.csv export/concept.csv \
         export/vocabulary.csv; do
    want=$(py_rows "$f")
    table=$(basename "$f" | sed 's/\..*//' | tr 'A-Z' 'a-z')
    got=$(q s.db "SELECT count(*) FROM $table")
    t_true "$table: $got rows, Python's csv module counts $want" [ "$got" = "$want" ]
done
t_true "dates are normalised" [ "$(q s.db "SELECT observation_period_start_date || '/' || observation_period_end_date FROM observation_period WHERE observation_period_id = 2")" = "1999-06-15/2021-01-01" ]
t_true "datetimes are normalised" [ "$(q s.db "SELECT group_concat(coalesce(visit_start_datetime, 'NULL'), '|') FROM visit_occurrence")" = "2005-05-01 08:00:00|NULL|2012-07-07 09:15:00.5+00:00" ]
t_true "birth_datetime with T" [ "$(q s.db "SELECT birth_datetime FROM person WHERE person_id = 1")" = "1950-03-02 10:00:00" ]
t_true "empty fields are NULL" [ "$(q s.db "SELECT count(*) FROM person WHERE month_of_birth IS NULL")" = 3 ]
t_true "source codes are kept verbatim" [ "$(q s.db "SELECT '[' || condition_source_value || ']' FROM condition_occurrence WHERE condition_occurrence_id = 1000")" = "[78791  ]" ]
status=$(q s.db "SELECT hex(condition_status_source_value) FROM condition_occurrence WHERE condition_occurrence_id = 1001")
want=$(printf 'primary\tdx, "final"\nsecond line' | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F')
t_true "a quoted field keeps its tab, quotes and line break" [ "$status" = "$want" ]
t_true "5.3 admitting_source_value lands in admitted_from_source_value" [ "$(q s.db "SELECT admitted_from_source_value || '|' || discharged_to_source_value FROM visit_occurrence WHERE visit_occurrence_id = 100")" = "EMERGENCY ROOM|HOME" ]
t_true "floats are stored as REAL" [ "$(q s.db "SELECT group_concat(typeof(value_as_number) || ':' || value_as_number, ' ') FROM measurement")" = "real:5.7 real:6.25 real:-0.15" ]
t_true "ids are stored as INTEGER" [ "$(q s.db "SELECT DISTINCT typeof(person_id) FROM condition_occurrence")" = integer ]
t_true "concept names with quotes" [ "$(q s.db "SELECT concept_name FROM concept WHERE concept_id = 4112343")" = 'Acute "viral" pharyngitis' ]
t_true "indices are back after the load" [ "$(q s.db "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%'")" = "$(grep -c '^CREATE INDEX' "$TOP/schemas/11_omop_indices.sql" "$TOP/schemas/20_duet_core.sql" | awk -F: '{s += $2} END {print s}')" ]
t_true "the import is logged" [ "$(q s.db "SELECT detail FROM duet_log WHERE action = 'import'")" = "7 files, 23 rows" ]
ok=1
while IFS='|' read -r path sha bytes; do
    [ "$(sha256sum "$path" | cut -d' ' -f1)" = "$sha" ] || ok=0
    [ "$(stat -c %s "$path")" = "$bytes" ] || ok=0
done < <(q s.db "SELECT path, sha256, bytes FROM duet_import")
t_true "duet_import holds each file's sha256sum and size" [ "$ok" = 1 ]
t_true "person files are loaded first" [ "$(q s.db "SELECT table_name FROM duet_import ORDER BY id LIMIT 1")" = person ]

# ---------------------------------------------------------------- threads
# The same export with a parser thread (--threads 2) gives the same tables.
table_dump() { # DB: every importable table's rows in rowid order
    local t
    for t in $(q "$1" "SELECT DISTINCT table_name FROM duet_field ORDER BY 1"); do
        echo "== $t"
        q "$1" "SELECT * FROM \"$t\" ORDER BY rowid"
    done
}
"$DUET" store init --db t2.db --quiet
t_run "import with --threads 2" 0 "$DUET" store import --db t2.db --threads 2 export
table_dump s.db >dump1.txt
table_dump t2.db >dump2.txt
t_true "--threads 2 gives the same tables as --threads 1" cmp -s dump1.txt dump2.txt
# A file of several parser batches (4,096 rows each), with and without a
# thread, good and with errors found by the parser (a bad date) or by SQLite
# (a duplicate key) while batches are in flight.
awk 'BEGIN { print "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_type_concept_id,condition_source_value";
             for (i = 1; i <= 20000; i++) printf "%d,%d,0,2010-%02d-%02d,32817,I%03d\n", 100000 + i, i % 4 + 1, i % 12 + 1, i % 28 + 1, i % 1000 }' >big.csv
mkdir -p big baddate dupkey
mv big.csv big/condition_occurrence.csv
sed '15001s/2010-[0-9-]*/2010-02-31/' big/condition_occurrence.csv >baddate/condition_occurrence.csv
sed '12001s/^[0-9]*/100005/' big/condition_occurrence.csv >dupkey/condition_occurrence.csv
for th in 1 2; do
    "$DUET" store init --db big$th.db --quiet
    "$DUET" store import --db big$th.db --quiet export/PERSON.csv
    sum=$(dump_sum big$th.db)
    t_run "large file with a bad date, --threads $th: exit 4" 4 "$DUET" store import --db big$th.db --threads $th baddate
    t_grep "large file with a bad date, --threads $th: message" "baddate/condition_occurrence.csv:15001:4 \(condition_start_date\): '2010-02-31'" "$WORK/err"
    t_true "large file with a bad date, --threads $th: store unchanged" [ "$(dump_sum big$th.db)" = "$sum" ]
    t_run "large file with a duplicate key, --threads $th: exit 4" 4 "$DUET" store import --db big$th.db --threads $th dupkey
    t_grep "large file with a duplicate key, --threads $th: message" "dupkey/condition_occurrence.csv:12001:1 \(condition_occurrence_id\): duplicate primary key condition_occurrence.condition_occurrence_id = '100005'" "$WORK/err"
    t_true "large file with a duplicate key, --threads $th: store unchanged" [ "$(dump_sum big$th.db)" = "$sum" ]
    t_run "large file, --threads $th" 0 "$DUET" store import --db big$th.db --threads $th big
    t_true "large file, --threads $th: 20000 rows" [ "$(q big$th.db "SELECT count(*) FROM condition_occurrence")" = 20000 ]
done
t_true "large file: the same rows with 1 and 2 threads" [ "$(q big1.db "SELECT * FROM condition_occurrence" | sha256sum)" = "$(q big2.db "SELECT * FROM condition_occurrence" | sha256sum)" ]

# An import interrupted by SIGINT exits 130 and leaves the store as it was
# (SQLite rolls its journal back when the store is next opened, even by a
# reading command).
"$DUET" store init --db int.db --quiet
"$DUET" store import --db int.db --quiet export/PERSON.csv
sum=$(dump_sum int.db)
mkdir -p huge
awk 'BEGIN { print "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_type_concept_id,condition_source_value";
             for (i = 1; i <= 400000; i++) printf "%d,%d,0,2010-01-01,32817,I%03d\n", i, i % 4 + 1, i % 1000 }' >huge/condition_occurrence.csv
"$DUET" store import --db int.db --quiet huge 2>/dev/null &
pid=$!
sleep 0.3
kill -INT $pid
wait $pid
t_true "interrupted import exits 130" [ $? = 130 ]
t_run "a reading command opens the interrupted store" 0 "$DUET" store info --db int.db
t_true "interrupted import: store unchanged" [ "$(dump_sum int.db)" = "$sum" ]
t_true "interrupted import: no journal left" [ ! -e int.db-journal ]
rm -rf huge

# ---------------------------------------------------------------- info
t_run "info to stdout" 0 "$DUET" store info --db s.db --no-version
cp "$WORK/out" info.tsv
t_expect "info summary" "$EXP/info.tsv" info.tsv
t_run "info -o FILE" 0 "$DUET" store info --db s.db --no-version -o info2.tsv
t_true "info -o FILE writes the same" cmp -s info.tsv info2.tsv
t_run "info -o refuses to overwrite" 7 "$DUET" store info --db s.db -o info2.tsv
t_run "info -o onto the store itself is refused" 2 "$DUET" store info --db s.db -o s.db --force
t_run "info with provenance" 0 "$DUET" store info --db s.db
t_grep "provenance: version line" '^##duet_version=duet ' "$WORK/out"
t_grep "provenance: command line" '^##duet_command=duet store info --db s.db$' "$WORK/out"
t_true "info rows have three fields" [ "$(grep -v '^##' "$WORK/out" | awk -F'\t' 'NF != 3' | wc -l)" = 0 ]

# ---------------------------------------------------------------- check only
cp s.db before.db
printf 'observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id\n9,4,2001-01-01,2002-01-01,32817\n' >observation_period.csv
t_run "import --check validates" 0 "$DUET" store import --db s.db --check observation_period.csv
t_true "import --check writes nothing" cmp -s s.db before.db

# ---------------------------------------------------------------- bad inputs
base=$(dump_sum s.db)
n_cond=$(q s.db "SELECT count(*) FROM condition_occurrence")
mkdir -p bad
H='condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_type_concept_id,condition_source_value'
# bad_case NAME FILE_CONTENT(printf format) MESSAGE_REGEX [EXIT]
bad_case() {
    local name=$1 content=$2 regex=$3 want=${4:-4}
    rm -f bad/*
    printf "$content" >bad/condition_occurrence.csv
    t_run "$name: exit $want" "$want" "$DUET" store import --db s.db bad/condition_occurrence.csv
    t_grep "$name: message" "$regex" "$WORK/err"
    t_grep "$name: nothing imported" "nothing was imported: the store is unchanged" "$WORK/err"
    t_true "$name: store unchanged (.dump checksum)" [ "$(dump_sum s.db)" = "$base" ]
}
bad_case "malformed date" "$H\n2000,1,0,2020-01-01,32817,A01\n2001,1,0,2020-02-30,32817,A02\n" \
    "condition_occurrence.csv:3:4 \(condition_start_date\): '2020-02-30': not a calendar date"
bad_case "date in another format" "$H\n2000,1,0,01/02/2020,32817,A01\n" \
    "condition_occurrence.csv:2:4 \(condition_start_date\): '01/02/2020': not a date"
bad_case "non-numeric id" "$H\n2000,1,0,2020-01-01,32817,A01\nX2001,1,0,2020-01-01,32817,A01\n" \
    "condition_occurrence.csv:3:1 \(condition_occurrence_id\): 'X2001': not an integer"
bad_case "non-numeric concept id" "$H\n2000,1,abc,2020-01-01,32817,A01\n" \
    "condition_occurrence.csv:2:3 \(condition_concept_id\): 'abc': not an integer"
bad_case "missing required column" "condition_occurrence_id,person_id,condition_concept_id,condition_type_concept_id\n2000,1,0,32817\n" \
    "condition_occurrence.csv:1:1: missing required column 'condition_start_date'"
bad_case "empty required field" "$H\n2000,1,,2020-01-01,32817,A01\n" \
    "condition_occurrence.csv:2:3 \(condition_concept_id\): empty, but condition_occurrence.condition_concept_id is required"
bad_case "duplicate primary key in the file" "$H\n2000,1,0,2020-01-01,32817,A01\n2001,1,0,2020-01-01,32817,A01\n2000,2,0,2020-01-01,32817,A01\n" \
    "condition_occurrence.csv:4:1 \(condition_occurrence_id\): duplicate primary key condition_occurrence.condition_occurrence_id = '2000'"
bad_case "primary key already in the store" "$H\n1003,1,0,2020-01-01,32817,A01\n" \
    "condition_occurrence.csv:2:1 \(condition_occurrence_id\): duplicate primary key"
bad_case "orphan person_id" "$H\n2000,1,0,2020-01-01,32817,A01\n2001,99,0,2020-01-01,32817,A01\n" \
    "condition_occurrence.csv:3:2 \(person_id\): '99': no such person_id in the person table"
bad_case "non-UTF-8 text" "$H\n2000,1,0,2020-01-01,32817,caf\xe9\n" \
    "condition_occurrence.csv:2:6: invalid UTF-8 \(byte 0xe9\)"
bad_case "binary file" "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00\n" \
    "condition_occurrence.csv:1:1: a NUL byte: a binary file"
bad_case "wrong number of fields" "$H\n2000,1,0,2020-01-01,32817\n" \
    "condition_occurrence.csv:2: 5 fields, but the header has 6"
bad_case "unclosed quote" "$H\n2000,1,0,2020-01-01,32817,\"A01\n2001,1,0,2020-01-01,32817,A01\n" \
    "condition_occurrence.csv:2:6: quoted field not closed"
bad_case "float in an integer field" "$H\n2000,1.5,0,2020-01-01,32817,A01\n" \
    "condition_occurrence.csv:2:2 \(person_id\): '1.5': not an integer"
rm -f bad/*
: >bad/condition_occurrence.csv
t_run "empty file: exit 4" 4 "$DUET" store import --db s.db bad/condition_occurrence.csv
t_grep "empty file: message" "condition_occurrence.csv:1:1: empty file: no header line" "$WORK/err"
t_true "empty file: store unchanged" [ "$(dump_sum s.db)" = "$base" ]
head -c 4096 /dev/urandom | zstd -q -c >bad/condition_occurrence.csv.zst
rm -f bad/condition_occurrence.csv
t_run "zstd file of random bytes: exit 4" 4 "$DUET" store import --db s.db bad/condition_occurrence.csv.zst
t_true "zstd file of random bytes: store unchanged" [ "$(dump_sum s.db)" = "$base" ]
printf '%s\n2000,1,0,2020-01-01,32817,A01\n' "$H" | zstd -q -c | head -c 30 >bad/condition_occurrence.csv.zst
t_run "truncated zstd file: exit 4" 4 "$DUET" store import --db s.db bad/condition_occurrence.csv.zst
t_grep "truncated zstd file: message" "truncated zstd data" "$WORK/err"
# A good file and a bad one: the good one is not kept either.
rm -f bad/*
printf '%s\n2000,1,0,2020-01-01,32817,A01\n' "$H" >bad/condition_occurrence.csv
printf 'measurement_id,person_id,measurement_concept_id,measurement_date,measurement_type_concept_id\n50,1,0,2020-13-01,32817\n' >bad/measurement.csv
t_run "a bad file among good ones: exit 4" 4 "$DUET" store import --db s.db bad
t_true "a bad file among good ones: nothing kept" [ "$(q s.db "SELECT count(*) FROM condition_occurrence")" = "$n_cond" ]
t_true "a bad file among good ones: store unchanged" [ "$(dump_sum s.db)" = "$base" ]
printf 'x\n1\n' >bad/notes.csv
t_run "a file that names no table: exit 4" 4 "$DUET" store import --db s.db bad/notes.csv
t_grep "a file that names no table: message" "'notes' is not a CDM 5.4 table" "$WORK/err"
t_run "a missing input: exit 3" 3 "$DUET" store import --db s.db bad/nothing.csv
t_true "store unchanged after all bad inputs" [ "$(dump_sum s.db)" = "$base" ]

# ---------------------------------------------------------------- bad stores
t_run "missing store: exit 3" 3 "$DUET" store info --db missing.db
t_run "missing store for import: exit 3" 3 "$DUET" store import --db missing.db export
t_true "a missing store is not created" [ ! -e missing.db ]
sqlite3 plain.db "CREATE TABLE person (person_id INTEGER)"
t_run "an SQLite file that is not a duet store: exit 4" 4 "$DUET" store info --db plain.db
t_grep "not a duet store: message" "not a duet store" "$WORK/err"
head -c 8192 /dev/urandom >garbage.db
t_run "a file that is not SQLite: exit 4" 4 "$DUET" store import --db garbage.db export
cp s.db v2.db
sqlite3 v2.db "PRAGMA user_version = 2"
t_run "another schema version: exit 5" 5 "$DUET" store info --db v2.db
t_grep "another schema version: how to migrate" "create a new one with 'duet store init --db NEW' and import the OMOP export again" "$WORK/err"
t_run "another schema version refused for import: exit 5" 5 "$DUET" store import --db v2.db observation_period.csv

# ---------------------------------------------------------------- duet simulate's export
if "$DUET" --commands | grep -qx simulate; then
    t_run "simulate a small cohort" 0 "$DUET" simulate --samples 200 --variants 200 --seed 5 -o sim --quiet
    "$DUET" store init --db sim.db --quiet
    t_run "a simulated cohort folder: exit 4 with a hint" 4 "$DUET" store import --db sim.db sim
    t_grep "a simulated cohort folder: the hint names sim/omop" "sim/omop may: import that folder" "$WORK/err"
    t_run "import the simulated OMOP export" 0 "$DUET" store import --db sim.db sim/omop
    for f in sim/omop/*; do
        table=$(basename "$f" | sed 's/\..*//' | tr 'A-Z' 'a-z')
        want=$(py_rows "$f")
        t_true "simulated $table: Python counts $want rows" [ "$(q sim.db "SELECT count(*) FROM $table")" = "$want" ]
    done
fi

# ---------------------------------------------------------------- sample links
printf 'person_id,sample_id,source\n1,NA12878,cohort.vcf.gz\n2,NA12891,cohort.vcf.gz\n' >duet_sample_link.csv
t_run "import duet_sample_link.csv" 0 "$DUET" store import --db s.db duet_sample_link.csv
t_true "sample links stored" [ "$(q s.db "SELECT group_concat(person_id || ':' || sample_id, ' ') FROM duet_sample_link")" = "1:NA12878 2:NA12891" ]
printf 'person_id,sample_id\n77,NA00001\n' >duet_sample_link.csv
t_run "a sample link to an unknown person: exit 4" 4 "$DUET" store import --db s.db duet_sample_link.csv
t_grep "a sample link to an unknown person: message" "duet_sample_link.csv:2:1 \(person_id\): '77': no such person_id" "$WORK/err"

# ---------------------------------------------------------------- second import, WAL store
t_run "a second import appends" 0 "$DUET" store import --db s.db observation_period.csv
t_true "a second import appends: rows" [ "$(q s.db "SELECT count(*) FROM observation_period")" = 4 ]
t_true "a second import is logged" [ "$(q s.db "SELECT count(*) FROM duet_log WHERE action = 'import'")" = 3 ]
q s.db "PRAGMA journal_mode = WAL" >/dev/null
printf 'death_date,person_id,death_type_concept_id\n2021-01-01,2,32817\n' >DEATH.csv
t_run "import into a WAL store" 0 "$DUET" store import --db s.db DEATH.csv
t_true "the journal mode is restored" [ "$(q s.db "PRAGMA journal_mode")" = wal ]
t_true "a WAL store gets the rows" [ "$(q s.db "SELECT count(*) FROM death")" = 1 ]

# A store holds health records: created 0600 whatever the umask, and an
# import keeps the mode the user gave it.
rm -f m.db
(umask 000; "$DUET" store init --db m.db >/dev/null 2>&1)
t_true "a new store is mode 0600 under umask 000" [ "$(stat -c %a m.db)" = 600 ]
chmod 640 m.db
"$DUET" store import --db m.db DEATH.csv >/dev/null 2>&1
t_true "an import keeps the store's mode" [ "$(stat -c %a m.db)" = 640 ]
