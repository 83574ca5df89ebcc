# tests/lib.sh -- helpers for the command tests (tests/cli/*.sh) and the
# reference tests (tests/ref/*.sh).  Each check prints "ok - name" or
# "not ok - name"; tests/run.sh counts them.
#
# Environment (set by tests/run.sh): DUET (the binary), DATA (../shared/data),
# TOP (the project root), WORK (a fresh scratch folder for this script),
# UPDATE=1 to regenerate expected files.

set -u
: "${DUET:?DUET must point to the duet binary}"
: "${WORK:=$(mktemp -d)}"
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${DATA:=$(cd "$TOP/../shared/data" 2>/dev/null && pwd)}"
: "${UPDATE:=0}"

t_pass() { echo "ok - $1"; }
t_fail() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

# t_run NAME EXPECTED_EXIT CMD... : run CMD (stdout to $WORK/out, stderr to
# $WORK/err) and check its exit status.
t_run() {
    local name=$1 want=$2; shift 2
    "$@" >"$WORK/out" 2>"$WORK/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then t_pass "$name"
    else t_fail "$name" "exit $got, want $want: $*" "$(head -c 600 "$WORK/err")"; fi
}

# t_grep NAME PATTERN FILE : FILE contains the (extended) regex PATTERN.
t_grep() {
    if grep -Eq -- "$2" "$3" 2>/dev/null; then t_pass "$1"
    else t_fail "$1" "'$2' not found in $3" "$(head -c 400 "$3" 2>/dev/null)"; fi
}

# t_nogrep NAME PATTERN FILE
t_nogrep() {
    if grep -Eq -- "$2" "$3" 2>/dev/null; then t_fail "$1" "'$2' found in $3"
    else t_pass "$1"; fi
}

# t_true NAME CONDITION... : a shell test, e.g. t_true "n rows" [ "$n" -eq 5 ]
t_true() {
    local name=$1; shift
    if "$@"; then t_pass "$name"; else t_fail "$name" "false: $*"; fi
}

# t_ok NAME 'SHELL CONDITION' : a condition with && or || in it, evaluated as
# a whole (t_true would only see the part before the first &&).
t_ok() {
    local name=$1; shift
    if eval "$1"; then t_pass "$name"; else t_fail "$name" "false: $1"; fi
}

# t_expect NAME EXPECTED ACTUAL : ACTUAL equals the expected file; on a
# mismatch EXPECTED.new is written and the diff shown; UPDATE=1 rewrites.
t_expect() {
    local name=$1 want=$2 got=$3
    if [ "$UPDATE" = 1 ]; then
        mkdir -p "$(dirname "$want")"; cp "$got" "$want"; t_pass "$name (updated)"; return
    fi
    if [ ! -f "$want" ]; then
        cp "$got" "$want.new"; t_fail "$name" "no expected file $want (wrote $want.new; run with --update)"; return
    fi
    if cmp -s "$want" "$got"; then rm -f "$want.new"; t_pass "$name"
    else
        cp "$got" "$want.new"
        t_fail "$name" "differs from $want (new output in $want.new)" "$(diff "$want" "$got" | head -20)"
    fi
}

# t_no_partial NAME DIR : DIR holds no temporary or partial duet outputs.
t_no_partial() {
    local left
    left=$(find "$2" -name '.*.tmp*' -o -name '.*.old*' 2>/dev/null | head -5)
    if [ -z "$left" ]; then t_pass "$1"; else t_fail "$1" "left behind: $left"; fi
}
