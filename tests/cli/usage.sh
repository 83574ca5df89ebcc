# tests/cli/usage.sh -- every command (and subcommand): -h exits 0 and shows
# "Usage: duet <command>", 'duet help CMD' prints the same, a bad option
# exits 2; and the top-level usage and --version.
. "$TOP/tests/lib.sh"

t_run "duet -h exits 0" 0 "$DUET" -h
t_grep "duet -h shows the usage line" '^Usage: +duet <command>' "$WORK/out"
t_run "duet without a command exits 2" 2 "$DUET"
t_run "unknown command exits 2" 2 "$DUET" no-such-command
t_run "--version exits 0" 0 "$DUET" --version
for lib in htslib SQLite zstd OpenBLAS; do
    t_grep "--version names $lib" "^Using $lib [0-9]" "$WORK/out"
done

"$DUET" --commands >"$WORK/commands"
while IFS= read -r cmd; do
    # shellcheck disable=SC2086
    t_run "duet $cmd -h exits 0" 0 "$DUET" $cmd -h
    cp "$WORK/out" "$WORK/help1"
    t_grep "duet $cmd -h shows 'Usage: duet $cmd'" "Usage: +duet $cmd( |$)" "$WORK/help1"
    t_grep "duet $cmd -h has an About line" '^About: ' "$WORK/help1"
    # shellcheck disable=SC2086
    t_run "duet help $cmd exits 0" 0 "$DUET" help $cmd
    t_true "duet help $cmd == duet $cmd -h" cmp -s "$WORK/out" "$WORK/help1"
    # shellcheck disable=SC2086
    t_run "duet $cmd with a bad option exits 2" 2 "$DUET" $cmd --no-such-option
done <"$WORK/commands"
