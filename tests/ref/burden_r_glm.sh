# tests/ref/burden_r_glm.sh -- the burden test of duet burden against an
# independent regression in R: on a simulated cohort, the mask scores of
# M2 (pLoF + missense) in the AAF <= 0.01 bin are built here from
# `bcftools query` genotypes with awk (AAF over the samples, max and sum
# rules, missing calls mean-imputed), then R fits lm(ldl ~ score +
# covariates) and glm(cad ~ score + covariates, binomial) (Wald z; duet run
# with --logistic wald, the glm-equivalent mode of the case/control policy).
# Every gene with at least 2 variants in the mask and bin is compared:
# |beta difference| / SE < 1e-4 and |difference of -log10 p| < 1e-3.
. "$TOP/tests/lib.sh"
for tool in bcftools Rscript; do
    command -v $tool >/dev/null 2>&1 || { t_fail "$tool is not installed (tools/install-deps.sh)"; exit 0; }
done
cd "$WORK" || exit 1
"$DUET" simulate --samples 800 --variants 3000 --seed 11 -o coh --quiet || { t_fail "simulate"; exit 1; }
V=coh/genotypes.bcf
for rule in max sum; do
    t_run "duet burden --build-mask $rule" 0 "$DUET" burden --vcf $V --anno coh/annotations.tsv --set-list coh/setlist.tsv \
        --mask-def coh/masks.txt --pheno coh/pheno.tsv --pheno-name ldl,cad --covar coh/covar.tsv --tests burden \
        --build-mask $rule --logistic wald -o d_$rule --quiet
done

# variants of M2 per gene; genotypes as ALT counts (NA missing)
awk '$3=="pLoF" || $3=="missense" { print $1 "\t" $2 }' coh/annotations.tsv >m2.tsv
cut -f1 m2.tsv >m2.ids
bcftools query -l $V >samples.txt
bcftools view -i 'ID=@m2.ids' $V -Ou | bcftools query -f '%ID[\t%GT]\n' >m2.gt
# scores: sample x gene, for each rule, with AAF <= 0.01 over the samples
awk -F'\t' -v out_max=score_max.tsv -v out_sum=score_sum.tsv '
    FNR == NR { gene[$1] = $2; next }
    {
        id = $1; n = NF - 1; ac = 0; an = 0; called = 0
        for (i = 2; i <= NF; i++) {
            g = $i; gsub(/[|]/, "/", g)
            if (g == "./." || g == ".") { d[i] = "NA"; continue }
            split(g, a, "/"); c = 0
            for (k in a) c += (a[k] == "1")
            d[i] = c; ac += c; an += 2; called++
        }
        if (an == 0 || ac == 0 || ac / an > 0.01) next
        mean = ac / called
        G = gene[id]; genes[G] = 1
        for (i = 2; i <= NF; i++) {
            v = (d[i] == "NA") ? mean : d[i]
            key = G SUBSEP i
            if (!(key in mx) || v > mx[key]) mx[key] = v
            sm[key] += v
        }
        nv[G]++
    }
    END {
        for (G in genes) {
            if (nv[G] < 2) continue
            for (i = 2; i <= n + 1; i++) {
                print G "\t" (i - 1) "\t" mx[G SUBSEP i] > out_max
                print G "\t" (i - 1) "\t" sm[G SUBSEP i] > out_sum
            }
        }
    }' m2.tsv m2.gt
t_ok "scores built for several genes" '[ "$(cut -f1 score_max.tsv | sort -u | wc -l)" -ge 5 ]'
t_ok "the sum rule differs from max for some sample" '! cmp -s score_max.tsv score_sum.tsv'

cat >fit.R <<'RS'
args <- commandArgs(TRUE)
samples <- readLines("samples.txt")
ph <- read.delim("coh/pheno.tsv", check.names = FALSE)
cv <- read.delim("coh/covar.tsv", check.names = FALSE)
d <- merge(ph, cv, by = "IID")
sc <- read.delim(args[1], header = FALSE, col.names = c("gene", "idx", "score"))
sc$IID <- samples[sc$idx]
covs <- setdiff(names(cv), "IID")
out <- NULL
for (g in unique(sc$gene)) {
    x <- merge(d, sc[sc$gene == g, c("IID", "score")], by = "IID")
    f <- as.formula(paste("ldl ~ score +", paste(covs, collapse = " + ")))
    m <- summary(lm(f, data = x))$coefficients["score", ]
    out <- rbind(out, data.frame(trait = "ldl", gene = g, beta = m[1], se = m[2],
                                 nl10 = -(pt(abs(m[3]), lm(f, data = x)$df.residual, lower.tail = FALSE, log.p = TRUE) + log(2)) / log(10)))
    f <- as.formula(paste("cad ~ score +", paste(covs, collapse = " + ")))
    xb <- x[!is.na(x$cad), ]
    if (sum(xb$score[xb$cad == 1] > 0.5) >= 3 && sum(xb$score[xb$cad == 0] > 0.5) >= 3) {
        fit <- glm(f, data = xb, family = binomial, control = glm.control(epsilon = 1e-12, maxit = 100))
        m <- summary(fit)$coefficients["score", ]
        out <- rbind(out, data.frame(trait = "cad", gene = g, beta = m[1], se = m[2],
                                     nl10 = -(pnorm(abs(m[3]), lower.tail = FALSE, log.p = TRUE) + log(2)) / log(10)))
    }
}
write.table(out, args[2], sep = "\t", quote = FALSE, row.names = FALSE)
RS
for rule in max sum; do
    Rscript fit.R score_$rule.tsv r_$rule.tsv 2>r_$rule.err || t_fail "R fit ($rule)" "$(head -5 r_$rule.err)"
    zcat d_$rule.burden.tsv.gz | awk -F'\t' '$3=="M2" && $4=="0.01" && $7=="burden"' >d_$rule.rows
    # trait gene beta se nl10 (R) vs the duet row
    res=$(awk -F'\t' 'FNR == NR { if ($12 == "NA") { b[$1 SUBSEP $2] = $8; l[$1 SUBSEP $2] = $11 }; next }
        FNR > 1 { k = $1 SUBSEP $2; if (!(k in b)) { miss++; next }
                  n++; db = (b[k] - $3) / $4; if (db < 0) db = -db; if (db > mb) mb = db
                  dl = l[k] - $5; if (dl < 0) dl = -dl; if (dl > ml) ml = dl
                  if ($1 == "cad") nc++ }
        END { printf "%d %d %d %.3g %.3g\n", n, nc, miss, mb, ml }' d_$rule.rows r_$rule.tsv)
    read -r n_genes n_cc n_miss max_db max_dl <<<"$res"
    t_ok "$rule: genes compared ($n_genes, $n_cc case/control), none missing in duet ($n_miss)" '[ "$n_genes" -ge 10 ] && [ "$n_cc" -ge 3 ] && [ "$n_miss" -eq 0 ]'
    t_ok "$rule: burden beta agrees with R lm/glm (max |diff|/SE $max_db < 1e-4)" "awk 'BEGIN { exit !($max_db < 1e-4) }'"
    t_ok "$rule: burden -log10 p agrees with R (max diff $max_dl < 1e-3)" "awk 'BEGIN { exit !($max_dl < 1e-3) }'"
done
