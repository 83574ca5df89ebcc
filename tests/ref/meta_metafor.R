# tests/ref/meta_metafor.R -- duet meta against R's metafor (rma, method
# "FE" and "DL") and an independent sample-size-weighted Z, variant by
# variant.  Alleles are aligned here on their own: a key of chromosome,
# position and the sorted allele pair, the sign flipped where a study's
# effect allele is the output's other allele.
#
#   Rscript meta_metafor.R A.tsv.gz B.glm.linear C.tsv FE.tsv.gz SS.tsv.gz GC.tsv.gz
#
# GC is the output of --gc: each study's lambda = median((b/se)^2) /
# qchisq(0.5, 1) over its rows, its standard errors times sqrt(lambda)
# where lambda > 1, then rma(method = "FE").
#
# A and C are GWAS-SSF (C with alleles swapped), B is plink2 --glm output.
# Prints TAP lines; every quantity must agree to 1e-8 relative.
suppressMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
tol <- 1e-8

rd <- function(path) read.delim(path, na.strings = c("#NA", "NA"), check.names = FALSE,
                                stringsAsFactors = FALSE, colClasses = c(chromosome = "character"))
ssf <- function(path) {
    d <- rd(path)
    data.frame(chr = d$chromosome, pos = d$base_pair_location, ea = d$effect_allele,
               oa = d$other_allele, b = d$beta, se = d$standard_error, p = d$p_value,
               n = d$n, stringsAsFactors = FALSE)
}
plink <- function(path) {
    d <- read.delim(path, na.strings = "NA", check.names = FALSE, stringsAsFactors = FALSE,
                    colClasses = c("#CHROM" = "character"))
    oa <- ifelse(d$A1 == d$REF, d$ALT, d$REF)
    data.frame(chr = d[["#CHROM"]], pos = d$POS, ea = d$A1, oa = oa, b = d$BETA, se = d$SE,
               p = d$P, n = d$OBS_CT, stringsAsFactors = FALSE)
}
key <- function(d) paste(d$chr, d$pos, pmin(d$ea, d$oa), pmax(d$ea, d$oa), sep = ":")
studies <- list(ssf(args[1]), plink(args[2]), ssf(args[3]))
studies <- lapply(studies, function(d) { rownames(d) <- key(d); d })
fe <- rd(args[4])
ss <- rd(args[5])

rel <- function(a, b) ifelse(a == b, 0, abs(a - b) / pmax(abs(a), abs(b)))
worst <- list()
note <- function(name, a, b) {
    if (is.na(a) && is.na(b)) return(invisible())
    r <- if (is.na(a) || is.na(b)) Inf else rel(a, b)
    if (is.null(worst[[name]]) || r > worst[[name]]) worst[[name]] <<- r
}

# The studies' aligned estimates of output row i of table t.
aligned <- function(t, i) {
    k <- paste(t$chromosome[i], t$base_pair_location[i],
               min(t$effect_allele[i], t$other_allele[i]),
               max(t$effect_allele[i], t$other_allele[i]), sep = ":")
    out <- data.frame(b = numeric(0), se = numeric(0), p = numeric(0), n = numeric(0))
    dir <- character(0)
    for (s in studies) {
        r <- s[k, ]
        if (is.na(r$chr) || is.na(r$b) || is.na(r$se) || !(r$se > 0)) { dir <- c(dir, "?"); next }
        sg <- if (r$ea == t$effect_allele[i]) 1 else -1
        out <- rbind(out, data.frame(b = sg * r$b, se = r$se, p = r$p, n = r$n))
        dir <- c(dir, if (sg * r$b > 0) "+" else if (sg * r$b < 0) "-" else "0")
    }
    list(est = out, dir = paste(dir, collapse = ""))
}

n_rows <- 0; n_het <- 0; bad_dir <- 0
for (i in seq_len(nrow(fe))) {
    a <- aligned(fe, i)
    e <- a$est
    k <- nrow(e)
    if (k != fe$n_studies[i] || a$dir != fe$direction[i]) bad_dir <- bad_dir + 1
    if (k == 0) next
    n_rows <- n_rows + 1
    m <- rma(e$b, sei = e$se, method = "FE")
    note("FE beta", fe$beta[i], as.numeric(m$b))
    note("FE standard error", fe$standard_error[i], m$se)
    note("FE z", fe$z_score[i], m$zval)
    note("FE p", fe$p_value[i], m$pval)
    if (k < 2) next
    n_het <- n_het + 1
    note("Q", fe$het_q[i], m$QE)
    note("Q p", fe$het_p_value[i], m$QEp)
    note("I2", fe$i_squared[i], m$I2)
    d <- rma(e$b, sei = e$se, method = "DL")
    note("DL tau2", fe$tau_squared[i], d$tau2)
    note("DL I2", fe$i_squared[i], d$I2)
    note("DL beta", fe$re_beta[i], as.numeric(d$b))
    note("DL standard error", fe$re_standard_error[i], d$se)
    note("DL p", fe$re_p_value[i], d$pval)
}
cat(sprintf("# %d variants compared with metafor (%d with 2 or more studies)\n", n_rows, n_het))
cat(if (n_rows > 500 && n_het > 500) "ok" else "not ok", "- enough variants compared\n")
cat(if (bad_dir == 0) "ok" else "not ok", "- n_studies and direction agree on every row",
    sprintf("(%d differ)\n", bad_dir))
for (name in names(worst))
    cat(if (worst[[name]] <= tol) "ok" else "not ok",
        sprintf("- %s within %g relative of metafor (max %.3g)\n", name, tol, worst[[name]]))

# Sample-size-weighted Z (METAL): z from p and the sign of beta, weights sqrt(n).
worst <- list()
for (i in seq_len(nrow(ss))) {
    e <- aligned(ss, i)$est
    if (nrow(e) == 0) next
    z <- sign(e$b) * qnorm(e$p / 2, lower.tail = FALSE)
    Z <- sum(sqrt(e$n) * z) / sqrt(sum(e$n))
    note("sample-size Z", ss$z_score[i], Z)
    note("sample-size p", ss$p_value[i], 2 * pnorm(-abs(Z)))
    note("sample-size n", ss$n[i], sum(e$n))
}
for (name in names(worst))
    cat(if (worst[[name]] <= tol) "ok" else "not ok",
        sprintf("- %s within %g relative of R (max %.3g)\n", name, tol, worst[[name]]))

# Genomic control (METAL GENOMICCONTROL ON), then fixed effects.
gc <- rd(args[6])
lambdas <- sapply(studies, function(s) {
    ok <- !is.na(s$b) & !is.na(s$se) & s$se > 0
    median((s$b[ok] / s$se[ok])^2) / qchisq(0.5, 1)
})
cat(sprintf("# lambda GC of the studies: %s\n", paste(sprintf("%.4f", lambdas), collapse = ", ")))
yaml <- readLines(sub("\\.tsv\\.gz$", ".yaml", args[6]))
got <- as.numeric(sub(".*lambda_gc: ", "", grep("^      lambda_gc: ", yaml, value = TRUE)))
cat(if (length(got) == 3 && all(abs(got - lambdas) < 5.1e-5)) "ok" else "not ok",
    sprintf("- lambda GC of each study as R's median (duet %s)\n", paste(got, collapse = ", ")))
studies <- mapply(function(s, l) { s$se <- s$se * sqrt(max(1, l)); s }, studies, lambdas,
                  SIMPLIFY = FALSE)
worst <- list()
for (i in seq_len(nrow(gc))) {
    e <- aligned(gc, i)$est
    if (nrow(e) == 0) next
    m <- rma(e$b, sei = e$se, method = "FE")
    note("GC beta", gc$beta[i], as.numeric(m$b))
    note("GC standard error", gc$standard_error[i], m$se)
    note("GC p", gc$p_value[i], m$pval)
}
for (name in names(worst))
    cat(if (worst[[name]] <= tol) "ok" else "not ok",
        sprintf("- %s within %g relative of metafor after R's genomic control (max %.3g)\n",
                name, tol, worst[[name]]))
