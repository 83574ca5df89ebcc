#!/usr/bin/env bash
# tests/run.sh -- run every test and print "N passed, N failed" last.
#
#   tests/run.sh [--update] [PATTERN]
#
# Unit programs ($UNIT_DIR/test_*), command tests (tests/cli/*.sh) and
# reference tests (tests/ref/*.sh).  When SAN_DUET and SAN_UNIT_DIR name a
# build made with AddressSanitizer + UBSan (make check sets them), the unit
# programs and command tests run a second time on it, labelled san/...; the
# reference tests, which check numbers rather than memory, run once.  Each prints TAP-style "ok" / "not ok"
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

run_pass() { # LABEL_PREFIX DUET UNIT_DIR DIRS...
    local prefix=$1 duet=$2 units=$3 saved=$DUET; shift 3
    local t name dir
    export DUET=$duet
    for t in "$units"/test_*; do
        [ -x "$t" ] || continue
        name=${prefix}unit/$(basename "$t")
        case $name in *"$pattern"*) ;; *) continue ;; esac
        run_one "$name" "$t"
    done
    for dir in "$@"; do
        for t in "$TOP"/tests/$dir/*.sh; do
            [ -f "$t" ] || continue
            name=$prefix$dir/$(basename "$t" .sh)
            case $name in *"$pattern"*) ;; *) continue ;; esac
            run_one "$name" bash "$t"
        done
    done
    export DUET=$saved
}

run_pass "" "$DUET" "$UNIT_DIR" cli ref
if [ -n "${SAN_DUET:-}" ] && [ -x "${SAN_DUET:-}" ]; then
    # The sanitizers abort on the first report, so a memory error fails the
    # test that triggered it.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        run_pass "san/" "$SAN_DUET" "$SAN_UNIT_DIR" cli
fi

echo
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
