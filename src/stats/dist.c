/*
 * dist.c -- distribution tails on the log scale through libRmath (R's
 * standalone math library), p-value formatting from logarithms, lambda GC.
 */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/dist.h"

/* median of a 1-df chi-square: qchisq(0.5, 1) */
#define CHISQ1_MEDIAN 0.45493642311957283

double duet_dist_logp_t2(double t, double df)
{
    if (isnan(t) || isnan(df) || df <= 0) return NAN;
    /* lower tail at -|t|, log scale, doubled */
    return M_LN2 + pt(-fabs(t), df, 1, 1);
}

double duet_dist_logp_z2(double z)
{
    if (isnan(z)) return NAN;
    return M_LN2 + pnorm(-fabs(z), 0.0, 1.0, 1, 1);
}

double duet_dist_logp_chisq(double x, double df)
{
    if (isnan(x) || isnan(df) || df <= 0) return NAN;
    if (x <= 0) return 0.0;
    return pchisq(x, df, 0, 1);
}

double duet_dist_chisq1_from_logp(double log_p)
{
    if (isnan(log_p)) return NAN;
    if (log_p >= 0) return 0.0;
    /* For a 1-df chi-square the quantile is z^2 with z the normal quantile
     * of p/2; qnorm with log.p is accurate far into the tail, where
     * qchisq's own iteration is slower. */
    double z = qnorm(log_p - M_LN2, 0.0, 1.0, 0, 1);
    return z * z;
}

double duet_dist_t_crit(double alpha, double df)
{
    if (isinf(df)) return qnorm(1 - alpha / 2, 0.0, 1.0, 1, 0);
    return qt(1 - alpha / 2, df, 1, 0);
}

double duet_dist_neglog10(double log_p)
{
    if (isnan(log_p)) return NAN;
    double v = -log_p / M_LN10;
    return v == 0 ? 0.0 : v; /* no "-0" */
}

int duet_dist_format_p(double log_p, int digits, const char *na, char *buf,
                       size_t size)
{
    if (isnan(log_p)) return snprintf(buf, size, "%s", na);
    if (log_p >= 0) return snprintf(buf, size, "1");
    /* exp() is exact enough while p stays a normal double with room for
     * the requested digits. */
    if (log_p > -700.0) return snprintf(buf, size, "%.*g", digits, exp(log_p));
    double l10 = log_p / M_LN10;
    double e = floor(l10);
    double m = pow(10.0, l10 - e); /* in [1, 10) */
    if (digits < 1) digits = 1;
    if (digits > 17) digits = 17;
    char mant[40];
    snprintf(mant, sizeof mant, "%.*f", digits - 1, m);
    if (mant[0] == '1' && mant[1] == '0') { /* 9.99999.. rounded up to 10 */
        e += 1;
        snprintf(mant, sizeof mant, "%.*f", digits - 1, 1.0);
    }
    /* strip trailing zeros and a trailing point, as %g does */
    size_t n = strlen(mant);
    if (strchr(mant, '.')) {
        while (n > 0 && mant[n - 1] == '0') mant[--n] = 0;
        if (n > 0 && mant[n - 1] == '.') mant[--n] = 0;
    }
    return snprintf(buf, size, "%se%.0f", mant, e);
}

double duet_dist_parse_logp(const char *s)
{
    char *end = NULL;
    double m, lp;
    const char *e = strpbrk(s, "eE");
    if (!e) {
        m = strtod(s, &end);
        if (end == s || *end) return NAN;
        lp = log(m);
    } else {
        /* mantissa and exponent apart: the exponent may be beyond the
         * double range */
        char mant[64];
        size_t len = (size_t)(e - s);
        if (len == 0 || len >= sizeof mant) return NAN;
        memcpy(mant, s, len);
        mant[len] = 0;
        m = strtod(mant, &end);
        if (end == mant || *end) return NAN;
        long ex = strtol(e + 1, &end, 10);
        if (*end || end == e + 1) return NAN;
        lp = log(m) + (double)ex * M_LN10;
    }
    if (!(m > 0) || isnan(lp) || lp > 1e-12) return NAN;
    return lp > 0 ? 0 : lp;
}

/* Quickselect (Hoare partition) for the k-th smallest; deterministic. */
#define DEFINE_SELECT(name, type)                                           \
    static type name(type *a, size_t n, size_t kk)                          \
    {                                                                       \
        long lo = 0, hi = (long)n - 1, k = (long)kk;                        \
        while (lo < hi) {                                                   \
            type pivot = a[lo + (hi - lo) / 2];                             \
            long i = lo, j = hi;                                            \
            while (i <= j) {                                                \
                while (a[i] < pivot) i++;                                   \
                while (a[j] > pivot) j--;                                   \
                if (i <= j) {                                               \
                    type t = a[i]; a[i] = a[j]; a[j] = t;                   \
                    i++;                                                    \
                    j--;                                                    \
                }                                                           \
            }                                                               \
            if (k <= j) hi = j;                                             \
            else if (k >= i) lo = i;                                        \
            else return a[k];                                               \
        }                                                                   \
        return a[k];                                                        \
    }

DEFINE_SELECT(select_d, double)
DEFINE_SELECT(select_f, float)

static size_t drop_nan_d(double *a, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(a[i])) a[m++] = a[i];
    return m;
}

static size_t drop_nan_f(float *a, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(a[i])) a[m++] = a[i];
    return m;
}

double duet_dist_lambda_gc(double *chi2, size_t n)
{
    n = drop_nan_d(chi2, n);
    if (n == 0) return NAN;
    double med;
    if (n % 2) {
        med = select_d(chi2, n, n / 2);
    } else {
        double hi = select_d(chi2, n, n / 2);
        /* the largest of the lower half */
        double lo = chi2[0];
        for (size_t i = 1; i < n / 2; i++)
            if (chi2[i] > lo) lo = chi2[i];
        med = (lo + hi) / 2;
    }
    return med / CHISQ1_MEDIAN;
}

double duet_dist_lambda_gc_f(float *chi2, size_t n)
{
    n = drop_nan_f(chi2, n);
    if (n == 0) return NAN;
    double med;
    if (n % 2) {
        med = select_f(chi2, n, n / 2);
    } else {
        double hi = select_f(chi2, n, n / 2);
        double lo = chi2[0];
        for (size_t i = 1; i < n / 2; i++)
            if (chi2[i] > lo) lo = chi2[i];
        med = (lo + hi) / 2;
    }
    return med / CHISQ1_MEDIAN;
}

/* ------------------------------------------------------------------ */
/* lambda GC by minor allele frequency */

static const double lambda_edges[DUET_LAMBDA_N_BINS + 1] = { 0.001, 0.01, 0.05, 0.5 };
static const char *const lambda_labels[DUET_LAMBDA_N_BINS] = { "0.001-0.01", "0.01-0.05",
                                                               "0.05-0.5" };

void duet_lambda_bin(int b, double *lo, double *hi, const char **label)
{
    *lo = lambda_edges[b];
    *hi = lambda_edges[b + 1];
    *label = lambda_labels[b];
}

/* lambda over the statistics i with keep(i), copied into scratch */
static void lambda_group(const float *chi2, const float *freq, size_t n, float *scratch,
                         double lo, double hi, int last, duet_lambda_t *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(chi2[i])) continue;
        if (lo >= 0) {
            double f = freq[i];
            if (isnan(f)) continue;
            double maf = f < 1 - f ? f : 1 - f;
            if (!(maf >= lo && (maf < hi || (last && maf <= hi)))) continue;
        }
        scratch[m++] = chi2[i];
    }
    out->n = m;
    out->lambda = duet_dist_lambda_gc_f(scratch, m);
}

void duet_dist_lambda_by_maf(const float *chi2, const float *freq, size_t n, float *scratch,
                             duet_lambda_maf_t *out)
{
    lambda_group(chi2, freq, n, scratch, DUET_LAMBDA_MIN_MAF, 0.5, 1, &out->common);
    for (int b = 0; b < DUET_LAMBDA_N_BINS; b++)
        lambda_group(chi2, freq, n, scratch, lambda_edges[b], lambda_edges[b + 1],
                     b == DUET_LAMBDA_N_BINS - 1, &out->bins[b]);
    lambda_group(chi2, freq, n, scratch, -1, 0, 0, &out->all);
}

static int lambda_line(char *buf, size_t size, const char *key, const duet_lambda_t *l)
{
    if (isfinite(l->lambda))
        return snprintf(buf, size, "  %s: %.4f\n  %s_variants: %zu\n", key, l->lambda, key, l->n);
    return snprintf(buf, size, "  %s: \"#NA\"\n  %s_variants: %zu\n", key, key, l->n);
}

int duet_dist_lambda_yaml(const duet_lambda_maf_t *l, char *buf, size_t size)
{
    int len = 0;
#define ADVANCE(call)                                                          \
    do {                                                                       \
        int k_ = (call);                                                       \
        if (k_ < 0) return k_;                                                 \
        len += k_;                                                             \
    } while (0)
#define REST buf ? buf + ((size_t)len < size ? (size_t)len : size) : NULL, \
             (size_t)len < size ? size - (size_t)len : 0
    if (isfinite(l->common.lambda))
        ADVANCE(snprintf(REST, "  lambda_gc: %.4f\n", l->common.lambda));
    else
        ADVANCE(snprintf(REST, "  lambda_gc: \"#NA\"\n"));
    ADVANCE(snprintf(REST, "  lambda_gc_min_maf: %g\n  lambda_gc_variants: %zu\n",
                     DUET_LAMBDA_MIN_MAF, l->common.n));
    for (int b = 0; b < DUET_LAMBDA_N_BINS; b++) {
        char key[64];
        snprintf(key, sizeof key, "lambda_gc_maf_%s", lambda_labels[b]);
        ADVANCE(lambda_line(REST, key, &l->bins[b]));
    }
    ADVANCE(lambda_line(REST, "lambda_gc_all", &l->all));
#undef REST
#undef ADVANCE
    return len;
}
