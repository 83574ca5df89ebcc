/*
 * test_spa.c -- the saddlepoint approximation of spa.h against the exact
 * distribution of a sum of Bernoulli variables (dynamic programming on the
 * integer lattice), the normal limit, symmetry and its edge cases.
 */
#include <math.h>
#include <stdlib.h>

#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include "duet/spa.h"
#include "unit.h"

/* Exact ln P(S >= s) (upper) for S = sum g_i (y_i - mu_i) with integer g_i
 * in 0..2: the distribution of T = sum g_i y_i by convolution. */
static double exact_logp_upper(const int *g, const double *mu, int n, double s)
{
    int tmax = 0;
    for (int i = 0; i < n; i++) tmax += g[i];
    double *p = calloc((size_t)tmax + 1, sizeof *p), *q = calloc((size_t)tmax + 1, sizeof *q);
    p[0] = 1;
    int cur = 0;
    for (int i = 0; i < n; i++) {
        if (!g[i]) continue;
        for (int t = 0; t <= cur + g[i]; t++) q[t] = 0;
        for (int t = 0; t <= cur; t++) {
            q[t] += p[t] * (1 - mu[i]);
            q[t + g[i]] += p[t] * mu[i];
        }
        cur += g[i];
        double *tmp = p; p = q; q = tmp;
    }
    double shift = 0;
    for (int i = 0; i < n; i++) shift += g[i] * mu[i];
    double tail = 0;
    for (int t = 0; t <= cur; t++)
        if (t - shift >= s - 1e-9) tail += p[t];
    free(p);
    free(q);
    return log(tail);
}

int main(void)
{
    /* a rare variant among 2000 samples at ~1% prevalence: 12 carriers */
    enum { N = 2000 };
    static int gi[N];
    static double g[N], mu[N];
    for (int i = 0; i < N; i++) {
        mu[i] = 0.004 + 0.012 * (i % 7) / 6.0;
        gi[i] = i % 167 == 3 ? 1 + (i % 2) : 0;
        g[i] = gi[i];
    }
    double var = 0, mean = 0;
    for (int i = 0; i < N; i++) { var += g[i] * g[i] * mu[i] * (1 - mu[i]); mean += g[i] * mu[i]; }
    int conv = 1, between = 1;
    for (int t = 2; t <= 6; t++) { /* T = sum g y at 2..6, far in the tail */
        double s = t - mean;
        duet_spa_status_t st;
        double lp = duet_spa_logp_tail(g, mu, N, 0, s, 1, &st);
        double ge = exact_logp_upper(gi, mu, N, s), gt = exact_logp_upper(gi, mu, N, s + 1);
        if (st != DUET_SPA_OK) conv = 0;
        /* a continuous approximation of a lattice tail lies between
         * P(T > t) and P(T >= t) */
        if (!(lp > gt && lp < ge)) between = 0;
        printf("# T >= %d: exact %.4g, T > %d: %.4g, SPA %.4g\n", t, exp(ge), t, exp(gt), exp(lp));
        /* the normal approximation is far off here: the point of SPA */
        double ln_norm = pnorm(s / sqrt(var), 0, 1, 0, 1);
        if (t == 4) CHECK(fabs(lp - ge) < fabs(ln_norm - ge) / 4, "SPA far closer to the exact tail than the normal one (T = 4)");
    }
    CHECK(conv, "SPA converges on a rare variant's tail");
    CHECK(between, "SPA tail between the exact P(T > t) and P(T >= t), T = 2..6");

    /* a common variant: SPA agrees with the exact tail to a few percent */
    for (int i = 0; i < N; i++) { gi[i] = (i * 7919) % 5 == 0 ? 2 : (i * 7919) % 5 < 3 ? 1 : 0; g[i] = gi[i]; }
    var = mean = 0;
    for (int i = 0; i < N; i++) { var += g[i] * g[i] * mu[i] * (1 - mu[i]); mean += g[i] * mu[i]; }
    {
        double s = ceil(mean + 4 * sqrt(var)) - mean;
        double lp = duet_spa_logp_tail(g, mu, N, 0, s - 0.5, 1, NULL); /* mid-point of the lattice step */
        double ex = exact_logp_upper(gi, mu, N, s);
        printf("# common: spa %.4g exact %.4g\n", exp(lp), exp(ex));
        CHECK(fabs(lp - ex) < 0.1, "common variant: SPA at the half step within 10% of the exact tail");
    }

    /* normal part only: the normal tail */
    {
        duet_spa_status_t st;
        double lp = duet_spa_logp2(NULL, NULL, 0, 4.0, 5.0, &st);
        CHECK_NEAR(lp, log(2) + pnorm(-2.5, 0, 1, 1, 1), 1e-9, "normal part only: two-sided normal p");
    }
    /* symmetry: -g gives the same two-sided p */
    {
        for (int i = 0; i < N; i++) g[i] = gi[i] == 2 ? 1.3 : gi[i] == 1 ? -0.4 : 0.01;
        double s = 17.0, a = duet_spa_logp2(g, mu, N, 0.5, s, NULL);
        for (int i = 0; i < N; i++) g[i] = -g[i];
        double b = duet_spa_logp2(g, mu, N, 0.5, s, NULL);
        CHECK_NEAR(a, b, 1e-10, "two-sided p invariant to the sign of g");
        CHECK(a < 0 && isfinite(a), "two-sided p finite and below 1");
    }
    /* one carrier, a case: S at the top of its support without a normal part */
    {
        double g1[3] = { 1.0, 0.0, 0.0 }, m1[3] = { 0.01, 0.5, 0.5 };
        duet_spa_status_t st;
        double lp = duet_spa_logp_tail(g1, m1, 3, 0, 0.99, 1, &st);
        CHECK_NEAR(lp, log(0.01), 1e-9, "lone case carrier: the tail is mu exactly");
        lp = duet_spa_logp_tail(g1, m1, 3, 0, 1.5, 1, &st);
        CHECK(lp == -INFINITY, "beyond the support: p = 0");
    }
    /* large integer doses (a burden's sum of alleles): beyond the lattice
     * the outcomes are enumerated, or refused, never overrun */
    {
        double gb[3] = { 100.0, 150.0, 60.0 }, mb[3] = { 0.01, 0.02, 0.03 };
        duet_spa_status_t st;
        double lp = duet_exact_logp2(gb, mb, 3, 150.0 * 0.98 - 100 * 0.01 - 60 * 0.03, &st);
        /* |S| >= observed: the outcomes with the 150 carrier a case */
        CHECK(st == DUET_SPA_OK && lp < 0 && lp > log(0.019) && lp < log(0.03),
              "exact test of large doses by enumeration");
        double big[20], mbig[20];
        for (int i = 0; i < 20; i++) { big[i] = 100 + i; mbig[i] = 0.01; }
        lp = duet_exact_logp2(big, mbig, 20, 50.0, &st);
        CHECK(isnan(lp) && st == DUET_SPA_BAD_INPUT, "20 carriers of large doses: refused");
    }
    /* bad input */
    {
        double g1[1] = { 1.0 }, m1[1] = { 1.0 };
        duet_spa_status_t st;
        double lp = duet_spa_logp2(g1, m1, 1, 0, 1.0, &st);
        CHECK(isnan(lp) && st == DUET_SPA_BAD_INPUT, "mu = 1 is refused");
        lp = duet_spa_logp2(g1, m1, 0, 0, 1.0, &st);
        CHECK(isnan(lp) && st == DUET_SPA_BAD_INPUT, "zero variance is refused");
    }
    return unit_done();
}
