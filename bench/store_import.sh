#!/usr/bin/env bash
# bench/store_import.sh FOLDER -- import rate of `duet store import` against
# the sqlite3 shell's own `.import` of the same CSV, in the same run.
#
# FOLDER is an OMOP export (or a `duet simulate` output holding one in
# FOLDER/omop/) with person, condition_occurrence and measurement files in any
# accepted form (.csv/.tsv, optionally .gz/.zst, any case).  Without one,
# bench/make_omop.py writes a synthetic export.
#
# Each table's file is first decompressed to a plain CSV that both tools read.
# duet:    `duet store import` into a store holding the persons: parsing,
#          validation (types, dates, person_id references, keys, UTF-8),
#          SHA-256 of the file, the insert, and the rebuild of the table's
#          indices; with --threads 1 and with --threads $(nproc).
# sqlite3: `.import --csv --skip 1` into the same table of a store made by
#          `duet store init` with the table's indices dropped (no checks at
#          all; empty fields stored as ''), then the same CREATE INDEX
#          statements, timed apart: the ratio is taken against the sum (the
#          same end state) and against `.import` alone.
# Best wall time of $REPS runs [3]; CPU (user+sys) of that run in brackets.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DUET=${DUET:-$TOP/build/duet}
REPS=${REPS:-3}
[ $# -eq 1 ] || { echo "usage: bench/store_import.sh FOLDER" >&2; exit 2; }
src=$1
[ -d "$src/omop" ] && src=$src/omop
tmp=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench-store.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

find_table() { # TABLE -> the first file in $src named after it
    find "$src" -maxdepth 1 -type f | while read -r f; do
        b=$(basename "$f" | tr 'A-Z' 'a-z')
        case $b in "$1".csv|"$1".tsv|"$1".csv.gz|"$1".tsv.gz|"$1".csv.zst|"$1".tsv.zst) echo "$f"; break ;; esac
    done
}
plain() { # FILE OUT: decompressed, tabs turned into a comma-separated file
    case $1 in
        *.zst|*.ZST) zstd -dc "$1" ;;
        *.gz|*.GZ) gzip -dc "$1" ;;
        *) cat "$1" ;;
    esac | python3 -c '
import csv, sys
text = sys.stdin.read()
first = text.split("\n", 1)[0]
if first.count("\t") > first.count(","):
    rows = csv.reader(text.splitlines(True), delimiter="\t")
    csv.writer(sys.stdout, lineterminator="\n").writerows(rows)
else:
    sys.stdout.write(text)' >"$2"
}
rows_of() { python3 -c 'import csv, sys; print(sum(1 for r in csv.reader(open(sys.argv[1], newline="")) if r) - 1)' "$1"; }
# best TIMEFILE: "wall cpu" of the fastest run
best() { sort -n "$1" | head -1; }
timed() { # TIMEFILE CMD...: append "wall cpu"
    local f=$1; shift
    /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/log" || { cat "$tmp/log" >&2; return 1; }
    awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$tmp/t" >>"$f"
}

person=$(find_table person)
[ -n "$person" ] || { echo "bench/store_import.sh: no person file in $src" >&2; exit 3; }
plain "$person" "$tmp/person.csv"

NT=$(nproc)
printf '%-22s %-24s %9s %8s %12s %12s\n' table tool "wall s" "cpu s" "rows/s" "rows/cpu-s"
for table in condition_occurrence measurement; do
    f=$(find_table "$table")
    if [ -z "$f" ]; then echo "$table: no file in $src, skipped"; continue; fi
    plain "$f" "$tmp/$table.csv"
    n=$(rows_of "$tmp/$table.csv")
    : >"$tmp/duet1.times"; : >"$tmp/duetN.times"; : >"$tmp/imp.times"; : >"$tmp/idx.times"
    for rep in $(seq "$REPS"); do
        for th in 1 "$NT"; do
            rm -f "$tmp/d.db"
            "$DUET" store init --db "$tmp/d.db" --quiet
            "$DUET" store import --db "$tmp/d.db" --quiet "$tmp/person.csv"
            sync
            tf=$tmp/duet1.times
            [ "$th" = 1 ] || tf=$tmp/duetN.times
            timed "$tf" "$DUET" store import --db "$tmp/d.db" --quiet --threads "$th" "$tmp/$table.csv"
            got=$(sqlite3 "$tmp/d.db" "SELECT count(*) FROM $table")
            [ "$got" = "$n" ] || { echo "duet imported $got rows of $table, expected $n" >&2; exit 1; }
        done
        rm -f "$tmp/s.db"

        "$DUET" store init --db "$tmp/s.db" --quiet
        sqlite3 "$tmp/s.db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = '$table' AND sql IS NOT NULL" >"$tmp/idx.sql"
        sqlite3 "$tmp/s.db" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = '$table' AND sql IS NOT NULL" | sqlite3 "$tmp/s.db"
        sync
        timed "$tmp/imp.times" sqlite3 "$tmp/s.db" ".import --csv --skip 1 $tmp/$table.csv $table"
        timed "$tmp/idx.times" sqlite3 "$tmp/s.db" ".read $tmp/idx.sql"
        got=$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM $table")
        [ "$got" = "$n" ] || { echo "sqlite3 imported $got rows of $table, expected $n" >&2; exit 1; }
    done
    read -r dw dc < <(best "$tmp/duet1.times")
    read -r nw nc < <(best "$tmp/duetN.times")
    read -r iw ic < <(best "$tmp/imp.times")
    read -r xw xc < <(best "$tmp/idx.times")
    awk -v t="$table" -v n="$n" -v nt="$NT" -v dw="$dw" -v dc="$dc" -v nw="$nw" -v nc="$nc" \
        -v iw="$iw" -v ic="$ic" -v xw="$xw" -v xc="$xc" '
    function row(tool, w, c) { printf "%-22s %-24s %9.2f %8.2f %12.0f %12.0f\n", t, tool, w, c, n / w, n / c }
    BEGIN {
        row("duet --threads 1", dw, dc)
        row("duet --threads " nt, nw, nc)
        row("sqlite3 .import", iw, ic)
        row("sqlite3 CREATE INDEX", xw, xc)
        row("sqlite3 total", iw + xw, ic + xc)
        printf "%-22s ratio sqlite3 total / duet: wall %.2f (-t1) %.2f (-t%d), cpu %.2f (-t1); .import alone / duet -t1: wall %.2f, cpu %.2f\n",
            t, (iw + xw) / dw, (iw + xw) / nw, nt, (ic + xc) / dc, iw / dw, ic / dc
    }'
done
echo "ratio above 1: duet is faster.  Best wall time of $REPS runs (cpu = user + sys of that run)."
