/*
 * spa.c -- saddlepoint tail probabilities of a case/control score statistic
 * (see spa.h): the cumulant generating function of a weighted sum of
 * centred Bernoulli variables plus a normal term, its saddlepoint found by
 * safeguarded Newton iteration (K' is increasing, so the root is unique and
 * a bracket always holds it), and Barndorff-Nielsen's tail formula on the
 * log scale (libRmath pnorm with log.p).
 */
#include <math.h>
#include <stddef.h>

#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include "duet/spa.h"

#define SPA_MAX_ITER 200
#define SPA_MAX_EXPAND 200

/* K(t) (when k0), K'(t) and K''(t).  Each term uses one exp of -|t g|:
 * for x = t g > 0, ln(1 - mu + mu e^x) = x + ln(mu + (1 - mu) e^-x), and
 * the tilted probability p = mu e^x / (1 - mu + mu e^x) and 1 - p are
 * formed without cancellation. */
static void cgf(const double *g, const double *mu, int n, double var_normal, double t,
                double *k0, double *k1, double *k2)
{
    double a0 = 0, a1 = 0, a2 = 0;
    for (int i = 0; i < n; i++) {
        double gi = g[i];
        if (gi == 0) continue;
        double m = mu[i], x = t * gi, e, d, p, q;
        if (x > 0) {
            e = exp(-x);
            d = m + (1 - m) * e;
            p = m / d;
            q = (1 - m) * e / d;
            if (k0) a0 += x + log(d) - x * m;
        } else {
            e = exp(x);
            d = 1 - m + m * e;
            p = m * e / d;
            q = (1 - m) / d;
            if (k0) a0 += log(d) - x * m;
        }
        a1 += gi * (p - m);
        a2 += gi * gi * p * q;
    }
    if (k0) *k0 = a0 + 0.5 * var_normal * t * t;
    *k1 = a1 + var_normal * t;
    *k2 = a2 + var_normal;
}

/* ln P(S = its extreme on the side of `upper`): every sample at the value
 * that pushes S furthest (only without a normal part). */
static double extreme_logp(const double *g, const double *mu, int n, int upper)
{
    double lp = 0;
    for (int i = 0; i < n; i++) {
        if (g[i] == 0) continue;
        int y_one = (g[i] > 0) == (upper != 0);
        lp += y_one ? log(mu[i]) : log1p(-mu[i]);
    }
    return lp;
}

/* The supremum (upper) or infimum of S without a normal part. */
static double support_end(const double *g, const double *mu, int n, int upper)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        int y_one = (g[i] > 0) == (upper != 0);
        s += g[i] * ((y_one ? 1.0 : 0.0) - mu[i]);
    }
    return s;
}

static int check_input(const double *g, const double *mu, int n, double var_normal,
                       double s, double *var_total)
{
    if (n < 0 || !(var_normal >= 0) || !isfinite(var_normal) || !isfinite(s)) return -1;
    double v = var_normal;
    for (int i = 0; i < n; i++) {
        if (!isfinite(g[i]) || !(mu[i] > 0 && mu[i] < 1)) return -1;
        v += g[i] * g[i] * mu[i] * (1 - mu[i]);
    }
    if (!(v > 0)) return -1;
    *var_total = v;
    return 0;
}

double duet_spa_logp_tail(const double *g, const double *mu, int n, double var_normal,
                          double s, int upper, duet_spa_status_t *status)
{
    duet_spa_status_t st_local;
    if (!status) status = &st_local;
    double var;
    if (check_input(g, mu, n, var_normal, s, &var)) {
        *status = DUET_SPA_BAD_INPUT;
        return NAN;
    }
    double sd = sqrt(var);
    if (fabs(s) < DUET_SPA_NEAR_MEAN * sd) {
        *status = DUET_SPA_NORMAL;
        return pnorm(s / sd, 0.0, 1.0, upper ? 0 : 1, 1);
    }
    /* beyond the support: the tail is the extreme point's mass or zero */
    if (var_normal == 0) {
        double end = support_end(g, mu, n, upper);
        double tol = 1e-10 * (fabs(end) + sd);
        if (upper ? s >= end - tol : s <= end + tol) {
            *status = DUET_SPA_OK;
            return fabs(s - end) <= tol ? extreme_logp(g, mu, n, upper) : -INFINITY;
        }
        if (upper ? s <= support_end(g, mu, n, 0) : s >= support_end(g, mu, n, 1)) {
            *status = DUET_SPA_OK; /* the whole support is on the tail's side */
            return 0;
        }
    }
    /* bracket the root of K'(t) = s: K'(0) = 0, K' increasing */
    double lo, hi, k0, k1, k2;
    double step0 = s / var;
    if (s > 0) {
        lo = 0;
        hi = 2 * step0;
        int e;
        for (e = 0; e < SPA_MAX_EXPAND; e++) {
            cgf(g, mu, n, var_normal, hi, NULL, &k1, &k2);
            if (k1 > s) break;
            lo = hi;
            hi *= 2;
        }
        if (e == SPA_MAX_EXPAND) { *status = DUET_SPA_NO_ROOT; return NAN; }
    } else {
        hi = 0;
        lo = 2 * step0;
        int e;
        for (e = 0; e < SPA_MAX_EXPAND; e++) {
            cgf(g, mu, n, var_normal, lo, NULL, &k1, &k2);
            if (k1 < s) break;
            hi = lo;
            lo *= 2;
        }
        if (e == SPA_MAX_EXPAND) { *status = DUET_SPA_NO_ROOT; return NAN; }
    }
    /* Newton from the normal approximation's root, bisecting whenever a
     * step leaves the bracket */
    double t = step0;
    if (!(t > lo && t < hi)) t = 0.5 * (lo + hi);
    int it, done = 0;
    for (it = 0; it < SPA_MAX_ITER; it++) {
        cgf(g, mu, n, var_normal, t, NULL, &k1, &k2);
        double f = k1 - s;
        if (f < 0) lo = t;
        else hi = t;
        double next = k2 > 0 ? t - f / k2 : NAN;
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        double tol = 1e-12 * fmax(1.0, fabs(t));
        if (fabs(next - t) <= tol || hi - lo <= tol) {
            t = next;
            done = 1;
            break;
        }
        t = next;
    }
    if (!done) { *status = DUET_SPA_NO_ROOT; return NAN; }
    cgf(g, mu, n, var_normal, t, &k0, &k1, &k2);
    double arg = t * s - k0;
    if (!(arg > 0) || !(k2 > 0)) {
        /* at the mean to rounding: the normal tail */
        *status = DUET_SPA_NORMAL;
        return pnorm(s / sd, 0.0, 1.0, upper ? 0 : 1, 1);
    }
    double w = copysign(sqrt(2 * arg), t);
    double v = t * sqrt(k2);
    double u = w + log(v / w) / w;
    double lp = pnorm(u, 0.0, 1.0, upper ? 0 : 1, 1);
    if (!isfinite(lp) && lp != -INFINITY) { *status = DUET_SPA_NO_ROOT; return NAN; }
    if (lp > 0) lp = 0;
    *status = DUET_SPA_OK;
    return lp;
}

double duet_spa_logp2(const double *g, const double *mu, int n, double var_normal, double s,
                      duet_spa_status_t *status)
{
    duet_spa_status_t su, sl;
    double q = fabs(s);
    double lu = duet_spa_logp_tail(g, mu, n, var_normal, q, 1, &su);
    double ll = duet_spa_logp_tail(g, mu, n, var_normal, -q, 0, &sl);
    duet_spa_status_t st = su > sl ? su : sl;
    if (status) *status = st;
    if (isnan(lu) || isnan(ll)) return NAN;
    /* ln(e^lu + e^ll), at most 0 */
    double hi = lu > ll ? lu : ll, lo2 = lu > ll ? ll : lu;
    if (hi == -INFINITY) return -INFINITY;
    double lp = hi + log1p(exp(lo2 - hi));
    return lp < 0 ? lp : 0;
}

/* Probabilities within this relative distance of the observed statistic
 * count as "at least as extreme" (ties on the lattice). */
#define EXACT_TIE 1e-9

static double log_sum(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    double hi = a > b ? a : b, lo = a > b ? b : a;
    return hi + log1p(exp(lo - hi));
}

double duet_exact_logp2(const double *g, const double *mu, int n, double s,
                        duet_spa_status_t *status)
{
    duet_spa_status_t st_local;
    if (!status) status = &st_local;
    *status = DUET_SPA_BAD_INPUT;
    if (n < 0 || !isfinite(s)) return NAN;
    int lattice = 1, tmax = 0;
    double mean = 0, scale = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(g[i]) || !(mu[i] > 0 && mu[i] < 1)) return NAN;
        mean += g[i] * mu[i];
        scale += fabs(g[i]);
        double r = nearbyint(g[i]);
        if (fabs(g[i] - r) > 1e-9 || r < 0) lattice = 0;
        else tmax += (int)r;
    }
    double q = fabs(s), tie = EXACT_TIE * (scale + 1);
    double lp = -INFINITY;
    if (lattice && tmax <= 2 * DUET_EXACT_MAX_LATTICE) {
        /* distribution of T = sum g y by convolution, on the log scale */
        double dist[2 * DUET_EXACT_MAX_LATTICE + 1], next[2 * DUET_EXACT_MAX_LATTICE + 1];
        int cur = 0;
        dist[0] = 0;
        for (int i = 0; i < n; i++) {
            int gi = (int)nearbyint(g[i]);
            if (gi == 0) continue;
            double l0 = log1p(-mu[i]), l1 = log(mu[i]);
            for (int t = 0; t <= cur + gi; t++) next[t] = -INFINITY;
            for (int t = 0; t <= cur; t++) {
                next[t] = log_sum(next[t], dist[t] + l0);
                next[t + gi] = log_sum(next[t + gi], dist[t] + l1);
            }
            cur += gi;
            for (int t = 0; t <= cur; t++) dist[t] = next[t];
        }
        for (int t = 0; t <= cur; t++)
            if (fabs(t - mean) >= q - tie) lp = log_sum(lp, dist[t]);
    } else if (n <= DUET_EXACT_MAX_ENUM) {
        for (unsigned long c = 0; c < (1ul << n); c++) {
            double sum = 0, l = 0;
            for (int i = 0; i < n; i++) {
                int y = (int)((c >> i) & 1u);
                sum += g[i] * (y - mu[i]);
                l += y ? log(mu[i]) : log1p(-mu[i]);
            }
            if (fabs(sum) >= q - tie) lp = log_sum(lp, l);
        }
    } else {
        return NAN;
    }
    *status = DUET_SPA_OK;
    return lp < 0 ? lp : 0;
}
