# tests/cli/pheno.sh -- duet pheno on the hand-built OMOP export
# (tests/data/ehr): phenotype, covariate and trait tables against expected
# files (phecode 1.2 and X, --phecodes, quantitative traits with --unit,
# --range, aggregates and --inverse-normal, --index-date, --id-column,
# duet_sample_link), refusal to overwrite, --force, the documented exit
# codes, and no partial output after a failure.
. "$TOP/tests/lib.sh"

EHR=$TOP/tests/data/ehr
EXP=$TOP/tests/expected/pheno
db=$WORK/ehr.db
out=$WORK/res
mkdir -p "$out"

"$DUET" store init --db "$db" --quiet && "$DUET" store import --db "$db" --quiet "$EHR" ||
    t_fail "store init/import"

# a store without phecode counts
t_run "pheno before phecode: exit 5" 5 "$DUET" pheno --db "$db" -o "$out/none"
t_grep "... saying to run duet phecode" "run 'duet phecode" "$WORK/err"
t_no_partial "... no output left" "$out"
t_true "... no output at all" [ ! -e "$out/none.pheno.tsv" ]

"$DUET" phecode --db "$db" --quiet && "$DUET" phecode --db "$db" --version X --quiet ||
    t_fail "phecode runs"

t_run "pheno, 1.2, min-cases 1, two --quant traits" 0 \
    "$DUET" pheno --db "$db" -o "$out/a" --min-cases 1 --no-version \
    --quant glucose=3004501 --quant weight=3025315:max
for f in pheno covar traits; do
    t_expect "a.$f.tsv" "$EXP/a.$f.tsv" "$out/a.$f.tsv"
done
t_grep "stderr: samples and traits" '8 samples \(IDs from person_source_value\), 10 phecode and 2 quantitative traits' "$WORK/err"

t_run "default min-cases 20: no trait, exit 6" 6 "$DUET" pheno --db "$db" -o "$out/b"
t_no_partial "... no partial output" "$out"
t_true "... no output" [ ! -e "$out/b.pheno.tsv" ]

t_run "refuses to overwrite without --force: exit 7" 7 \
    "$DUET" pheno --db "$db" -o "$out/a" --min-cases 1
t_expect "... a.pheno.tsv untouched" "$EXP/a.pheno.tsv" "$out/a.pheno.tsv"
t_run "--force overwrites" 0 "$DUET" pheno --db "$db" -o "$out/a" --min-cases 1 --force
t_grep "provenance: version line" '^##duet_version=duet ' "$out/a.traits.tsv"
t_grep "provenance: command line" '^##duet_command=.*pheno --db' "$out/a.traits.tsv"
t_grep "provenance: table checksum" '^##phecode_tables_sha256=[0-9a-f]{64}$' "$out/a.traits.tsv"

t_run "X, --phecodes, --min-code-count 1, --index-date, --id-column person_id" 0 \
    "$DUET" pheno --db "$db" -o "$out/x" --version X --no-version \
    --phecodes EM_202.2,CV_401.1,GU_602.1,CV_404 --min-code-count 1 \
    --index-date 2000-01-01 --id-column person_id
for f in pheno covar traits; do
    t_expect "x.$f.tsv" "$EXP/x.$f.tsv" "$out/x.$f.tsv"
done
t_grep "a listed phecode with few cases is warned about" 'warning: phecode GU_602.1 has 0 cases' "$WORK/err"

printf '401.1\n\n 250.2 \n' >"$WORK/list.txt"
t_run "--phecodes @FILE, quantitative --unit/--range/--inverse-normal" 0 \
    "$DUET" pheno --db "$db" -o "$out/q" --no-version --phecodes "@$WORK/list.txt" \
    --quant glu_mmol=3004501:last --unit glu_mmol=8753 \
    --quant glu=3004501:min --range glu=95:200 --quant weight=3025315 --inverse-normal
for f in pheno traits; do
    t_expect "q.$f.tsv" "$EXP/q.$f.tsv" "$out/q.$f.tsv"
done
t_run "--no-phecodes with --quant" 0 \
    "$DUET" pheno --db "$db" -o "$out/n" --no-version --no-phecodes --quant weight=3025315
t_true "... only the quantitative column" [ "$(head -1 "$out/n.pheno.tsv")" = "$(printf 'IID\tweight')" ]

# duet_sample_link names the samples when it has rows
sqlite3 "$db" "INSERT INTO duet_sample_link VALUES (2, 'NA0002', 'chip'), (1, 'NA0001', 'chip')"
t_run "duet_sample_link" 0 "$DUET" pheno --db "$db" -o "$out/l" --min-cases 1 --no-version
t_true "... two samples named by the link" \
    [ "$(cut -f1 "$out/l.pheno.tsv" | tr '\n' ' ')" = "IID NA0001 NA0002 " ]
t_grep "... persons without a link counted" '6 persons have no duet_sample_link row' "$WORK/err"
t_grep "... and recorded" '^##id_column=duet_sample_link$' "$out/l.traits.tsv"
t_run "--id-column person_source_value overrides the link" 0 \
    "$DUET" pheno --db "$db" -o "$out/s" --min-cases 1 --no-version --id-column person_source_value
t_true "... eight samples" [ "$(wc -l <"$out/s.pheno.tsv")" -eq 9 ]
sqlite3 "$db" "INSERT INTO duet_sample_link VALUES (3, 'NA0001', 'chip')"
t_run "a repeated linked sample ID: exit 5" 5 "$DUET" pheno --db "$db" -o "$out/r" --min-cases 1
t_grep "... named" "sample ID 'NA0001' occurs more than once" "$WORK/err"
sqlite3 "$db" "DELETE FROM duet_sample_link"

# usage errors
t_run "no -o: exit 2" 2 "$DUET" pheno --db "$db"
t_run "no --db: exit 2" 2 "$DUET" pheno -o "$out/e"
t_run "--phecodes with an unknown phecode: exit 2" 2 \
    "$DUET" pheno --db "$db" -o "$out/e" --phecodes 250.2,999.99
t_run "--quant without concepts: exit 2" 2 "$DUET" pheno --db "$db" -o "$out/e" --quant x=
t_run "--quant with a bad aggregate: exit 2" 2 "$DUET" pheno --db "$db" -o "$out/e" --quant x=1:mode
t_run "--unit for no --quant trait: exit 2" 2 \
    "$DUET" pheno --db "$db" -o "$out/e" --quant x=1 --unit y=8840
t_run "--range LO > HI: exit 2" 2 "$DUET" pheno --db "$db" -o "$out/e" --quant x=1 --range x=5:1
t_run "--no-phecodes alone: exit 2" 2 "$DUET" pheno --db "$db" -o "$out/e" --no-phecodes
t_run "--index-date not a date: exit 2" 2 \
    "$DUET" pheno --db "$db" -o "$out/e" --index-date 2020-02-30
t_run "--id-column unknown: exit 2" 2 "$DUET" pheno --db "$db" -o "$out/e" --id-column iid
t_run "--min-code-count 0: exit 2" 2 "$DUET" pheno --db "$db" -o "$out/e" --min-code-count 0
t_run "--version Y: exit 2" 2 "$DUET" pheno --db "$db" -o "$out/e" --version Y
t_run "--phecodes @missing: exit 3" 3 "$DUET" pheno --db "$db" -o "$out/e" --phecodes @"$WORK/nofile"
t_run "a store that does not exist: exit 3" 3 "$DUET" pheno --db "$WORK/none.db" -o "$out/e"
t_true "no output from the failed runs" [ -z "$(ls "$out" | grep '^e\.')" ]
t_no_partial "no temporaries left" "$out"
