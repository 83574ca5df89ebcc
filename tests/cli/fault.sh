# tests/cli/fault.sh -- fault injection (issue 13): every command that writes
# is run with its k-th write, fsync or rename failing (tests/fault/shim.c,
# LD_PRELOAD; ENOSPC from the shim stands in for a full disk, since no tiny
# tmpfs can be mounted here), and with the k-th allocation made by duet's own
# code failing, swept over k.  Each run must end with the documented exit
# code (7 for a write failure, 8 for memory), an error message, no crash,
# nothing in the output folder (no final file, no temporary), and a store
# byte-identical to before.
. "$TOP/tests/lib.sh"

shim=$TOP/build/tests/libduetfault.so
if ldd "$DUET" 2>/dev/null | grep -q libasan; then
    echo "ok - fault injection skipped on the sanitizer build (ASan must preload first)"
    exit 0
fi
t_true "the fault shim is built (make units)" [ -f "$shim" ]
[ -f "$shim" ] || exit 0

cd "$WORK" || exit 1
"$DUET" simulate --samples 120 --variants 300 --seed 5 --no-version -o cohort >/dev/null 2>&1
"$DUET" store init --db empty.db >/dev/null 2>&1
cp empty.db base.db
"$DUET" store import --db base.db --quiet cohort/omop >/dev/null 2>&1
t_true "a small cohort and its store" [ -s base.db ] && [ -f cohort/genotypes.bcf ]
"$DUET" phecode --db base.db --quiet >/dev/null 2>&1
n_persons=$(sqlite3 base.db 'SELECT count(*) FROM person')
"$DUET" gwas --vcf cohort/genotypes.bcf --pheno cohort/pheno.tsv --pheno-name ldl \
    --no-version -o g1 --quiet >/dev/null 2>&1

# run_fault OP K CMD... : run CMD in out/ with the K-th OP failing (K = 0:
# count only, into $WORK/count).
run_fault() {
    local op=$1 k=$2; shift 2
    (cd out && DUET_FAULT_OP=$op DUET_FAULT_AT=$k DUET_FAULT_REPORT=$WORK/count \
        LD_PRELOAD=$shim "$@" >/dev/null 2>"$WORK/err")
}

# the k values of a sweep over n calls: all of them up to `cap`, else `cap`
# values spread evenly, first and last included
ks() {
    local n=$1 cap=$2
    if [ "$n" -le "$cap" ]; then seq 1 "$n"
    else awk -v n="$n" -v c="$cap" 'BEGIN { for (i = 0; i < c; i++) print 1 + int(i * (n - 1) / (c - 1)) }' | uniq
    fi
}

# store_restored STORE : a store left with a hot journal by a failed commit
# (SQLite's crash safety: the journal holds the pages to put back) is
# restored by the next open; after it, no journal remains.
store_restored() {
    [ -e "out/$1-journal" ] || return 0
    "$DUET" store info --db "out/$1" >/dev/null 2>&1
    [ ! -e "out/$1-journal" ]
}

# committed STORE : with COMMITTED set, a store that holds the whole import
# is accepted too (an fsync that fails after SQLite's commit: the error says
# the rows were committed but are not known to be on disk).
committed() {
    [ -n "${COMMITTED:-}" ] &&
        [ "$(sqlite3 "out/$1" 'SELECT count(*) FROM person' 2>/dev/null)" = "$COMMITTED" ] &&
        grep -q 'the import was committed' "$WORK/err"
}

# sweep NAME OP WANT_EXIT CAP STORE CMD... : count OP's calls in a clean run,
# then fail each k; STORE is a store file the command changes ("-": none),
# copied fresh from $BASE (base.db unless set) before each run and compared
# after it.
sweep() {
    local name=$1 op=$2 want=$3 cap=$4 store=$5; shift 5
    local base=${BASE:-base.db}
    rm -rf out && mkdir out
    [ "$store" = - ] || cp "$base" "out/$store"
    run_fault "$op" 0 "$@"
    local n bad=0 k rc detail=
    n=$(cut -d' ' -f2 count 2>/dev/null)
    [ -n "$n" ] || n=0
    if [ "$n" -eq 0 ]; then t_fail "$name: $op calls counted" "none seen: $*"; return; fi
    for k in $(ks "$n" "$cap"); do
        rm -rf out && mkdir out
        [ "$store" = - ] || cp "$base" "out/$store"
        run_fault "$op" "$k" "$@"
        rc=$?
        local left=
        [ "$store" = - ] || store_restored "$store" || left="$store-journal (not rolled back) "
        left=$left$(cd out && find . -mindepth 1 ! -name "$store" | head -3 | tr '\n' ' ')
        if [ "$rc" -ne "$want" ] || ! grep -q 'error' "$WORK/err" || [ -n "$left" ] ||
           { [ "$store" != - ] && ! cmp -s "$base" "out/$store" && ! committed "$store"; }; then
            bad=$((bad + 1))
            [ -n "$detail" ] || detail="k=$k: exit $rc (want $want), left: '$left', $(head -c 300 "$WORK/err")"
        fi
    done
    if [ "$bad" -eq 0 ]; then t_pass "$name: $op failing at each of $(ks "$n" "$cap" | wc -l) of $n calls: exit $want, clean"
    else t_fail "$name: $op failing" "$bad runs wrong; first: $detail"; fi
}

V=$WORK/cohort/genotypes.bcf
P=$WORK/cohort/pheno.tsv
for op in write fsync rename; do
    sweep "freq" $op 7 20 - "$DUET" freq --vcf "$V" -o f
    sweep "gwas (bgzip, tabix index, YAML)" $op 7 20 - "$DUET" gwas --vcf "$V" --pheno "$P" \
        --pheno-name ldl,t2d -o g
    sweep "pca" $op 7 20 - "$DUET" pca --vcf "$V" --pcs 2 -o p
    sweep "plot qq" $op 7 20 - "$DUET" plot qq "$WORK/g1.ldl.gwas.tsv.gz" -o q.svg
    sweep "merge" $op 7 20 - "$DUET" merge "$WORK/g1.ldl.gwas.tsv.gz" -o m.gwas.tsv.gz
    sweep "pheno" $op 7 20 - "$DUET" pheno --db "$WORK/base.db" -o ph
    sweep "simulate (output folder)" $op 7 20 - "$DUET" simulate --samples 20 --variants 100 -o sim
    sweep "store init" $op 7 20 - "$DUET" store init --db s.db
done
# The store: SQLite writes through write/pwrite and syncs; a failure rolls
# the transaction back and the file stays as it was.
for op in write fsync; do
    BASE=empty.db COMMITTED=$n_persons sweep "store import" $op 7 20 s.db "$DUET" store import --db s.db --quiet \
        "$WORK/cohort/omop"
    sweep "phecode" $op 7 20 s.db "$DUET" phecode --db s.db --quiet
done
# Allocation failures in duet's own code: exit 8, nothing left.
sweep "freq" malloc 8 25 - "$DUET" freq --vcf "$V" -o f
sweep "gwas" malloc 8 40 - "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name ldl,t2d -o g
sweep "pca" malloc 8 25 - "$DUET" pca --vcf "$V" --pcs 2 -o p
sweep "plot manhattan" malloc 8 25 - "$DUET" plot manhattan "$WORK/g1.ldl.gwas.tsv.gz" -o m.svg
sweep "pheno" malloc 8 25 - "$DUET" pheno --db "$WORK/base.db" -o ph
BASE=empty.db sweep "store import" malloc 8 25 s.db "$DUET" store import --db s.db --quiet \
    "$WORK/cohort/omop"
