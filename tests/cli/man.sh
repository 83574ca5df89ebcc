# tests/cli/man.sh -- man pages: each command has one, mandoc -Tlint is clean,
# every long option in a command's -h appears in its page, and every page
# has the sections STYLE.md requires.
. "$TOP/tests/lib.sh"

for page in "$TOP"/man/*.1; do
    name=$(basename "$page")
    if command -v mandoc >/dev/null 2>&1; then
        mandoc -Tlint -Wwarning "$page" >"$WORK/lint" 2>&1
        t_true "$name: mandoc -Tlint is clean" [ ! -s "$WORK/lint" ]
        [ -s "$WORK/lint" ] && sed 's/^/#   /' "$WORK/lint" | head -10
    else
        t_fail "$name: mandoc is not installed (tools/install-deps.sh)"
    fi
    for sec in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        t_grep "$name has $sec" "^\\.S[Hh] \"?$sec\"?" "$page"
    done
done

"$DUET" --commands >"$WORK/commands"
cut -d' ' -f1 "$WORK/commands" | sort -u | while read -r cmd; do
    t_true "duet-$cmd.1 exists" [ -f "$TOP/man/duet-$cmd.1" ]
    t_grep "duet.1 lists $cmd" "duet-$cmd|^\\.B $cmd|^\\.It $cmd|\\\\fB$cmd\\\\fR" "$TOP/man/duet.1"
done
while IFS= read -r cmd; do
    page="$TOP/man/duet-${cmd%% *}.1"
    [ -f "$page" ] || continue
    # shellcheck disable=SC2086
    "$DUET" $cmd -h 2>/dev/null | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u |
    while read -r opt; do
        # "--name" may be written --name, \-\-name (man) or Fl \-name (mdoc),
        # with dashes inside the name escaped or not.
        bare=${opt#--}
        esc=$(printf '%s' "$bare" | sed 's/-/\\\\-/g')
        if grep -Eq -- "(--|\\\\-\\\\-|Fl \\\\-)($bare|$esc)([^a-z0-9-]|\$)" "$page"; then
            t_pass "duet-${cmd%% *}.1 documents $opt"
        else
            t_fail "duet-${cmd%% *}.1 documents $opt (duet $cmd -h lists it)"
        fi
    done
done <"$WORK/commands"
