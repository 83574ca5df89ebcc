# tests/ref/firth_lrt_lib.R -- an independent penalised likelihood-ratio test
# (Heinze and Schemper 2002, as logistf reports it) for the reference tests:
# the full Firth fit by brglm2 (MPL_Jeffreys), the restricted maximum of the
# same penalised likelihood (last coefficient 0, the full design in the
# penalty) by optim.  Also produced the constants of tests/unit/test_stats.c.
suppressMessages(library(brglm2))
# penalised log-likelihood of a logistic model at beta: l + log|X'WX|/2
pll <- function(beta, X, y) {
  eta <- drop(X %*% beta); mu <- plogis(eta)
  l <- sum(y * plogis(eta, log.p = TRUE) + (1 - y) * plogis(-eta, log.p = TRUE))
  w <- mu * (1 - mu)
  l + 0.5 * as.numeric(determinant(crossprod(X * sqrt(w)), logarithm = TRUE)$modulus)
}
# the penalised LRT of the last column of X (Heinze & Schemper): full fit by
# brglm2, restricted maximum (last coefficient 0, full-design penalty) by optim
firth_lrt <- function(X, y) {
  # columns constant or aliased on these samples (sex for a sex-specific
  # trait) are left out, as duet leaves them out of the design
  qx <- qr(X)
  if (qx$rank < ncol(X)) X <- X[, sort(qx$pivot[seq_len(qx$rank)]), drop = FALSE]
  p <- ncol(X); colnames(X) <- paste0("c", seq_len(p))
  m <- glm(y ~ X - 1, family = binomial(), method = "brglmFit", type = "MPL_Jeffreys", epsilon = 1e-13, maxit = 1000)
  l1 <- pll(m$coefficients, X, y)
  f0 <- function(b) { v <- -pll(c(b, 0), X, y); if (is.finite(v)) v else 1e300 }
  o <- optim(m$coefficients[-p], f0, method = "Nelder-Mead", control = list(reltol = 1e-15, maxit = 50000))
  for (r in 1:3) o <- optim(o$par, f0, method = "BFGS", control = list(reltol = 1e-16, maxit = 10000, parscale = pmax(abs(o$par), 1e-3)))
  chi2 <- 2 * (l1 + o$value)
  list(beta = unname(m$coefficients[p]), chi2 = chi2, logp = pchisq(chi2, 1, lower.tail = FALSE, log.p = TRUE),
       se = abs(m$coefficients[p]) / sqrt(chi2))
}
