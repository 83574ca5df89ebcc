# tests/ref/firth_brglm2.R -- duet's Firth estimates against R's brglm2
# (type "MPL_Jeffreys": Firth's penalised likelihood for logistic models,
# fitted in double precision to a 1e-12 tolerance), variant by variant.
#   Rscript firth_brglm2.R GT IDS OURS.tsv.gz PHENO COVAR TRAIT COVARIATE...
# GT: "chrom:pos<TAB>call<TAB>call..." (bcftools query), IDS: the samples.
# Prints "n=<variants compared> lrt=<max |diff -log10 p|> worst=<max |beta
# diff| / SE>": the estimate against brglm2's, the p-value against the
# penalised likelihood-ratio test of firth_lrt_lib.R (brglm2's fit and the
# restricted maximum by optim); variants where brglm2 does not converge are
# skipped.
suppressMessages(library(brglm2))
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))),
                 "firth_lrt_lib.R"))
args <- commandArgs(TRUE)  # gt ids ours pheno covar trait covars...
gt <- read.table(args[1], sep = "\t", colClasses = "character")
ids <- scan(args[2], what = "", quiet = TRUE)
ours <- read.table(gzfile(args[3]), sep = "\t", header = TRUE, comment.char = "", quote = "",
                   na.strings = "#NA")
ph <- read.table(args[4], header = TRUE, sep = "", comment.char = "", quote = "", fill = TRUE)
cv <- read.table(args[5], header = TRUE, sep = "", comment.char = "", quote = "")
trait <- args[6]; covs <- args[-(1:6)]
names(ph)[names(ph) %in% c("IID", "X.IID", "sample.id")] <- "IID"
names(cv)[names(cv) %in% c("IID", "X.IID")] <- "IID"
worst <- 0; n <- 0; lrt <- 0
for (r in seq_len(nrow(gt))) {
  v <- unlist(gt[r, -1]); v <- v[v != ""]
  g <- sapply(strsplit(v, "[/|]"), function(a) sum(a == "1"))
  d <- merge(data.frame(IID = ids, g = g), merge(ph[, c("IID", trait)], cv, by = "IID"), by = "IID")
  f <- as.formula(paste(trait, "~", paste(c(covs, "g"), collapse = "+")))
  m <- suppressWarnings(glm(f, data = d, family = binomial, method = "brglmFit",
                            type = "MPL_Jeffreys", epsilon = 1e-12, maxit = 1000))
  if (!m$converged) next
  cp <- strsplit(gt$V1[r], ":")[[1]]
  o <- ours[ours$chromosome == cp[1] & ours$base_pair_location == as.integer(cp[2]), ]
  s <- summary(m)$coef["g", ]
  worst <- max(worst, abs(o$beta[1] - s[1]) / s[2]); n <- n + 1
  X <- model.matrix(f, d)
  r <- firth_lrt(X, d[[trait]])
  lrt <- max(lrt, abs(o$neg_log_10_p_value[1] + r$logp / log(10)))
}
cat(sprintf("n=%d lrt=%.3g worst=%.3g\n", n, lrt, worst))
