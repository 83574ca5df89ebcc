# tests/cli/phecode_simulate.sh -- end to end on a simulated cohort with known
# truth: duet simulate's OMOP export imports, duet phecode maps its codes,
# and duet pheno finds every planted disease as the phecode truth.tsv names,
# with exactly the cases that have codes on two or more dates, NA for cases
# with one date and for controls with one rule-out code, no false case; and
# its quantitative traits with exactly the planted alternative-unit and
# impossible rows removed, their medians tracking the simulated levels.
. "$TOP/tests/lib.sh"

cohort=$WORK/cohort
db=$WORK/sim.db
genes=$DATA/genes/genes_grch37_refFlat_hg19.tsv
t_run "simulate 2000 people" 0 "$DUET" simulate --samples 2000 --variants 200 --seed 11 \
    --genes "$genes" --no-version -o "$cohort"
t_run "store init" 0 "$DUET" store init --db "$db"
t_run "store import of the simulated OMOP export" 0 "$DUET" store import --db "$db" --quiet \
    "$cohort/omop"
t_run "phecode" 0 "$DUET" phecode --db "$db"

truth=$cohort/truth.tsv
# the planted diseases and their phecodes
awk -F'\t' '$2 == "binary" && $3 == "definition" { print $1 "\t" $10 }' "$truth" >"$WORK/diseases"
t_true "truth.tsv plants 5 diseases with phecodes" [ "$(wc -l <"$WORK/diseases")" -eq 5 ]
list=$(cut -f2 "$WORK/diseases" | paste -sd, -)
t_run "pheno --phecodes $list, 4 measurements" 0 "$DUET" pheno --db "$db" -o "$WORK/p" \
    --no-version --phecodes "$list" --quant bmi=3038553 --quant ldl=3009966 \
    --quant sbp=3004249 --quant hba1c=3004410

count() { # TRAIT NAME -> truth count
    awk -F'\t' -v t="$1" -v n="$2" '$1 == t && $3 == "count" && $4 == n { print $9 }' "$truth"
}
col() { # FILE NAME -> column number
    head -1 "$1" | tr '\t' '\n' | grep -nxF "$2" | cut -d: -f1
}
while IFS=$'\t' read -r trait phecode; do
    c=$(col "$WORK/p.pheno.tsv" "$phecode")
    s=$(col "$cohort/pheno.tsv" "$trait")
    read -r cases controls na <<EOF
$(awk -F'\t' -v c="$c" 'NR > 1 { n[$c]++ } END { print n["1"] + 0, n["0"] + 0, n["NA"] + 0 }' \
    "$WORK/p.pheno.tsv")
EOF
    want=$(count "$trait" cases_2plus_dates)
    t_true "$trait -> phecode $phecode: $cases cases = truth's cases with 2+ dates ($want)" \
        [ "$cases" -eq "$want" ]
    eligible=$(count "$trait" eligible)
    want_na=$(( $(count "$trait" cases_1_date) + $(count "$trait" controls_1_code) + 2000 - eligible ))
    t_true "$trait: $na NA = cases with 1 date + controls with a rule-out code + not eligible ($want_na)" \
        [ "$na" -eq "$want_na" ]
    # person by person: no false case, no case called a control
    bad=$(paste <(cut -f"$c" "$WORK/p.pheno.tsv") <(cut -f"$s" "$cohort/pheno.tsv") |
          awk -F'\t' 'NR > 1 && (($1 == "1" && $2 != "1") || ($1 == "0" && $2 != "0"))' | wc -l)
    t_true "$trait: every case is a planted case, every control a planted control ($bad wrong)" \
        [ "$bad" -eq 0 ]
done <"$WORK/diseases"
t_true "sample IDs are the cohort's, in its order" \
    cmp -s <(cut -f1 "$WORK/p.pheno.tsv") <(cut -f1 "$cohort/pheno.tsv")

for trait in bmi ldl sbp hba1c; do
    row=$(awk -F'\t' -v t="$trait" '$1 == t' "$WORK/p.traits.tsv")
    other=$(echo "$row" | cut -f9)
    implausible=$(echo "$row" | cut -f10)
    alt=$(awk -F'\t' -v t="$trait" '$1 == t && $3 == "alt_unit" { print $9 }' "$truth")
    imp=$(awk -F'\t' -v t="$trait" '$1 == t && $3 == "impossible" { print $9 }' "$truth")
    t_true "$trait: $other rows in another unit dropped = planted (${alt:-0})" [ "$other" -eq "${alt:-0}" ]
    t_true "$trait: $implausible impossible rows dropped = planted ($imp)" [ "$implausible" -eq "$imp" ]
    c=$(col "$WORK/p.pheno.tsv" "$trait")
    s=$(col "$cohort/pheno.tsv" "$trait")
    r=$(paste <(cut -f"$c" "$WORK/p.pheno.tsv") <(cut -f"$s" "$cohort/pheno.tsv") |
        awk -F'\t' 'NR > 1 && $1 != "NA" && $2 != "NA" {
            n++; sx += $1; sy += $2; sxx += $1 * $1; syy += $2 * $2; sxy += $1 * $2 }
            END { printf "%.4f", (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy)) }')
    t_true "$trait: the median of the measurements tracks the simulated level (r = $r)" \
        awk -v r="$r" 'BEGIN { exit !(r > 0.9) }'
done
