# tests/ref/prs_ct_r.R SCORE PHENO COVAR TRAIT KIND PRSICE [PREVALENCE]
# Recompute duet prs ct's validation table with R: per threshold, lm / glm
# of the trait on the covariates with and without the score (incremental
# R², Nagelkerke's R² from logLik for binary traits), the score's
# coefficient, SE and p (summary.lm t test, summary.glm Wald z), the AUC
# from wilcox.test's W / (n1 n0), and the liability-scale R² of Lee et al.
# 2012 eq. 15 written out here.  Prints "compared=N worst=REL" (the largest
# relative difference over every number) and one line per bad number.
args <- commandArgs(TRUE)
sc <- read.delim(args[1], comment.char = "", check.names = FALSE, skip = 2)
names(sc)[1] <- "IID"
ph <- read.delim(args[2], check.names = FALSE)
cv <- read.delim(args[3], check.names = FALSE)
trait <- args[4]; kind <- args[5]
tab <- read.delim(args[6], check.names = FALSE)
K <- if (length(args) >= 7) as.numeric(args[7]) else NA
d <- merge(merge(sc, ph[, c("IID", trait)], by = "IID"), cv, by = "IID")
covs <- setdiff(names(cv), "IID")
d <- d[complete.cases(d[, c(trait, covs)]), ]
y <- d[[trait]]
X <- as.matrix(d[, covs])
worst <- 0; n <- 0
cmp <- function(what, a, b) {
  rel <- abs(a - b) / max(abs(b), 1e-300)
  if (!is.finite(rel)) rel <- if (isTRUE(all.equal(a, b))) 0 else Inf
  if (rel > 1e-6) cat(sprintf("%s: duet %.10g R %.10g\n", what, a, b))
  worst <<- max(worst, rel); n <<- n + 1
}
nagel <- function(l, l0, n) (1 - exp(2 * (l0 - l) / n)) / (1 - exp(2 * l0 / n))
for (i in seq_len(nrow(tab))) {
  name <- paste0("ct_p", format(tab$Threshold[i], digits = 10))
  s <- d[[name]]
  if (is.null(s)) { cat("no score column", name, "\n"); worst <- Inf; next }
  if (kind == "quantitative") {
    m0 <- lm(y ~ X); m1 <- lm(y ~ X + s)
    r2 <- summary(m1)$r.squared - summary(m0)$r.squared
    co <- summary(m1)$coefficients["s", ]
  } else {
    ctl <- glm.control(epsilon = 1e-14, maxit = 100)
    m0 <- glm(y ~ X, family = binomial, control = ctl); m1 <- glm(y ~ X + s, family = binomial, control = ctl)
    lint <- as.numeric(logLik(glm(y ~ 1, family = binomial)))
    r2 <- nagel(as.numeric(logLik(m1)), lint, length(y)) - nagel(as.numeric(logLik(m0)), lint, length(y))
    co <- summary(m1)$coefficients["s", ]
    w <- wilcox.test(s[y == 1], s[y == 0], exact = FALSE)$statistic
    cmp(paste(name, "AUC"), tab$AUC[i], w / (sum(y == 1) * sum(y == 0)))
    if (!is.na(K)) {
      r2o <- summary(lm(y ~ X + s))$r.squared - summary(lm(y ~ X))$r.squared
      P <- mean(y); t <- qnorm(1 - K); z <- dnorm(t); m <- z / K
      C <- K * (1 - K) / z^2 * K * (1 - K) / (P * (1 - P))
      th <- m * (P - K) / (1 - K) * (m * (P - K) / (1 - K) - t)
      cmp(paste(name, "R2.liability"), tab$R2.liability[i], r2o * C / (1 + r2o * th * C))
    }
  }
  cmp(paste(name, "R2"), tab$R2[i], r2)
  cmp(paste(name, "Coefficient"), tab$Coefficient[i], co[1])
  cmp(paste(name, "Standard.Error"), tab$Standard.Error[i], co[2])
  if (co[4] > 1e-290) cmp(paste(name, "P"), tab$P[i], co[4])
}
cat(sprintf("compared=%d worst=%.3g\n", n, worst))
