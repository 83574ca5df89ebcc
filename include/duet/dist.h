/*
 * dist.h -- distribution tails for association tests, kept on the log scale.
 *
 * Every p-value in duet travels as its natural logarithm, computed by R's
 * standalone math library (libRmath) with log.p = TRUE, so that
 * neg_log_10_p_value stays exact where the p-value itself underflows a
 * double (p < 1e-308; for example t = 40 on 400 degrees of freedom gives
 * log10 p ~ -140, z = 50 gives log10 p ~ -544).  Formatting helpers print
 * such p-values as text ("3.2e-544") from the logarithm, and lambda GC is
 * computed from the same logarithms.  All functions are thread-safe.
 */
#ifndef DUET_DIST_H
#define DUET_DIST_H

#include <stddef.h>

/* ln p of the two-sided t test: p = 2 P(T_df > |t|).  df > 0.  NaN in,
 * NaN out. */
double duet_dist_logp_t2(double t, double df);

/* ln p of the two-sided z test: p = 2 P(Z > |z|). */
double duet_dist_logp_z2(double z);

/* ln p of the upper chi-square tail: p = P(X_df > x), df > 0. */
double duet_dist_logp_chisq(double x, double df);

/* The chi-square(1 df) statistic whose upper tail is exp(log_p): the
 * inverse of duet_dist_logp_chisq(x, 1).  Exact for log_p far below the
 * double range of p (Rmath qchisq with log.p).  log_p = 0 gives 0. */
double duet_dist_chisq1_from_logp(double log_p);

/* Quantiles for confidence intervals: the upper (1 - alpha/2) point of the
 * t distribution with df degrees of freedom (df = +inf: the normal one). */
double duet_dist_t_crit(double alpha, double df);

/* -log10(p) from ln p. */
double duet_dist_neglog10(double log_p);

/* Write p = exp(log_p) as text with `digits` significant digits into buf
 * (at least 32 bytes): "%.{digits}g" where p is a normal double, and a
 * mantissa/exponent pair computed from log10 p below that ("2.5e-412"), so
 * that no p-value prints as 0.  NaN prints `na`.  Returns the length. */
int duet_dist_format_p(double log_p, int digits, const char *na, char *buf,
                       size_t size);

/* ln p of a p-value printed by duet_dist_format_p() (or any decimal or
 * scientific notation, including exponents below the double range, such as
 * "2.5e-800"); NaN if `s` is not a positive number <= 1. */
double duet_dist_parse_logp(const char *s);

/* Genomic inflation factor lambda GC = median(chi2) / qchisq(0.5, 1)
 * (Devlin and Roeder 1999) over n 1-df chi-square statistics.  The array
 * is reordered (selection in place).  n = 0 gives NaN. */
double duet_dist_lambda_gc(double *chi2, size_t n);

/* The same over float statistics (the scan keeps one float per tested
 * variant and trait). */
double duet_dist_lambda_gc_f(float *chi2, size_t n);

/*
 * lambda GC by minor allele frequency.  Over every variant of a scan it is
 * dominated by rare variants, whose statistics are not chi-square(1) under
 * the null (it reads 0.4-2 on null data), so the headline is taken over
 * variants with MAF >= DUET_LAMBDA_MIN_MAF, and it is given per MAF bin:
 * [0.001, 0.01), [0.01, 0.05), [0.05, 0.5], and over every variant.  MAF
 * is min(f, 1 - f) of the effect allele frequency f as written; a variant
 * without one counts in "all" only.  duet gwas, duet merge and duet plot
 * qq compute it the same way.
 */
#define DUET_LAMBDA_MIN_MAF 0.01
#define DUET_LAMBDA_N_BINS 3

typedef struct {
    double lambda;  /* NaN when n = 0 */
    size_t n;       /* statistics in the group */
} duet_lambda_t;

typedef struct {
    duet_lambda_t common;                 /* MAF >= DUET_LAMBDA_MIN_MAF */
    duet_lambda_t bins[DUET_LAMBDA_N_BINS];
    duet_lambda_t all;
} duet_lambda_maf_t;

/* Bin b's bounds (lower inclusive; upper exclusive except the last) and
 * its label ("0.001-0.01"). */
void duet_lambda_bin(int b, double *lo, double *hi, const char **label);

/* Fill `out` from n statistics chi2[] (NaN ignored) with effect allele
 * frequencies freq[] (NaN: unknown).  scratch: n floats.  Thread-safe. */
void duet_dist_lambda_by_maf(const float *chi2, const float *freq, size_t n, float *scratch,
                             duet_lambda_maf_t *out);

/* The YAML lines of `l`, indented two spaces (keys lambda_gc,
 * lambda_gc_min_maf, lambda_gc_variants, lambda_gc_maf_<label>,
 * lambda_gc_maf_<label>_variants, lambda_gc_all, lambda_gc_all_variants;
 * "#NA" quoted for an empty group), into buf.  Returns the length that the
 * full text needs (as snprintf). */
int duet_dist_lambda_yaml(const duet_lambda_maf_t *l, char *buf, size_t size);

#endif
