# tests/ref/calibration_null.R -- the R half of tests/ref/calibration_null.sh
# (base R only: stats' rbinom, qpois, dhyper, fisher.test).
#
#   Rscript calibration_null.R traits COVAR PHENO CARRIERS NULL_OUT PLANTED_OUT
#     Null case/control traits drawn with a fixed seed, independent of
#     genotype: null01_1..4 at 1% prevalence and null30_1..4 at 30%, case
#     probability logistic in sex and standardised age (trait 1 of each
#     has no covariate effect), so that the null model is not trivial; the
#     intercept is solved so that the mean probability is the prevalence.
#     PLANTED_OUT: t2d of duet simulate's PHENO, and rare01, a 1% trait
#     with an odds ratio of 20 for the carriers listed in CARRIERS (one
#     sample ID a line), for the power checks.
#
#   Rscript calibration_null.R table MAC FISHER GWAS_LIST PHEWAS BURDEN TABLE_OUT CHECKS_OUT
#     MAC: key id mac (every VCF variant); FISHER: id trait mac carriers
#     case_carriers called called_cases (minor-allele carriers);
#     GWAS_LIST: lines "trait<TAB>file.gwas.tsv.gz"; PHEWAS, BURDEN: duet's
#     tables.  Writes the calibration table (TABLE_OUT) and one line per
#     check (CHECKS_OUT: "ok|not ok<TAB>description").
#
# A row of the table counts p-values below 1e-2 and 1e-3 among n null tests
# and compares them with the expected n * alpha.  The check is one-sided
# ("conservative allowed"): observed <= the 99.9% Poisson quantile of the
# expected count, qpois(0.999, n * alpha).  Discrete tests of ultra-rare
# variants cannot reach small p-values and so count below expectation;
# that passes.  Rows are checked per command, prevalence and MAC class over
# all tests of the command's policy ("all"): a fallback test (Firth where
# the score test gives p < 0.05, say) only sees rows that were selected by
# a small p-value, so its own rows cannot be compared with n * alpha; they
# are listed as "info".  Burden's five gene tests are each computed for
# every gene and each is checked.
args <- commandArgs(TRUE)
mode <- args[1]

read_tab <- function(f) {
    con <- if (grepl("\\.gz$", f)) gzfile(f) else f
    read.table(con, header = TRUE, sep = "\t", comment.char = "", quote = "",
               na.strings = c("NA", "#NA"), check.names = FALSE,
               colClasses = "character")
}

if (mode == "traits") {
    cv <- read_tab(args[2]); ph <- read_tab(args[3])
    carriers <- readLines(args[4])
    sex <- as.numeric(cv$sex); age <- as.numeric(cv$age)
    age <- (age - mean(age)) / sd(age)
    draw <- function(prev, lp) {
        a <- uniroot(function(a) mean(plogis(a + lp)) - prev, c(-30, 30), tol = 1e-10)$root
        rbinom(length(lp), 1, plogis(a + lp))
    }
    set.seed(20261203)
    eff <- list(c(0, 0), c(0.7, 0.5), c(-0.5, 1.0), c(0.3, -0.6)) # (sex, age) log-odds
    out <- data.frame(IID = cv$IID)
    for (prev in c(0.01, 0.30)) for (j in seq_along(eff)) {
        name <- sprintf("null%02d_%d", round(prev * 100), j)
        out[[name]] <- draw(prev, eff[[j]][1] * sex + eff[[j]][2] * age)
    }
    write.table(out, args[5], sep = "\t", quote = FALSE, row.names = FALSE)
    planted <- data.frame(IID = cv$IID, t2d = ph$t2d[match(cv$IID, ph$IID)])
    planted$rare01 <- draw(0.01, 0.5 * sex + 0.5 * age + log(20) * (cv$IID %in% carriers))
    write.table(planted, args[6], sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
    cat(sprintf("%s: %d cases of %d\n", names(out)[-1], colSums(out[-1]), nrow(out)), sep = "")
    cat(sprintf("rare01: %d cases, %d of them among the %d carriers\n", sum(planted$rare01),
                sum(planted$rare01[cv$IID %in% carriers]), sum(cv$IID %in% carriers)))
    quit(save = "no")
}

stopifnot(mode == "table")
mac <- read_tab(args[2]); mac$mac <- as.numeric(mac$mac)
fi <- read_tab(args[3])
for (k in c("mac", "carriers", "case_carriers", "called", "called_cases")) fi[[k]] <- as.numeric(fi[[k]])
gwas_list <- read.table(args[4], sep = "\t", col.names = c("trait", "file"), colClasses = "character")
table_out <- args[7]; checks_out <- args[8]

prevalence <- function(trait) ifelse(grepl("^null01", trait), "1%", ifelse(grepl("^null30", trait), "30%", "?"))
mac_class <- function(m) ifelse(m <= 4, "MAC 1-4", ifelse(m <= 49, "MAC 5-49", "MAC >=50"))
mac_classes <- c("MAC 1-4", "MAC 5-49", "MAC >=50")

# Fisher's exact test, two-sided as fisher.test (tables whose probability is
# at most the observed one's, relative tolerance 1e-7), vectorised over the
# tables that share margins: x case carriers of m carriers, n non-carriers,
# k cases.
fisher_p <- function(x, m, n, k) {
    p <- numeric(length(x))
    g <- split(seq_along(x), paste(m, n, k))
    for (idx in g) {
        i <- idx[1]
        lo <- max(0, k[i] - n[i]); hi <- min(k[i], m[i])
        d <- dhyper(lo:hi, m[i], n[i], k[i])
        ds <- sort(d); cs <- cumsum(ds)
        dx <- d[x[idx] - lo + 1] * (1 + 1e-7)
        p[idx] <- pmin(1, cs[findInterval(dx, ds)])
    }
    p
}
fi$p <- fisher_p(fi$case_carriers, fi$carriers, fi$called - fi$carriers, fi$called_cases)
# the vectorised version against fisher.test itself, on 200 tables
set.seed(1)
sub <- sample(which(fi$carriers > 0), min(200, sum(fi$carriers > 0)))
ref <- sapply(sub, function(i) with(fi[i, ], fisher.test(matrix(c(case_carriers, carriers - case_carriers,
    called_cases - case_carriers, called - carriers - called_cases + case_carriers), 2))$p.value))
fisher_agree <- max(abs(log10(ref) - log10(fi$p[sub])))

rows <- list()
add <- function(command, test, prev, variants, p, checked) {
    p <- p[!is.na(p)]
    n <- length(p)
    r <- data.frame(command = command, test = test, prevalence = prev, variants = variants, n_tests = n,
                    stringsAsFactors = FALSE)
    for (a in c(2, 3)) {
        e <- n * 10^-a; o <- sum(p < 10^-a)
        r[[sprintf("obs_1e-%d", a)]] <- o
        r[[sprintf("exp_1e-%d", a)]] <- round(e, 1)
        r[[sprintf("ratio_1e-%d", a)]] <- if (e > 0) round(o / e, 2) else NA
        r[[sprintf("limit_1e-%d", a)]] <- qpois(0.999, e)
    }
    r$checked <- checked
    rows[[length(rows) + 1]] <<- r
}
strata <- function(command, d, by_mac, checked) { # d: test, prev, mac, p
    for (pv in sort(unique(d$prev))) for (mc in if (by_mac) mac_classes else d$mac[1]) {
        s <- d[d$prev == pv & (if (by_mac) d$mac == mc else TRUE), ]
        add(command, "all", pv, mc, s$p, checked)
        for (t in sort(unique(s$test))) add(command, t, pv, mc, s$p[s$test == t], FALSE)
    }
}

# gwas: every trait's summary statistics, matched to the VCF's MAC by
# chromosome, position and the two alleles
key <- function(chr, pos, a1, a2) paste(chr, pos, pmin(a1, a2), pmax(a1, a2), sep = ":")
g <- do.call(rbind, lapply(seq_len(nrow(gwas_list)), function(i) {
    s <- read_tab(gwas_list$file[i])
    data.frame(trait = gwas_list$trait[i],
               key = key(s$chromosome, s$base_pair_location, s$effect_allele, s$other_allele),
               test = s$test, p = as.numeric(s$p_value), stringsAsFactors = FALSE)
}))
g$mac <- mac_class(mac$mac[match(g$key, mac$key)])
g$prev <- prevalence(g$trait)
unmatched_gwas <- sum(is.na(g$mac))
strata("gwas", g[!is.na(g$mac), ], TRUE, TRUE)
fi$prev <- prevalence(fi$trait); fi$test <- "fisher"; fi$mac <- mac_class(fi$mac)
fi_rows <- fi[fi$carriers > 0 & fi$called - fi$carriers > 0, ]
for (pv in sort(unique(fi_rows$prev))) for (mc in mac_classes)
    add("fisher (reference)", "fisher", pv, mc, fi_rows$p[fi_rows$prev == pv & fi_rows$mac == mc], TRUE)

pw <- read_tab(args[5])
pw <- data.frame(test = pw$test, prev = prevalence(pw$phecode), mac = "MAC 5-50", p = as.numeric(pw$p_value))
strata("phewas", pw, FALSE, TRUE)

bu <- read_tab(args[6])
bu <- bu[bu$freq_bin == "0.01", ]
bu <- data.frame(test = bu$test, prev = prevalence(bu$trait), p = as.numeric(bu$p_value))
# the five tests by name (a renamed one gives a row without tests, which
# fails), and any other test the output names
for (pv in sort(unique(bu$prev))) for (t in union(c("burden", "skat", "skato", "acatv", "acato"), unique(bu$test)))
    add("burden", t, pv, "AAF<=0.01", bu$p[bu$prev == pv & bu$test == t], TRUE)

tab <- do.call(rbind, rows)
write.table(tab, table_out, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")

checks <- character()
chk <- function(ok, what) checks <<- c(checks, paste0(if (ok) "ok" else "not ok", "\t", what))
chk(unmatched_gwas == 0, sprintf("every gwas row matches a VCF variant (%d unmatched)", unmatched_gwas))
chk(fisher_agree < 1e-6, sprintf("vectorised Fisher p equals fisher.test on 200 tables (max |dlog10 p| %.1e)", fisher_agree))
for (i in seq_len(nrow(tab))) {
    r <- tab[i, ]
    if (!r$checked) next
    if (r$n_tests == 0) {
        chk(FALSE, sprintf("%s %s, prevalence %s, %s: no tests", r$command, r$test, r$prevalence, r$variants))
        next
    }
    for (a in c(2, 3)) {
        o <- r[[sprintf("obs_1e-%d", a)]]; e <- r[[sprintf("exp_1e-%d", a)]]; l <- r[[sprintf("limit_1e-%d", a)]]
        chk(o <= l, sprintf("%s %s, prevalence %s, %s: %d of %d p < 1e-%d, expected %.1f, limit %d (%.1fx)",
                            r$command, r$test, r$prevalence, r$variants, o, r$n_tests, a, e, l,
                            if (e > 0) o / e else 0))
    }
}
writeLines(checks, checks_out)
