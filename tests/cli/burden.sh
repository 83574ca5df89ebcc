# tests/cli/burden.sh -- duet burden on a small simulated cohort: usage
# errors, the output's layout and rules (header, one row per trait x gene x
# mask x bin x test, suppressed carrier counts, NA), byte-identical outputs
# for --threads 1 and 2, --csq (VEP CSQ and snpEff ANN) giving the rows of
# the equivalent regenie files, the collapse rules and bins, every
# documented bad input (exit code, message naming file:line, no partial
# output), and --db on a simulated store.
. "$TOP/tests/lib.sh"

D=$WORK/coh
O=$WORK/o
mkdir -p "$O"
"$DUET" simulate --samples 800 --variants 3000 --seed 11 -o "$D" --quiet || { t_fail "simulate"; exit 1; }
V=$D/genotypes.bcf
REG=(--anno "$D/annotations.tsv" --set-list "$D/setlist.tsv" --mask-def "$D/masks.txt")
PH=(--pheno "$D/pheno.tsv" --covar "$D/covar.tsv")
FAST=(--tests burden,skat,acatv,acato)

no_outputs() { # NAME PREFIX
    local left
    left=$(find "$(dirname "$2")" -maxdepth 1 -name "$(basename "$2").*" 2>/dev/null | head -3)
    if [ -z "$left" ]; then t_pass "$1"; else t_fail "$1" "left behind: $left"; fi
    t_no_partial "$1 (no temporaries)" "$(dirname "$2")"
}

# ---------------------------------------------------------------- usage
t_run "-h exits 0" 0 "$DUET" burden -h
t_grep "-h prints the usage" "Usage: +duet burden" "$WORK/out"
t_run "no argument: usage error" 2 "$DUET" burden
t_run "--csq with --anno: usage error" 2 "$DUET" burden --vcf "$V" --csq --anno "$D/annotations.tsv" "${PH[@]}" -o "$O/x"
t_run "regenie files incomplete: usage error" 2 "$DUET" burden --vcf "$V" --anno "$D/annotations.tsv" "${PH[@]}" -o "$O/x"
t_run "--aaf-bins with --maf-bins: usage error" 2 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --aaf-bins 0.01 --maf-bins 0.01 -o "$O/x"
t_run "bad --build-mask: usage error" 2 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --build-mask mean -o "$O/x"
t_run "bad --tests: usage error" 2 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --tests burden,wilcoxon -o "$O/x"
t_grep "bad --tests names the test" "unknown test 'wilcoxon'" "$WORK/err"
t_run "bad --aaf-bins: usage error" 2 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --aaf-bins 0.01,2 -o "$O/x"
t_run "bad --weights-beta: usage error" 2 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --weights-beta 1 -o "$O/x"
t_run "both --pheno and --db: usage error" 2 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --db "$WORK/x.db" -o "$O/x"
t_grep "  ...naming the conflict" "\-\-pheno and \-\-db exclude each other" "$WORK/err"
t_run "--phecodes without --db: usage error" 2 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --phecodes 250.2 -o "$O/x"
no_outputs "usage errors leave no output" "$O/x"

# ---------------------------------------------------------------- outputs
t_run "default run exits 0" 0 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --pheno-name ldl,cad "${FAST[@]}" -o "$O/a" --no-version
F=$O/a.burden.tsv.gz
t_ok "data file and log written" '[ -s "$F" ] && [ -s "$O/a.log" ]'
t_true "bgzip-compressed" bgzip -t "$F"
hdr=$(zcat "$F" | head -1)
t_true "header line" [ "$hdr" = "$(printf 'trait\tgene\tmask\tfreq_bin\tn_variants\tn_carriers\ttest\tbeta\tstandard_error\tp_value\tneg_log_10_p_value\terrcode')" ]
zcat "$F" | tail -n +2 >"$WORK/a.rows"
t_true "every row has 12 fields" [ "$(awk -F'\t' 'NF != 12' "$WORK/a.rows" | wc -l)" -eq 0 ]
t_true "tests as asked, no skato" [ "$(cut -f7 "$WORK/a.rows" | sort -u | tr '\n' ,)" = "acato,acatv,burden,skat," ]
t_true "bins 0.01 and all" [ "$(cut -f4 "$WORK/a.rows" | sort -u | tr '\n' ,)" = "0.01,all," ]
t_true "masks of the mask file" [ "$(cut -f3 "$WORK/a.rows" | sort -u | tr '\n' ,)" = "M1,M2,M3," ]
n_mb=$(awk -F'\t' '$1=="ldl" && $7=="burden"' "$WORK/a.rows" | wc -l)
t_true "one row per trait x gene x mask x bin x test" [ "$(wc -l <"$WORK/a.rows")" -eq $((n_mb * 2 * 4)) ]
t_true "no duplicate key" [ "$(cut -f1-4,7 "$WORK/a.rows" | sort | uniq -d | wc -l)" -eq 0 ]
t_true "carrier counts below 20 are written <20" [ "$(awk -F'\t' '$6 ~ /^[0-9]+$/ && $6 < 20' "$WORK/a.rows" | wc -l)" -eq 0 ]
t_grep "suppressed carrier counts exist" "	<20	" "$WORK/a.rows"
t_true "beta and standard_error only on burden rows" [ "$(awk -F'\t' '$7!="burden" && ($8!="NA" || $9!="NA")' "$WORK/a.rows" | wc -l)" -eq 0 ]
t_true "p-values in (0, 1] and -log10 consistent" [ "$(awk -F'\t' '$10!="NA" && ($10<=0 || $10>1 || ($11 - (-log($10)/log(10)))^2 > 1e-6)' "$WORK/a.rows" | wc -l)" -eq 0 ]
t_true "an NA p-value carries an errcode" [ "$(awk -F'\t' '($10=="NA") != ($12!="NA")' "$WORK/a.rows" | wc -l)" -eq 0 ]
t_grep "the log counts genes" "^genes: [0-9]+ in the set list, [0-9]+ tested" "$O/a.log"
t_grep "the log gives the collapse rule" "^collapse: max; missing genotypes: mean-imputed" "$O/a.log"
t_nogrep "--no-version: no version line in the log" "^# duet [0-9]" "$O/a.log"
t_run "existing output without --force: exit 7" 7 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --pheno-name ldl "${FAST[@]}" -o "$O/a"

t_run "--threads 2 exits 0" 0 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --pheno-name ldl,cad "${FAST[@]}" -o "$O/t2" --no-version --threads 2
t_true "--threads 1 and 2: identical data file" cmp -s "$F" "$O/t2.burden.tsv.gz"
t_true "--threads 1 and 2: identical log" cmp -s "$O/a.log" "$O/t2.log"

# SKAT-O on a few genes (its integral is the slow part)
awk 'NR <= 12' "$D/setlist.tsv" >"$WORK/set12.tsv"
t_run "all five tests on 12 genes, 2 threads" 0 "$DUET" burden --vcf "$V" --anno "$D/annotations.tsv" --set-list "$WORK/set12.tsv" --mask-def "$D/masks.txt" "${PH[@]}" --pheno-name ldl -o "$O/five" --threads 2
t_true "five tests" [ "$(zcat "$O/five.burden.tsv.gz" | tail -n +2 | cut -f7 | sort -u | tr '\n' ,)" = "acato,acatv,burden,skat,skato," ]
t_grep "annotations of genes absent from the set list: warning with counts" "annotation lines name [0-9]+ genes absent from the set list" "$WORK/err"
t_grep "the log has a version line without --no-version" "^# duet [0-9]" "$O/five.log"

# ---------------------------------------------------------------- masks and bins
t_run "--maf-bins --singletons --build-mask sum" 0 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --pheno-name ldl --tests burden --maf-bins 0.05,0.005 --singletons --build-mask sum -o "$O/sum"
t_true "bins 0.05, 0.005, singleton, all" [ "$(zcat "$O/sum.burden.tsv.gz" | tail -n +2 | cut -f4 | sort -u | tr '\n' ,)" = "0.005,0.05,all,singleton," ]
t_grep "the log names the MAF bins" "^frequency bins \(MAF\): 0.05 0.005 singleton all" "$O/sum.log"
t_run "--build-mask comphet" 0 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --pheno-name ldl --tests burden --maf-bins 0.05,0.005 --singletons --build-mask comphet -o "$O/ch"
t_run "--build-mask max" 0 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --pheno-name ldl --tests burden --maf-bins 0.05,0.005 --singletons -o "$O/mx"
# singleton bins have at most one ALT allele per variant and sample: the
# three rules can only differ where one sample carries two singletons
k_sum=$(zcat "$O/sum.burden.tsv.gz" | awk -F'\t' '$4=="all"' | cut -f2,3,8 | md5sum)
k_max=$(zcat "$O/mx.burden.tsv.gz" | awk -F'\t' '$4=="all"' | cut -f2,3,8 | md5sum)
k_ch=$(zcat "$O/ch.burden.tsv.gz" | awk -F'\t' '$4=="all"' | cut -f2,3,8 | md5sum)
t_ok "max, sum and comphet give different burden estimates" '[ "$k_sum" != "$k_max" ] && [ "$k_ch" != "$k_sum" ]'
t_run "--firth on a case/control trait" 0 "$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --pheno-name cad --tests burden --firth -o "$O/firth"
t_grep "the log names the Firth model" "^cad	Firth penalised likelihood, penalised LRT" "$O/firth.log"

# ---------------------------------------------------------------- --csq
awk 'BEGIN{OFS="\t"; m["pLoF"]="stop_gained"; m["missense"]="missense_variant"; m["synonymous"]="synonymous_variant"}
     {split($1,a,":"); print a[1],a[2],a[3],a[4], a[4]"|"m[$3]"&intron_variant|MODERATE|"$2"|ENSG01|ENST01"}' \
    "$D/annotations.tsv" | sort -k1,1V -k2,2n >"$WORK/csq.tsv"
bgzip -f "$WORK/csq.tsv" && tabix -f -s1 -b2 -e2 "$WORK/csq.tsv.gz"
echo '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature">' >"$WORK/csq.hdr"
bcftools annotate -a "$WORK/csq.tsv.gz" -h "$WORK/csq.hdr" -c CHROM,POS,REF,ALT,INFO/CSQ -Ob -o "$WORK/csq.bcf" "$V"
printf 'pLoF\tpLoF\npLoF+missense\tpLoF,missense\npLoF+missense+synonymous\tpLoF,missense,synonymous\n' >"$WORK/masks_csq.txt"
t_run "--csq (VEP CSQ) exits 0" 0 "$DUET" burden --vcf "$WORK/csq.bcf" --csq "${PH[@]}" --pheno-name ldl "${FAST[@]}" -o "$O/csq" --no-version
t_run "the same genes as regenie files" 0 "$DUET" burden --vcf "$V" --anno "$D/annotations.tsv" --set-list "$D/setlist.tsv" --mask-def "$WORK/masks_csq.txt" "${PH[@]}" --pheno-name ldl "${FAST[@]}" -o "$O/reg" --no-version
t_true "--csq rows = rows of the equivalent regenie files" cmp -s <(zcat "$O/csq.burden.tsv.gz") <(zcat "$O/reg.burden.tsv.gz")
t_true "--csq default masks" [ "$(zcat "$O/csq.burden.tsv.gz" | tail -n +2 | cut -f3 | sort -u | tr '\n' ,)" = "pLoF,pLoF+missense,pLoF+missense+synonymous," ]
# snpEff ANN, with an unmapped consequence that must enter no gene
awk 'BEGIN{OFS="\t"; m["pLoF"]="frameshift_variant"; m["missense"]="inframe_deletion"; m["synonymous"]="synonymous_variant"}
     {split($1,a,":"); print a[1],a[2],a[3],a[4], a[4]"|"m[$3]"|HIGH|"$2"|ID|transcript|T1|protein_coding|1/2|c.1A>G|p.X|1|1|1||,"a[4]"|upstream_gene_variant|MODIFIER|OTHER"$2"|ID|transcript|T2|protein_coding||||||||"}' \
    "$D/annotations.tsv" | sort -k1,1V -k2,2n >"$WORK/ann.tsv"
bgzip -f "$WORK/ann.tsv" && tabix -f -s1 -b2 -e2 "$WORK/ann.tsv.gz"
echo '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: '"'"'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO'"'"' ">' >"$WORK/ann.hdr"
bcftools annotate -a "$WORK/ann.tsv.gz" -h "$WORK/ann.hdr" -c CHROM,POS,REF,ALT,INFO/ANN -Ob -o "$WORK/ann.bcf" "$V"
t_run "--csq (snpEff ANN) exits 0" 0 "$DUET" burden --vcf "$WORK/ann.bcf" --csq --mask-def "$WORK/masks_csq.txt" "${PH[@]}" --pheno-name ldl "${FAST[@]}" -o "$O/ann" --no-version
t_true "--csq ANN rows = rows of the equivalent regenie files" cmp -s <(zcat "$O/ann.burden.tsv.gz") <(zcat "$O/reg.burden.tsv.gz")
t_run "--csq without CSQ/ANN: exit 4" 4 "$DUET" burden --vcf "$V" --csq "${PH[@]}" -o "$O/nocsq"
t_grep "--csq without CSQ/ANN: message" "neither INFO/CSQ \(VEP\) nor INFO/ANN \(snpEff\)" "$WORK/err"
no_outputs "--csq without CSQ/ANN: no output" "$O/nocsq"

# ---------------------------------------------------------------- bad inputs
cp "$D/annotations.tsv" "$WORK/anno_extra.tsv"
printf '9:1:A:C\tNOSUCHGENE\tpLoF\n9:2:A:C\tNOSUCHGENE\tpLoF\n9:3:A:C\tOTHERGENE\tmissense\n' >>"$WORK/anno_extra.tsv"
t_run "annotations of genes absent from the set list: exit 0" 0 "$DUET" burden --vcf "$V" --anno "$WORK/anno_extra.tsv" --set-list "$D/setlist.tsv" --mask-def "$D/masks.txt" "${PH[@]}" --pheno-name ldl --tests burden -o "$O/extra"
t_grep "... a warning with the counts" "3 annotation lines name 2 genes absent from the set list" "$WORK/err"
t_grep "... counted in the log" "3 naming 2 genes absent from the set list" "$O/extra.log"

printf 'M1\tpLoF\nM2\tpLoF,damaging\n' >"$WORK/masks_bad.txt"
t_run "mask naming an unknown annotation: exit 4" 4 "$DUET" burden --vcf "$V" --anno "$D/annotations.tsv" --set-list "$D/setlist.tsv" --mask-def "$WORK/masks_bad.txt" "${PH[@]}" -o "$O/bad1"
t_grep "... names file:line and the annotation" "masks_bad.txt:2: mask 'M2' names annotation 'damaging'" "$WORK/err"
no_outputs "... no output" "$O/bad1"

{ head -3 "$D/setlist.tsv"; echo "BROKEN 1 123"; tail -n +4 "$D/setlist.tsv"; } >"$WORK/set_bad.tsv"
t_run "malformed set list line: exit 4" 4 "$DUET" burden --vcf "$V" --anno "$D/annotations.tsv" --set-list "$WORK/set_bad.tsv" --mask-def "$D/masks.txt" "${PH[@]}" -o "$O/bad2"
t_grep "... names file:line" "set_bad.tsv:4: expected 4 fields" "$WORK/err"
no_outputs "... no output" "$O/bad2"

{ head -5 "$D/annotations.tsv"; printf '1:5:A:C\n'; } >"$WORK/anno_bad.tsv"
t_run "malformed annotation line: exit 4" 4 "$DUET" burden --vcf "$V" --anno "$WORK/anno_bad.tsv" --set-list "$D/setlist.tsv" --mask-def "$D/masks.txt" "${PH[@]}" -o "$O/bad3"
t_grep "... names file:line" "anno_bad.tsv:6: expected 3 fields" "$WORK/err"
no_outputs "... no output" "$O/bad3"

printf 'M1 pLoF extra\n' >"$WORK/masks_bad2.txt"
t_run "malformed mask line: exit 4" 4 "$DUET" burden --vcf "$V" --anno "$D/annotations.tsv" --set-list "$D/setlist.tsv" --mask-def "$WORK/masks_bad2.txt" "${PH[@]}" -o "$O/bad4"
t_grep "... names file:line" "masks_bad2.txt:1: expected 2 fields" "$WORK/err"

t_run "missing set list: exit 3" 3 "$DUET" burden --vcf "$V" --anno "$D/annotations.tsv" --set-list "$WORK/nope.tsv" --mask-def "$D/masks.txt" "${PH[@]}" -o "$O/bad5"
no_outputs "... no output" "$O/bad5"

# set-list variants absent from the VCF: counted
awk 'BEGIN{OFS=" "} NR==2{$4=$4",1:1:A:C,rs000missing"} {print}' "$D/setlist.tsv" >"$WORK/set_absent.tsv"
t_run "set-list variants absent from the VCF: exit 0" 0 "$DUET" burden --vcf "$V" --anno "$D/annotations.tsv" --set-list "$WORK/set_absent.tsv" --mask-def "$D/masks.txt" "${PH[@]}" --pheno-name ldl --tests burden -o "$O/absent" --no-version
t_grep "... a warning with the count" "2 of the [0-9]+ variants listed in the genes are absent from the VCF" "$WORK/err"
t_grep "... counted in the log" ", 2 absent from the VCF" "$O/absent.log"
zcat "$O/absent.burden.tsv.gz" >"$WORK/absent.txt"
# (the gene with an rsID stays open until the end of its chromosome: the
# rows are the same, the order may not be)
"$DUET" burden --vcf "$V" "${REG[@]}" "${PH[@]}" --pheno-name ldl --tests burden -o "$O/absent_ref" --no-version --quiet
zcat "$O/absent_ref.burden.tsv.gz" >"$WORK/absent_ref.txt"
t_true "... the rows are those without the absent variants" cmp -s <(sort "$WORK/absent.txt") <(sort "$WORK/absent_ref.txt")
awk 'BEGIN{OFS="\t"} {print $1,$2,"dom1",$3}' "$D/annotations.tsv" >"$WORK/anno4.tsv"
t_run "regenie's 4-column annotations: exit 0" 0 "$DUET" burden --vcf "$V" --anno "$WORK/anno4.tsv" --set-list "$D/setlist.tsv" --mask-def "$D/masks.txt" "${PH[@]}" --pheno-name ldl --tests burden -o "$O/anno4" --no-version
t_grep "... the domain column is ignored with a warning" "domain column is ignored" "$WORK/err"
t_true "... the rows of the 3-column file" cmp -s <(zcat "$O/anno4.burden.tsv.gz") "$WORK/absent_ref.txt"

# ---------------------------------------------------------------- --db
DB=$WORK/ehr.db
"$DUET" store init --db "$DB" --quiet && "$DUET" store import --db "$DB" "$D/omop" --quiet
t_run "--db without phecode counts: exit 5" 5 "$DUET" burden --vcf "$V" "${REG[@]}" --db "$DB" --tests burden -o "$O/db0"
t_grep "... says to run duet phecode" "duet phecode" "$WORK/err"
no_outputs "... no output" "$O/db0"
"$DUET" phecode --db "$DB" --quiet
t_run "--db: every phecode with 200 cases" 0 "$DUET" burden --vcf "$V" "${REG[@]}" --db "$DB" --min-cases 200 --tests burden,acatv -o "$O/db" --no-version --threads 2
n_tr=$(zcat "$O/db.burden.tsv.gz" | tail -n +2 | cut -f1 | sort -u | wc -l)
t_true "--db: several phecode traits ($n_tr)" [ "$n_tr" -ge 2 ]
t_grep "--db: phecodes with their case counts in the log" "^[0-9]+(\.[0-9]+)?	score test; saddlepoint where \|z\| > 2; Firth penalised LRT where p < 0.05	[0-9]+	[0-9]+	" "$O/db.log"
t_grep "--db: store covariates sex and age" "	sex,age$" "$O/db.log"
t_run "--db --phecodes --store-covars" 0 "$DUET" burden --vcf "$V" "${REG[@]}" --db "$DB" --phecodes 250.2,401.1 --store-covars sex --tests burden -o "$O/db2" --no-version
t_true "--phecodes: those traits" [ "$(zcat "$O/db2.burden.tsv.gz" | tail -n +2 | cut -f1 | sort -u | tr '\n' ,)" = "250.2,401.1," ]
t_run "--db --threads 1 gives the same bytes" 0 "$DUET" burden --vcf "$V" "${REG[@]}" --db "$DB" --min-cases 200 --tests burden,acatv -o "$O/db1" --no-version
t_true "--db: identical for 1 and 2 threads" cmp -s "$O/db.burden.tsv.gz" "$O/db1.burden.tsv.gz"
