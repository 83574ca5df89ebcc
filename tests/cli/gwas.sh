# tests/cli/gwas.sh -- duet gwas on small deterministic inputs
# (tests/cli/data/gwas_data.py): expected outputs for each model, R lm/glm
# cross-checks of sample sets and dropped missing calls, filters, sample and
# variant lists, regions, byte-identical outputs for any --threads, the
# stdout stream, every documented bad input (exit code, message, no partial
# output), and a planted effect of `duet simulate` recovered.
. "$TOP/tests/lib.sh"

EXP=$TOP/tests/cli/expected/gwas
D=$WORK/data
mkdir -p "$D" "$EXP"
python3 "$TOP/tests/cli/data/gwas_data.py" "$D"
bcftools view -Ob -o "$D/small.bcf" "$D/small.vcf" && bcftools index "$D/small.bcf"
bgzip -c "$D/small.vcf" >"$D/small.vcf.gz" && tabix -p vcf "$D/small.vcf.gz"
V=$D/small.bcf
P=$D/pheno.tsv
C=$D/covar.tsv

# the outputs of one run, decompressed, in one file (for t_expect)
dump() { # PREFIX TRAIT...
    local prefix=$1 t; shift
    for t in "$@"; do
        echo "== $t.gwas.tsv.gz"; zcat "$prefix.$t.gwas.tsv.gz"
        echo "== $t.gwas.yaml"; grep -v '^data_file_md5sum' "$prefix.$t.gwas.yaml"
    done
    echo "== log"; cat "$prefix.log"
}

# no output file of a failed run may exist, final or temporary
no_outputs() { # NAME DIR PREFIX
    local left
    left=$(find "$2" -maxdepth 1 -name "$(basename "$3")*" 2>/dev/null | head -3)
    if [ -z "$left" ]; then t_pass "$1"; else t_fail "$1" "left behind: $left"; fi
    t_no_partial "$1 (no temporaries)" "$2"
}

# ---------------------------------------------------------------- models
mkdir -p "$WORK/o"
t_run "default run exits 0" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --covar "$C" -o "$WORK/o/def" --no-version
t_grep "a trait without cases is skipped with a warning" "trait 'b3' skipped: no cases" "$WORK/err"
t_grep "a covariate constant in a sample set is dropped with a warning" "covariate 'sex' is constant in the samples of 'b2'" "$WORK/err"
t_true "no output for the skipped trait" [ ! -e "$WORK/o/def.b3.gwas.tsv.gz" ]
for t in q1 q2 b1 b2; do
    t_ok "$t: data file, index and sidecar" '[ -s "$WORK/o/def.$t.gwas.tsv.gz" ] && [ -s "$WORK/o/def.$t.gwas.tsv.gz.tbi" ] && [ -s "$WORK/o/def.$t.gwas.yaml" ]'
done
dump "$WORK/o/def" q1 q2 b1 b2 >"$WORK/def.txt"
t_expect "default run: outputs as expected" "$EXP/default.txt" "$WORK/def.txt"
md5=$(md5sum <"$WORK/o/def.q1.gwas.tsv.gz" | cut -d' ' -f1)
t_grep "the sidecar carries the data file's md5" "^data_file_md5sum: $md5\$" "$WORK/o/def.q1.gwas.yaml"
n=$(tabix "$WORK/o/def.q1.gwas.tsv.gz" 2:6000-8000 | wc -l)
m=$(zcat "$WORK/o/def.q1.gwas.tsv.gz" | awk -F'\t' '$1==2 && $2>=6000 && $2<=8000' | wc -l)
t_ok "the tabix index answers region queries ($n rows)" '[ "$n" -gt 0 ] && [ "$n" -eq "$m" ]'
hdr=$(zcat "$WORK/o/def.q1.gwas.tsv.gz" | head -1)
t_true "GWAS-SSF columns, then n n_cases n_controls test errcode" [ "$hdr" = "$(printf 'chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\todds_ratio\tstandard_error\teffect_allele_frequency\tp_value\tneg_log_10_p_value\tci_upper\tci_lower\trsid\tvariant_id\tinfo\tn\tn_cases\tn_controls\ttest\terrcode')" ]
t_true "the multi-allelic record gives one row per ALT" [ "$(zcat "$WORK/o/def.q1.gwas.tsv.gz" | awk -F'\t' '$2==2787' | cut -f3 | tr '\n' ,)" = "C,G," ]
t_grep "the monomorphic record is an NA row with its reason" "	monomorphic$" "$WORK/def.txt"

t_run "--threads 2 exits 0" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --covar "$C" -o "$WORK/o/t2" --no-version --threads 2
same=1
for t in q1 q2 b1 b2; do
    cmp -s "$WORK/o/def.$t.gwas.tsv.gz" "$WORK/o/t2.$t.gwas.tsv.gz" || same=0
    cmp -s "$WORK/o/def.$t.gwas.tsv.gz.tbi" "$WORK/o/t2.$t.gwas.tsv.gz.tbi" || same=0
    # the sidecars differ only in the data file's name
    [ "$(grep -v ^data_file_name "$WORK/o/def.$t.gwas.yaml")" = "$(grep -v ^data_file_name "$WORK/o/t2.$t.gwas.yaml")" ] || same=0
done
cmp -s "$WORK/o/def.log" "$WORK/o/t2.log" || same=0
t_true "--threads 1 and --threads 2 give identical bytes" [ "$same" = 1 ]

for mode in wald firth; do
    t_run "--logistic $mode exits 0" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name b1,b2 --covar "$C" --logistic "$mode" -o "$WORK/o/$mode" --no-version
    dump "$WORK/o/$mode" b1 b2 >"$WORK/$mode.txt"
    t_expect "--logistic $mode: outputs as expected" "$EXP/$mode.txt" "$WORK/$mode.txt"
done
t_true "--logistic wald writes wald rows" grep -q "	wald	#NA$" "$WORK/wald.txt"
t_true "--logistic firth writes firth rows only" [ "$(zcat "$WORK/o/firth.b1.gwas.tsv.gz" | tail -n +2 | cut -f19 | sort -u)" = firth ]
t_run "--firth is --logistic firth" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name b1 --covar "$C" --firth -o "$WORK/o/firth2" --no-version
t_true "--firth output = --logistic firth output" cmp -s "$WORK/o/firth.b1.gwas.tsv.gz" "$WORK/o/firth2.b1.gwas.tsv.gz"
t_run "--missing drop --dosage exits 0" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1,b1 --covar "$C" --missing drop --dosage -o "$WORK/o/dd" --no-version
dump "$WORK/o/dd" q1 b1 >"$WORK/dd.txt"
t_expect "--missing drop --dosage: outputs as expected" "$EXP/drop_dosage.txt" "$WORK/dd.txt"
t_run "--missing drop (GT) exits 0" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$C" --missing drop -o "$WORK/o/drop" --no-version
t_true "--missing drop: n is the number of called samples" [ "$(zcat "$WORK/o/drop.q1.gwas.tsv.gz" | tail -n +2 | cut -f16 | sort -u | wc -l)" -gt 1 ]
t_true "--dosage fills the info column" [ "$(zcat "$WORK/o/dd.q1.gwas.tsv.gz" | awk -F'\t' 'NR>1 && $15!="#NA"' | wc -l)" -gt 40 ]
t_run "--firth-threshold 0 keeps score tests" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name b1 --covar "$C" --firth-threshold 0 -o "$WORK/o/ft0" --no-version
t_true "--firth-threshold 0: no firth rows" [ -z "$(zcat "$WORK/o/ft0.b1.gwas.tsv.gz" | tail -n +2 | cut -f19 | grep -x firth)" ]
t_true "--firth-threshold 0: score rows and saddlepoint ones" [ "$(zcat "$WORK/o/ft0.b1.gwas.tsv.gz" | tail -n +2 | cut -f19 | grep -v exact | sort -u | tr '\n' ,)" = "score,spa," ]
t_run "--logistic spa" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name b1 --covar "$C" --logistic spa -o "$WORK/o/spa" --no-version
t_true "--logistic spa: score and saddlepoint rows only" [ "$(zcat "$WORK/o/spa.b1.gwas.tsv.gz" | tail -n +2 | cut -f19 | sort -u | tr '\n' ,)" = "score,spa," ]
t_run "--logistic bad" 2 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name b1 --covar "$C" --logistic score -o "$WORK/o/bad"
t_grep "--logistic bad: the modes named" "expects auto, spa, firth or wald" "$WORK/err"

t_run "--min-cell 40" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name b1,b2 --covar "$C" --min-cell 40 -o "$WORK/o/mc" --no-version
t_true "--min-cell 40: 30 cases of b2 suppressed, 37 controls too" [ "$(zcat "$WORK/o/mc.b2.gwas.tsv.gz" | awk -F'\t' 'NR==2 { print $17 "," $18 }')" = "#NA,#NA" ]
t_true "--min-cell 40: 49 cases and 71 controls of b1 shown" [ "$(zcat "$WORK/o/mc.b1.gwas.tsv.gz" | awk -F'\t' 'NR==2 { print $17 "," $18 }')" = "49,71" ]
t_grep "--min-cell 40: the sidecar suppresses them too" '^case_count: "#NA"$' "$WORK/o/mc.b2.gwas.yaml"
t_run "--min-cell 35" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name b2 --covar "$C" --min-cell 35 -o "$WORK/o/mc35" --no-version
t_true "--min-cell 35: 30 cases withheld, and the 37 controls with them (n - controls = cases)" [ "$(zcat "$WORK/o/mc35.b2.gwas.tsv.gz" | awk -F'\t' 'NR==2 { print $17 "," $18 }')" = "#NA,#NA" ]
t_grep "--min-cell 35: the sidecar withholds both" '^control_count: "#NA"$' "$WORK/o/mc35.b2.gwas.yaml"

# ---------------------------------------------------------------- R cross-checks
if command -v Rscript >/dev/null 2>&1; then
    bcftools query -f '%CHROM:%POS\t[%GT\t]\n' "$V" >"$D/gt.txt"
    bcftools query -l "$V" >"$D/ids.txt"
    zcat "$WORK/o/def.q2.gwas.tsv.gz" "$WORK/o/drop.q1.gwas.tsv.gz" "$WORK/o/wald.b1.gwas.tsv.gz" \
        "$WORK/o/firth.b1.gwas.tsv.gz" >"$WORK/all.tsv"
    # q2 has its own sample set (missing values), mean-imputed calls;
    # q1 with --missing drop; b1 Wald (glm) and Firth (brglm2), per variant
    cat >"$WORK/check.R" <<'EOF'
args <- commandArgs(TRUE)
ph <- read.table(file.path(args[1], "pheno.tsv"), header = TRUE)
cv <- read.table(file.path(args[1], "covar.tsv"), header = TRUE)
ids <- scan(file.path(args[1], "ids.txt"), what = "", quiet = TRUE)
gt <- read.table(file.path(args[1], "gt.txt"), sep = "\t", colClasses = "character")
ours <- read.table(args[2], sep = "\t", header = FALSE, comment.char = "", quote = "",
                   colClasses = "character")
ours <- ours[ours$V1 != "chromosome", ]
dose <- function(v) sapply(strsplit(v, "[/|]"), function(a) if (a[1] == ".") NA else sum(a == "1"))
worst <- c(lin = 0, drop = 0, wald = 0, firth = 0)
suppressMessages(library(brglm2))
for (r in which(sapply(strsplit(gt$V1, ":"), `[`, 1) == "1")[c(1, 3, 4, 6, 10, 15, 20)]) {
  g <- dose(unlist(gt[r, -c(1, ncol(gt))]))
  d <- merge(data.frame(IID = ids, g = g), merge(ph, cv, by = "IID"), by = "IID")
  pos <- strsplit(gt$V1[r], ":")[[1]][2]
  get <- function(test, n) { # our row for this variant with this test and n
    o <- ours[ours$V2 == pos & ours$V19 == test & ours$V16 == n, ]
    as.numeric(o$V5[1])
  }
  a <- d[!is.na(d$q2), ]; a$g[is.na(a$g)] <- mean(a$g, na.rm = TRUE)
  f <- summary(lm(q2 ~ sex + age + pc1 + g, data = a))$coef["g", ]
  worst["lin"] <- max(worst["lin"], abs(get("linear", nrow(a)) - f[1]) / f[2])
  b <- d[!is.na(d$g), ]
  f <- summary(lm(q1 ~ sex + age + pc1 + g, data = b))$coef["g", ]
  worst["drop"] <- max(worst["drop"], abs(get("linear", nrow(b)) - f[1]) / f[2])
  c <- d; c$g[is.na(c$g)] <- mean(c$g, na.rm = TRUE)
  f <- summary(glm(b1 ~ sex + age + pc1 + g, data = c, family = binomial,
                   control = glm.control(epsilon = 1e-12, maxit = 100)))$coef["g", ]
  w <- get("wald", nrow(c)); if (!is.na(w)) worst["wald"] <- max(worst["wald"], abs(w - f[1]) / f[2])
  f <- summary(glm(b1 ~ sex + age + pc1 + g, data = c, family = binomial, method = "brglmFit",
                   type = "MPL_Jeffreys", epsilon = 1e-12, maxit = 500))$coef["g", ]
  worst["firth"] <- max(worst["firth"], abs(get("firth", nrow(c)) - f[1]) / f[2])
}
cat(sprintf("%s=%.3g", names(worst), worst), "\n")
EOF
    res=$(Rscript "$WORK/check.R" "$D" "$WORK/all.tsv" 2>"$WORK/r.err")
    echo "# R: $res"
    for k in lin drop wald firth; do
        v=$(printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$k=//p")
        t_true "R agrees ($k: max |beta diff| / se = ${v:-none} < 1e-4)" awk -v v="${v:-1}" 'BEGIN { exit !(v < 1e-4) }'
    done
else
    t_fail "Rscript is not installed (tools/install-deps.sh)"
fi

# ---------------------------------------------------------------- -o -
t_run "-o - streams one trait" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$C" -o - --no-version
zcat "$WORK/o/def.q1.gwas.tsv.gz" >"$WORK/q1.tsv"
t_true "the stream equals the file's content" cmp -s "$WORK/out" "$WORK/q1.tsv"
mkdir -p "$WORK/two"
(cd "$WORK/two" && "$DUET" gwas --vcf "$V" --pheno "$P" --covar "$C" -o - >"$WORK/out" 2>"$WORK/err")
t_true "-o - with several traits exits 2" [ $? -eq 2 ]
t_grep "-o - with several traits says why" "streams one trait" "$WORK/err"
t_ok "-o - with several traits writes nothing" '[ ! -s "$WORK/out" ] && [ -z "$(ls "$WORK/two")" ]'

# ---------------------------------------------------------------- filters and lists
t_run "--maf 0.1" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$C" --maf 0.1 -o "$WORK/o/maf" --no-version
t_true "--maf: every row has MAF >= 0.1" [ "$(zcat "$WORK/o/maf.q1.gwas.tsv.gz" | awk -F'\t' 'NR>1 { m = $8 < 0.5 ? $8 : 1 - $8; if (m < 0.1) print }' | wc -l)" -eq 0 ]
t_grep "--maf: the log counts the variants left out" "below --maf" "$WORK/o/maf.log"
kept=$(zcat "$WORK/o/maf.q1.gwas.tsv.gz" | tail -n +2 | wc -l)
t_ok "--maf keeps fewer rows ($kept)" '[ "$kept" -gt 5 ] && [ "$kept" -lt 49 ]'
t_run "--mac 8" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$C" --mac 8 -o "$WORK/o/mac" --no-version
t_true "--mac: every row has a minor allele count >= 8" [ "$(zcat "$WORK/o/mac.q1.gwas.tsv.gz" | awk -F'\t' 'NR>1 { c = 2 * $16 * $8; if (c > $16) c = 2 * $16 - c; if (c < 7.5) print }' | wc -l)" -eq 0 ]
printf 'rs1001\n2:%s:A:%s\n' "$(sed -n '/^2\t/{p;q}' "$D/small.vcf" | cut -f2)" "$(sed -n '/^2\t/{p;q}' "$D/small.vcf" | cut -f5)" >"$D/extract.txt"
t_run "--extract by ID and chr:pos:ref:alt" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$C" --extract "$D/extract.txt" -o "$WORK/o/ext" --no-version
t_true "--extract: exactly the two listed variants" [ "$(zcat "$WORK/o/ext.q1.gwas.tsv.gz" | tail -n +2 | wc -l)" -eq 2 ]
t_run "--exclude" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$C" --exclude "$D/extract.txt" -o "$WORK/o/exc" --no-version
t_true "--exclude: 47 of 49 rows left" [ "$(zcat "$WORK/o/exc.q1.gwas.tsv.gz" | tail -n +2 | wc -l)" -eq 47 ]
bcftools query -l "$V" | head -60 >"$D/keep.txt"
awk '{ print "0\t" $1 }' "$D/keep.txt" | head -10 >"$D/remove.txt"
t_run "--keep and --remove (FID IID lines)" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$C" --keep "$D/keep.txt" --remove "$D/remove.txt" -o "$WORK/o/kr" --no-version
t_true "--keep 60 --remove 10: n = 50" [ "$(zcat "$WORK/o/kr.q1.gwas.tsv.gz" | awk -F'\t' 'NR==2 { print $16 }')" = 50 ]
t_run "--region 2 (BCF)" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$C" --region 2 -o "$WORK/o/r2" --no-version
t_ok "--region 2: only chromosome 2, all of it" '[ "$(zcat "$WORK/o/r2.q1.gwas.tsv.gz" | tail -n +2 | cut -f1 | sort -u)" = 2 ] && [ "$(zcat "$WORK/o/r2.q1.gwas.tsv.gz" | tail -n +2 | wc -l)" -eq 18 ]'
t_run "--region on a tabix-indexed VCF.gz" 0 "$DUET" gwas --vcf "$D/small.vcf.gz" --pheno "$P" --pheno-name q1 --covar "$C" --region 1:2000-3000 -o "$WORK/o/rv" --no-version
t_true "--region 1:2000-3000 rows = the same rows of the whole run" [ "$(zcat "$WORK/o/rv.q1.gwas.tsv.gz" | tail -n +2)" = "$(awk -F'\t' '$1==1 && $2>=2000 && $2<=3000' "$WORK/q1.tsv")" ]

# ---------------------------------------------------------------- covariates
awk -F'\t' 'BEGIN { OFS = "\t" } NR==1 { print $0, "age2" } NR>1 { print $0, 2 * $3 + 1 }' "$C" >"$D/covar_col.tsv"
mkdir -p "$WORK/bad"
t_run "collinear covariates exit 6" 6 "$DUET" gwas --vcf "$V" --pheno "$P" --covar "$D/covar_col.tsv" -o "$WORK/bad/col"
t_grep "the collinear covariate is named" "covariate 'age2' is a linear combination" "$WORK/err"
no_outputs "collinear: no output" "$WORK/bad" "$WORK/bad/col"
t_run "--drop-collinear exits 0" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$D/covar_col.tsv" --drop-collinear -o "$WORK/o/dc" --no-version
t_grep "--drop-collinear warns" "'age2' collinear .* dropped" "$WORK/err"
t_true "--drop-collinear: same results as without the column" cmp -s "$WORK/o/dc.q1.gwas.tsv.gz" "$WORK/o/def.q1.gwas.tsv.gz"
t_grep "--drop-collinear: the sidecar lists it" "covariates_dropped: \"age2\"" "$WORK/o/dc.q1.gwas.yaml"

# ---------------------------------------------------------------- bad input
bad() { # NAME EXIT PATTERN ARGS...
    local name=$1 want=$2 pat=$3; shift 3
    rm -rf "$WORK/bad"; mkdir -p "$WORK/bad"
    t_run "$name: exit $want" "$want" "$DUET" gwas "$@" -o "$WORK/bad/x"
    t_grep "$name: message" "$pat" "$WORK/err"
    no_outputs "$name: no partial output" "$WORK/bad" "$WORK/bad/x"
}
awk 'NR==5 { $3 = "abc" } 1' OFS='\t' "$P" >"$D/pheno_text.tsv"
bad "non-numeric phenotype" 4 "pheno_text.tsv:5:[0-9]+: 'abc' is not a number \\(column 'q2'" --vcf "$V" --pheno "$D/pheno_text.tsv" --covar "$C"
awk 'NR==7 { $4 = "?" } 1' OFS='\t' "$C" >"$D/covar_text.tsv"
bad "non-numeric covariate" 4 "covar_text.tsv:7:[0-9]+: '\\?' is not a number" --vcf "$V" --pheno "$P" --covar "$D/covar_text.tsv"
{ cat "$P"; sed -n 3p "$P"; } >"$D/pheno_dup.tsv"
bad "duplicate sample IDs" 5 "sample 'S002' appears twice .*also on line 3" --vcf "$V" --pheno "$D/pheno_dup.tsv"
sed '2,$s/^S/T/' "$P" >"$D/pheno_other.tsv"
bad "no shared sample" 5 "no sample is shared by the VCF .*\\(120 samples, e.g. 'S001'.*\\(120 samples, e.g. 'T001'" --vcf "$V" --pheno "$D/pheno_other.tsv"
bad "no trait left" 6 "no trait left to test" --vcf "$V" --pheno "$P" --pheno-name b3
awk -F'\t' 'BEGIN { OFS = "\t" } { print $0, (NR == 1 ? "c1" : 7) }' "$P" >"$D/pheno_const.tsv"
bad "a trait with one value" 6 "trait 'c1' skipped: one value only" --vcf "$V" --pheno "$D/pheno_const.tsv" --pheno-name c1 --covar "$C"
sed -e 's/GT:DS/AD:XX/' -e 's/ID=GT,/ID=AD,/' -e 's/ID=DS,/ID=XX,/' "$D/small.vcf" >"$D/nogt.vcf"
bad "a VCF with neither GT nor DS" 4 "has neither FORMAT/GT nor FORMAT/DS" --vcf "$D/nogt.vcf" --pheno "$P"
bad "a missing phenotype file" 3 "cannot open phenotype file" --vcf "$V" --pheno "$D/nosuch.tsv"
bad "an unknown trait" 5 "has no column 'nosuch' \\(columns: q1, q2, b1, b2, b3\\)" --vcf "$V" --pheno "$P" --pheno-name nosuch
bad "--binary on a quantitative trait" 4 "trait 'q1' has value .* --binary" --vcf "$V" --pheno "$P" --pheno-name q1 --binary
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 4 { NF = 5 } 1' "$P" >"$D/pheno_short.tsv"
bad "a row with a missing field" 4 "pheno_short.tsv:4: 5 fields, but the header has 6" --vcf "$V" --pheno "$D/pheno_short.tsv"
bad "an unknown option" 2 "unrecognized option|no-such" --vcf "$V" --pheno "$P" --no-such
bad "--missing with a bad value" 2 "--missing expects mean or drop" --vcf "$V" --pheno "$P" --missing zero
t_run "an existing output is refused" 7 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 -o "$WORK/o/def"
t_grep "an existing output: message" "exists; use --force" "$WORK/err"
t_true "the refused run left the old output intact" cmp -s "$WORK/o/def.q1.gwas.tsv.gz" "$WORK/o/t2.q1.gwas.tsv.gz"
t_run "--force overwrites" 0 "$DUET" gwas --vcf "$V" --pheno "$P" --pheno-name q1 --covar "$C" -o "$WORK/o/def" --no-version --force
t_no_partial "no temporaries anywhere" "$WORK/o"

# ---------------------------------------------------------------- planted effect
"$DUET" simulate --samples 3000 --variants 3000 --seed 5 -o "$WORK/sim" --quiet 2>"$WORK/err"
if [ -s "$WORK/sim/truth.tsv" ]; then
    # the planted single-variant effect on a quantitative trait with the
    # largest expected z (|effect| sqrt(2 f (1 - f) n)), in trait units
    read -r trait target effect <<EOF2
$(awk -F'\t' '$2=="quantitative" && $3=="sd" { sd[$1] = $6 }
    $2=="quantitative" && $3=="variant" { z = ($6 < 0 ? -$6 : $6) * sqrt(2 * $8 * (1 - $8)); if (z > best) { best = z; t = $1; v = $4; e = $6 } }
    END { print t, v, e * sd[t] }' "$WORK/sim/truth.tsv")
EOF2
    t_run "simulated cohort: gwas of $trait" 0 "$DUET" gwas --vcf "$WORK/sim/genotypes.bcf" --pheno "$WORK/sim/pheno.tsv" --pheno-name "$trait" --covar "$WORK/sim/covar.tsv" --threads 2 -o "$WORK/sim/g" --quiet
    IFS=: read -r chrom pos ref alt <<EOF2
$target
EOF2
    row=$(zcat "$WORK/sim/g.$trait.gwas.tsv.gz" | awk -F'\t' -v c="$chrom" -v p="$pos" -v r="$ref" -v a="$alt" '$1==c && $2==p && $4==r && $3==a')
    echo "# planted $trait $target effect $effect: $(printf '%s' "$row" | cut -f5,7,10)"
    t_true "the planted variant $target is found (-log10 p > 8)" awk -v r="$row" 'BEGIN { split(r, f, "\t"); exit !(f[10] > 8) }'
    t_true "its estimate is within 5 SE of the planted effect $effect" awk -v r="$row" -v e="$effect" 'BEGIN { split(r, f, "\t"); d = f[5] - e; if (d < 0) d = -d; exit !(d < 5 * f[7]) }'
else
    t_fail "duet simulate did not produce a cohort" "$(head -c 300 "$WORK/err")"
fi
