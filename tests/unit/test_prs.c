/*
 * test_prs.c -- unit tests of prs ct's formulas (prs.h): incremental R² of
 * linear models and Nagelkerke R² of logistic models against R's lm / glm
 * (values computed once with R 4.2, glm.control(epsilon = 1e-14)), the
 * liability-scale R² against a hand computation of Lee et al. 2012 eq. 15,
 * the AUC with ties against R's wilcox.test W / (n1 n0), and the threshold
 * grid (PRSice's lazy rule, parsing, bad grids).
 */
#include <math.h>
#include <stdlib.h>

#include "duet/prs.h"
#include "unit.h"

static const double y[10] = {2.1, 3.4, 1.9, 5.0, 4.2, 3.3, 2.8, 4.9, 3.9, 2.2};
static const double cv[10] = {1, 0, 1, 0, 0, 1, 1, 0, 1, 0};
static const double s[10] = {0.5, 1.1, 0.2, 2.0, 1.4, 0.9, 0.8, 1.7, 1.6, 0.1};

static void test_linear(void)
{
    duet_prs_fit_t f = duet_prs_fit_linear(y, cv, 1, s, 10);
    CHECK(f.ok, "linear fit");
    CHECK_NEAR(f.r2, 0.68368365986148472, 1e-12, "incremental R² = R lm");
    CHECK_NEAR(f.coef, 1.5556930693069309, 1e-12, "coefficient = R lm");
    CHECK_NEAR(f.se, 0.12787970879860708, 1e-12, "SE = R lm");
    CHECK_NEAR(f.p / 5.8002620306359133e-06, 1.0, 1e-9, "t-test p = R lm");
    double scaled[10];
    for (int i = 0; i < 10; i++) scaled[i] = 1e6 * s[i] + 3e7;
    duet_prs_fit_t g = duet_prs_fit_linear(y, cv, 1, scaled, 10);
    CHECK_NEAR(g.r2, f.r2, 1e-12, "R² does not depend on the score's scale and offset");
    CHECK_NEAR(g.coef * 1e6, f.coef, 1e-9, "coefficient scales back");
    double flat[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK(!duet_prs_fit_linear(y, cv, 1, flat, 10).ok, "a constant score cannot be fitted");
    duet_prs_fit_t h = duet_prs_fit_linear(y, NULL, 0, s, 10);
    CHECK(h.ok && h.r2_null == 0.0, "no covariates: the null model is the intercept");
    enum { N = 2000 };
    static double yy[N], ss[N];
    for (int i = 0; i < N; i++) {
        ss[i] = i % 97;
        yy[i] = ss[i] + 0.01 * sin(i * 1.7);
    }
    duet_prs_fit_t u = duet_prs_fit_linear(yy, NULL, 0, ss, N);
    CHECK(u.ok && u.p == 0.0 && isfinite(u.log_p) && u.log_p < -745, "p underflows, log p stays exact (orders the thresholds)");
}

static void test_logistic(void)
{
    double b[10] = {0, 1, 1, 1, 1, 0, 0, 0, 1, 0};
    duet_prs_fit_t f = duet_prs_fit_logistic(b, cv, 1, s, 10);
    CHECK(f.ok, "logistic fit");
    CHECK_NEAR(f.r2, 0.13445470758572037, 1e-9, "incremental Nagelkerke R² = R glm");
    CHECK_NEAR(f.r2_full, 0.18708260830554271, 1e-9, "Nagelkerke R² of the full model = R glm");
    CHECK_NEAR(f.coef, 1.2474669696883909, 1e-8, "coefficient = R glm");
    CHECK_NEAR(f.se, 1.256192300140029, 1e-8, "SE = R glm");
    CHECK_NEAR(f.p, 0.32068356909867718, 1e-8, "Wald p = R glm");
    double sep[10] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    double ord[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK(!duet_prs_fit_logistic(sep, NULL, 0, ord, 10).ok, "complete separation: not fitted");
    double none[10] = {0};
    CHECK(!duet_prs_fit_logistic(none, NULL, 0, s, 10).ok, "no cases: not fitted");
}

static void test_liability_auc(void)
{
    /* by hand: t = 1.2815516, z = 0.1754983, m = z/K = 1.754983,
     * C = K(1-K)/z^2 * K(1-K)/(P(1-P)) = 1.0519603,
     * theta = m(P-K)/(1-K) * (m(P-K)/(1-K) - t) = -0.3912224,
     * R²_l = 0.05 C / (1 + 0.05 theta C) = 0.0537030 */
    CHECK_NEAR(duet_prs_liability_r2(0.05, 0.1, 0.5), 0.053703, 5e-7,
               "liability R² (K 0.1, P 0.5, R²o 0.05) = hand computation");
    CHECK_NEAR(duet_prs_liability_r2(0.05, 0.1, 0.5), 0.05370302120300123, 1e-12, "= R");
    CHECK_NEAR(duet_prs_liability_r2(0.02, 0.2, 0.2), 0.040827430717712603, 1e-12,
               "no ascertainment (P = K): R²o K(1-K)/z^2 (Dempster-Lerner)");
    double yy[5] = {1, 1, 0, 0, 0}, ss[5] = {3, 2, 2, 1, 3};
    CHECK_NEAR(duet_prs_auc(yy, ss, 5), 0.66666666666666663, 1e-15, "AUC with ties = wilcox.test W / (n1 n0)");
    double rev[5] = {0, 0, 1, 1, 1};
    CHECK_NEAR(duet_prs_auc(rev, ss, 5), 1.0 - 0.66666666666666663, 1e-15, "AUC of the other class is 1 - AUC");
    double none[5] = {0};
    CHECK(isnan(duet_prs_auc(none, ss, 5)), "AUC without cases: NaN (written NA)");
}

static void test_grid(void)
{
    double *lv = NULL, *thr = NULL;
    int n = 0, nt = 0;
    CHECK(duet_ct_parse_levels("0.5,0.001,0.05,0.5", &lv, &n) == DUET_OK && n == 3 && lv[0] == 0.001 &&
              lv[2] == 0.5, "levels sorted, duplicates dropped");
    free(lv);
    CHECK(duet_ct_parse_levels("0,0.5", &lv, &n) == DUET_EUSAGE, "a level of 0 is refused");
    CHECK(duet_ct_parse_levels("0.1,1.5", &lv, &n) == DUET_EUSAGE, "a level above 1 is refused");
    CHECK(duet_ct_parse_levels("0.1,abc", &lv, &n) == DUET_EUSAGE, "a word is refused");
    CHECK(duet_ct_parse_levels("0.1,", &lv, &n) == DUET_EUSAGE, "an empty item is refused");
    duet_ct_grid_t g;
    duet_ct_grid_init(&g);
    double p[5] = {1e-9, 0.002, 0.003, 0.25, 0.9};
    CHECK(duet_ct_thresholds(&g, p, 5, &thr, &nt) == DUET_OK, "PRSice's bar levels");
    /* 0.001 (1e-9), 0.05 (+2), 0.3 (+0.25), 1 (+0.9); 0.1 0.2 0.4 0.5 add nothing */
    CHECK(nt == 4 && thr[0] == 0.001 && thr[1] == 0.05 && thr[2] == 0.3 && thr[3] == 1.0,
          "thresholds adding no variant are skipped; 1 is the full model");
    free(thr);
    g.no_full = 1;
    CHECK(duet_ct_thresholds(&g, p, 5, &thr, &nt) == DUET_OK && nt == 3, "--no-full drops 1");
    free(thr);
    g.high_res = 1;
    CHECK(duet_ct_thresholds(&g, p, 5, &thr, &nt) == DUET_OK && nt == 4 && fabs(thr[1] - (5e-8 + 40 * 5e-5)) < 1e-15,
          "fine grid: 0.002 falls at 5e-8 + 40 x 5e-5 (inclusive thresholds)");
    free(thr);
    g.interval = 1e-7;
    CHECK(duet_ct_thresholds(&g, p, 5, &thr, &nt) == DUET_EUSAGE, "more than 100,000 fine thresholds refused");
    g.interval = 5e-5;
    g.lower = 0.6;
    CHECK(duet_ct_thresholds(&g, p, 5, &thr, &nt) == DUET_EUSAGE, "lower >= upper refused");
}

int main(void)
{
    test_linear();
    test_logistic();
    test_liability_auc();
    test_grid();
    return unit_done();
}
