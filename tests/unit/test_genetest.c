/*
 * test_genetest.c -- unit tests of the gene-test kernels (src/stats/genetest*.c):
 * Davies' algorithm against Davies' own published test results and against
 * exact chi-square tails, Monte Carlo and Imhof's integral computed by R;
 * Liu and the saddlepoint against exact values and Davies in their ranges;
 * the quadrature; ACAT against its closed form; SKAT, burden, SKAT-O and
 * ACAT-V on designed genes against an independent R implementation
 * (tests/unit/test_genetest.R, run here through Rscript); and the null
 * distribution of the gene p-values (Kolmogorov-Smirnov against uniform).
 */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "duet/genetest.h"
#include "duet/rng.h"
#include "duet/spa.h"
#include "unit.h"

#define CHECK_REL(got, want, rtol, name)                                         \
    do {                                                                         \
        double gr_ = (got), wr_ = (want);                                        \
        CHECK_NEAR(gr_, wr_, (rtol) * fabs(wr_), name);                          \
    } while (0)

/* ------------------------------------------------------------------ */
/* Davies' published test results                                      */

/*
 * R. B. Davies distributes, with his C translation of AS 155 (qf.c,
 * www.robertnz.net), the output of the algorithm on 39 test cases at
 * lim = 1000, acc = 1e-4: P(Q < c) to 6 decimals and the 7 trace values to
 * 5.  The cases extend Table 3 of Davies (1980) (Imhof's 1961 test forms).
 * Transcribed from hail-is/hail, hail/src/test/scala/is/hail/stats/
 * GeneralizedChiSquaredDistributionSuite.scala (tests 0-38), which lists
 * them.  An exact reproduction shows the algorithm is AS 155 step by step.
 */
typedef struct {
    double c;
    int r;
    int df[10];
    double lb[10], nc[10];
    double cdf;
    double tr_abs;
    int tr_terms, tr_int;
    double tr_intv, tr_trunc, tr_sd;
    int tr_cycles;
} davies_case_t;

#define L631 { 6, 3, 1 }
#define L73 { 7, 3 }
static const davies_case_t davies_cases[] = {
    { 1, 3, { 1, 1, 1 }, L631, { 0 }, 0.054213, 0.76235, 744, 2, 0.03819, 53.37969, 0.0, 51 },
    { 7, 3, { 1, 1, 1 }, L631, { 0 }, 0.493555, 1.57018, 625, 2, 0.03964, 34.66214, 0.04784, 51 },
    { 20, 3, { 1, 1, 1 }, L631, { 0 }, 0.876027, 3.16244, 346, 1, 0.04602, 15.88681, 0.14159, 32 },
    { 2, 3, { 2, 2, 2 }, L631, { 0 }, 0.006435, 0.84764, 74, 1, 0.03514, 2.55311, 0.0, 22 },
    { 20, 3, { 2, 2, 2 }, L631, { 0 }, 0.600208, 1.74138, 66, 1, 0.03907, 2.55311, 0.0, 22 },
    { 60, 3, { 2, 2, 2 }, L631, { 0 }, 0.983897, 3.72757, 50, 1, 0.052, 2.55311, 0.0, 22 },
    { 10, 3, { 6, 4, 2 }, L631, { 0 }, 0.002697, 1.20122, 18, 1, 0.02706, 0.46096, 0.0, 20 },
    { 50, 3, { 6, 4, 2 }, L631, { 0 }, 0.564753, 2.06868, 15, 1, 0.03269, 0.46096, 0.0, 20 },
    { 120, 3, { 6, 4, 2 }, L631, { 0 }, 0.991229, 3.58496, 10, 1, 0.05141, 0.46096, 0.0, 20 },
    { 10, 3, { 2, 4, 6 }, L631, { 0 }, 0.033357, 1.29976, 27, 1, 0.03459, 0.88302, 0.0, 19 },
    { 30, 3, { 2, 4, 6 }, L631, { 0 }, 0.580446, 2.01747, 24, 1, 0.03887, 0.88302, 0.0, 19 },
    { 80, 3, { 2, 4, 6 }, L631, { 0 }, 0.991283, 3.81157, 17, 1, 0.05628, 0.88302, 0.0, 19 },
    { 20, 2, { 6, 2 }, L73, { 6, 2 }, 0.006125, 1.16271, 16, 1, 0.01561, 0.24013, 0.0, 19 },
    { 100, 2, { 6, 2 }, L73, { 6, 2 }, 0.591339, 2.02277, 13, 1, 0.01949, 0.24013, 0.0, 19 },
    { 200, 2, { 6, 2 }, L73, { 6, 2 }, 0.977914, 3.09687, 10, 1, 0.02825, 0.24013, 0.0, 19 },
    { 10, 2, { 1, 1 }, L73, { 6, 2 }, 0.045126, 0.8712, 603, 2, 0.01628, 13.86318, 0.0, 49 },
    { 60, 2, { 1, 1 }, L73, { 6, 2 }, 0.592431, 1.69157, 340, 1, 0.02043, 6.93159, 0.24644, 31 },
    { 150, 2, { 1, 1 }, L73, { 6, 2 }, 0.977648, 3.06625, 87, 1, 0.02888, 2.47557, 0.81533, 29 },
    { 45, 6, { 6, 4, 2, 2, 4, 6 }, { 6, 3, 1, 12, 6, 2 }, { 0 }, 0.01095, 1.82147, 13, 1, 0.01582, 0.193, 0.0, 18 },
    { 120, 6, { 6, 4, 2, 2, 4, 6 }, { 6, 3, 1, 12, 6, 2 }, { 0 }, 0.654735, 2.73768, 11, 1, 0.0195, 0.193, 0.0, 18 },
    { 210, 6, { 6, 4, 2, 2, 4, 6 }, { 6, 3, 1, 12, 6, 2 }, { 0 }, 0.984606, 3.83651, 8, 1, 0.02707, 0.193, 0.0, 18 },
    { 70, 4, { 6, 2, 1, 1 }, { 7, 3, 7, 3 }, { 6, 2, 6, 2 }, 0.043679, 1.65876, 10, 1, 0.01346, 0.12785, 0.0, 18 },
    { 160, 4, { 6, 2, 1, 1 }, { 7, 3, 7, 3 }, { 6, 2, 6, 2 }, 0.584765, 2.34799, 9, 1, 0.01668, 0.12785, 0.0, 18 },
    { 260, 4, { 6, 2, 1, 1 }, { 7, 3, 7, 3 }, { 6, 2, 6, 2 }, 0.953774, 3.11236, 7, 1, 0.02271, 0.12785, 0.0, 18 },
    { -40, 4, { 6, 2, 1, 1 }, { 7, 3, -7, -3 }, { 6, 2, 6, 2 }, 0.078208, 1.42913, 10, 1, 0.01483, 0.12785, 0.0, 19 },
    { 40, 4, { 6, 2, 1, 1 }, { 7, 3, -7, -3 }, { 6, 2, 6, 2 }, 0.522108, 1.42909, 8, 1, 0.01771, 0.12785, 0.0, 19 },
    { 140, 4, { 6, 2, 1, 1 }, { 7, 3, -7, -3 }, { 6, 2, 6, 2 }, 0.96037, 2.19476, 10, 1, 0.01381, 0.12785, 0.0, 19 },
    { 120, 10, { 6, 4, 2, 2, 4, 6, 6, 2, 1, 1 }, { 6, 3, 1, 6, 3, 1, 7, 3, 7, 3 },
      { 0, 0, 0, 0, 0, 0, 6, 2, 6, 2 }, 0.015844, 2.33438, 9, 1, 0.01202, 0.09616, 0.0, 18 },
    { 240, 10, { 6, 4, 2, 2, 4, 6, 6, 2, 1, 1 }, { 6, 3, 1, 6, 3, 1, 7, 3, 7, 3 },
      { 0, 0, 0, 0, 0, 0, 6, 2, 6, 2 }, 0.573625, 3.1401, 7, 1, 0.01561, 0.09616, 0.0, 18 },
    { 400, 10, { 6, 4, 2, 2, 4, 6, 6, 2, 1, 1 }, { 6, 3, 1, 6, 3, 1, 7, 3, 7, 3 },
      { 0, 0, 0, 0, 0, 0, 6, 2, 6, 2 }, 0.988332, 4.2142, 6, 1, 0.01812, 0.09616, 0.0, 18 },
    { 5, 2, { 1, 10 }, { 30, 1 }, { 0 }, 0.015392, 0.95892, 163, 1, 0.00841, 1.3638, 0.0, 22 },
    { 25, 2, { 1, 10 }, { 30, 1 }, { 0 }, 0.510819, 1.72922, 159, 1, 0.00864, 1.3638, 0.0, 22 },
    { 100, 2, { 1, 10 }, { 30, 1 }, { 0 }, 0.91634, 4.61788, 143, 1, 0.00963, 1.3638, 0.0, 22 },
    { 10, 2, { 1, 20 }, { 30, 1 }, { 0 }, 0.004925, 1.26245, 97, 1, 0.00839, 0.80736, 0.0, 21 },
    { 40, 2, { 1, 20 }, { 30, 1 }, { 0 }, 0.573251, 2.16513, 93, 1, 0.00874, 0.80736, 0.0, 21 },
    { 100, 2, { 1, 20 }, { 30, 1 }, { 0 }, 0.896501, 3.97055, 86, 1, 0.00954, 0.80736, 0.0, 21 },
    { 20, 2, { 1, 30 }, { 30, 1 }, { 0 }, 0.017101, 1.65684, 81, 1, 0.00843, 0.67453, 0.0, 20 },
    { 50, 2, { 1, 30 }, { 30, 1 }, { 0 }, 0.566488, 2.44382, 78, 1, 0.00878, 0.67453, 0.0, 20 },
    { 100, 2, { 1, 30 }, { 30, 1 }, { 0 }, 0.871323, 3.75545, 72, 1, 0.00944, 0.67453, 0.0, 20 },
};
#define N_DAVIES_CASES ((int)(sizeof davies_cases / sizeof davies_cases[0]))

static void test_davies_published(void)
{
    int value_ok = 0, trace_ok = 0, fault_ok = 0;
    double worst = 0.0;
    for (int i = 0; i < N_DAVIES_CASES; i++) {
        const davies_case_t *t = &davies_cases[i];
        double cdf;
        duet_davies_trace_t tr;
        int fault = duet_genetest_davies(t->lb, t->df, t->nc, t->r, 0.0, t->c, 1000, 1e-4, &cdf, &tr);
        fault_ok += fault == DUET_DAVIES_OK;
        /* published to 6 decimals */
        if (fabs(cdf - t->cdf) <= 5.01e-7) value_ok++;
        else printf("# case %d: P(Q < %g) = %.7f, published %.6f\n", i, t->c, cdf, t->cdf);
        if (fabs(cdf - t->cdf) > worst) worst = fabs(cdf - t->cdf);
        int same = tr.n_terms == t->tr_terms && tr.n_integrations == t->tr_int &&
                   tr.n_cycles == t->tr_cycles && fabs(tr.abs_sum - t->tr_abs) <= 5.01e-6 &&
                   fabs(tr.interval - t->tr_intv) <= 5.01e-6 &&
                   fabs(tr.truncation - t->tr_trunc) <= 5.01e-6 &&
                   fabs(tr.sd_convergence - t->tr_sd) <= 5.01e-6;
        if (same) trace_ok++;
        else
            printf("# case %d trace: %.5f %d %d %.5f %.5f %.5f %d\n", i, tr.abs_sum, tr.n_terms,
                   tr.n_integrations, tr.interval, tr.truncation, tr.sd_convergence, tr.n_cycles);
    }
    printf("# Davies published cases: %d/%d values, %d/%d traces, largest |difference| %.2g\n",
           value_ok, N_DAVIES_CASES, trace_ok, N_DAVIES_CASES, worst);
    CHECK(fault_ok == N_DAVIES_CASES, "davies: no fault on the 39 published cases");
    CHECK(value_ok == N_DAVIES_CASES, "davies: the 39 published P(Q < c) to 6 decimals");
    CHECK(trace_ok == N_DAVIES_CASES, "davies: the 39 published traces (terms, integrations, cycles, "
                                      "interval, truncation, convergence factor)");
}

/* Exact cases: lambda chi2(k, delta) is a scaled (non-central) chi-square,
 * sigma N(0, 1) a normal. */
static void test_davies_exact(void)
{
    double worst = 0.0;
    int n = 0, faults = 0;
    for (int k = 1; k <= 20; k += 3)
        for (double q = 0.3; q < 60; q *= 2.1) {
            double lb[20];
            for (int j = 0; j < k; j++) lb[j] = 1.7;
            double cdf;
            faults += duet_genetest_davies(lb, NULL, NULL, k, 0.0, q, 2000000, 1e-8, &cdf, NULL) != 0;
            double want = pchisq(q / 1.7, k, 1, 0);
            if (fabs(cdf - want) > worst) worst = fabs(cdf - want);
            n++;
        }
    printf("# davies vs 1.7 chi2_k, %d points at acc 1e-8: largest error %.2g\n", n, worst);
    CHECK(faults == 0 && worst < 1e-8, "davies: lambda chi2_k (k equal weights) within acc = 1e-8");

    double cdf;
    int df = 3;
    double lb = 2.5, nc = 4.0;
    int f = duet_genetest_davies(&lb, &df, &nc, 1, 0.0, 30.0, 100000, 1e-8, &cdf, NULL);
    CHECK(f == 0, "davies: non-central chi-square, no fault");
    CHECK_NEAR(cdf, pnchisq(30.0 / 2.5, 3, 4.0, 1, 0), 1e-8, "davies: 2.5 chi2(3, 4) = pnchisq within acc 1e-8");
    /* a normal term alone (no weights) */
    f = duet_genetest_davies(NULL, NULL, NULL, 0, 2.0, 1.3, 50000, 1e-10, &cdf, NULL);
    CHECK(f == 0, "davies: sigma N(0,1) alone, no fault");
    CHECK_NEAR(cdf, pnorm(1.3, 0, 2.0, 1, 0), 1e-10, "davies: 2 N(0,1) = pnorm");
    /* weights and a normal term: 3 chi2_1 + 2 chi2_1 + N(0, 1.5^2) against
     * Monte Carlo below; here only the fault codes */
    double lb2[2] = { 3, 2 };
    int dfbad[2] = { 1, -1 };
    CHECK(duet_genetest_davies(lb2, dfbad, NULL, 2, 0.0, 1.0, 1000, 1e-6, &cdf, NULL) ==
              DUET_DAVIES_PARAM && isnan(cdf),
          "davies: negative degrees of freedom -> fault 3, NaN");
    double zero[2] = { 0, 0 };
    CHECK(duet_genetest_davies(zero, NULL, NULL, 2, 0.0, 1.0, 1000, 1e-6, &cdf, NULL) == 0 &&
              cdf == 1.0,
          "davies: Q = 0 surely: P(Q < 1) = 1");
    double lb3[2] = { 1, 1e-3 };
    CHECK(duet_genetest_davies(lb3, NULL, NULL, 2, 0.0, 0.5, 20, 1e-9, &cdf, NULL) >= 1 && isnan(cdf),
          "davies: lim too small -> fault (1 or 4), NaN");
    /* unsorted weights beyond the stack buffer (r > 256): allocates the
     * order; same answer as sorted */
    double big[300], big_sorted[300];
    for (int j = 0; j < 300; j++) big[j] = 0.1 + (j * 37 % 300) / 300.0;
    for (int j = 0; j < 300; j++) big_sorted[j] = 0.1 + (299 - j) / 300.0;
    double c1, c2;
    int f1 = duet_genetest_davies(big, NULL, NULL, 300, 0.0, 200.0, 10000, 1e-8, &c1, NULL);
    int f2 = duet_genetest_davies(big_sorted, NULL, NULL, 300, 0.0, 200.0, 10000, 1e-8, &c2, NULL);
    CHECK(f1 == 0 && f2 == 0 && fabs(c1 - c2) < 1e-8, "davies: 300 unsorted weights = sorted");
}

/* Monte Carlo with duet's generator: P(Q > q) within 4.5 standard errors. */
static void test_davies_monte_carlo(void)
{
    const double lb[5] = { 5, 2, 1, 0.5, 0.25 };
    const double sigma = 1.5;
    const int n_draws = 200000;
    const double qs[4] = { 4.0, 10.0, 20.0, 35.0 };
    int above[4] = { 0 };
    duet_rng_t rng;
    duet_rng_init(&rng, 20240611, 0);
    for (int d = 0; d < n_draws; d++) {
        double q = sigma * duet_rng_normal(&rng);
        for (int j = 0; j < 5; j++) {
            double z = duet_rng_normal(&rng);
            q += lb[j] * z * z;
        }
        for (int i = 0; i < 4; i++) above[i] += q > qs[i];
    }
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        double cdf;
        int f = duet_genetest_davies(lb, NULL, NULL, 5, sigma, qs[i], 10000, 1e-7, &cdf, NULL);
        double emp = (double)above[i] / n_draws, p = 1.0 - cdf;
        double se = sqrt(p * (1 - p) / n_draws);
        printf("# MC: P(Q > %g) = %.5f, Davies %.5f (%.1f se)\n", qs[i], emp, p, (emp - p) / se);
        ok &= f == 0 && fabs(emp - p) < 4.5 * se;
    }
    CHECK(ok, "davies: 5 chi2_1 weights + normal term agree with 200000 Monte Carlo draws");
}

/* ------------------------------------------------------------------ */
/* Liu, saddlepoint, driver                                            */

static void test_liu(void)
{
    /* limix/chiscore, chiscore/test/test_liu.py: mod_liu(3.245, [1.02, 3.0])
     * = (p, mu_q, sigma_q, dof) = (0.4017898342526547, 4.02,
     * 4.481160563961081, 1.2281511342584952), SKAT's Get_Liu_PVal.MOD. */
    const double lb[2] = { 1.02, 3.0 };
    duet_genetest_liu_t liu;
    duet_genetest_liu_params(lb, NULL, NULL, 2, 1, &liu);
    CHECK_NEAR(exp(duet_genetest_liu_logp(&liu, 3.245)), 0.4017898342526547, 1e-13,
               "liu (modified): chiscore's published p for q = 3.245, lambda = (1.02, 3)");
    CHECK_NEAR(liu.mu_q, 4.02, 1e-13, "liu: mean");
    CHECK_NEAR(liu.sigma_q, 4.481160563961081, 1e-13, "liu: standard deviation");
    CHECK_NEAR(liu.df, 1.2281511342584952, 1e-13, "liu (modified): degrees of freedom");
    CHECK_NEAR(duet_genetest_liu_quantile(&liu, log(0.4017898342526547)), 3.245, 1e-9,
               "liu: quantile inverts the tail");

    /* all weights equal: both variants are exact */
    double eq[6] = { 0.8, 0.8, 0.8, 0.8, 0.8, 0.8 };
    int ok = 1;
    for (int mod = 0; mod < 2; mod++) {
        duet_genetest_liu_params(eq, NULL, NULL, 6, mod, &liu);
        for (double q = 1; q < 40; q *= 1.7)
            ok &= fabs(duet_genetest_liu_logp(&liu, q) - pchisq(q / 0.8, 6, 0, 1)) < 1e-12;
    }
    CHECK(ok, "liu: exact (both variants) when the weights are equal");

    /* unequal weights: both are approximations whose relative error grows
     * into the tail (here 25% and 9% at p = 1e-5) -- why they are only the
     * last resort of the driver */
    double lam[8] = { 4, 2, 1.5, 1, 0.6, 0.3, 0.2, 0.1 };
    duet_genetest_liu_params(lam, NULL, NULL, 8, 0, &liu);
    duet_genetest_liu_t liu_mod;
    duet_genetest_liu_params(lam, NULL, NULL, 8, 1, &liu_mod);
    double worst = 0.0, worst_mod = 0.0;
    for (double q = 10; q < 60; q += 5) {
        double cdf;
        duet_genetest_davies(lam, NULL, NULL, 8, 0.0, q, 200000, 1e-10, &cdf, NULL);
        double p = 1 - cdf;
        double rel = fabs(exp(duet_genetest_liu_logp(&liu, q)) / p - 1);
        double rel_mod = fabs(exp(duet_genetest_liu_logp(&liu_mod, q)) / p - 1);
        if (rel > worst) worst = rel;
        if (rel_mod > worst_mod) worst_mod = rel_mod;
    }
    printf("# liu vs davies (p from 0.1 to 1e-5): largest relative error %.3f, modified %.3f\n",
           worst, worst_mod);
    CHECK(worst < 0.3, "liu: within 30% of Davies for p in (1e-5, 0.1)");
    CHECK(worst_mod < 0.15, "liu (modified): within 15% of Davies for p in (1e-5, 0.1)");

    /* non-central, Liu et al. (2009) Q1 = 0.5 chi2(1, 1) + 0.4 chi2(2, 0.6)
     * + 0.1 chi2(1, 0.8): close to Davies */
    const double l1[3] = { 0.5, 0.4, 0.1 }, d1[3] = { 1, 0.6, 0.8 };
    const int h1[3] = { 1, 2, 1 };
    duet_genetest_liu_params(l1, h1, d1, 3, 0, &liu);
    ok = 1;
    for (double q = 2; q <= 8; q += 2) {
        double cdf;
        duet_genetest_davies(l1, h1, d1, 3, 0.0, q, 200000, 1e-8, &cdf, NULL);
        double p = 1 - cdf, pl = exp(duet_genetest_liu_logp(&liu, q));
        printf("# liu Q1(%g): %.6f, davies %.6f\n", q, pl, p);
        ok &= fabs(pl - p) < 0.01;
    }
    CHECK(ok, "liu: Liu et al. (2009) Q1 (non-central) within 0.01 of Davies");
}

static void test_saddle(void)
{
    /* against exact scaled chi-square tails: the saddlepoint's relative
     * error shrinks with the degrees of freedom (for a gamma(a) tail it
     * tends to Stirling's error, about 1/(12 a)) */
    struct {
        int k;
        double tol;
    } cases[] = { { 2, 0.09 }, { 4, 0.045 }, { 10, 0.018 }, { 30, 0.006 } };
    for (int c = 0; c < 4; c++) {
        int k = cases[c].k;
        double lb[30];
        for (int j = 0; j < k; j++) lb[j] = 3.0;
        double worst = 0.0;
        for (double q = 3.0 * k * 1.5; q < 3.0 * k * 200; q *= 1.6) {
            double sp = duet_genetest_saddle_logp(lb, NULL, NULL, k, q);
            double ex = pchisq(q / 3.0, k, 0, 1);
            double rel = fabs(expm1(sp - ex));
            if (rel > worst) worst = rel;
        }
        char name[128];
        snprintf(name, sizeof name,
                 "saddlepoint: 3 chi2_%d within %.1f%% relative, p down to 1e-300 and below", k,
                 100 * cases[c].tol);
        printf("# saddlepoint vs 3 chi2_%d: largest relative error %.4f\n", k, worst);
        CHECK(worst < cases[c].tol, name);
    }
    /* far below the double range: ln p still exact to the same relative
     * error */
    double lb[4] = { 1, 1, 1, 1 };
    double sp = duet_genetest_saddle_logp(lb, NULL, NULL, 4, 5000.0);
    double ex = pchisq(5000.0, 4, 0, 1);
    printf("# saddlepoint at p = 10^%.1f: ln p %.4f, exact %.4f\n", ex / M_LN10, sp, ex);
    CHECK(isfinite(sp) && fabs(sp - ex) < 0.05, "saddlepoint: ln p exact (to 0.05) at p = 1e-1080");
    /* against Davies with unequal weights, p from 1e-3 to 1e-8 */
    double lam[6] = { 2, 1.2, 0.9, 0.5, 0.25, 0.1 };
    double worst = 0.0;
    for (double q = 20; q <= 52; q += 8) {
        double cdf;
        int f = duet_genetest_davies(lam, NULL, NULL, 6, 0.0, q, 1000000, 1e-11, &cdf, NULL);
        double rel = fabs(exp(duet_genetest_saddle_logp(lam, NULL, NULL, 6, q)) / (1 - cdf) - 1);
        if (f == 0 && rel > worst) worst = rel;
        if (f != 0) worst = INFINITY;
    }
    printf("# saddlepoint vs davies (acc 1e-11), p from 1e-3 to 1e-8: largest relative error %.4f\n",
           worst);
    CHECK(worst < 0.12, "saddlepoint: within 12% of Davies (acc 1e-11), dominant weight, p to 1e-8");
    /* non-central and negative weights: against Davies */
    const double l2[3] = { 3, 1, -0.5 }, d2[3] = { 2, 0, 1 };
    const int h2[3] = { 1, 3, 2 };
    double cdf;
    duet_genetest_davies(l2, h2, d2, 3, 0.0, 45.0, 100000, 1e-12, &cdf, NULL);
    double p = 1 - cdf;
    double ps = exp(duet_genetest_saddle_logp(l2, h2, d2, 3, 45.0));
    printf("# saddlepoint non-central, negative weight: %.6g, davies %.6g\n", ps, p);
    CHECK(fabs(ps / p - 1) < 0.05, "saddlepoint: non-central form with a negative weight within 5%");
    CHECK(isnan(duet_genetest_saddle_logp(lam, NULL, NULL, 6, 4.95)),
          "saddlepoint: NaN at the mean (not applicable)");
    CHECK(duet_genetest_saddle_logp(lam, NULL, NULL, 6, -1.0) == 0.0,
          "saddlepoint: p = 1 below 0 for positive weights");
}

static void test_qf_driver(void)
{
    duet_qf_pvalue_t pv;
    double one = 2.0;
    duet_genetest_qf_pvalue(9.0, &one, 1, 1e-6, 10000, &pv);
    CHECK(pv.method == DUET_QF_EXACT && fabs(pv.log_p - pchisq(4.5, 1, 0, 1)) < 1e-14,
          "driver: one weight is exact");
    duet_genetest_qf_pvalue(1.0, NULL, 0, 1e-6, 10000, &pv);
    CHECK(pv.method == DUET_QF_NONE && isnan(pv.log_p), "driver: no weight -> NaN, none");
    CHECK_STR(duet_qf_method_str(DUET_QF_SADDLE), "saddlepoint", "driver: method names");

    double lam[5] = { 1.0, 0.5, 0.333333, 0.25, 0.2 };
    double cdf;
    duet_genetest_davies(lam, NULL, NULL, 5, 0.0, 6.0, 1000000, 1e-10, &cdf, NULL);
    duet_genetest_qf_pvalue(6.0, lam, 5, 1e-6, 10000, &pv);
    CHECK(pv.method == DUET_QF_DAVIES && fabs(exp(pv.log_p) - (1 - cdf)) < 1e-6,
          "driver: moderate p from Davies (within acc)");
    /* p ~ 1e-8: refined Davies, 0.1% */
    duet_genetest_davies(lam, NULL, NULL, 5, 0.0, 35.0, 10000000, 1e-12, &cdf, NULL);
    duet_genetest_qf_pvalue(35.0, lam, 5, 1e-6, 10000, &pv);
    printf("# driver at q = 35: %s %.6g, davies (acc 1e-12) %.6g\n", duet_qf_method_str(pv.method),
           exp(pv.log_p), 1 - cdf);
    CHECK(pv.method == DUET_QF_DAVIES && fabs(exp(pv.log_p) / (1 - cdf) - 1) < 2e-3,
          "driver: p ~ 1e-8 from refined Davies, 0.2% relative");
    duet_qf_pvalue_t pv2;
    duet_genetest_qf_pvalue_ex(35.0, lam, 5, 1e-6, 10000, 0, &pv2);
    CHECK(pv2.method == DUET_QF_SADDLE, "driver: without refinement the saddlepoint takes p < 1e-5");
    /* p far below 1e-308 */
    duet_genetest_qf_pvalue(3000.0, lam, 5, 1e-6, 10000, &pv);
    double ex_upper = pchisq(3000.0, 1, 0, 1); /* the top weight alone */
    printf("# driver at q = 3000: %s, log10 p = %.2f (top term alone %.2f)\n",
           duet_qf_method_str(pv.method), pv.log_p / M_LN10, ex_upper / M_LN10);
    CHECK(pv.method == DUET_QF_SADDLE && isfinite(pv.log_p) && pv.log_p > ex_upper &&
              pv.log_p < ex_upper + 10,
          "driver: p ~ 1e-650 from the saddlepoint, finite log p");
    duet_genetest_qf_pvalue(-1.0, lam, 5, 1e-6, 10000, &pv);
    CHECK(pv.log_p == 0.0, "driver: q <= 0 gives p = 1");
}

/* ------------------------------------------------------------------ */
/* Quadrature, ACAT                                                    */

static double f_pow20(double x, void *ctx)
{
    (void)ctx;
    return pow(x, 20);
}
static double f_sin(double x, void *ctx)
{
    (void)ctx;
    return sin(x);
}
static double f_sqrt(double x, void *ctx)
{
    int *count = ctx;
    (*count)++;
    return sqrt(x);
}
static double f_peak(double x, void *ctx)
{
    (void)ctx;
    return 1.0 / (1e-4 + (x - 0.3) * (x - 0.3));
}

static void test_integrate(void)
{
    int ok;
    double v = duet_genetest_integrate(f_pow20, NULL, 0, 1, 0, 1e-14, 1, NULL, &ok);
    CHECK_NEAR(v, 1.0 / 21, 1e-15, "integrate: one 15-point Kronrod panel is exact for x^20");
    v = duet_genetest_integrate(f_sin, NULL, 0, M_PI, 1e-14, 1e-14, 100, NULL, &ok);
    CHECK(ok && fabs(v - 2.0) < 1e-13, "integrate: sin over [0, pi] = 2");
    int count = 0;
    v = duet_genetest_integrate(f_sqrt, &count, 0, 1, 1e-12, 1e-12, 200, NULL, &ok);
    CHECK(ok && fabs(v - 2.0 / 3) < 1e-11, "integrate: sqrt(x) (endpoint singularity) to 1e-11");
    printf("# sqrt(x) over [0, 1]: %d evaluations\n", count);
    v = duet_genetest_integrate(f_peak, NULL, 0, 1, 1e-10, 1e-10, 300, NULL, &ok);
    double want = 100.0 * (atan(0.7 / 0.01) + atan(0.3 / 0.01));
    CHECK(ok && fabs(v / want - 1) < 1e-10, "integrate: a sharp peak to 1e-10 relative");
}

static void test_acat(void)
{
    double lp[4];
    lp[0] = log(0.037);
    CHECK_NEAR(duet_genetest_acat(lp, NULL, 1), log(0.037), 1e-12, "acat: one p-value returns itself");
    lp[1] = log(0.037);
    CHECK_NEAR(duet_genetest_acat(lp, NULL, 2), log(0.037), 1e-12, "acat: equal p-values return it");
    /* closed form: T = sum w_i tan((1/2 - p_i) pi), p = 1/2 - atan(T) / pi */
    double p[3] = { 0.02, 0.3, 0.8 }, w[3] = { 1, 2, 5 };
    double t = 0;
    for (int i = 0; i < 3; i++) {
        lp[i] = log(p[i]);
        t += w[i] / 8.0 * tan((0.5 - p[i]) * M_PI);
    }
    CHECK_NEAR(exp(duet_genetest_acat(lp, w, 3)), 0.5 - atan(t) / M_PI, 1e-14,
               "acat: weighted closed form");
    /* ACAT R package's example: ACAT(c(2e-02, 4e-04, 0.2, 0.1, 0.8)) */
    double ex[5] = { 2e-02, 4e-04, 0.2, 0.1, 0.8 };
    double lex[5];
    t = 0;
    for (int i = 0; i < 5; i++) {
        lex[i] = log(ex[i]);
        t += tan((0.5 - ex[i]) * M_PI) / 5;
    }
    CHECK_NEAR(exp(duet_genetest_acat(lex, NULL, 5)), 0.5 - atan(t) / M_PI, 1e-15,
               "acat: the ACAT package's example, closed form");
    /* tiny p: 1 / (T pi) with T = sum w_i / (p_i pi) */
    lp[0] = log(1e-20);
    lp[1] = log(3e-18);
    double tt = 0.5 / (1e-20 * M_PI) + 0.5 / (3e-18 * M_PI);
    CHECK_NEAR(duet_genetest_acat(lp, NULL, 2), -log(tt * M_PI), 1e-12,
               "acat: tail approximation below 1e-15");
    /* below the double range, on the log scale: p ~ 2 e^-1000 */
    lp[0] = -1000.0;
    lp[1] = log(0.5);
    CHECK_NEAR(duet_genetest_acat(lp, NULL, 2), -1000.0 + M_LN2, 1e-12,
               "acat: ln p = -1000 + ln 2 for (e^-1000, 0.5)");
    lp[0] = -INFINITY;
    CHECK(duet_genetest_acat(lp, NULL, 2) == -INFINITY, "acat: a zero p-value gives 0");
    lp[0] = 0.0;
    CHECK(duet_genetest_acat(lp, NULL, 2) == 0.0, "acat: a p-value of 1 gives 1 (ACAT package)");
    CHECK(isnan(duet_genetest_acat(lp, NULL, 0)), "acat: no p-values -> NaN");
    CHECK_NEAR(duet_genetest_beta_weight(0.01, 1, 25), 25 * pow(0.99, 24), 1e-12,
               "beta weight: Beta(1, 25) density");
}

/* ------------------------------------------------------------------ */
/* Designed genes against R                                            */

/* Least squares / logistic null fit by Newton's method (k <= 6): the
 * fitting kernels are not this module's, so the test carries its own. */
static int fit_null(duet_genetest_model_t model, int n, int k, const double *x,
                    const double *y, double *resid, double *mu)
{
    double beta[6] = { 0 }, h[36], g[6];
    for (int it = 0; it < 50; it++) {
        memset(h, 0, sizeof h);
        memset(g, 0, sizeof g);
        for (int i = 0; i < n; i++) {
            double eta = 0;
            for (int a = 0; a < k; a++) eta += x[(size_t)n * a + i] * beta[a];
            double m = model == DUET_GENETEST_LINEAR ? eta : 1 / (1 + exp(-eta));
            double v = model == DUET_GENETEST_LINEAR ? 1 : m * (1 - m);
            for (int a = 0; a < k; a++) {
                g[a] += x[(size_t)n * a + i] * (y[i] - m);
                for (int b = 0; b < k; b++)
                    h[a * k + b] += x[(size_t)n * a + i] * v * x[(size_t)n * b + i];
            }
        }
        /* solve h d = g by Gaussian elimination with partial pivoting */
        double aug[6][7];
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) aug[a][b] = h[a * k + b];
            aug[a][k] = g[a];
        }
        for (int c = 0; c < k; c++) {
            int piv = c;
            for (int r = c + 1; r < k; r++)
                if (fabs(aug[r][c]) > fabs(aug[piv][c])) piv = r;
            for (int b = 0; b <= k; b++) {
                double tmp = aug[c][b];
                aug[c][b] = aug[piv][b];
                aug[piv][b] = tmp;
            }
            if (aug[c][c] == 0) return -1;
            for (int r = 0; r < k; r++) {
                if (r == c) continue;
                double f = aug[r][c] / aug[c][c];
                for (int b = c; b <= k; b++) aug[r][b] -= f * aug[c][b];
            }
        }
        double step = 0;
        for (int a = 0; a < k; a++) {
            double d = aug[a][k] / aug[a][a];
            beta[a] += d;
            step += fabs(d);
        }
        if (step < 1e-13) break;
    }
    for (int i = 0; i < n; i++) {
        double eta = 0;
        for (int a = 0; a < k; a++) eta += x[(size_t)n * a + i] * beta[a];
        double m = model == DUET_GENETEST_LINEAR ? eta : 1 / (1 + exp(-eta));
        resid[i] = y[i] - m;
        if (mu) mu[i] = m;
    }
    return 0;
}

typedef struct {
    const char *name;
    duet_genetest_model_t model;
    int n, m, k;
    int use_weights;
    double effect; /* per copy, on variants 2, 3, 4 */
    double maf_lo; /* MAFs log-uniform on (maf_lo, 0.3) */
    uint64_t seed;
    double *x, *y, *g, *w;
} gene_case_t;

/* Genotypes with MAF spread over (0.001, 0.3): some ultra-rare (MAC <= 10),
 * one common variant coded on its major allele (AF > 0.5, flipped), one
 * monomorphic column (left out). */
/* The arrays of a designed gene (zeroed) and its covariates: intercept, a
 * normal one (k > 1), a 40% binary one (k > 2). */
static void design_alloc(duet_rng_t *rng, int n, int m, int k, double **x, double **y,
                         double **g, double **w)
{
    *x = calloc((size_t)n * k, sizeof(double));
    *y = calloc((size_t)n, sizeof(double));
    *g = calloc((size_t)n * m, sizeof(double));
    *w = calloc((size_t)m, sizeof(double));
    for (int i = 0; i < n; i++) {
        (*x)[i] = 1.0;
        if (k > 1) (*x)[(size_t)n + i] = duet_rng_normal(rng);
        if (k > 2) (*x)[(size_t)2 * n + i] = duet_rng_uniform(rng) < 0.4;
    }
}

static void make_case(gene_case_t *c)
{
    duet_rng_t rng;
    duet_rng_init(&rng, c->seed, 1);
    int n = c->n, m = c->m, k = c->k;
    design_alloc(&rng, n, m, k, &c->x, &c->y, &c->g, &c->w);
    for (int j = 0; j < m; j++) {
        double maf = j == m - 1 ? 0.0 : exp(log(c->maf_lo) + (log(0.3) - log(c->maf_lo)) * duet_rng_uniform(&rng));
        if (j == 1) maf = 0.35;
        for (int i = 0; i < n; i++) {
            double d = (double)duet_rng_binomial(&rng, 2, maf);
            c->g[(size_t)n * j + i] = j == 1 ? 2.0 - d : d; /* column 1: major allele */
        }
        c->w[j] = 0.5 + duet_rng_uniform(&rng);
    }
    for (int i = 0; i < n; i++) {
        double eta = k > 1 ? 0.4 * c->x[(size_t)n + i] : 0.0;
        if (k > 2) eta -= 0.3 * c->x[(size_t)2 * n + i];
        for (int j = 2; j < 5 && j < m; j++) eta += c->effect * c->g[(size_t)n * j + i];
        if (c->model == DUET_GENETEST_LINEAR) {
            c->y[i] = 1.0 + eta + duet_rng_normal(&rng);
        } else {
            double pr = 1 / (1 + exp(-(-0.8 + eta)));
            c->y[i] = duet_rng_uniform(&rng) < pr;
        }
    }
}

static void free_case(gene_case_t *c)
{
    free(c->x);
    free(c->y);
    free(c->g);
    free(c->w);
}

static int write_matrix(const char *path, const double *a, int rows, int cols)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++)
            fprintf(f, "%s%.17g", j ? " " : "", a[(size_t)rows * j + i]);
        fputc('\n', f);
    }
    return fclose(f);
}

/* DIR/NAME.X, .y, .G and .w of a designed gene, for the R script */
static void write_design(const char *dir, const char *name, int n, int m, int k, const double *x,
                         const double *y, const double *g, const double *w)
{
    char path[PATH_MAX];
    const char *suffix[4] = { "X", "y", "G", "w" };
    const double *data[4] = { x, y, g, w };
    int rows[4] = { n, n, n, m }, cols[4] = { k, 1, m, 1 };
    for (int q = 0; q < 4; q++) {
        snprintf(path, sizeof path, "%s/%s.%s", dir, name, suffix[q]);
        write_matrix(path, data[q], rows[q], cols[q]);
    }
}

static char work_dir[1024];
static int own_work_dir;

static const char *get_work_dir(void)
{
    if (work_dir[0]) return work_dir;
    const char *w = getenv("WORK");
    if (w && *w) {
        snprintf(work_dir, sizeof work_dir, "%s", w);
        mkdir(work_dir, 0755);
    } else {
        snprintf(work_dir, sizeof work_dir, "/tmp/duet-genetest.XXXXXX");
        if (!mkdtemp(work_dir)) return NULL;
        own_work_dir = 1;
    }
    return work_dir;
}

/* The R script sits beside this file: $TOP/tests/unit, or the source path
 * the compiler saw (relative to the project root, where make runs). */
static int find_r_script(char *buf, size_t size)
{
    const char *top = getenv("TOP");
    if (top && *top) {
        snprintf(buf, size, "%s/tests/unit/test_genetest.R", top);
        if (access(buf, R_OK) == 0) return 0;
    }
    snprintf(buf, size, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    if (slash) snprintf(slash + 1, size - (size_t)(slash + 1 - buf), "test_genetest.R");
    else snprintf(buf, size, "test_genetest.R");
    return access(buf, R_OK) == 0 ? 0 : -1;
}

static int run_r(const char *dir)
{
    char script[PATH_MAX], cmd[3 * PATH_MAX];
    if (find_r_script(script, sizeof script)) {
        printf("# cannot find test_genetest.R\n");
        return -1;
    }
    snprintf(cmd, sizeof cmd, "Rscript --vanilla '%s' '%s' 2>&1", script, dir);
    int rc = system(cmd);
    if (rc != 0) printf("# Rscript failed (status %d): is r-base-core installed?\n", rc);
    return rc;
}

/* Read a TSV with a header; the row whose first field is `name` into
 * values[] by column order (after the name). */
static int read_ref_row(const char *path, const char *name, double *values, int n_values)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[8192];
    int found = -1;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char *save = NULL, *tok = strtok_r(line, "\t\n", &save);
        if (!tok) continue;
        while (*tok == ' ') tok++;
        if (strcmp(tok, name) != 0) continue;
        int i = 0;
        while (i < n_values && (tok = strtok_r(NULL, "\t\n", &save))) values[i++] = strtod(tok, NULL);
        found = i == n_values ? 0 : -1;
        break;
    }
    fclose(f);
    return found;
}

/* The 39 published Davies cases computed in R by contour inversion of the
 * moment generating function: the exact values that Davies' acc = 1e-4
 * answers approximate; duet at acc = 1e-8 must match them to 1e-8. */
static int write_qf_cases(void)
{
    const char *dir = work_dir;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/qf.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (int i = 0; i < N_DAVIES_CASES; i++) {
        const davies_case_t *t = &davies_cases[i];
        fprintf(f, "%.17g %d\n", t->c, t->r);
        for (int j = 0; j < t->r; j++) fprintf(f, "%.17g %d %.17g\n", t->lb[j], t->df[j], t->nc[j]);
    }
    return fclose(f);
}

static void check_qf_against_r(void)
{
    const char *dir = work_dir;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/qf_ref.tsv", dir);
    FILE *f = fopen(path, "r");
    int n_ok = 0, n = 0;
    double worst = 0.0, worst_pub = 0.0;
    if (f) {
        double upper, err = 0.0;
        while (n < N_DAVIES_CASES && fscanf(f, "%lf", &upper) == 1) {
            const davies_case_t *t = &davies_cases[n];
            double cdf;
            int fault = duet_genetest_davies(t->lb, t->df, t->nc, t->r, 0.0, t->c, 200000, 1e-8,
                                             &cdf, NULL);
            double d = fabs(cdf - (1 - upper));
            if (fault == 0 && d < 1e-8) n_ok++;
            else printf("# case %d: davies %.10f (fault %d), R %.10f (+- %.2g)\n", n, cdf, fault,
                        1 - upper, err);
            if (d > worst) worst = d;
            if (fabs(t->cdf - (1 - upper)) > worst_pub) worst_pub = fabs(t->cdf - (1 - upper));
            n++;
        }
        fclose(f);
    }
    printf("# 39 Davies cases vs R (contour inversion): duet at acc 1e-8 within %.2g; the "
           "published acc 1e-4 values within %.2g\n", worst, worst_pub);
    CHECK(n == N_DAVIES_CASES && n_ok == n,
          "davies: 39 cases at acc 1e-8 agree with R's contour inversion to 1e-8");
    CHECK(n == N_DAVIES_CASES && worst_pub < 1e-4,
          "davies: the published acc = 1e-4 values are within 1e-4 of R's values");
}


/* ------------------------------------------------------------------ */
/* Case/control small-sample policy against R                          */

/* Rare-variant genes of a case/control trait with few cases: "spa" cases
 * with many carriers (run with exact_carriers = 0, so that the saddlepoint
 * path is taken), "exact" cases with at most 12 carriers, chosen here. */
typedef struct {
    const char *name;
    int exact;       /* 1: carriers placed by hand (<= 12) */
    int n, m, k;
    int use_weights;
    double intercept; /* of the logistic model: prevalence */
    double effect;    /* log OR per copy on variants 0, 1 */
    uint64_t seed;
    double *x, *y, *g, *w;
} cc_case_t;

static cc_case_t cc_cases[] = {
    { "ccspa1", 0, 3000, 8, 2, 0, -4.0, 1.5, 11, NULL, NULL, NULL, NULL },
    { "ccspa2", 0, 2000, 10, 3, 1, -3.5, 1.0, 12, NULL, NULL, NULL, NULL },
    { "ccspa3", 0, 2500, 6, 2, 0, -4.5, 0.0, 13, NULL, NULL, NULL, NULL },
    { "ccexact1", 1, 800, 4, 2, 0, -3.0, 2.0, 21, NULL, NULL, NULL, NULL },
    { "ccexact2", 1, 600, 6, 3, 1, -2.5, 1.0, 22, NULL, NULL, NULL, NULL },
    { "ccexact3", 1, 1000, 5, 2, 0, -4.0, 2.5, 23, NULL, NULL, NULL, NULL },
};
#define N_CC_CASES ((int)(sizeof cc_cases / sizeof cc_cases[0]))

static void make_cc_case(cc_case_t *c)
{
    duet_rng_t rng;
    duet_rng_init(&rng, c->seed, 3);
    int n = c->n, m = c->m, k = c->k;
    design_alloc(&rng, n, m, k, &c->x, &c->y, &c->g, &c->w);
    for (int j = 0; j < m; j++) c->w[j] = 0.5 + duet_rng_uniform(&rng);
    if (c->exact) {
        /* 3 + (seed % 3) * 3 + 2 carriers: 8, 11, 5; the first carrier of
         * ccexact2 is homozygous for variant 0 and five more carry it
         * twice, so that its MAC is above 10 (ACAT-V's per-variant test) */
        int n_car = c->seed == 21 ? 8 : c->seed == 22 ? 11 : 10;
        for (int q = 0; q < n_car; q++) {
            int i = (int)duet_rng_below(&rng, (uint64_t)n);
            int j = q % m;
            if (c->seed == 22 && q < 6) j = 0;
            c->g[(size_t)n * j + i] = c->seed == 22 && q < 6 ? 2.0 : 1.0;
            if (q % 4 == 3) c->g[(size_t)n * ((j + 1) % m) + i] = 1.0;
        }
    } else {
        for (int j = 0; j < m; j++) {
            double maf = exp(log(0.0008) + (log(0.012) - log(0.0008)) * duet_rng_uniform(&rng));
            if (j == m - 1 && c->seed == 12) maf = 0.03; /* one variant above MAC 10 */
            for (int i = 0; i < n; i++)
                c->g[(size_t)n * j + i] = (double)duet_rng_binomial(&rng, 2, maf);
        }
    }
    for (int i = 0; i < n; i++) {
        double eta = c->intercept + (k > 1 ? 0.5 * c->x[(size_t)n + i] : 0.0);
        if (k > 2) eta -= 0.4 * c->x[(size_t)2 * n + i];
        for (int j = 0; j < 2 && j < m; j++) eta += c->effect * c->g[(size_t)n * j + i];
        c->y[i] = duet_rng_uniform(&rng) < 1 / (1 + exp(-eta));
    }
}

static void free_cc_case(cc_case_t *c)
{
    free(c->x);
    free(c->y);
    free(c->g);
    free(c->w);
}

static void write_cc_cases(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/cc_cases.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "name weights mode\n");
    for (int c = 0; c < N_CC_CASES; c++) {
        cc_case_t *cc = &cc_cases[c];
        make_cc_case(cc);
        fprintf(f, "%s %d %s\n", cc->name, cc->use_weights, cc->exact ? "exact" : "spa");
        write_design(dir, cc->name, cc->n, cc->m, cc->k, cc->x, cc->y, cc->g, cc->w);
    }
    fclose(f);
}

enum { CC_P_BURDEN, CC_P_SKAT, CC_P_SKATO, CC_P_ACATV, CC_RATIO, CC_N };

static void check_cc_against_r(int r_ok)
{
    char path[PATH_MAX], name[200];
    snprintf(path, sizeof path, "%s/cc_ref.tsv", work_dir);
    duet_genetest_work_t *work = NULL;
    CHECK(duet_genetest_work_create(&work) == DUET_OK, "work space");
    for (int c = 0; c < N_CC_CASES; c++) {
        cc_case_t *cc = &cc_cases[c];
        double ref[CC_N];
        int have = r_ok && read_ref_row(path, cc->name, ref, CC_N) == 0;
        snprintf(name, sizeof name, "%s: R reference row present", cc->name);
        CHECK(have, name);
        double *resid = malloc(sizeof(double) * cc->n), *mu = malloc(sizeof(double) * cc->n);
        fit_null(DUET_GENETEST_LOGISTIC, cc->n, cc->k, cc->x, cc->y, resid, mu);
        duet_genetest_null_t *null = NULL;
        duet_genetest_result_t res;
        duet_genetest_opts_t opts;
        duet_genetest_opts_init(&opts);
        if (!cc->exact) opts.exact_carriers = 0;
        int ok = duet_genetest_null_create(DUET_GENETEST_LOGISTIC, cc->n, cc->k, cc->x, cc->n,
                                           resid, mu, &null) == DUET_OK &&
                 duet_genetest_run(null, cc->g, cc->n, cc->m, cc->use_weights ? cc->w : NULL,
                                   &opts, work, &res) == DUET_OK &&
                 res.status == DUET_GENETEST_OK;
        snprintf(name, sizeof name, "%s: run (%s, %d carriers)", cc->name,
                 ok ? duet_genetest_adjust_str(res.adjust) : "failed", ok ? res.n_carriers : 0);
        CHECK(ok && res.adjust == (cc->exact ? DUET_GENETEST_EXACT : DUET_GENETEST_SPA), name);
        if (ok && have) {
            printf("# %s: %d carriers, %d saddlepoints; burden p %.6g (R %.6g), SKAT %.6g (R %.6g), "
                   "SKAT-O %.6g (R %.6g), ACAT-V %.6g (R %.6g), burden variance ratio %.4f (R %.4f)\n",
                   cc->name, res.n_carriers, res.n_spa, exp(res.burden_log_p), ref[CC_P_BURDEN],
                   exp(res.skat_log_p), ref[CC_P_SKAT], exp(res.skato_log_p), ref[CC_P_SKATO],
                   exp(res.acatv_log_p), ref[CC_P_ACATV], res.burden_var_ratio, ref[CC_RATIO]);
            /* exact: the same sums of the same probabilities; SPA: R's
             * uniroot() and Imhof against spa.c and Davies */
            double tol = cc->exact ? 1e-9 : 2e-3;
            snprintf(name, sizeof name, "%s: burden p = R within %g", cc->name, tol);
            CHECK_REL(exp(res.burden_log_p), ref[CC_P_BURDEN], tol, name);
            snprintf(name, sizeof name, "%s: SKAT p = R within %g", cc->name, tol);
            CHECK_REL(exp(res.skat_log_p), ref[CC_P_SKAT], tol, name);
            snprintf(name, sizeof name, "%s: ACAT-V p = R within %g", cc->name, tol);
            CHECK_REL(exp(res.acatv_log_p), ref[CC_P_ACATV], tol, name);
            if (cc->exact) {
                snprintf(name, sizeof name, "%s: SKAT-O p = R within %g", cc->name, tol);
                CHECK_REL(exp(res.skato_log_p), ref[CC_P_SKATO], tol, name);
            } else {
                snprintf(name, sizeof name, "%s: burden variance ratio = R within %g", cc->name, tol);
                CHECK_REL(res.burden_var_ratio, ref[CC_RATIO], tol, name);
            }
        }
        duet_genetest_null_destroy(null);
        free(resid);
        free(mu);
        free_cc_case(cc);
    }
    duet_genetest_work_destroy(work);
}

static gene_case_t gene_cases[] = {
    { "lin", DUET_GENETEST_LINEAR, 200, 12, 3, 0, 0.25, 0.001, 101, NULL, NULL, NULL, NULL },
    { "logit", DUET_GENETEST_LOGISTIC, 400, 10, 2, 0, 0.5, 0.001, 202, NULL, NULL, NULL, NULL },
    { "wide", DUET_GENETEST_LINEAR, 20, 30, 2, 0, 0.3, 0.05, 303, NULL, NULL, NULL, NULL },
    { "logitw", DUET_GENETEST_LOGISTIC, 300, 8, 3, 1, 0.4, 0.001, 404, NULL, NULL, NULL, NULL },
    { "strong", DUET_GENETEST_LINEAR, 300, 15, 2, 0, 0.9, 0.02, 505, NULL, NULL, NULL, NULL },
};
#define N_GENE_CASES ((int)(sizeof gene_cases / sizeof gene_cases[0]))

enum { R_Q_SKAT, R_P_SKAT, R_N_LAMBDA, R_SUM_LAMBDA, R_MAX_LAMBDA, R_BURDEN_CHI2, R_P_BURDEN,
       R_PMIN, R_P_SKATO, R_P_ACATV, R_P_ACATO, R_PRHO, R_N = R_PRHO + 8 };

static void test_genes_against_r(void)
{
    CHECK(get_work_dir() != NULL, "work folder for the R reference");
    if (!work_dir[0]) return;
    const char *dir = work_dir;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/cases.txt", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "name model weights\n");
    for (int c = 0; c < N_GENE_CASES; c++) {
        gene_case_t *gc = &gene_cases[c];
        make_case(gc);
        fprintf(f, "%s %s %d\n", gc->name, gc->model == DUET_GENETEST_LINEAR ? "linear" : "logistic",
                gc->use_weights);
        write_design(dir, gc->name, gc->n, gc->m, gc->k, gc->x, gc->y, gc->g, gc->w);
    }
    fclose(f);
    write_qf_cases();
    write_cc_cases(dir);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = run_r(dir);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("# R reference: %.1f s\n", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
    CHECK(rc == 0, "Rscript computed the reference values");

    check_qf_against_r();
    check_cc_against_r(rc == 0);

    duet_genetest_work_t *work = NULL;
    CHECK(duet_genetest_work_create(&work) == DUET_OK, "work space");
    duet_genetest_opts_t opts;
    duet_genetest_opts_init(&opts);
    opts.cc_adjust = 0; /* the R reference is SKAT's asymptotic test ("noadj") */
    snprintf(path, sizeof path, "%s/ref.tsv", dir);
    for (int c = 0; c < N_GENE_CASES; c++) {
        gene_case_t *gc = &gene_cases[c];
        double ref[R_N];
        char name[160];
        int have = rc == 0 && read_ref_row(path, gc->name, ref, R_N) == 0;
        snprintf(name, sizeof name, "%s: R reference row present", gc->name);
        CHECK(have, name);
        if (!have) continue;
        double *resid = malloc(sizeof(double) * gc->n), *mu = malloc(sizeof(double) * gc->n);
        fit_null(gc->model, gc->n, gc->k, gc->x, gc->y, resid, mu);
        duet_genetest_null_t *null = NULL;
        duet_err_t err = duet_genetest_null_create(gc->model, gc->n, gc->k, gc->x, gc->n, resid,
                                                   gc->model == DUET_GENETEST_LOGISTIC ? mu : NULL,
                                                   &null);
        snprintf(name, sizeof name, "%s: null model", gc->name);
        CHECK(err == DUET_OK, name);
        duet_genetest_result_t res;
        err = duet_genetest_run(null, gc->g, gc->n, gc->m, gc->use_weights ? gc->w : NULL, &opts,
                                work, &res);
        int n_poly = 0;
        for (int j = 0; j < gc->m; j++) {
            double sum = 0;
            for (int i = 0; i < gc->n; i++) sum += gc->g[(size_t)gc->n * j + i];
            n_poly += sum > 0 && sum < 2.0 * gc->n;
        }
        snprintf(name, sizeof name, "%s: run, %d polymorphic variants", gc->name, n_poly);
        CHECK(err == DUET_OK && res.status == DUET_GENETEST_OK && res.n_variants == n_poly, name);
        printf("# %s (n %d, m %d, %s): SKAT p %.6g (R %.6g, %s), burden %.6g (R %.6g), SKAT-O %.6g "
               "(R %.6g, rho %.2f), ACAT-V %.6g (R %.6g), ACAT-O %.6g (R %.6g)\n",
               gc->name, gc->n, gc->m, gc->model == DUET_GENETEST_LINEAR ? "linear" : "logistic",
               exp(res.skat_log_p), ref[R_P_SKAT], duet_qf_method_str(res.skat_method),
               exp(res.burden_log_p), ref[R_P_BURDEN], exp(res.skato_log_p), ref[R_P_SKATO],
               res.skato_rho, exp(res.acatv_log_p), ref[R_P_ACATV], exp(res.acato_log_p),
               ref[R_P_ACATO]);
#define CASE_CHECK_REL(got, want, tol, what)                                     \
    do {                                                                         \
        snprintf(name, sizeof name, "%s: %s", gc->name, what);                   \
        CHECK_REL(got, want, tol, name);                                         \
    } while (0)
        CASE_CHECK_REL(res.skat_q, ref[R_Q_SKAT], 1e-9, "SKAT Q = R");
        snprintf(name, sizeof name, "%s: number of eigenvalues kept = R", gc->name);
        CHECK(res.n_lambda == (int)ref[R_N_LAMBDA], name);
        CASE_CHECK_REL(exp(res.skat_log_p), ref[R_P_SKAT], 2e-3, "SKAT p = R (Imhof) within 0.2%");
        CASE_CHECK_REL(res.burden_chi2, ref[R_BURDEN_CHI2], 1e-9, "burden chi2 = R");
        CASE_CHECK_REL(res.burden_log_p, log(ref[R_P_BURDEN]), 1e-9, "burden p = R");
        int rho_ok = 1;
        for (int k = 0; k < DUET_SKATO_N_RHO; k++) {
            int ok_k = fabs(exp(res.skato_rho_log_p[k]) / ref[R_PRHO + k] - 1) < 3e-3;
            if (!ok_k)
                printf("#   rho %.2f: p %.8g, R %.8g\n", duet_skato_rho[k], exp(res.skato_rho_log_p[k]),
                       ref[R_PRHO + k]);
            rho_ok &= ok_k;
        }
        snprintf(name, sizeof name, "%s: SKAT-O per-rho p (8 kernels' eigenvalues) = R within 0.3%%",
                 gc->name);
        CHECK(rho_ok, name);
        CASE_CHECK_REL(exp(res.skato_log_p), ref[R_P_SKATO], 5e-3, "SKAT-O p = R within 0.5%");
        CASE_CHECK_REL(exp(res.acatv_log_p), ref[R_P_ACATV], 1e-8, "ACAT-V p = R (lm t tests)");
        CASE_CHECK_REL(exp(res.acato_log_p), ref[R_P_ACATO], 2e-3, "ACAT-O p = R within 0.2%");
        duet_genetest_null_destroy(null);
        free(resid);
        free(mu);
    }
    duet_genetest_work_destroy(work);
    for (int c = 0; c < N_GENE_CASES; c++) free_case(&gene_cases[c]);
}


/* ------------------------------------------------------------------ */
/* The saddlepoint-adjusted variance on a hand-computable gene         */

/*
 * n = 100 samples, intercept only, 10 cases (mu = 0.1 for all), one
 * variant carried once, by a case.  By hand: the adjusted genotype is
 * g - 0.01 (0.99 for the carrier, -0.01 for the 99 others), the score
 * S = sum g (y - mu) = 0.9, Var S = 0.09 (0.99^2 + 99 0.01^2) = 0.0891,
 * z = 3.015 > 2, so its saddlepoint p has the carrier exact (g 0.99,
 * mu 0.1) and the others as a normal term of variance 0.09 99 1e-4; the
 * adjusted variance is V* = S^2 / qchisq(p, 1, lower = FALSE).  With one
 * column the kernel is the single eigenvalue V* / 2 (SKAT's scale), so the
 * SKAT, burden and ACAT-V (collapsed) p-values all equal that saddlepoint
 * p, and the burden variance ratio is V* / 0.0891.
 */
static void test_spa_hand(void)
{
    enum { N = 100 };
    double x[N], y[N], resid[N], mu[N], g[N];
    for (int i = 0; i < N; i++) {
        x[i] = 1.0;
        y[i] = i < 10;
        mu[i] = 0.1;
        resid[i] = y[i] - 0.1;
        g[i] = i == 0;
    }
    duet_genetest_null_t *null = NULL;
    duet_genetest_work_t *work = NULL;
    CHECK(duet_genetest_null_create(DUET_GENETEST_LOGISTIC, N, 1, x, N, resid, mu, &null) ==
              DUET_OK && duet_genetest_work_create(&work) == DUET_OK,
          "hand SPA: null model");
    if (!null || !work) return;
    duet_genetest_opts_t opts;
    duet_genetest_opts_init(&opts);
    opts.exact_carriers = 0; /* the saddlepoint path */
    duet_genetest_result_t res;
    CHECK(duet_genetest_run(null, g, N, 1, NULL, &opts, work, &res) == DUET_OK &&
              res.status == DUET_GENETEST_OK && res.adjust == DUET_GENETEST_SPA,
          "hand SPA: run takes the saddlepoint path");
    double s = 0.9, var = 0.09 * (0.99 * 0.99 + 99 * 1e-4);
    double ge = 0.99, me = 0.1;
    double lp = duet_spa_logp2(&ge, &me, 1, 0.09 * 99 * 1e-4, s, NULL);
    double vstar = s * s / qchisq(lp, 1.0, 0, 1);
    printf("# hand SPA: S 0.9, V %.6g, z %.4f, saddlepoint p %.6g (normal %.6g), V* %.6g\n", var,
           s / sqrt(var), exp(lp), exp(pchisq(s * s / var, 1.0, 0, 1)),
           vstar);
    CHECK_REL(res.burden_var_ratio, vstar / var, 1e-9, "hand SPA: burden variance ratio = V* / V");
    CHECK_REL(res.burden_log_p, lp, 1e-9, "hand SPA: burden p = saddlepoint p");
    CHECK_REL(res.skat_log_p, lp, 1e-6, "hand SPA: SKAT p (one eigenvalue V*/2) = saddlepoint p");
    CHECK_REL(res.acatv_log_p, lp, 1e-9, "hand SPA: ACAT-V p (collapsed singleton) = saddlepoint p");
    CHECK(vstar > var, "hand SPA: the adjusted variance is larger than mu (1 - mu) gives");
    /* the same gene below the exact threshold: P(carrier is a case) = 0.1
     * is the exact p of every test (|S| at least as large only then) */
    opts.exact_carriers = 12;
    CHECK(duet_genetest_run(null, g, N, 1, NULL, &opts, work, &res) == DUET_OK &&
              res.adjust == DUET_GENETEST_EXACT && res.n_carriers == 1,
          "hand exact: one carrier, exact path");
    CHECK_REL(exp(res.burden_log_p), 0.1, 1e-12, "hand exact: burden p = mu of the carrier");
    CHECK_REL(exp(res.skat_log_p), 0.1, 1e-12, "hand exact: SKAT p = mu of the carrier");
    CHECK_REL(exp(res.skato_log_p), 0.1, 1e-12, "hand exact: SKAT-O p = mu of the carrier");
    CHECK_REL(exp(res.acatv_log_p), 0.1, 1e-12, "hand exact: ACAT-V p = mu of the carrier");
    duet_genetest_null_destroy(null);
    duet_genetest_work_destroy(work);
}

/* ------------------------------------------------------------------ */
/* Edge cases                                                          */

static void test_edges(void)
{
    const int n = 50, k = 2;
    double x[100], y[50], resid[50], mu[50], g[150];
    duet_rng_t rng;
    duet_rng_init(&rng, 7, 0);
    for (int i = 0; i < n; i++) {
        x[i] = 1;
        x[n + i] = duet_rng_normal(&rng);
        y[i] = duet_rng_normal(&rng);
    }
    fit_null(DUET_GENETEST_LINEAR, n, k, x, y, resid, NULL);
    duet_genetest_null_t *null = NULL;
    CHECK(duet_genetest_null_create(DUET_GENETEST_LINEAR, n, k, x, n, resid, NULL, &null) == DUET_OK,
          "edges: null model");
    duet_genetest_work_t *work = NULL;
    CHECK(duet_genetest_work_create(&work) == DUET_OK, "edges: work");
    duet_genetest_opts_t opts;
    duet_genetest_opts_init(&opts);
    duet_genetest_result_t res;

    memset(g, 0, sizeof g);
    CHECK(duet_genetest_run(null, g, n, 3, NULL, &opts, work, &res) == DUET_OK &&
              res.status == DUET_GENETEST_NO_VARIANTS && isnan(res.skat_log_p),
          "edges: monomorphic gene -> no_polymorphic_variants, NaN");
    CHECK_STR(duet_genetest_status_str(res.status), "no_polymorphic_variants", "edges: status name");
    /* all samples heterozygous: the column is the intercept */
    for (int i = 0; i < n; i++) g[i] = 1.0;
    CHECK(duet_genetest_run(null, g, n, 1, NULL, &opts, work, &res) == DUET_OK &&
              res.status == DUET_GENETEST_COLLINEAR,
          "edges: genotype in the covariates' span -> collinear");
    /* one variant: SKAT, burden and SKAT-O are the same chi2_1 test */
    for (int i = 0; i < n; i++) g[i] = i % 7 == 0;
    CHECK(duet_genetest_run(null, g, n, 1, NULL, &opts, work, &res) == DUET_OK &&
              res.status == DUET_GENETEST_OK,
          "edges: one variant runs");
    CHECK(fabs(res.skat_log_p - res.burden_log_p) < 1e-12 &&
              fabs(res.skato_log_p - res.burden_log_p) < 1e-12 && res.skat_method == DUET_QF_EXACT,
          "edges: one variant: SKAT = burden = SKAT-O, exact chi2_1");
    /* only some tests */
    opts.tests = DUET_GENETEST_BURDEN;
    CHECK(duet_genetest_run(null, g, n, 1, NULL, &opts, work, &res) == DUET_OK &&
              !isnan(res.burden_log_p) && isnan(res.skat_log_p) && isnan(res.skato_log_p) &&
              isnan(res.acatv_log_p),
          "edges: --tests burden leaves the others NaN");
    duet_genetest_opts_init(&opts);
    /* duplicated variant: same SKAT as one variant with the weights'
     * squares added (rank one kernel) */
    for (int i = 0; i < n; i++) g[n + i] = g[i];
    fprintf(stderr, "(expected errors follow)\n");
    double w2[2] = { 1, 1 }, w1[1] = { M_SQRT2 };
    duet_genetest_result_t r2;
    CHECK(duet_genetest_run(null, g, n, 2, w2, &opts, work, &r2) == DUET_OK &&
              duet_genetest_run(null, g, n, 1, w1, &opts, work, &res) == DUET_OK &&
              r2.n_lambda == 1 && fabs(r2.skat_log_p - res.skat_log_p) < 1e-10 &&
              fabs(r2.skato_log_p - res.skato_log_p) < 1e-10,
          "edges: a duplicated variant (rank-one kernel) = one variant of weight sqrt 2");
    g[5] = NAN;
    CHECK(duet_genetest_run(null, g, n, 1, NULL, &opts, work, &res) == DUET_EINTERNAL,
          "edges: a missing (NaN) dosage is refused");
    /* bad null inputs */
    duet_genetest_null_t *bad = NULL;
    for (int i = 0; i < n; i++) mu[i] = 0.5;
    mu[3] = 1.0;
    CHECK(duet_genetest_null_create(DUET_GENETEST_LOGISTIC, n, k, x, n, resid, mu, &bad) ==
              DUET_EDEGENERATE && bad == NULL,
          "edges: fitted probability 1 -> degenerate");
    CHECK(duet_genetest_null_create(DUET_GENETEST_LINEAR, n, k, x, n, y, NULL, &bad) == DUET_EINTERNAL,
          "edges: y passed for residuals (not orthogonal to X) -> refused");
    CHECK(duet_genetest_null_create(DUET_GENETEST_LINEAR, 2, 2, x, n, resid, NULL, &bad) ==
              DUET_EDEGENERATE,
          "edges: no residual degrees of freedom -> degenerate");
    duet_genetest_null_destroy(NULL);
    duet_genetest_work_destroy(NULL);
    duet_genetest_null_destroy(null);
    duet_genetest_work_destroy(work);
}

/* ------------------------------------------------------------------ */
/* Null distribution                                                   */

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of p[0..n-1] from uniform (sorts p). */
static double ks_uniform(double *p, int n)
{
    qsort(p, (size_t)n, sizeof *p, cmp_dbl);
    double d = 0;
    for (int i = 0; i < n; i++) {
        double a = fabs(p[i] - (double)i / n), b = fabs((double)(i + 1) / n - p[i]);
        if (a > d) d = a;
        if (b > d) d = b;
    }
    return d;
}

/*
 * Simulated null phenotypes (covariates only) against simulated genes of
 * 5-30 rare and low-frequency variants (MAF 0.002-0.05, n = 500); each
 * test's p-values must look uniform: Kolmogorov-Smirnov distance below the
 * 1e-4 critical value 2.226 / sqrt(N), so that the 8 checks together fail
 * by chance less than once in a thousand seeds (the seed is fixed, so the
 * outcome is too), while a wrong null distribution -- a missing covariate
 * projection, a wrong variance weight or scale, a wrong eigenvalue set --
 * moves D far past it.  Also the fraction below 0.05 within 0.05 +- 4
 * binomial standard errors.  A planted effect then gives small p-values
 * (power), so that the check cannot pass by returning noise.
 */
static void test_null_uniformity(void)
{
    const int n_genes = 300;
    const int n = 500, k = 2, m_max = 30;
    double *x = malloc(sizeof(double) * n * k), *y = malloc(sizeof(double) * n);
    double *resid = malloc(sizeof(double) * n), *mu = malloc(sizeof(double) * n);
    double *g = malloc(sizeof(double) * n * m_max);
    double *p[4];
    for (int t = 0; t < 4; t++) p[t] = malloc(sizeof(double) * n_genes);
    const char *names[4] = { "burden", "SKAT", "SKAT-O", "ACAT-V" };
    duet_genetest_work_t *work = NULL;
    if (duet_genetest_work_create(&work)) return;
    duet_genetest_opts_t opts;
    duet_genetest_opts_init(&opts);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int model = 0; model < 2; model++) {
        duet_rng_t rng;
        duet_rng_init(&rng, 99, (uint64_t)model);
        for (int i = 0; i < n; i++) {
            x[i] = 1.0;
            x[n + i] = duet_rng_normal(&rng);
        }
        int methods[5] = { 0 };
        for (int gi = 0; gi < n_genes; gi++) {
            /* a new phenotype under the null for every gene */
            for (int i = 0; i < n; i++) {
                double eta = 0.5 * x[n + i];
                y[i] = model == 0 ? eta + duet_rng_normal(&rng)
                                  : duet_rng_uniform(&rng) < 1 / (1 + exp(-(-0.7 + eta)));
            }
            fit_null(model ? DUET_GENETEST_LOGISTIC : DUET_GENETEST_LINEAR, n, k, x, y, resid, mu);
            duet_genetest_null_t *null = NULL;
            if (duet_genetest_null_create(model ? DUET_GENETEST_LOGISTIC : DUET_GENETEST_LINEAR, n,
                                          k, x, n, resid, model ? mu : NULL, &null))
                return;
            int m = 5 + (int)duet_rng_below(&rng, 26);
            for (int j = 0; j < m; j++) {
                double maf = exp(log(0.002) + (log(0.05) - log(0.002)) * duet_rng_uniform(&rng));
                for (int i = 0; i < n; i++) g[(size_t)n * j + i] = (double)duet_rng_binomial(&rng, 2, maf);
            }
            duet_genetest_result_t res;
            if (duet_genetest_run(null, g, n, m, NULL, &opts, work, &res) || res.status) {
                p[0][gi] = p[1][gi] = p[2][gi] = p[3][gi] = 0.5; /* counted below as a failure */
            }
            p[0][gi] = exp(res.burden_log_p);
            p[1][gi] = exp(res.skat_log_p);
            p[2][gi] = exp(res.skato_log_p);
            p[3][gi] = exp(res.acatv_log_p);
            methods[res.skat_method]++;
            duet_genetest_null_destroy(null);
        }
        double crit = 2.226 / sqrt(n_genes); /* sqrt(-ln(1e-4 / 2) / 2) */
        for (int t = 0; t < 4; t++) {
            int below = 0, finite = 1;
            for (int gi = 0; gi < n_genes; gi++) {
                below += p[t][gi] < 0.05;
                finite &= p[t][gi] >= 0 && p[t][gi] <= 1;
            }
            double d = ks_uniform(p[t], n_genes);
            double se = sqrt(0.05 * 0.95 / n_genes);
            char name[160];
            printf("# null, %s, %s: KS D = %.4f (1e-4 critical %.4f), %.3f below 0.05, "
                   "smallest p %.2g\n",
                   model ? "logistic" : "linear", names[t], d, crit, (double)below / n_genes, p[t][0]);
            snprintf(name, sizeof name, "null uniformity (%s, %d genes): %s p-values, KS D < %.3f",
                     model ? "logistic" : "linear", n_genes, names[t], crit);
            CHECK(finite && d < crit, name);
            snprintf(name, sizeof name, "null uniformity (%s): %s, fraction below 0.05 within 4 se",
                     model ? "logistic" : "linear", names[t]);
            CHECK(fabs((double)below / n_genes - 0.05) < 4 * se, name);
        }
        printf("# SKAT p-value methods: exact %d, davies %d, saddlepoint %d, liu %d\n", methods[1],
               methods[2], methods[3], methods[4]);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("# null simulation: %d genes in %.2f s\n", 2 * n_genes,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));

    /* power: the same design with a planted effect on every variant */
    {
        duet_rng_t rng;
        duet_rng_init(&rng, 1234, 0);
        int m = 20;
        for (int j = 0; j < m; j++) {
            double maf = exp(log(0.002) + (log(0.05) - log(0.002)) * duet_rng_uniform(&rng));
            for (int i = 0; i < n; i++) g[(size_t)n * j + i] = (double)duet_rng_binomial(&rng, 2, maf);
        }
        for (int i = 0; i < n; i++) {
            double eta = 0.5 * x[n + i];
            for (int j = 0; j < m; j++) eta += 1.0 * g[(size_t)n * j + i];
            y[i] = eta + duet_rng_normal(&rng);
        }
        fit_null(DUET_GENETEST_LINEAR, n, k, x, y, resid, NULL);
        duet_genetest_null_t *null = NULL;
        if (duet_genetest_null_create(DUET_GENETEST_LINEAR, n, k, x, n, resid, NULL, &null) == DUET_OK) {
            duet_genetest_result_t res;
            if (duet_genetest_run(null, g, n, m, NULL, &opts, work, &res) == DUET_OK) {
                printf("# planted effect: log10 p burden %.1f, SKAT %.1f (%s), SKAT-O %.1f (rho %.2f), "
                       "ACAT-V %.1f, ACAT-O %.1f\n",
                       res.burden_log_p / M_LN10, res.skat_log_p / M_LN10,
                       duet_qf_method_str(res.skat_method), res.skato_log_p / M_LN10, res.skato_rho,
                       res.acatv_log_p / M_LN10, res.acato_log_p / M_LN10);
                CHECK(res.burden_log_p < log(1e-8) && res.skat_log_p < log(1e-8) &&
                          res.skato_log_p < log(1e-8) && res.acato_log_p < log(1e-8) &&
                          res.acatv_log_p < log(1e-3),
                      "power: a planted burden effect: p < 1e-8 (burden, SKAT, SKAT-O, ACAT-O), "
                      "< 1e-3 (ACAT-V)");
                CHECK(res.skato_log_p <= res.skat_log_p + 1e-9 ||
                          res.skato_log_p <= res.burden_log_p + log(8.0),
                      "power: SKAT-O within its Bonferroni bound of the best rho");
            }
            duet_genetest_null_destroy(null);
        }
    }
    duet_genetest_work_destroy(work);
    for (int t = 0; t < 4; t++) free(p[t]);
    free(x);
    free(y);
    free(resid);
    free(mu);
    free(g);
}

int main(void)
{
    test_davies_published();
    test_davies_exact();
    test_davies_monte_carlo();
    test_liu();
    test_saddle();
    test_qf_driver();
    test_integrate();
    test_acat();
    test_edges();
    test_spa_hand();
    test_genes_against_r();
    test_null_uniformity();
    if (own_work_dir) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", work_dir);
        if (system(cmd) != 0) printf("# could not remove %s\n", work_dir);
    }
    return unit_done();
}
