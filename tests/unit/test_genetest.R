# test_genetest.R -- independent reference values for tests/unit/test_genetest.c.
#
#   Rscript test_genetest.R DIR
#
# Reads DIR/cases.txt (name, model, weights) and for each case DIR/NAME.X,
# .y, .G (and .w), written by the C test; writes DIR/ref.tsv.  Also reads
# DIR/qf.txt (quadratic forms: c, r, then r rows of lambda df nc) and
# writes DIR/qf_ref.tsv.  Everything is recomputed here from the papers in
# plain R -- lm()/glm() null fits, eigen(), numerical inversion of the
# moment generating function along a saddlepoint contour (integrate()) in
# place of Davies' algorithm, SKAT-O's
# integral (Lee et al. 2012) written after the SKAT package's
# SKAT_Optimal_* functions, ACAT-V after the ACAT package's ACAT_V (per-variant
# p-values from lm()'s t test) -- so that it shares no code with duet's C.
# The SKAT and CompQuadForm packages are not in Debian; R itself is.
args <- commandArgs(TRUE); dir <- args[1]

# P(Q > x), Q = sum_j lambda_j chi2(h_j, delta_j), by numerical inversion of
# the moment generating function M along a contour through the saddlepoint
# c (K'(c) = x, K = log M):
#   P(Q > x) = 1/(2 pi i) int_C M(s) exp(-s x) ds / s        (c > 0),
#   P(Q <= x) = -1/(2 pi i) int_C M(s) exp(-s x) ds / s      (c < 0),
# with C: s(t) = c + sign(x) A t^2 + i t, a parabola that crosses the real
# axis only at c (the pole at 0 and the branch cuts from 1/(2 lambda_j) stay
# on one side) and along which exp(-s x) decays like a Gaussian, so that
# integrate() meets no oscillating tail (Daniels 1987, Int Stat Rev 55:37-48;
# Helstrom 1995 for quadratic forms).  exp(K(c) - c x) is factored out, so
# the result keeps its relative accuracy far below 1e-300 (log.p).  An
# independent method from Davies' trapezoidal rule on the real line.
qf_upper <- function(x, lambda, h = rep(1, length(lambda)), delta = rep(0, length(lambda)),
                     log.p = FALSE, rel.tol = 1e-12) {
  if (length(lambda) == 1 && lambda > 0) return(pchisq(x / lambda, h, ncp = delta, lower.tail = FALSE, log.p = log.p))
  if (all(lambda > 0) && x <= 0) return(if (log.p) 0 else 1)
  K <- function(s) -0.5 * sum(h * log(1 - 2 * lambda * s)) + sum(delta * lambda * s / (1 - 2 * lambda * s))
  K1 <- function(s) sum((h + delta) * lambda / (1 - 2 * lambda * s) +
                        2 * delta * s * lambda^2 / (1 - 2 * lambda * s)^2)
  upper_side <- x > sum(lambda * (h + delta))
  hi <- if (any(lambda > 0)) min(1 / (2 * lambda[lambda > 0])) else Inf
  lo <- if (any(lambda < 0)) max(1 / (2 * lambda[lambda < 0])) else -Inf
  if (upper_side) {
    a <- 0
    if (is.finite(hi)) b <- hi * (1 - 1e-15) else { b <- 1; while (K1(b) < x) b <- 2 * b }
  } else {
    b <- 0
    if (is.finite(lo)) a <- lo * (1 - 1e-15) else { a <- -1; while (K1(a) > x) a <- 2 * a }
  }
  c0 <- uniroot(function(s) K1(s) - x, c(a, b), tol = 1e-15 * max(1, abs(a), abs(b)))$root
  # near the mean the saddlepoint nears the pole at 0: any c on the same
  # side of 0 inside the strip gives the same integral
  h0 <- min(1 / (2 * abs(lambda)))
  if (abs(c0) < 0.25 * h0) c0 <- (if (upper_side) 0.25 else -0.25) * h0
  base <- K(c0) - c0 * x
  t0 <- min(abs(1 - 2 * lambda * c0) / (2 * abs(lambda)))
  # the shift A t^2 damps exp(-s x) by exp(-t^2 / (4 t0^2)): t0 sqrt(240)
  # leaves exp(-60) out
  sg <- sign(x)
  A <- if (x == 0) 0 else 0.25 / (abs(x) * t0^2)
  tmax <- if (x == 0) Inf else t0 * sqrt(240)
  central <- all(delta == 0)
  f <- function(t) {
    s <- complex(real = c0 + sg * A * t^2, imaginary = t)
    ls <- outer(lambda, s)
    logM <- -0.5 * as.vector(h %*% log(1 - 2 * ls))
    if (!central) logM <- logM + as.vector(delta %*% (ls / (1 - 2 * ls)))
    Im(exp(logM - s * x - base) / s * complex(real = 2 * sg * A * t, imaginary = 1)) / pi
  }
  I <- integrate(f, 0, tmax, subdivisions = 2000L, rel.tol = rel.tol, abs.tol = 0)$value
  if (upper_side) return(if (log.p) base + log(I) else exp(base) * I)
  p <- 1 + exp(base) * I
  if (log.p) log(p) else p
}
imhof_upper <- function(q, lambda, rel.tol = 1e-12) qf_upper(q, lambda, rel.tol = rel.tol)
get_lambda <- function(K) {
  e <- eigen(K, symmetric = TRUE, only.values = TRUE)$values
  e[e > mean(e[e >= 0]) / 1e5]
}
liu_mod <- function(lambda) {
  c1 <- sapply(1:4, function(i) sum(lambda^i))
  muQ <- c1[1]; sigmaQ <- sqrt(2 * c1[2]); s1 <- c1[3] / c1[2]^1.5; s2 <- c1[4] / c1[2]^2
  if (s1^2 > s2) { a <- 1 / (s1 - sqrt(s1^2 - s2)); d <- s1 * a^3 - a^2; l <- a^2 - 2 * d }
  else { l <- 1 / s2; a <- sqrt(l); d <- 0 }
  list(muQ = muQ, sigmaQ = sigmaQ, l = l, d = d, muX = l + d, sigmaX = sqrt(2) * a)
}

qf_file <- file.path(dir, "qf.txt")
if (file.exists(qf_file)) {
  con <- file(qf_file, "r"); lines <- readLines(con); close(con)
  i <- 1; res <- NULL
  while (i <= length(lines)) {
    hd <- as.numeric(strsplit(lines[i], " ")[[1]]); x <- hd[1]; r <- hd[2]
    tab <- matrix(as.numeric(unlist(strsplit(lines[(i + 1):(i + r)], " "))), ncol = 3, byrow = TRUE)
    res <- c(res, qf_upper(x, tab[, 1], tab[, 2], tab[, 3]))
    i <- i + r + 1
  }
  writeLines(formatC(res, digits = 17, format = "g"), file.path(dir, "qf_ref.tsv"))
}
cases_file <- file.path(dir, "cases.txt")
if (!file.exists(cases_file)) quit(save = "no")
cases <- read.table(cases_file, header = TRUE, stringsAsFactors = FALSE)
# a designed gene's covariates, trait and genotypes (minor-allele coded)
read_gene <- function(name) {
  X <- as.matrix(read.table(file.path(dir, paste0(name, ".X"))))
  y <- scan(file.path(dir, paste0(name, ".y")), quiet = TRUE)
  G <- as.matrix(read.table(file.path(dir, paste0(name, ".G"))))
  af <- colMeans(G) / 2
  G[, af > 0.5] <- 2 - G[, af > 0.5]
  list(X = X, y = y, G = G)
}
out <- NULL
for (ci in seq_len(nrow(cases))) {
  cs <- cases[ci, ]
  d <- read_gene(cs$name); X <- d$X; y <- d$y; G <- d$G
  n <- nrow(G)
  keep <- colSums(G) > 0; G <- G[, keep, drop = FALSE]
  maf <- colMeans(G) / 2; mac <- colSums(G)
  w <- if (cs$weights == 1) scan(file.path(dir, paste0(cs$name, ".w")), quiet = TRUE)[keep] else dbeta(maf, 1, 25)
  Z <- t(t(G) * w)
  if (cs$model == "linear") {
    fit <- lm(y ~ X - 1); res <- residuals(fit); s2 <- sum(res^2) / (n - ncol(X)); phi <- s2
    Z1 <- Z - X %*% solve(crossprod(X), crossprod(X, Z))
    v <- rep(1, n)
  } else {
    fit <- glm(y ~ X - 1, family = binomial); mu <- fitted(fit); res <- y - mu; phi <- 1
    v <- mu * (1 - mu)
    Z1 <- Z * sqrt(v) - (X * sqrt(v)) %*% solve(crossprod(X, X * v), crossprod(X, Z * v))
  }
  U <- as.vector(crossprod(res, Z))
  # SKAT (Wu et al. 2011), SKAT's scale
  Q <- sum(U^2) / (2 * phi)
  lam <- get_lambda(crossprod(Z1) / 2)
  p_skat <- if (length(lam) == 1) pchisq(Q / lam, 1, lower.tail = FALSE) else imhof_upper(Q, lam)
  # burden score test of the weighted sum
  S <- sum(crossprod(Z1)) / 2
  QB <- sum(U)^2 / (2 * phi)
  p_burden <- pchisq(QB / S, 1, lower.tail = FALSE)
  # SKAT-O (Lee et al. 2012), as SKAT's optimal.adj with Imhof in place of Davies
  rho <- c(0, 0.1^2, 0.2^2, 0.3^2, 0.4^2, 0.5^2, 0.5, 0.999)
  Z1s <- Z1 / sqrt(2); m <- ncol(Z1s)
  Qr <- (1 - rho) * sum(U^2) / (2 * phi) + rho * sum(U)^2 / (2 * phi)
  prho <- numeric(8); par <- vector("list", 8); lamr <- vector("list", 8)
  for (i in 1:8) {
    R <- diag(1 - rho[i], m) + matrix(rho[i], m, m)
    L <- chol(R, pivot = TRUE)
    Z2 <- Z1s %*% t(L)
    lamr[[i]] <- get_lambda(crossprod(Z2))
    prho[i] <- if (length(lamr[[i]]) == 1) pchisq(Qr[i] / lamr[[i]], 1, lower.tail = FALSE) else imhof_upper(Qr[i], lamr[[i]])
    par[[i]] <- liu_mod(lamr[[i]])
  }
  pmin <- min(prho)
  zbar <- rowMeans(Z1s); cof1 <- as.vector(crossprod(zbar, Z1s)) / sum(zbar^2)
  It1 <- outer(zbar, cof1); It2 <- Z1s - It1
  lamk <- get_lambda(crossprod(It2))
  W33 <- sum(crossprod(It1) * crossprod(It2)) * 4
  MuQ <- sum(lamk); VarQ <- sum(lamk^2) * 2 + W33
  tau <- sapply(rho, function(r) (m^2 * r + sum(cof1^2) * (1 - r)) * sum(zbar^2))
  qmin <- sapply(1:8, function(i) { p <- par[[i]]; (qchisq(pmin, p$l, lower.tail = FALSE) - p$l) / sqrt(2 * p$l) * p$sigmaQ + p$muQ })
  # SKAT integrates F_kappa times the chi2_1 density over [0, 40] and
  # subtracts from 1; the same integral of the survival function S_kappa
  # plus P(chi2_1 > 40) keeps small p-values' digits
  integrand <- function(x) sapply(x, function(xx) {
    m1 <- min((qmin - tau * xx) / (1 - rho))
    if (m1 > sum(lamk) * 1e4) return(0)
    m1s <- (m1 - MuQ) * sqrt(VarQ - W33) / sqrt(VarQ) + MuQ
    Sk <- if (m1s <= 0) 1 else imhof_upper(m1s, lamk, rel.tol = 1e-7)
    Sk * dchisq(xx, 1)
  })
  p_skato <- integrate(integrand, 0, 40, subdivisions = 1000L, rel.tol = 1e-5, abs.tol = 0)$value +
    pchisq(40, 1, lower.tail = FALSE)
  p_skato <- min(p_skato, 8 * pmin)
  # ACAT-V (Liu et al. 2019), as ACAT_V: per-variant tests above MAC 10, a
  # burden of the rest, Cauchy combination with weights w^2 maf (1 - maf)
  rare <- mac <= 10
  pv <- numeric(0); pw <- numeric(0)
  for (j in which(!rare)) {
    if (cs$model == "linear") {
      f1 <- lm(y ~ X + G[, j] - 1)
      pv <- c(pv, summary(f1)$coefficients[ncol(X) + 1, 4])
    } else {
      pv <- c(pv, pchisq(U[j]^2 / sum(Z1[, j]^2), 1, lower.tail = FALSE))
    }
    pw <- c(pw, w[j]^2 * maf[j] * (1 - maf[j]))
  }
  if (any(rare)) {
    zr <- rowSums(Z1[, rare, drop = FALSE])
    pr <- pchisq(sum(U[rare])^2 / (phi * sum(zr^2)), 1, lower.tail = FALSE)
    mb <- mean(maf[rare])
    wr <- if (cs$weights == 1) mean(w[rare]^2 * maf[rare] * (1 - maf[rare])) else dbeta(mb, 1, 25)^2 * mb * (1 - mb)
    pv <- c(pv, pr); pw <- c(pw, wr)
  }
  # tan((1/2 - p) pi) = 1 / tanpi(p), which keeps its digits for tiny p
  acat <- function(p, w) { w <- w / sum(w); pcauchy(sum(ifelse(p < 1e-15, w / p / pi, w / tanpi(p))), lower.tail = FALSE) }
  p_acatv <- if (all(rare)) pr else acat(pv[pv < 1], pw[pv < 1])
  p_acato <- acat(c(p_burden, p_skat, p_acatv), rep(1, 3))
  out <- rbind(out, data.frame(name = cs$name, q_skat = Q, p_skat = p_skat, n_lambda = length(lam),
      sum_lambda = sum(lam), max_lambda = max(lam), burden_chi2 = QB / S, p_burden = p_burden,
      pmin = pmin, p_skato = p_skato, p_acatv = p_acatv, p_acato = p_acato, t(setNames(prho, paste0("prho", 1:8)))))
}
write.table(format(out, digits = 17), file.path(dir, "ref.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)

# ---------------------------------------------------------------------------
# Case/control small-sample policy (genetest.h): DIR/cc_cases.txt (name,
# weights, mode = spa | exact) with NAME.X, .y, .G, .w; writes DIR/cc_ref.tsv.
# Written from the papers, not from duet's C: the saddlepoint tail of a
# score (Dey et al. 2017; the carriers' exact cumulant generating function
# plus a normal term for the other samples, as SAIGE's fast SPA) solved
# with uniroot(); SAIGE-GENE's adjusted variance S^2 / qchisq(p, 1) and
# kernel scaling (inflation only, and at least the ratio at |z| = 3, as
# genetest.h chooses); the exact tests by
# enumerating all 2^m outcomes of the m carriers with expand.grid().  In
# the saddlepoint regime the variants with MAC <= 10 enter SKAT as one
# column (their weighted sum), as SAIGE-GENE+ collapses ultra-rare variants.
spa_tail <- function(s, g, mu, vn, upper) {
  K <- function(t) sum(log(1 - mu + mu * exp(t * g)) - t * g * mu) + vn * t^2 / 2
  K1 <- function(t) sum(g * (mu * exp(t * g) / (1 - mu + mu * exp(t * g)) - mu)) + vn * t
  K2 <- function(t) { p <- mu * exp(t * g) / (1 - mu + mu * exp(t * g)); sum(g^2 * p * (1 - p)) + vn }
  b <- 1; while (K1(if (s > 0) b else -b) * sign(s) < abs(s)) b <- 2 * b
  t0 <- uniroot(function(t) K1(t) - s, if (s > 0) c(0, b) else c(-b, 0), tol = 1e-14)$root
  w <- sign(t0) * sqrt(2 * (t0 * s - K(t0))); v <- t0 * sqrt(K2(t0))
  pnorm(w + log(v / w) / w, lower.tail = !upper)
}
spa_p2 <- function(s, gadj, carrier, mu, v, z_cut = 2) {
  var <- sum(gadj^2 * v)
  if (abs(s) / sqrt(var) <= z_cut) return(pchisq(s^2 / var, 1, lower.tail = FALSE))
  vn <- max(0, var - sum(gadj[carrier]^2 * v[carrier]))
  spa_tail(abs(s), gadj[carrier], mu[carrier], vn, TRUE) + spa_tail(-abs(s), gadj[carrier], mu[carrier], vn, FALSE)
}
acat_p <- function(p, w) { w <- w / sum(w); pcauchy(sum(ifelse(p < 1e-15, w / p / pi, w / tanpi(p))), lower.tail = FALSE) }
skato_rho <- c(0, 0.1^2, 0.2^2, 0.3^2, 0.4^2, 0.5^2, 0.5, 1)
cc_file <- file.path(dir, "cc_cases.txt")
if (file.exists(cc_file)) {
  cc <- read.table(cc_file, header = TRUE, stringsAsFactors = FALSE)
  out <- NULL
  for (ci in seq_len(nrow(cc))) {
    cs <- cc[ci, ]
    d <- read_gene(cs$name); X <- d$X; y <- d$y; G <- d$G
    keep <- colSums(G) > 0; G <- G[, keep, drop = FALSE]
    maf <- colMeans(G) / 2; mac <- colSums(G)
    w <- if (cs$weights == 1) scan(file.path(dir, paste0(cs$name, ".w")), quiet = TRUE)[keep] else dbeta(maf, 1, 25)
    fit <- glm(y ~ X - 1, family = binomial); mu <- fitted(fit); v <- mu * (1 - mu)
    Gt <- G - X %*% solve(crossprod(X, X * v), crossprod(X, G * v))   # adjusted genotypes
    S <- as.vector(crossprod(G, y - mu)); U <- w * S
    varS <- colSums(Gt^2 * v)
    rare <- mac <= 10
    carrier <- rowSums(G != 0) > 0
    if (cs$mode == "spa") {
      pj <- sapply(seq_along(S), function(j) spa_p2(S[j], Gt[, j], G[, j] != 0, mu, v))
      # the ratio at the observed score and at |z| = 3 (genetest.h's R_j)
      ref_ratio <- function(gadj, carrier) {
        var <- sum(gadj^2 * v); s3 <- 3 * sqrt(var)
        9 / qchisq(spa_p2(s3, gadj, carrier, mu, v, z_cut = 0), 1, lower.tail = FALSE)
      }
      rj <- sapply(seq_along(S), function(j) ref_ratio(Gt[, j], G[, j] != 0))
      ratio <- pmax(1, (S^2 / varS) / qchisq(pj, 1, lower.tail = FALSE), rj)
      gb <- as.vector(Gt %*% w); SB <- sum(U); varB <- sum(gb^2 * v)
      pB <- spa_p2(SB, gb, carrier, mu, v)
      ratioB <- max(1, (SB^2 / varB) / qchisq(pB, 1, lower.tail = FALSE))
      Z1s <- t(t(Gt * sqrt(v)) * (w * sqrt(ratio))) / sqrt(2)  # columns: D W G~ V^1/2 / sqrt 2
      Uk <- U
      if (sum(rare) >= 2) {
        # SAIGE-GENE+: the variants with MAC <= 10 as one column, their
        # weighted sum, with its own saddlepoint variance ratio
        gr <- as.vector(Gt[, rare, drop = FALSE] %*% w[rare]); ur <- sum(U[rare])
        prr <- spa_p2(ur, gr, rowSums(G[, rare, drop = FALSE] != 0) > 0, mu, v)
        rr <- max(1, (ur^2 / sum(gr^2 * v)) / qchisq(prr, 1, lower.tail = FALSE),
                  ref_ratio(gr, rowSums(G[, rare, drop = FALSE] != 0) > 0))
        Z1s <- cbind(Z1s[, !rare, drop = FALSE], gr * sqrt(v) * sqrt(rr) / sqrt(2))
        Uk <- c(U[!rare], ur)
      }
      s1 <- sum(crossprod(Z1s)); target <- ratioB * varB / 2
      if (target > s1) Z1s <- Z1s * sqrt(target / s1)
      lam <- get_lambda(crossprod(Z1s))
      Q <- sum(Uk^2) / 2
      p_skat <- if (length(lam) == 1) pchisq(Q / lam, 1, lower.tail = FALSE) else imhof_upper(Q, lam)
      # ACAT-V: saddlepoint p of each variant above MAC 10, of the collapsed rest
      pv <- pj[!rare]; pw <- (w^2 * maf * (1 - maf))[!rare]
      if (any(rare)) {
        gr <- as.vector(Gt[, rare, drop = FALSE] %*% w[rare])
        pr <- spa_p2(sum(U[rare]), gr, rowSums(G[, rare, drop = FALSE] != 0) > 0, mu, v)
        mb <- mean(maf[rare])
        wr <- if (cs$weights == 1) mean(w[rare]^2 * maf[rare] * (1 - maf[rare])) else dbeta(mb, 1, 25)^2 * mb * (1 - mb)
        pv <- c(pv, pr); pw <- c(pw, wr)
      }
      p_acatv <- if (all(rare)) pr else acat_p(pv[pv < 1], pw[pv < 1])
      out <- rbind(out, data.frame(name = cs$name, p_burden = pB, p_skat = p_skat, p_skato = NA,
                                   p_acatv = p_acatv, burden_ratio = max(target, s1) / (varB / 2)))
    } else {
      idx <- which(carrier); m <- length(idx)
      Y <- as.matrix(expand.grid(rep(list(0:1), m)))          # 2^m outcomes x m carriers
      prob <- apply(Y, 1, function(yc) prod(ifelse(yc == 1, mu[idx], 1 - mu[idx])))
      Uo <- t(t((Y - matrix(mu[idx], nrow(Y), m, byrow = TRUE)) %*% G[idx, , drop = FALSE]) * w)
      obs <- which(apply(Y, 1, function(yc) all(yc == y[idx])))
      QS <- rowSums(Uo^2); QB <- rowSums(Uo)^2
      varU <- w^2 * varS
      zr <- as.vector(Gt[, rare, drop = FALSE] %*% w[rare]); var_r <- sum(zr^2 * v)
      mb <- mean(maf[rare])
      wr <- if (cs$weights == 1) mean(w[rare]^2 * maf[rare] * (1 - maf[rare])) else dbeta(mb, 1, 25)^2 * mb * (1 - mb)
      acat_stat <- apply(Uo, 1, function(u) {
        pv <- pchisq(u[!rare]^2 / varU[!rare], 1, lower.tail = FALSE); pw <- (w^2 * maf * (1 - maf))[!rare]
        pr <- if (any(rare)) pchisq(sum(u[rare])^2 / var_r, 1, lower.tail = FALSE) else NA
        if (all(rare)) return(-log(pr))
        if (!is.na(pr)) { pv <- c(pv, pr); pw <- c(pw, wr) }
        k <- pv < 1
        if (!any(k)) 0 else -log(acat_p(pv[k], pw[k]))
      })
      up <- function(x) { tol <- 1e-9 * max(abs(x)); sum(prob[x >= x[obs] - tol]) }
      tails <- sapply(skato_rho, function(r) {
        q <- (1 - r) * QS + r * QB; tol <- 1e-9 * max(abs(q))
        sapply(q, function(qq) sum(prob[q >= qq - tol]))
      })
      tmin <- apply(tails, 1, min)
      out <- rbind(out, data.frame(name = cs$name, p_burden = up(QB), p_skat = up(QS),
                                   p_skato = sum(prob[tmin <= tmin[obs] * (1 + 1e-9)]),
                                   p_acatv = up(acat_stat), burden_ratio = 1))
    }
  }
  write.table(format(out, digits = 17), file.path(dir, "cc_ref.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
}
