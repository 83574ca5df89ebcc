# tests/cli/cwl.sh -- the CWL tool descriptions in workflows/cwl validate, and
# run with cwltool: simulate -> gwas in 2 chunks -> merge == one gwas run.
. "$TOP/tests/lib.sh"

if ! command -v cwltool >/dev/null 2>&1; then
    t_fail "cwltool is installed (tools/install-deps.sh installs it)"
    exit 0
fi
for f in "$TOP"/workflows/cwl/*.cwl; do
    t_run "$(basename "$f") is valid CWL" 0 cwltool --validate "$f"
done
# cwltool runs `duet` from PATH, as a workflow manager would.
mkdir -p "$WORK/bin" && ln -sf "$DUET" "$WORK/bin/duet"
export PATH="$WORK/bin:$PATH"
cd "$WORK" || exit 1
cwl() { cwltool --quiet --no-container "$TOP/workflows/cwl/$1" "${@:2}"; }
t_run "cwl: duet simulate" 0 cwl duet-simulate.cwl --samples 300 --variants 800 --seed 5
for k in 1 2; do
    t_run "cwl: duet gwas chunk $k/2" 0 cwl duet-gwas.cwl --vcf cohort/genotypes.bcf \
        --pheno cohort/pheno.tsv --pheno_name ldl --covar cohort/covar.tsv --chunk $k/2 --prefix c$k
done
t_run "cwl: duet merge" 0 cwl duet-merge.cwl --chunks c1.ldl.gwas.tsv.gz \
    --chunks c2.ldl.gwas.tsv.gz --out ldl.gwas.tsv.gz
t_true "cwl: merged output, index and sidecar" [ -s ldl.gwas.tsv.gz -a -s ldl.gwas.tsv.gz.tbi -a -s ldl.gwas.yaml ]
t_run "one unchunked gwas" 0 "$DUET" gwas --vcf cohort/genotypes.bcf --pheno cohort/pheno.tsv \
    --pheno-name ldl --covar cohort/covar.tsv --quiet -o whole
zcat ldl.gwas.tsv.gz | grep -v '^#' >merged.rows
zcat whole.ldl.gwas.tsv.gz | grep -v '^#' >whole.rows
t_true "cwl: merged chunks == unchunked run" cmp -s merged.rows whole.rows
awk -F'\t' 'NR > 1 && $1 == "ldl" && $3 == "variant" { print $4; exit }' cohort/truth.tsv >ldl.id
t_run "cwl: duet phewas of a variant against the simulated pheno table" 0 cwl duet-phewas.cwl \
    --vcf cohort/genotypes.bcf --variant "$(cat ldl.id)" --pheno cohort/pheno.tsv \
    --covar cohort/covar.tsv --prefix pw
t_true "cwl: phewas rows for the variant" sh -c "zcat pw.phewas.tsv.gz | awk -F'\t' 'NR > 1' | grep -q ."
