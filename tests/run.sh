#!/usr/bin/env bash
# tests/run.sh -- run every test and print "N passed, N failed" last.
#
#   tests/run.sh [--update] [PATTERN]
#
# Unit programs ($UNIT_DIR/test_*), command tests (tests/cli/*.sh) and
# reference tests (tests/ref/*.sh).  Each prints TAP-style "ok" / "not ok"
# lines; a program that exits non-zero without a "not ok" line, or dies,
# counts as one failure.  Exit status 1 if anything failed.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
export DUET=${DUET:-$TOP/build/duet}
export DATA=${DATA:-$(cd "$TOP/../shared/data" 2>/dev/null && pwd)}
UNIT_DIR=${UNIT_DIR:-$TOP/build/tests}
export UPDATE=0
pattern=
for a in "$@"; do
    case $a in
        --update) UPDATE=1 ;;
        *) pattern=$a ;;
    esac
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/duet-tests.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
passed=0 failed=0
failures=()

run_one() { # NAME CMD...
    local name=$1; shift
    local log="$scratch/$(echo "$name" | tr '/' '_').log"
    local work="$scratch/work.$(echo "$name" | tr '/' '_')"
    mkdir -p "$work"
    local t0=$SECONDS
    WORK=$work "$@" >"$log" 2>&1
    local rc=$?
    local p f
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $name exited with status $rc" >>"$log"
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
    printf '%-40s %4d passed %3d failed  (%ds)\n' "$name" "$p" "$f" $((SECONDS - t0))
    if [ "$f" -gt 0 ]; then
        failures+=("$name")
        grep -A12 '^not ok' "$log" | head -60 | sed 's/^/    /'
    fi
    rm -rf "$work"
}

for t in "$UNIT_DIR"/test_*; do
    [ -x "$t" ] || continue
    name=unit/$(basename "$t")
    case $name in *"$pattern"*) ;; *) continue ;; esac
    run_one "$name" "$t"
done
for dir in cli ref; do
    for t in "$TOP"/tests/$dir/*.sh; do
        [ -f "$t" ] || continue
        name=$dir/$(basename "$t" .sh)
        case $name in *"$pattern"*) ;; *) continue ;; esac
        run_one "$name" bash "$t"
    done
done

echo
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
