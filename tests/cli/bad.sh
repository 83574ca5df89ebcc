#!/usr/bin/env bash
# tests/cli/bad.sh -- replay the bad-input corpus (tests/bad/cases.tsv):
# each case's exit code, its message, and that nothing is left behind in
# its output folder.
. "$(dirname "$0")/../lib.sh"
IN=$TOP/tests/bad/inputs
export DUET IN
n=0
while IFS=$'\t' read -r name want msg cmd; do
    case $name in ''|'#'*) continue ;; esac
    n=$((n + 1))
    dir=$WORK/case.$n
    mkdir -p "$dir/out"
    O=$dir/out/o
    (cd "$dir" && O=$O sh -c "$cmd" >"$dir/stdout" 2>"$dir/stderr")
    got=$?
    if [ "$got" -eq "$want" ]; then t_pass "$name: exit $want"
    else t_fail "$name: exit $want" "exit $got: $cmd" "$(head -c 400 "$dir/stderr")"; fi
    t_grep "$name: message" "$msg" "$dir/stderr"
    left=$(find "$dir/out" -mindepth 1 | head -3)
    t_true "$name: nothing left behind" [ -z "$left" ]
    rm -rf "$dir"
done <"$TOP/tests/bad/cases.tsv"
t_true "corpus read ($n cases)" [ "$n" -gt 0 ]
