# tests/ref/embed_ref.R -- an independent implementation of duet embed's
# phecode modality (man/duet-embed.1) in base R: the person x phecode
# counts as exported by the sqlite3 shell -> vocabulary (>= MIN persons) ->
# co-occurrence crossprod(B) without its diagonal -> PPMI -> svd() ->
# W = U sqrt(d), each column signed so its largest |entry| is positive ->
# TF-IDF-weighted mean per person.  Compares the singular values, the
# person vectors (components separated from their neighbours) and
# n_phecodes with duet's table; prints TAP lines.
args <- commandArgs(TRUE)
pp <- read.table(args[1], sep = "\t", col.names = c("iid", "phecode", "n_dates"),
                 colClasses = c("character", "character", "numeric"))
persons <- readLines(args[2])
duet <- read.delim(args[3], comment.char = "", check.names = FALSE,
                   colClasses = c("#IID" = "character"))
sv_duet <- as.numeric(strsplit(args[4], ",")[[1]])
min_persons <- as.integer(args[5]); k <- as.integer(args[6])
ok <- function(cond, msg) cat(if (isTRUE(cond)) "ok" else "not ok", "-", msg, "\n")

N <- length(persons)
df <- table(pp$phecode)
vocab <- sort(names(df)[df >= min_persons])
B <- matrix(0, N, length(vocab), dimnames = list(persons, vocab))
keep <- pp$phecode %in% vocab
B[cbind(match(pp$iid[keep], persons), match(pp$phecode[keep], vocab))] <- 1
C <- crossprod(B); diag(C) <- 0
r <- rowSums(C); D <- sum(C)
P <- log(C * D / outer(r, r)); P[!is.finite(P) | P < 0] <- 0
s <- svd(P, nu = k, nv = 0)
U <- s$u
for (j in 1:k) { i <- which.max(abs(U[, j])); if (U[i, j] < 0) U[, j] <- -U[, j] }
W <- U %*% diag(sqrt(s$d[1:k]))
rownames(W) <- vocab
w <- (1 + log(pp$n_dates)) * log(N / as.numeric(df[pp$phecode]))
X <- matrix(0, N, k, dimnames = list(persons, NULL)); wsum <- setNames(numeric(N), persons)
for (e in which(keep & w > 0)) {
  X[pp$iid[e], ] <- X[pp$iid[e], ] + w[e] * W[pp$phecode[e], ]
  wsum[pp$iid[e]] <- wsum[pp$iid[e]] + w[e]
}
X[wsum > 0, ] <- X[wsum > 0, ] / wsum[wsum > 0]

rel <- max(abs(sv_duet - s$d[1:k]) / s$d[1])
ok(rel < 1e-7, sprintf("%d singular values of the %d x %d PPMI equal R's svd() (worst rel %.2g)",
                       k, length(vocab), length(vocab), rel))
d <- s$d
sep <- sapply(1:k, function(j) min(abs(d[j] - d[setdiff(seq_along(d), j)])) / d[1] > 1e-3)
ok(sum(sep) >= 3, sprintf("%d of %d components are separated from their neighbours", sum(sep), k))
m <- match(duet[[1]], persons)
ok(!anyNA(m) && length(m) == N, sprintf("duet's %d persons are the store's %d", nrow(duet), N))
worst <- 0
for (j in which(sep)) worst <- max(worst, abs(duet[[paste0("phe", j)]] - X[m, j]))
ok(worst < 1e-6, sprintf("person vectors equal R's TF-IDF means of U sqrt(S) (components %s; worst abs %.2g)",
                         paste(which(sep), collapse = ","), worst))
nphe <- as.numeric(table(factor(pp$iid, levels = persons)))
ok(all(duet$n_phecodes == nphe[m]), "n_phecodes equals the person's phecode count")
