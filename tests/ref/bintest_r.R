# tests/ref/bintest_r.R -- duet's saddlepoint and exact p-values of
# case/control score tests against an independent implementation written
# here: R's glm() null model, the covariate-adjusted genotype
# g~ = g - X (X'WX)^{-1} X'W g, the saddlepoint approximation of the score
# S = g~'(y - mu) with the exact cumulant generating function over every
# sample (duet treats the commonest homozygotes as one normal term: SAIGE's
# fast SPA) and the Lugannani-Rice tail, uniroot() for the saddlepoint;
# the exact test by enumerating the carriers' case/control outcomes.
#   Rscript bintest_r.R GT IDS OURS.tsv.gz PHENO COVAR TRAIT COVARIATE...
# GT: "chrom:pos<TAB>call<TAB>call..." (bcftools query), IDS: the samples.
# Prints "spa n=<rows> worst=<max |diff ln p| / max(1, |ln p|)>" and the
# same for exact rows.
args <- commandArgs(TRUE)
gt <- read.table(args[1], sep = "\t", colClasses = "character")
ids <- scan(args[2], what = "", quiet = TRUE)
ours <- read.table(gzfile(args[3]), sep = "\t", header = TRUE, comment.char = "", quote = "",
                   na.strings = "#NA")
ph <- read.table(args[4], header = TRUE, sep = "\t", comment.char = "", quote = "")
cv <- read.table(args[5], header = TRUE, sep = "\t", comment.char = "", quote = "")
trait <- args[6]; covs <- args[-(1:6)]
d0 <- merge(ph[, c("IID", trait)], cv[, c("IID", covs)], by = "IID")
d0 <- d0[!is.na(d0[[trait]]), ]
y <- d0[[trait]]
X <- cbind(1, as.matrix(d0[, covs]))
m <- glm(y ~ X - 1, family = binomial(), control = glm.control(epsilon = 1e-14, maxit = 100))
mu <- fitted(m); w <- mu * (1 - mu)

cgf <- function(t, g) { # K, K', K'' of S = sum g (y - mu)
  e <- mu * exp(t * g); den <- 1 - mu + e; p <- e / den
  c(sum(log(den) - t * g * mu), sum(g * (p - mu)), sum(g^2 * p * (1 - p)))
}
spa_tail <- function(s, g, upper) { # ln P(S >= s) or ln P(S <= s)
  lim <- 1
  while (cgf(if (upper) lim else -lim, g)[2] * (if (upper) 1 else -1) < abs(s)) lim <- 2 * lim
  z <- uniroot(function(t) cgf(t, g)[2] - s, if (upper) c(0, lim) else c(-lim, 0),
               tol = 1e-14)$root
  k <- cgf(z, g)
  wv <- sign(z) * sqrt(2 * (z * s - k[1])); v <- z * sqrt(k[3])
  pnorm(wv + log(v / wv) / wv, lower.tail = !upper, log.p = TRUE)
}
exact_logp <- function(h, mu_c, s) { # enumerate the carriers' outcomes
  n <- length(h); lp <- -Inf
  for (c in 0:(2^n - 1)) {
    yc <- bitwAnd(c, 2^(0:(n - 1))) > 0
    if (abs(sum(h * (yc - mu_c))) >= abs(s) - 1e-9 * (sum(h) + 1)) {
      l <- sum(ifelse(yc, log(mu_c), log1p(-mu_c)))
      lp <- if (lp == -Inf) l else max(lp, l) + log1p(exp(-abs(lp - l)))
    }
  }
  lp
}
worst <- list(spa = c(0, 0), exact = c(0, 0))
for (r in seq_len(nrow(gt))) {
  cp <- strsplit(gt$V1[r], ":")[[1]]
  o <- ours[ours$chromosome == cp[1] & ours$base_pair_location == as.integer(cp[2]), ]
  if (nrow(o) != 1 || !(o$test %in% c("spa", "exact"))) next
  v <- unlist(gt[r, -1]); v <- v[v != ""]
  g <- sapply(strsplit(v, "[/|]"), function(a) if (all(a == ".")) NA else sum(a == "1"))
  g <- g[match(d0$IID, ids)]
  g[is.na(g)] <- mean(g, na.rm = TRUE)
  if (o$test == "spa") {
    gt_adj <- g - X %*% solve(crossprod(X, w * X), crossprod(X, w * g))
    s <- sum(gt_adj * (y - mu))
    lp <- log(exp(spa_tail(abs(s), gt_adj, TRUE)) + exp(spa_tail(-abs(s), gt_adj, FALSE)))
  } else {
    mode <- if (mean(g) > 1) 2 else 0
    h <- abs(g - mode); c <- h >= 0.5
    if (sum(c) > 12) next # 2^12 outcomes at most, in an R loop
    lp <- exact_logp(h[c], mu[c], sum(h[c] * (y[c] - mu[c])))
  }
  # p_value has 6 significant digits, its -log10 4 decimals
  ours_lp <- if (o$p_value > 1e-300) log(o$p_value) else -o$neg_log_10_p_value * log(10)
  e <- abs(ours_lp - lp) / max(1, abs(lp))
  worst[[o$test]] <- c(worst[[o$test]][1] + 1, max(worst[[o$test]][2], e))
}
for (k in names(worst)) cat(sprintf("%s n=%d worst=%.3g\n", k, worst[[k]][1], worst[[k]][2]))
