# tests/cli/workflow.sh -- workflows/Snakefile runs end to end on a small
# simulated cohort, and its chunked-then-merged GWAS equals one unchunked
# `duet gwas` run on the same inputs (rows identical).
. "$TOP/tests/lib.sh"

if ! command -v snakemake >/dev/null 2>&1; then
    t_fail "snakemake is installed (tools/install-deps.sh installs it)"
    exit 0
fi
cat >"$WORK/cfg.yaml" <<CFG
duet: $DUET
out: $WORK/run
threads: 1
chunks: 3
simulate: {samples: 400, variants: 1500, seed: 11}
traits: [LDL]
pheno_options: "--phecodes 250.2 --quant LDL=3009966:median --min-cases 5"
phewas_region: "19"
CFG
( cd "$WORK" && snakemake -s "$TOP/workflows/Snakefile" --configfile "$WORK/cfg.yaml" \
    --cores 2 -q ) >"$WORK/log" 2>&1
t_true "snakemake runs the workflow" [ $? -eq 0 ]
for f in gwas/LDL.gwas.tsv.gz gwas/LDL.gwas.tsv.gz.tbi plots/LDL.manhattan.svg plots/LDL.qq.svg \
    phewas/region.phewas.tsv.gz plots/region.phewas.svg; do
    t_true "workflow wrote $f" [ -s "$WORK/run/$f" ]
done
t_grep "covariates hold the EHR covariates and the PCs" $'^IID\tsex\tage.*\tPC1\t' "$WORK/run/covar.tsv"

t_run "unchunked gwas on the same inputs" 0 "$DUET" gwas --vcf "$WORK/run/cohort/genotypes.bcf" \
    --pheno "$WORK/run/ehr.pheno.tsv" --pheno-name LDL --covar "$WORK/run/covar.tsv" \
    --quiet -o "$WORK/whole"
zcat "$WORK/run/gwas/LDL.gwas.tsv.gz" | grep -v '^#' >"$WORK/merged.rows"
zcat "$WORK/whole.LDL.gwas.tsv.gz" | grep -v '^#' >"$WORK/whole.rows"
t_true "merged chunks have rows" [ "$(wc -l <"$WORK/merged.rows")" -gt 1000 ]
t_true "merged chunks == unchunked run" cmp -s "$WORK/merged.rows" "$WORK/whole.rows"
t_true "the workflow's PheWAS covers chr19's variants only" sh -c \
    "zcat '$WORK/run/phewas/region.phewas.tsv.gz' | awk -F'\t' 'NR > 1 { split(\$1, a, \":\"); if (a[1] != \"19\") bad = 1; n++ } END { exit bad || !n }'"
