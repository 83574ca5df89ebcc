# tools/score_r2.awk -- R² (squared Pearson correlation) of every score of a
# `duet score` table (its NAME_SUM columns) with one trait of a phenotype
# table, in each group of persons.  Used by bench/prs_accuracy.sh and
# tools/demo.sh.
#
#   awk -F'\t' -v trait=NAME -f tools/score_r2.awk A.ids [B.ids ...] PHENO.tsv SCORE.tsv
#
# Group files hold one person ID per line; a group is named after its file
# (directory and .ids removed).  The phenotype table has a header with IID
# (or #IID) first and a column named `trait`; NA values are left out.
# "##" provenance lines before a table's header are skipped.
# Output, tab-separated, sorted by the caller if needed: score, group,
# persons, R² (NA without variance).
FNR == 1 { file++; header = 1 }
file > n_ids && /^##/ { next }
FILENAME ~ /\.ids$/ {
    if (FNR == 1) { g = FILENAME; sub(/^.*\//, "", g); sub(/\.ids$/, "", g); groups[++n_groups] = g; n_ids = file }
    grp[$1] = g
    next
}
file == n_ids + 1 {
    if (header) {
        header = 0
        for (i = 1; i <= NF; i++) if ($i == trait) c = i
        if (!c) { print "score_r2.awk: no column " trait " in " FILENAME > "/dev/stderr"; exit 1 }
        next
    }
    if ($c != "NA" && $c != "") y[$1] = $c
    next
}
header {
    header = 0
    for (i = 1; i <= NF; i++) {
        if ($i == "IID" || $i == "#IID") id = i
        if ($i ~ /_SUM$/ && $i != "NAMED_ALLELE_DOSAGE_SUM") col[i] = substr($i, 1, length($i) - 4)
    }
    next
}
($id in grp) && ($id in y) {
    g = grp[$id]; v = y[$id]
    for (i in col) {
        k = g SUBSEP i; x = $i
        n[k]++; sx[k] += x; sy[k] += v; sxx[k] += x * x; syy[k] += v * v; sxy[k] += x * v
    }
}
function r2(k,   cxy, cxx, cyy) {
    if (!n[k]) return "NA"
    cxy = sxy[k] - sx[k] * sy[k] / n[k]; cxx = sxx[k] - sx[k] * sx[k] / n[k]; cyy = syy[k] - sy[k] * sy[k] / n[k]
    return cxx > 0 && cyy > 0 ? sprintf("%.4f", cxy * cxy / (cxx * cyy)) : "NA"
}
END {
    for (i in col)
        for (j = 1; j <= n_groups; j++) printf "%s\t%s\t%d\t%s\n", col[i], groups[j], n[groups[j] SUBSEP i], r2(groups[j] SUBSEP i)
}
