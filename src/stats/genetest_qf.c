/*
 * genetest_qf.c -- the upper tail of a quadratic form in normal variables,
 * Q = sum_j lambda_j chi2(df_j, nc_j) + sigma N(0, 1), as the gene tests
 * need it: Davies' characteristic-function inversion (AS 155), Liu, Tang and
 * Zhang's moment matching and SKAT-O's modification of it, Kuonen's
 * saddlepoint approximation, the driver that chooses among them, plus the
 * adaptive Gauss-Kronrod quadrature and the Cauchy combination (ACAT) that
 * the gene tests build on.
 */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duet/genetest.h"

/* ------------------------------------------------------------------ */
/* Davies (1980), Algorithm AS 155                                     */
/*
 * P(Q < c) = 1/2 - (1/pi) sum_{k>=0} Im[phi(u_k) exp(-i u_k c)] / (k + 1/2),
 * u_k = (k + 1/2) Delta: the trapezoidal rule applied to Gil-Pelaez's
 * inversion integral (Davies 1973, Biometrika 60:415-417).  The step Delta
 * is 2 pi / (the range outside which Q lies with probability < acc), so that
 * the aliasing error of the rule is below acc; the sum is truncated at a
 * point U where Davies' bound on the truncation error falls below acc.
 * When U / Delta is large (a dominant weight: phi decays slowly), the
 * integrand is first multiplied by a convergence factor exp(-tau^2 u^2 / 2)
 * -- the distribution of Q + tau N(0, 1) -- whose effect on P(Q < c) is
 * bounded (cfe) and, when needed, corrected by an auxiliary integration
 * with a coarser step.  The sections below follow the paper's steps 1-7.
 */

#define LOG28 0.0866 /* ln 2 / 8, Davies' constant */

typedef struct {
    const double *lb; /* weights */
    const double *nc; /* non-centralities, NULL = 0 */
    const int *df;    /* degrees of freedom, NULL = 1 */
    const int *order; /* indices in non-increasing |lb|; NULL: 0, 1, ... */
    int r;
    double c;
    double sigsq;     /* sigma^2 plus the convergence factors added */
    double lmax, lmin, mean;
    double intl, ersm; /* integral and absolute-value sum so far */
    int count, lim;   /* steps spent locating parameters; their limit */
    int overflow;     /* count went past lim */
    int fail;         /* cfe could not bound the error */
} davies_t;

static inline double dv_nc(const davies_t *d, int j) { return d->nc ? d->nc[j] : 0.0; }
static inline int dv_df(const davies_t *d, int j) { return d->df ? d->df[j] : 1; }

static inline double exp1(double x) { return x < -50.0 ? 0.0 : exp(x); }

/* log(1 + x) if first, else log(1 + x) - x; the series of
 * log((1 + y) / (1 - y)), y = x / (2 + x), keeps the second accurate for
 * small x. */
static double log1x(double x, int first)
{
    if (fabs(x) > 0.1) return first ? log1p(x) : log1p(x) - x;
    double y = x / (2.0 + x);
    double term = 2.0 * y * y * y;
    double k = 3.0;
    double s = (first ? 2.0 : -x) * y;
    double y2 = y * y;
    for (double s1 = s + term / k; s1 != s; s1 = s + term / k) {
        k += 2.0;
        term *= y2;
        s = s1;
    }
    return s;
}

/* One more step of parameter search; 1 once the limit is passed. */
static inline int dv_counter(davies_t *d)
{
    if (++d->count > d->lim) d->overflow = 1;
    return d->overflow;
}

/* Chernoff bound exp(-u c + log E exp(u Q)) on the tail beyond the cutoff
 * *cx that u (> 0: upper, < 0: lower) points at. */
static double dv_errbd(davies_t *d, double u, double *cx)
{
    if (dv_counter(d)) {
        *cx = d->mean;
        return 0.0;
    }
    double xconst = u * d->sigsq;
    double sum1 = u * xconst;
    u *= 2.0;
    for (int j = d->r - 1; j >= 0; j--) {
        double nj = dv_df(d, j), lj = d->lb[j], ncj = dv_nc(d, j);
        double x = u * lj, y = 1.0 - x;
        xconst += lj * (ncj / y + nj) / y;
        sum1 += ncj * (x / y) * (x / y) + nj * (x * x / y + log1x(-x, 0));
    }
    *cx = xconst;
    return exp1(-0.5 * sum1);
}

/* A cutoff ctff such that P(Q > ctff) < accx if *upn > 0, P(Q < ctff) <
 * accx if *upn < 0; *upn is updated to the u that gave it. */
static double dv_ctff(davies_t *d, double accx, double *upn)
{
    double u1 = 0.0, u2 = *upn, c1 = d->mean, c2 = d->mean;
    double rb = 2.0 * (u2 > 0.0 ? d->lmax : d->lmin);
    for (;;) {
        double u = u2 / (1.0 + u2 * rb);
        double err = dv_errbd(d, u, &c2);
        if (d->overflow) return c2;
        if (err <= accx) break;
        u1 = u2;
        c1 = c2;
        u2 *= 2.0;
    }
    while ((c1 - d->mean) / (c2 - d->mean) < 0.9) {
        double u = 0.5 * (u1 + u2), xconst;
        double err = dv_errbd(d, u / (1.0 + u * rb), &xconst);
        if (d->overflow) return c2;
        if (err > accx) {
            u1 = u;
            c1 = xconst;
        } else {
            u2 = u;
            c2 = xconst;
        }
    }
    *upn = u2;
    return c2;
}

/* Bound on the integration error from truncating at u, with a
 * convergence factor of variance tausq (Davies 1980, section 3). */
static double dv_truncation(davies_t *d, double u, double tausq)
{
    if (dv_counter(d)) return 0.0;
    double sum1 = 0.0, prod2 = 0.0, prod3 = 0.0, s = 0.0;
    double sum2 = (d->sigsq + tausq) * u * u;
    double prod1 = 2.0 * sum2;
    u *= 2.0;
    for (int j = 0; j < d->r; j++) {
        double nj = dv_df(d, j);
        double x = (u * d->lb[j]) * (u * d->lb[j]);
        sum1 += dv_nc(d, j) * x / (1.0 + x);
        if (x > 1.0) {
            prod2 += nj * log(x);
            prod3 += nj * log1x(x, 1);
            s += nj;
        } else {
            prod1 += nj * log1x(x, 1);
        }
    }
    sum1 *= 0.5;
    prod2 += prod1;
    prod3 += prod1;
    double x = exp1(-sum1 - 0.25 * prod2) / M_PI;
    double y = exp1(-sum1 - 0.25 * prod3) / M_PI;
    double err1 = s == 0.0 ? 1.0 : x * 2.0 / s;
    double err2 = prod3 > 1.0 ? 2.5 * y : 1.0;
    if (err2 < err1) err1 = err2;
    x = 0.5 * sum2;
    err2 = x <= y ? 1.0 : y / x;
    return err1 < err2 ? err1 : err2;
}

/* A truncation point u with truncation(u) <= accx < truncation(u / 1.2),
 * searched from *utx by factors of 4 then refined. */
static void dv_findu(davies_t *d, double *utx, double accx)
{
    static const double divis[4] = { 2.0, 1.4, 1.2, 1.1 };
    double ut = *utx, u = ut / 4.0;
    if (dv_truncation(d, u, 0.0) > accx) {
        for (u = ut; !d->overflow && dv_truncation(d, u, 0.0) > accx; u = ut)
            ut *= 4.0;
    } else {
        ut = u;
        for (u /= 4.0; !d->overflow && dv_truncation(d, u, 0.0) <= accx; u /= 4.0)
            ut = u;
    }
    for (int i = 0; i < 4 && !d->overflow; i++) {
        u = ut / divis[i];
        if (dv_truncation(d, u, 0.0) <= accx) ut = u;
    }
    *utx = ut;
}

/* Add nterm + 1 terms of step interv to the integral; an auxiliary
 * integration (main = 0) multiplies the integrand by
 * 1 - exp(-tausq u^2 / 2), the part that the convergence factor took. */
static void dv_integrate(davies_t *d, int nterm, double interv, double tausq,
                         int main)
{
    double inpi = interv / M_PI;
    for (int k = nterm; k >= 0; k--) {
        double u = (k + 0.5) * interv;
        double sum1 = -2.0 * u * d->c; /* twice the phase */
        double sum2 = fabs(sum1);
        double sum3 = -0.5 * d->sigsq * u * u; /* log modulus */
        for (int j = d->r - 1; j >= 0; j--) {
            double nj = dv_df(d, j);
            double x = 2.0 * d->lb[j] * u, y = x * x;
            sum3 -= 0.25 * nj * log1x(y, 1);
            y = dv_nc(d, j) * x / (1.0 + y);
            double z = nj * atan(x) + y;
            sum1 += z;
            sum2 += fabs(z);
            sum3 -= 0.5 * x * y;
        }
        double x = inpi * exp1(sum3) / u;
        if (!main) x *= 1.0 - exp1(-0.5 * tausq * u * u);
        d->intl += sin(0.5 * sum1) * x;
        d->ersm += 0.5 * sum2 * x;
    }
}

/* Coefficient of tausq in the error that the convergence factor
 * exp(-tausq u^2 / 2) causes in P(Q < x) (Davies 1980, section 4). */
static double dv_cfe(davies_t *d, double x)
{
    if (dv_counter(d)) return 1.0;
    double axl = fabs(x), sxl = x > 0.0 ? 1.0 : -1.0, sum1 = 0.0;
    for (int j = d->r - 1; j >= 0; j--) {
        int t = d->order ? d->order[j] : j;
        if (d->lb[t] * sxl > 0.0) {
            double lj = fabs(d->lb[t]);
            double axl1 = axl - lj * (dv_df(d, t) + dv_nc(d, t));
            double axl2 = lj / LOG28;
            if (axl1 > axl2) {
                axl = axl1;
            } else {
                if (axl > axl2) axl = axl2;
                sum1 = (axl - axl1) / lj;
                for (int k = j - 1; k >= 0; k--)
                {
                    int tk = d->order ? d->order[k] : k;
                    sum1 += dv_df(d, tk) + dv_nc(d, tk);
                }
                break;
            }
        }
    }
    if (sum1 > 100.0) {
        d->fail = 1;
        return 1.0;
    }
    return pow(2.0, sum1 / 4.0) / (M_PI * axl * axl);
}

/* The order of |lambda| (cfe walks it), largest first, into *order
 * (stack, or allocated when r > 256); *order stays NULL if the weights are
 * already sorted, which the gene tests' eigenvalues are.  Nonzero when out
 * of memory. */
static int dv_order(const double *lambda, int r, int *stack, int **order_out)
{
    int sorted = 1;
    for (int j = 1; j < r && sorted; j++)
        sorted = fabs(lambda[j]) <= fabs(lambda[j - 1]);
    if (sorted) return 0;
    /* insertion sort, stable */
    int *order = r > 256 ? malloc(sizeof *order * (size_t)r) : stack;
    if (!order) return 1;
    for (int j = 0; j < r; j++) {
        double lj = fabs(lambda[j]);
        int k = j - 1;
        while (k >= 0 && lj > fabs(lambda[order[k]])) {
            order[k + 1] = order[k];
            k--;
        }
        order[k + 1] = j;
    }
    *order_out = order;
    return 0;
}

/* Step 1 of AS 155: the mean and extreme weights into *d, the variance
 * added to *sd; DUET_DAVIES_PARAM for a negative or NaN parameter. */
static int dv_moments(davies_t *d, double *sd)
{
    for (int j = 0; j < d->r; j++) {
        double nj = dv_df(d, j), lj = d->lb[j], ncj = dv_nc(d, j);
        if (nj < 0 || ncj < 0 || isnan(lj) || isnan(ncj)) return DUET_DAVIES_PARAM;
        *sd += lj * lj * (2.0 * nj + 4.0 * ncj);
        d->mean += lj * (nj + ncj);
        if (d->lmax < lj) d->lmax = lj;
        else if (d->lmin > lj) d->lmin = lj;
    }
    return DUET_DAVIES_OK;
}

int duet_genetest_davies(const double *lambda, const int *df, const double *nc,
                         int r, double sigma, double c, int lim, double acc,
                         double *cdf, duet_davies_trace_t *trace)
{
    duet_davies_trace_t tr_local;
    duet_davies_trace_t *tr = trace ? trace : &tr_local;
    memset(tr, 0, sizeof *tr);
    *cdf = NAN;
    if (r < 0 || !(acc > 0) || lim < 1 || !(sigma >= 0) || isnan(c)) return DUET_DAVIES_PARAM;

    davies_t d = { 0 };
    d.lb = lambda;
    d.nc = nc;
    d.df = df;
    d.r = r;
    d.c = c;
    d.lim = lim;

    int order_stack[256], *order = NULL;
    if (dv_order(lambda, r, order_stack, &order)) return DUET_DAVIES_NOMEM;
    d.order = order;

    int fault = DUET_DAVIES_OK;
    double qfval = NAN;
    double acc1 = acc, xlim = lim;

    /* 1. mean, standard deviation and extreme weights */
    d.sigsq = sigma * sigma;
    double sd = d.sigsq;
    if ((fault = dv_moments(&d, &sd))) goto done;
    if (sd == 0.0) { /* Q is a point mass at 0 */
        qfval = c > 0.0 ? 1.0 : 0.0;
        goto done;
    }
    if (d.lmin == 0.0 && d.lmax == 0.0 && sigma == 0.0) {
        fault = DUET_DAVIES_PARAM;
        goto done;
    }
    sd = sqrt(sd);
    double almx = d.lmax < -d.lmin ? -d.lmin : d.lmax;

    /* 2. truncation point without a convergence factor */
    double utx = 16.0 / sd, up = 4.5 / sd, un = -up;
    dv_findu(&d, &utx, 0.5 * acc1);
    if (d.overflow) goto located;
    /* 3. does a convergence factor help? */
    if (c != 0.0 && almx > 0.07 * sd) {
        double tausq = 0.25 * acc1 / dv_cfe(&d, c);
        if (d.overflow) goto located;
        if (d.fail) {
            d.fail = 0;
        } else if (dv_truncation(&d, utx, tausq) < 0.2 * acc1) {
            d.sigsq += tausq;
            dv_findu(&d, &utx, 0.25 * acc1);
            tr->sd_convergence = sqrt(tausq);
        }
        if (d.overflow) goto located;
    }
    tr->truncation = utx;
    acc1 *= 0.5;

    double intv, xnt;
    for (;;) {
        /* 4. the range of Q: outside it, the answer is 0 or 1 */
        double d1 = dv_ctff(&d, acc1, &up) - c;
        if (d.overflow) goto located;
        if (d1 < 0.0) {
            qfval = 1.0;
            goto done;
        }
        double d2 = c - dv_ctff(&d, acc1, &un);
        if (d.overflow) goto located;
        if (d2 < 0.0) {
            qfval = 0.0;
            goto done;
        }
        intv = 2.0 * M_PI / (d1 > d2 ? d1 : d2);
        /* 5. terms needed by the main and an auxiliary integration */
        xnt = utx / intv;
        double xntm = 3.0 / sqrt(acc1);
        if (!(xnt > xntm * 1.5)) break;
        if (xntm > xlim) {
            fault = DUET_DAVIES_ACCURACY;
            goto done;
        }
        int ntm = (int)floor(xntm + 0.5);
        double intv1 = utx / ntm;
        double x = 2.0 * M_PI / intv1;
        if (x <= fabs(c)) break;
        /* 6. convergence factor, auxiliary integration, new truncation */
        double tausq = 0.33 * acc1 / (1.1 * (dv_cfe(&d, c - x) + dv_cfe(&d, c + x)));
        if (d.overflow) goto located;
        if (d.fail) break;
        acc1 *= 0.67;
        dv_integrate(&d, ntm, intv1, tausq, 0);
        xlim -= xntm;
        d.sigsq += tausq;
        tr->n_integrations++;
        tr->n_terms += ntm + 1;
        dv_findu(&d, &utx, 0.25 * acc1);
        if (d.overflow) goto located;
        acc1 *= 0.75;
    }

    /* 7. main integration */
    tr->interval = intv;
    if (xnt > xlim) {
        fault = DUET_DAVIES_ACCURACY;
        goto done;
    }
    int nt = (int)floor(xnt + 0.5);
    dv_integrate(&d, nt, intv, 0.0, 1);
    tr->n_integrations++;
    tr->n_terms += nt + 1;
    qfval = 0.5 - d.intl;
    tr->abs_sum = d.ersm;
    /* Round-off: is acc / 10 lost against the absolute-value sum? (AS 155
     * also tries 2, 4 and 8 times both for radix-8 and -16 machines; all
     * give the same answer in binary floating point.) */
    {
        volatile double x = d.ersm + acc / 10.0;
        if (x == d.ersm) fault = DUET_DAVIES_ROUNDOFF;
    }
    goto done;

located:
    fault = DUET_DAVIES_LOCATE;
    qfval = NAN;
done:
    tr->n_cycles = d.count;
    if (order && order != order_stack) free(order);
    if (fault == DUET_DAVIES_OK || fault == DUET_DAVIES_ROUNDOFF) *cdf = qfval;
    return fault;
}

/* ------------------------------------------------------------------ */
/* Liu, Tang and Zhang (2009) and SKAT-O's modification                */

void duet_genetest_liu_params(const double *lambda, const int *df,
                              const double *nc, int r, int modified,
                              duet_genetest_liu_t *liu)
{
    double c[5] = { 0 };
    for (int j = 0; j < r; j++) {
        double h = df ? df[j] : 1.0, delta = nc ? nc[j] : 0.0;
        double lk = 1.0;
        for (int k = 1; k <= 4; k++) {
            lk *= lambda[j];
            c[k] += lk * (h + k * delta);
        }
    }
    double s1 = c[3] / pow(c[2], 1.5), s2 = c[4] / (c[2] * c[2]);
    double a, delta, l;
    if (s1 * s1 > s2) {
        a = 1.0 / (s1 - sqrt(s1 * s1 - s2));
        delta = s1 * a * a * a - a * a;
        l = a * a - 2.0 * delta;
    } else if (modified) {
        l = 1.0 / s2;
        a = sqrt(l);
        delta = 0.0;
    } else {
        a = 1.0 / s1;
        delta = 0.0;
        l = c[2] * c[2] * c[2] / (c[3] * c[3]);
    }
    liu->mu_q = c[1];
    liu->sigma_q = sqrt(2.0 * c[2]);
    liu->mu_x = l + delta;
    liu->sigma_x = M_SQRT2 * a;
    liu->df = l;
    liu->ncp = delta;
}

double duet_genetest_liu_logp(const duet_genetest_liu_t *liu, double q)
{
    double x = (q - liu->mu_q) / liu->sigma_q * liu->sigma_x + liu->mu_x;
    if (isnan(x)) return NAN;
    if (x <= 0.0) return 0.0;
    return liu->ncp > 0.0 ? pnchisq(x, liu->df, liu->ncp, 0, 1)
                          : pchisq(x, liu->df, 0, 1);
}

double duet_genetest_liu_quantile(const duet_genetest_liu_t *liu, double log_p)
{
    double x = liu->ncp > 0.0 ? qnchisq(log_p, liu->df, liu->ncp, 0, 1)
                              : qchisq(log_p, liu->df, 0, 1);
    return (x - liu->mu_x) / liu->sigma_x * liu->sigma_q + liu->mu_q;
}

/* ------------------------------------------------------------------ */
/* Kuonen (1999): saddlepoint approximation                            */

typedef struct {
    const double *lb; /* weights scaled by the largest |weight| */
    const int *df;
    const double *nc;
    int r;
} saddle_t;

/* Cumulant generating function K(z) and its first two derivatives. */
static void sp_cgf(const saddle_t *s, double z, double *k0, double *k1, double *k2)
{
    double a0 = 0.0, a1 = 0.0, a2 = 0.0;
    for (int j = 0; j < s->r; j++) {
        double l = s->lb[j], h = s->df ? s->df[j] : 1.0, d = s->nc ? s->nc[j] : 0.0;
        if (l == 0.0) continue;
        double t = 1.0 - 2.0 * z * l;
        a0 += -0.5 * h * log(t) + d * l * z / t;
        a1 += (d + h) * l / t + 2.0 * d * z * l * l / (t * t);
        a2 += 2.0 * (2.0 * d + h) * l * l / (t * t) + 8.0 * d * z * l * l * l / (t * t * t);
    }
    if (k0) *k0 = a0;
    if (k1) *k1 = a1;
    if (k2) *k2 = a2;
}

double duet_genetest_saddle_logp(const double *lambda, const int *df,
                                 const double *nc, int r, double q)
{
    if (r < 1 || isnan(q)) return NAN;
    double lmax = 0.0, mean = 0.0;
    int any_pos = 0, any_neg = 0;
    for (int j = 0; j < r; j++) {
        double h = df ? df[j] : 1.0, d = nc ? nc[j] : 0.0;
        if (isnan(lambda[j]) || h < 0 || !(d >= 0)) return NAN;
        if (fabs(lambda[j]) > lmax) lmax = fabs(lambda[j]);
        any_pos |= lambda[j] > 0 && h + d > 0;
        any_neg |= lambda[j] < 0 && h + d > 0;
        mean += lambda[j] * (h + d);
    }
    if (lmax == 0.0) return NAN;
    if (!any_neg && q <= 0.0) return 0.0; /* Q >= 0: p = 1 */
    if (!any_pos && q >= 0.0) return -INFINITY;

    double lb_stack[256], *lb = lb_stack;
    if (r > 256 && !(lb = malloc(sizeof *lb * (size_t)r))) return NAN;
    for (int j = 0; j < r; j++) lb[j] = lambda[j] / lmax;
    saddle_t s = { lb, df, nc, r };
    double x = q / lmax;
    mean /= lmax;

    /* The saddlepoint solves K'(z) = x on (lo, hi), between the poles
     * 1 / (2 lambda_j); K' increases from 0 (or -inf) to +inf. */
    double lo = -INFINITY, hi = INFINITY;
    for (int j = 0; j < r; j++) {
        if (lb[j] > 0 && 0.5 / lb[j] < hi) hi = 0.5 / lb[j];
        if (lb[j] < 0 && 0.5 / lb[j] > lo) lo = 0.5 / lb[j];
    }
    double z, k0, k1, k2;
    if (x > mean) {
        lo = 0.0;
    } else {
        hi = 0.0;
        if (isinf(lo)) { /* find a finite lower bracket */
            for (lo = -1.0;; lo *= 2.0) {
                sp_cgf(&s, lo, NULL, &k1, NULL);
                if (k1 < x || lo < -1e300) break;
            }
        }
    }
    if (isinf(hi)) {
        for (hi = 1.0;; hi *= 2.0) {
            sp_cgf(&s, hi, NULL, &k1, NULL);
            if (k1 > x || hi > 1e300) break;
        }
    }
    /* Newton's method kept inside the bracket, bisection when it leaves. */
    z = x > mean ? 0.5 * hi : 0.5 * lo;
    if (!isfinite(z)) z = 0.0;
    for (int it = 0; it < 300; it++) {
        sp_cgf(&s, z, NULL, &k1, &k2);
        double f = k1 - x;
        if (f > 0) hi = z;
        else lo = z;
        double zn = z - f / k2;
        if (!(zn > lo && zn < hi)) zn = 0.5 * (lo + hi);
        if (fabs(zn - z) <= 1e-15 * fabs(z) + 1e-300 || hi - lo <= 1e-15 * fabs(z)) {
            z = zn;
            break;
        }
        z = zn;
    }
    sp_cgf(&s, z, &k0, &k1, &k2);
    if (lb != lb_stack) free(lb);
    if (fabs(z) < 1e-4) return NAN; /* too close to the mean */
    double w2 = 2.0 * (z * x - k0);
    if (!(w2 > 0) || !(k2 > 0)) return NAN;
    double w = (z > 0 ? 1.0 : -1.0) * sqrt(w2);
    double v = z * sqrt(k2);
    return pnorm(w + log(v / w) / w, 0.0, 1.0, 0, 1);
}

/* ------------------------------------------------------------------ */
/* The driver                                                          */

const char *duet_qf_method_str(duet_qf_method_t method)
{
    switch (method) {
    case DUET_QF_EXACT: return "exact";
    case DUET_QF_DAVIES: return "davies";
    case DUET_QF_SADDLE: return "saddlepoint";
    case DUET_QF_LIU: return "liu";
    default: return "none";
    }
}

void duet_genetest_qf_pvalue_ex(double q, const double *lambda, int r, double acc,
                                int lim, int refine, duet_qf_pvalue_t *out)
{
    out->davies_fault = 0;
    if (r < 1 || isnan(q)) {
        out->log_p = NAN;
        out->method = DUET_QF_NONE;
        return;
    }
    if (q <= 0.0) { /* Q > 0 surely */
        out->log_p = 0.0;
        out->method = r == 1 ? DUET_QF_EXACT : DUET_QF_DAVIES;
        return;
    }
    if (r == 1) {
        out->log_p = pchisq(q / lambda[0], 1.0, 0, 1);
        out->method = DUET_QF_EXACT;
        return;
    }
    double cdf;
    int fault = duet_genetest_davies(lambda, NULL, NULL, r, 0.0, q, lim, acc, &cdf, NULL);
    out->davies_fault = fault;
    double p = 1.0 - cdf;
    /* SKAT's and GMMAT's bar: Davies stands above 10 acc */
    int usable = fault == DUET_DAVIES_OK && p > 10.0 * acc && p <= 1.0;
    if (usable && (!refine || p > 1000.0 * acc)) { /* error bound 0.1% of p */
        out->log_p = log(p);
        out->method = DUET_QF_DAVIES;
        return;
    }
    double lp = duet_genetest_saddle_logp(lambda, NULL, NULL, r, q);
    double ps = usable ? p : isnan(lp) ? NAN : exp(lp);
    /* Davies again with 100 lim terms and an error bound of 1e-3 p (p from
     * the first pass or the saddlepoint; 1e-4 if neither can say, after a
     * failure near the mean: a dominant eigenvalue needs many terms), unless
     * that is no finer than a usable first pass.  Kept if it agrees with the
     * saddlepoint within a factor of 10 (the saddlepoint's relative error is
     * far smaller; a larger gap means Davies failed silently). */
    double acc2 = isnan(ps) || ps > 0.1 ? 1e-4 : 1e-3 * ps;
    if (refine && (isnan(ps) || ps > DUET_QF_REFINE_MIN) && (!usable || acc2 < acc)) {
        int lim2 = lim > INT32_MAX / 100 ? INT32_MAX : 100 * lim;
        int fault2 = duet_genetest_davies(lambda, NULL, NULL, r, 0.0, q, lim2, acc2, &cdf, NULL);
        double p2 = 1.0 - cdf;
        double pl = isnan(lp) ? NAN : exp(lp);
        if (fault2 == DUET_DAVIES_OK && p2 > 10.0 * acc2 && p2 <= 1.0 &&
            (isnan(pl) || (p2 > 0.1 * pl && p2 < 10.0 * pl))) {
            out->log_p = log(p2);
            out->method = DUET_QF_DAVIES;
            out->davies_fault = fault2;
            return;
        }
    }
    if (usable) {
        out->log_p = log(p);
        out->method = DUET_QF_DAVIES;
        return;
    }
    if (!isnan(lp)) {
        out->log_p = lp;
        out->method = DUET_QF_SADDLE;
        return;
    }
    duet_genetest_liu_t liu;
    duet_genetest_liu_params(lambda, NULL, NULL, r, 1, &liu);
    out->log_p = duet_genetest_liu_logp(&liu, q);
    out->method = DUET_QF_LIU;
}

void duet_genetest_qf_pvalue(double q, const double *lambda, int r, double acc,
                             int lim, duet_qf_pvalue_t *out)
{
    duet_genetest_qf_pvalue_ex(q, lambda, r, acc, lim, 1, out);
}

/* ------------------------------------------------------------------ */
/* Adaptive Gauss-Kronrod quadrature                                   */

/* The 15-point Kronrod rule and its embedded 7-point Gauss rule on [-1, 1]
 * (nodes and weights as tabulated in QUADPACK's qk15, Piessens et al.
 * 1983). */
static const double gk_x[8] = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.000000000000000000000000000000000
};
static const double gk_w[8] = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714
};
static const double g7_w[4] = {
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327
};

static double gk15(double (*f)(double, void *), void *ctx, double a, double b, double *err)
{
    double center = 0.5 * (a + b), half = 0.5 * (b - a);
    double fc = f(center, ctx);
    double kron = fc * gk_w[7], gauss = fc * g7_w[3];
    for (int j = 0; j < 7; j++) {
        double dx = half * gk_x[j];
        double f1 = f(center - dx, ctx), f2 = f(center + dx, ctx);
        kron += gk_w[j] * (f1 + f2);
        if (j % 2 == 1) gauss += g7_w[j / 2] * (f1 + f2);
    }
    *err = fabs((kron - gauss) * half);
    return kron * half;
}

double duet_genetest_integrate(double (*f)(double x, void *ctx), void *ctx,
                               double a, double b, double abs_tol,
                               double rel_tol, int max_intervals,
                               double *err_est, int *ok)
{
    enum { CAP = 512 };
    double lo[CAP], hi[CAP], val[CAP], err[CAP];
    if (max_intervals < 1) max_intervals = 1;
    if (max_intervals > CAP) max_intervals = CAP;
    int n = 1;
    lo[0] = a;
    hi[0] = b;
    val[0] = gk15(f, ctx, a, b, &err[0]);
    double total = val[0], total_err = err[0];
    while (total_err > abs_tol && total_err > rel_tol * fabs(total) && n < max_intervals) {
        int worst = 0;
        for (int i = 1; i < n; i++)
            if (err[i] > err[worst]) worst = i;
        double mid = 0.5 * (lo[worst] + hi[worst]);
        if (!(mid > lo[worst] && mid < hi[worst])) break; /* cannot split */
        double e1, e2;
        double v1 = gk15(f, ctx, lo[worst], mid, &e1);
        double v2 = gk15(f, ctx, mid, hi[worst], &e2);
        lo[n] = mid;
        hi[n] = hi[worst];
        val[n] = v2;
        err[n] = e2;
        hi[worst] = mid;
        val[worst] = v1;
        err[worst] = e1;
        n++;
        /* re-add from scratch: no drift of running sums */
        total = total_err = 0.0;
        for (int i = 0; i < n; i++) {
            total += val[i];
            total_err += err[i];
        }
    }
    if (err_est) *err_est = total_err;
    if (ok) *ok = total_err <= abs_tol || total_err <= rel_tol * fabs(total);
    return total;
}

/* ------------------------------------------------------------------ */
/* Cauchy combination, weights                                         */

double duet_genetest_acat(const double *log_p, const double *weights, int n)
{
    if (n < 1) return NAN;
    double wsum = 0.0;
    int any_zero = 0, any_one = 0;
    for (int i = 0; i < n; i++) {
        if (isnan(log_p[i]) || log_p[i] > 0.0) return NAN;
        double w = weights ? weights[i] : 1.0;
        if (!(w >= 0) || isinf(w)) return NAN;
        wsum += w;
        any_zero |= log_p[i] == -INFINITY;
        any_one |= log_p[i] == 0.0;
    }
    if (!(wsum > 0)) return NAN;
    if (any_zero) return -INFINITY;
    if (any_one) return 0.0;

    /* Terms with p < 1e-15 are w / (p pi): kept as logarithms and summed
     * by log-sum-exp; the rest are bounded by about 1e15 in size. */
    const double log_small = log(1e-15);
    double big_max = -INFINITY, rest = 0.0;
    for (int i = 0; i < n; i++) {
        double w = (weights ? weights[i] : 1.0) / wsum;
        if (w == 0.0) continue;
        if (log_p[i] < log_small) {
            double lt = log(w) - log(M_PI) - log_p[i];
            if (lt > big_max) big_max = lt;
        } else {
            double p = exp(log_p[i]);
            /* tan((1/2 - p) pi) = cot(p pi), better conditioned for small p */
            rest += w * (p < 0.5 ? 1.0 / tan(p * M_PI) : tan((0.5 - p) * M_PI));
        }
    }
    double t = rest;
    if (big_max > -INFINITY) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            double w = (weights ? weights[i] : 1.0) / wsum;
            if (w == 0.0 || !(log_p[i] < log_small)) continue;
            s += exp(log(w) - log(M_PI) - log_p[i] - big_max);
        }
        double log_a = big_max + log(s); /* log of the small-p terms' sum */
        if (log_a > 690.0) /* T = A + rest, rest negligible; 1 / (T pi) */
            return -(log_a + log1p(rest * exp(-log_a))) - log(M_PI);
        t = exp(log_a) + rest;
    }
    if (t > 1e15) return -log(t) - log(M_PI);
    return pcauchy(t, 0.0, 1.0, 0, 1);
}

double duet_genetest_beta_weight(double maf, double a, double b)
{
    return dbeta(maf, a, b, 0);
}
