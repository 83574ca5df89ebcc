/*
 * test_bintest.c -- the case/control policy of bintest.h: which test each
 * kind of variant ends with, that a result never carries a less calibrated
 * p-value than the policy promises, the modes and their option parsing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/bintest.h"
#include "duet/rng.h"
#include "unit.h"

enum { N = 3000 };
static double X[2 * N], Y[N];

static void test_variant(const duet_bintest_opts_t *o, const duet_logreg_null_t *m,
                         duet_bintest_work_t *w, const double *g, duet_assoc_t *a)
{
    double sums[8], mean = 0, ss = 0;
    for (int i = 0; i < N; i++) mean += g[i];
    mean /= N;
    for (int i = 0; i < N; i++) ss += (g[i] - mean) * (g[i] - mean);
    duet_logreg_score_sums(m, g, N, 1, sums);
    duet_bintest_variant(o, m, w, g, sums, ss, NULL, 0, NULL, a);
}

int main(void)
{
    duet_rng_t r;
    duet_rng_init(&r, 7, 0);
    static double gc[N], gr[N], gw[N], gs[N];
    int cases = 0;
    for (int i = 0; i < N; i++) {
        X[i] = 1;
        X[N + i] = duet_rng_uniform(&r) - 0.5;
        /* a common variant with a strong effect, a weak one, and one with
         * three carriers, all cases */
        gc[i] = (duet_rng_uniform(&r) < 0.3) + (duet_rng_uniform(&r) < 0.3);
        gw[i] = (duet_rng_uniform(&r) < 0.3) + (duet_rng_uniform(&r) < 0.3);
        double eta = -3.5 + 1.2 * gc[i] + 0.5 * X[N + i];
        Y[i] = duet_rng_uniform(&r) < 1 / (1 + exp(-eta));
        cases += Y[i] > 0;
    }
    int placed = 0;
    for (int i = 0; i < N; i++) {
        gr[i] = 0;
        gs[i] = 0;
        if (Y[i] > 0 && placed < 3) { gr[i] = 1; placed++; }
    }
    /* 30 carriers, 15 of them cases: enough expected cases for Firth */
    int nc = 0, nn = 0;
    for (int i = 0; i < N; i++) {
        if (Y[i] > 0 && nc < 15) { gs[i] = 1; nc++; }
        else if (Y[i] == 0 && nn < 15) { gs[i] = 1; nn++; }
    }
    printf("# %d cases of %d\n", cases, N);

    duet_logreg_null_t *m = NULL;
    duet_bintest_work_t *w = NULL;
    if (duet_logreg_null_create(X, N, N, 2, Y, &m) || m->status != DUET_FIT_OK ||
        duet_logreg_null_fit_firth(m) || duet_bintest_work_create(N, 2, &w)) {
        CHECK(0, "null model and workspace");
        return unit_done();
    }
    CHECK(m->firth_beta != NULL, "Firth null fitted");
    duet_bintest_opts_t o;
    duet_bintest_opts_init(&o);
    duet_assoc_t a;

    test_variant(&o, m, w, gw, &a);
    CHECK(a.status == DUET_FIT_OK && (a.test == DUET_TEST_SCORE || a.log_p < log(0.0455)),
          "no effect: the score test where |z| <= 2");
    test_variant(&o, m, w, gc, &a);
    CHECK(a.test == DUET_TEST_FIRTH && a.log_p < log(1e-10) && fabs(a.beta - 1.2) < 0.3,
          "strong common effect: Firth's LRT, the planted log OR");
    test_variant(&o, m, w, gr, &a);
    CHECK(a.test == DUET_TEST_EXACT, "3 carriers, all cases: the exact test");
    {
        /* P(|S| >= observed) with three carriers: all three cases */
        double p = 1, mu[3];
        int k = 0;
        for (int i = 0; i < N; i++)
            if (gr[i] > 0) mu[k++] = m->mu[i];
        p = mu[0] * mu[1] * mu[2];
        CHECK_NEAR(a.log_p, log(p), 1e-9, "exact p = the product of the carriers' probabilities");
        CHECK(isfinite(a.beta) && isfinite(a.se) && a.se > 0, "exact row: finite one-step estimate and SE");
    }
    test_variant(&o, m, w, gs, &a);
    CHECK(a.test == DUET_TEST_FIRTH || a.test == DUET_TEST_SPA,
          "30 carriers, 15 cases: saddlepoint or Firth, not the exact test");

    o.mode = DUET_LOGISTIC_SPA;
    test_variant(&o, m, w, gr, &a);
    CHECK(a.test == DUET_TEST_SPA, "--logistic spa: the saddlepoint, never Firth or exact");
    test_variant(&o, m, w, gc, &a);
    CHECK(a.test == DUET_TEST_SPA && a.log_p < log(1e-10), "--logistic spa: strong effect by SPA");
    o.mode = DUET_LOGISTIC_FIRTH;
    test_variant(&o, m, w, gw, &a);
    CHECK(a.test == DUET_TEST_FIRTH, "--logistic firth: Firth everywhere");
    o.mode = DUET_LOGISTIC_WALD;
    test_variant(&o, m, w, gw, &a);
    CHECK(a.test == DUET_TEST_WALD, "--logistic wald: Wald where the fit converges");
    test_variant(&o, m, w, gr, &a);
    CHECK(a.test == DUET_TEST_FIRTH && a.status == DUET_FIT_OK,
          "--logistic wald: separation (carriers all cases) falls back to Firth");

    /* options */
    duet_logistic_mode_t mode;
    CHECK(duet_bintest_mode_parse("spa", &mode) == 0 && mode == DUET_LOGISTIC_SPA, "parse spa");
    CHECK(duet_bintest_mode_parse("score", &mode) != 0, "'score' is not a mode");
    duet_err_t err;
    duet_bintest_opts_init(&o);
    CHECK(duet_bintest_cli_parse(&o, DUET_BINTEST_OPT_FIRTH_THRESHOLD, "0.01", &err) == 1 && !err &&
              o.firth_p == 0.01, "--firth-threshold 0.01");
    CHECK(duet_bintest_cli_parse(&o, DUET_BINTEST_OPT_FIRTH_THRESHOLD, "2", &err) == 1 &&
              err == DUET_EUSAGE, "--firth-threshold 2 refused");
    CHECK(duet_bintest_cli_parse(&o, DUET_BINTEST_OPT_FIRTH, NULL, &err) == 1 &&
              o.mode == DUET_LOGISTIC_FIRTH, "--firth");
    CHECK(duet_bintest_cli_parse(&o, 'x', NULL, &err) == 0, "other options are not its");
    char buf[160];
    duet_bintest_opts_init(&o);
    duet_bintest_describe(&o, buf, sizeof buf);
    CHECK_STR(buf, "score test; saddlepoint where |z| > 2; Firth penalised LRT where p < 0.05",
              "the policy described");

    duet_bintest_work_destroy(w);
    duet_logreg_null_destroy(m);
    return unit_done();
}
