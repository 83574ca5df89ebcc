/*
 * validate.c -- how well a polygenic score predicts a trait (prs.h): the
 * incremental R² of linear models, the incremental Nagelkerke R² of
 * logistic models (Nagelkerke 1991), the liability-scale R² (Lee et al.
 * 2012, eq. 15) and the AUC (Mann-Whitney).  The designs are small (an
 * intercept, a few covariates, the score): normal equations solved by
 * Cholesky, after centring and scaling every column but the intercept so
 * that the score's scale does not matter; coefficients are scaled back.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include "duet/log.h"
#include "duet/prs.h"
#include "duet/stats.h"

/* The design [1, covariates, score] with columns 1.. centred and scaled;
 * scale[j] is the SD of column j (1 for the intercept; 0 for a constant
 * column, which is then left out by the caller's check). */
typedef struct {
    int n, p;
    double *x;      /* n x p column-major */
    double *scale;  /* p */
} design_t;

static int design_make(design_t *d, const double *covars, int k, const double *score, int n,
                       int with_score)
{
    d->n = n;
    d->p = 1 + k + (with_score ? 1 : 0);
    d->x = malloc((size_t)n * d->p * sizeof *d->x);
    d->scale = malloc((size_t)d->p * sizeof *d->scale);
    if (!d->x || !d->scale) return -1;
    for (int i = 0; i < n; i++) d->x[i] = 1.0;
    d->scale[0] = 1.0;
    for (int j = 1; j < d->p; j++) {
        const double *src = j <= k ? covars + (size_t)(j - 1) * n : score;
        double *col = d->x + (size_t)j * n, mean = 0.0, ss = 0.0;
        for (int i = 0; i < n; i++) mean += src[i];
        mean /= n;
        for (int i = 0; i < n; i++) ss += (src[i] - mean) * (src[i] - mean);
        double sd = sqrt(ss / n);
        d->scale[j] = sd;
        for (int i = 0; i < n; i++) col[i] = sd > 0 ? (src[i] - mean) / sd : 0.0;
    }
    return 0;
}

static void design_free(design_t *d)
{
    free(d->x);
    free(d->scale);
}

/* a = X' W X (w NULL: identity), b = X' W z; p x p column-major. */
static void normal_eq(const design_t *d, const double *w, const double *z, double *a, double *b)
{
    int n = d->n, p = d->p;
    for (int j = 0; j < p; j++) {
        const double *xj = d->x + (size_t)j * n;
        for (int l = j; l < p; l++) {
            const double *xl = d->x + (size_t)l * n;
            double s = 0.0;
            for (int i = 0; i < n; i++) s += xj[i] * xl[i] * (w ? w[i] : 1.0);
            a[(size_t)j * p + l] = a[(size_t)l * p + j] = s;
        }
        double s = 0.0;
        for (int i = 0; i < n; i++) s += xj[i] * z[i] * (w ? w[i] : 1.0);
        b[j] = s;
    }
}

/* The last diagonal element of the inverse of L L'. */
static double inv_last(const double *l, int p)
{
    double e[64] = {0};
    e[p - 1] = 1.0;
    duet_chol_solve(l, p, e);
    return e[p - 1];
}

/* OLS: coefficients into beta, RSS returned; NaN when singular. */
static double ols(const design_t *d, const double *y, double *beta, double *a)
{
    int p = d->p, n = d->n;
    normal_eq(d, NULL, y, a, beta);
    if (duet_chol(a, p, 1e-10)) return NAN;
    duet_chol_solve(a, p, beta);
    double rss = 0.0;
    for (int i = 0; i < n; i++) {
        double f = 0.0;
        for (int j = 0; j < p; j++) f += d->x[(size_t)j * n + i] * beta[j];
        rss += (y[i] - f) * (y[i] - f);
    }
    return rss;
}

static duet_prs_fit_t fit_na(int n)
{
    duet_prs_fit_t f = {n, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0};
    return f;
}

duet_prs_fit_t duet_prs_fit_linear(const double *y, const double *covars, int k,
                                   const double *score, int n)
{
    duet_prs_fit_t f = fit_na(n);
    if (k + 2 > 60 || n <= k + 2) return f;
    design_t d0 = {0}, d1 = {0};
    double beta[64], a[64 * 64];
    if (design_make(&d0, covars, k, score, n, 0) || design_make(&d1, covars, k, score, n, 1)) {
        duet_log_oom((size_t)n * (k + 2) * sizeof(double));
        goto done;
    }
    double mean = 0.0, tss = 0.0;
    for (int i = 0; i < n; i++) mean += y[i];
    mean /= n;
    for (int i = 0; i < n; i++) tss += (y[i] - mean) * (y[i] - mean);
    if (!(tss > 0) || !(d1.scale[d1.p - 1] > 0)) goto done;
    double rss0 = ols(&d0, y, beta, a);
    double rss1 = ols(&d1, y, beta, a);
    if (isnan(rss0) || isnan(rss1)) goto done;
    int df = n - d1.p;
    double sigma2 = rss1 / df;
    double se_std = sqrt(sigma2 * inv_last(a, d1.p));
    double sd = d1.scale[d1.p - 1];
    f.r2_null = k ? 1.0 - rss0 / tss : 0.0; /* the intercept alone explains nothing */
    f.r2_full = 1.0 - rss1 / tss;
    f.r2 = f.r2_full - f.r2_null;
    f.coef = beta[d1.p - 1] / sd;
    f.se = se_std / sd;
    f.log_p = M_LN2 + pt(-fabs(beta[d1.p - 1] / se_std), df, 1, 1);
    f.p = exp(f.log_p);
    f.ok = 1;
done:
    design_free(&d0);
    design_free(&d1);
    return f;
}

/* Logistic IRLS; returns the log-likelihood (NaN on failure), beta and
 * the factor of X'WX at the optimum in a. */
static double irls(const design_t *d, const double *y, double *beta, double *a, double *w,
                   double *z)
{
    int n = d->n, p = d->p;
    double ybar = 0.0;
    for (int i = 0; i < n; i++) ybar += y[i];
    ybar /= n;
    memset(beta, 0, (size_t)p * sizeof *beta);
    beta[0] = log(ybar / (1.0 - ybar));
    double ll_prev = -INFINITY, ll = NAN;
    for (int it = 0; it < 50; it++) {
        ll = 0.0;
        for (int i = 0; i < n; i++) {
            double eta = 0.0;
            for (int j = 0; j < p; j++) eta += d->x[(size_t)j * n + i] * beta[j];
            double mu = 1.0 / (1.0 + exp(-eta));
            /* log-likelihood without cancellation: log mu = -log1p(e^-eta) */
            ll += y[i] > 0.5 ? -log1p(exp(-eta)) : -log1p(exp(eta));
            w[i] = mu * (1.0 - mu);
            if (w[i] < 1e-12) return NAN; /* fitted 0 or 1: separation */
            z[i] = eta + (y[i] - mu) / w[i];
        }
        if (fabs(ll - ll_prev) < 1e-10 * (fabs(ll) + 1.0)) {
            normal_eq(d, w, z, a, beta + p); /* factor at the optimum */
            return duet_chol(a, p, 1e-10) ? NAN : ll;
        }
        ll_prev = ll;
        normal_eq(d, w, z, a, beta);
        if (duet_chol(a, p, 1e-10)) return NAN;
        duet_chol_solve(a, p, beta);
    }
    return NAN;
}

duet_prs_fit_t duet_prs_fit_logistic(const double *y, const double *covars, int k,
                                     const double *score, int n)
{
    duet_prs_fit_t f = fit_na(n);
    if (k + 2 > 60 || n <= k + 2) return f;
    double n1 = 0.0;
    for (int i = 0; i < n; i++) n1 += y[i];
    if (n1 <= 0 || n1 >= n) return f;
    design_t d0 = {0}, d1 = {0};
    double beta[128], a[64 * 64];
    double *w = malloc((size_t)n * sizeof *w), *z = malloc((size_t)n * sizeof *z);
    if (!w || !z || design_make(&d0, covars, k, score, n, 0) ||
        design_make(&d1, covars, k, score, n, 1)) {
        duet_log_oom((size_t)n * (k + 4) * sizeof(double));
        goto done;
    }
    if (!(d1.scale[d1.p - 1] > 0)) goto done;
    double lint = n1 * log(n1 / n) + (n - n1) * log(1.0 - n1 / n);
    double l0 = k ? irls(&d0, y, beta, a, w, z) : lint;
    double l1 = irls(&d1, y, beta, a, w, z);
    if (isnan(l0) || isnan(l1)) goto done;
    double max = 1.0 - exp(2.0 * lint / n);
    f.r2_null = (1.0 - exp(2.0 * (lint - l0) / n)) / max;
    f.r2_full = (1.0 - exp(2.0 * (lint - l1) / n)) / max;
    f.r2 = f.r2_full - f.r2_null;
    double se_std = sqrt(inv_last(a, d1.p));
    double sd = d1.scale[d1.p - 1];
    f.coef = beta[d1.p - 1] / sd;
    f.se = se_std / sd;
    f.log_p = M_LN2 + pnorm(-fabs(beta[d1.p - 1] / se_std), 0.0, 1.0, 1, 1);
    f.p = exp(f.log_p);
    f.ok = 1;
done:
    free(w);
    free(z);
    design_free(&d0);
    design_free(&d1);
    return f;
}

double duet_prs_liability_r2(double r2_obs, double k, double p_case)
{
    double t = qnorm(1.0 - k, 0.0, 1.0, 1, 0);
    double z = dnorm(t, 0.0, 1.0, 0);
    double m = z / k;
    double c = k * (1.0 - k) / (z * z) * k * (1.0 - k) / (p_case * (1.0 - p_case));
    double e = m * (p_case - k) / (1.0 - k);
    double theta = e * (e - t);
    return r2_obs * c / (1.0 + r2_obs * theta * c);
}

typedef struct {
    double s;
    int case_;
} auc_item_t;

static int auc_cmp(const void *va, const void *vb)
{
    const auc_item_t *a = va, *b = vb;
    return a->s < b->s ? -1 : a->s > b->s;
}

double duet_prs_auc(const double *y, const double *score, int n)
{
    auc_item_t *it = duet_malloc((size_t)(n ? n : 1) * sizeof *it);
    if (!it) return NAN;
    double n1 = 0.0;
    for (int i = 0; i < n; i++) {
        it[i].s = score[i];
        it[i].case_ = y[i] > 0.5;
        n1 += it[i].case_;
    }
    double n0 = n - n1;
    if (n1 == 0 || n0 == 0) {
        free(it);
        return NAN;
    }
    qsort(it, (size_t)n, sizeof *it, auc_cmp);
    double rank_sum = 0.0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && it[j].s == it[i].s) j++;
        double mid = 0.5 * (i + 1 + j); /* mid-rank of ranks i+1 .. j */
        for (int l = i; l < j; l++)
            if (it[l].case_) rank_sum += mid;
        i = j;
    }
    free(it);
    return (rank_sum - n1 * (n1 + 1) / 2.0) / (n1 * n0);
}
