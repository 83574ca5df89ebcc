# tests/ref/phewas_glm.R -- duet phewas against R, phecode by phecode: each
# tested phecode's beta, SE and p from glm(family = binomial) where duet
# reports a maximum-likelihood (wald) fit, from brglm2's Firth fit
# (type "MPL_Jeffreys") and the penalised likelihood-ratio test of
# firth_lrt_lib.R where it reports firth, and from lm() for
# quantitative traits, on the table that duet pheno writes for the same
# store (the same derivation), with the same covariates.
#   Rscript phewas_glm.R GT IDS OURS.tsv.gz PHENO COVAR ID COVARIATE...
# GT: one line "call<TAB>call..." (bcftools query) of the variant, IDS: the
# samples in that order; missing calls take the mean, as in duet.  Prints one line per kind:
#   "<test> n=<phecodes compared> beta=<max |diff| / SE> se=<max rel diff>
#    logp=<max |diff| / max(1, |log p|)>"
suppressMessages(library(brglm2))
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))),
                 "firth_lrt_lib.R"))
args <- commandArgs(TRUE)
gt <- scan(args[1], what = "", sep = "\t", quiet = TRUE); gt <- gt[gt != ""]
ids <- scan(args[2], what = "", quiet = TRUE)
ours <- read.table(gzfile(args[3]), sep = "\t", header = TRUE, comment.char = "", quote = "",
                   colClasses = c(phecode = "character"))
ph <- read.table(args[4], header = TRUE, sep = "\t", comment.char = "", quote = "",
                 check.names = FALSE, colClasses = "character")
cv <- read.table(args[5], header = TRUE, sep = "\t", comment.char = "", quote = "")
id <- args[6]; covs <- args[-(1:6)]
g <- sapply(strsplit(gt, "[/|]"), function(a) if (all(a == ".")) NA else sum(a == "1"))
# duet imputes a missing call with the mean over its samples: those with a
# value for some trait
with_value <- ph$IID[rowSums(!is.na(suppressWarnings(sapply(ph[-1], as.numeric)))) > 0]
g[is.na(g)] <- mean(g[!is.na(g) & ids %in% with_value])
base <- merge(data.frame(IID = ids, g = g), cv[, c("IID", covs)], by = "IID")
ours <- ours[ours$id == id & is.na(ours$errcode), ]
worst <- list()
for (r in seq_len(nrow(ours))) {
  o <- ours[r, ]
  d <- merge(base, data.frame(IID = ph$IID, y = suppressWarnings(as.numeric(ph[[o$phecode]]))),
             by = "IID")
  d <- d[!is.na(d$y), ]
  f <- as.formula(paste("y ~", paste(c(covs, "g"), collapse = "+")))
  if (o$test == "linear") {
    s <- summary(lm(f, data = d))$coef["g", ]
    lp <- log(2) + pt(abs(s[3]), df = nrow(d) - length(covs) - 2, lower.tail = FALSE, log.p = TRUE)
  } else {
    m <- if (o$test == "firth")
      suppressWarnings(glm(f, data = d, family = binomial, method = "brglmFit",
                           type = "MPL_Jeffreys", epsilon = 1e-12, maxit = 1000))
    else glm(f, data = d, family = binomial, control = glm.control(epsilon = 1e-12, maxit = 100))
    s <- summary(m)$coef["g", ]
    lp <- log(2) + pnorm(abs(s[3]), lower.tail = FALSE, log.p = TRUE)
    if (o$test == "firth") { # the penalised LRT and its SE |beta| / sqrt(chi2)
      r <- firth_lrt(model.matrix(f, d), d$y)
      lp <- r$logp
      s[2] <- r$se
    }
  }
  rel <- function(a, b) abs(a - b) / max(abs(b), 1e-300)
  # beta in units of its SE (it may be near 0), SE relative, log p
  # relative to max(1, |log p|) (p near 1 has log p near 0)
  w <- c(abs(o$beta - s[1]) / s[2], rel(o$standard_error, s[2]),
         abs(log(o$p_value) - lp) / max(1, abs(lp)))
  k <- o$test
  worst[[k]] <- if (is.null(worst[[k]])) c(1, w) else c(worst[[k]][1] + 1, pmax(worst[[k]][-1], w))
}
for (k in names(worst))
  cat(sprintf("%s n=%d beta=%.3g se=%.3g logp=%.3g\n", k, worst[[k]][1], worst[[k]][2],
              worst[[k]][3], worst[[k]][4]))
