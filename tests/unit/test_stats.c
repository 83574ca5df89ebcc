/*
 * test_stats.c -- unit tests of the association kernels (src/stats) on a
 * small hand-made data set, against values computed independently with R
 * 4.2 (stats::lm, stats::glm, anova(..., test = "Rao"), brglm2::brglmFit
 * type "MPL_Jeffreys" for Firth, and the distribution functions).  The R
 * script that produced every constant is in the comment at the end of this
 * file; the data are its set.seed(7) draws printed to 17 digits.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "duet/dist.h"
#include "duet/logreg.h"
#include "duet/stats.h"
#include "unit.h"

#define N 40
static const double X1[N] = { 2.2869999999999999, -1.1970000000000001, -0.69399999999999995, -0.41199999999999998, -0.97099999999999997, -0.94699999999999995, 0.748, -0.11700000000000001, 0.153, 2.1899999999999999, 0.35699999999999998, 2.7170000000000001, 2.2810000000000001, 0.32400000000000001, 1.8959999999999999, 0.46800000000000003, -0.89400000000000002, -0.307, -0.0050000000000000001, 0.98799999999999999, 0.83999999999999997, 0.70499999999999996, 1.306, -1.3879999999999999, 1.2729999999999999, 0.184, 0.752, 0.59199999999999997, -0.98299999999999998, -0.27600000000000002, -0.871, 0.71899999999999997, 0.111, -0.078, -0.41999999999999998, -0.56200000000000006, 0.998, -1.105, -0.14199999999999999, 0.315 };
static const double X2[N] = { 64.400000000000006, 63.899999999999999, 32.100000000000001, 57.100000000000001, 39.399999999999999, 23.899999999999999, 24.699999999999999, 58.100000000000001, 37.399999999999999, 40.799999999999997, 37.200000000000003, 20.399999999999999, 65.599999999999994, 29.100000000000001, 56.100000000000001, 48.600000000000001, 47, 37.700000000000003, 61.200000000000003, 29.300000000000001, 39.799999999999997, 44.299999999999997, 44.799999999999997, 39.399999999999999, 52.200000000000003, 37.200000000000003, 67.799999999999997, 22.100000000000001, 58.299999999999997, 30.199999999999999, 54.200000000000003, 39.799999999999997, 22.899999999999999, 56.799999999999997, 51.200000000000003, 51.5, 48.299999999999997, 59.5, 29.199999999999999, 61.600000000000001 };
static const double G[N] = { 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 2, 0, 2, 0, 1, 0, 0, 0, 1, 0, 1, 2, 1 };
static const double Y[N] = { 2.8170000000000002, 0.92300000000000004, 0.96299999999999997, 0.625, 0.20399999999999999, -0.11799999999999999, 0.872, 0.82199999999999995, -0.49199999999999999, 2.0600000000000001, 2.9870000000000001, 1.0780000000000001, 3.1150000000000002, 1.4159999999999999, 3.0369999999999999, 1.0389999999999999, 2.29, -0.378, 1.284, 1.232, 2.0670000000000002, 2.1850000000000001, 1.208, -0.30299999999999999, 1.7350000000000001, -0.30499999999999999, 2.573, 2.6429999999999998, 1.7110000000000001, 1.641, 0.39600000000000002, 1.9710000000000001, 1.1359999999999999, 1.724, 0.0089999999999999993, 2.9049999999999998, 0.024, 2.4620000000000002, 2.524, 2.1309999999999998 };
static const double Y2[N] = { -1.7549999999999999, 1.5700000000000001, 0.48799999999999999, -0.17799999999999999, 0.52900000000000003, 1.5329999999999999, 0.307, 0.033000000000000002, -1.6679999999999999, 1.0189999999999999, -0.79300000000000004, 0.61199999999999999, 0.66600000000000004, 0.16800000000000001, 0.93500000000000005, -0.95699999999999996, 0.245, 0.71599999999999997, 0.070000000000000007, 0.80800000000000005, -1.661, -1.075, 0.16500000000000001, 0.0070000000000000001, 0.48199999999999998, -0.27200000000000002, -0.88900000000000001, 0.085999999999999993, 0.34000000000000002, -1.498, -0.35599999999999998, 0.89700000000000002, -0.90700000000000003, -0.20699999999999999, 0.67900000000000005, -0.998, -1.5920000000000001, 0.97999999999999998, 0.82299999999999995, -0.21099999999999999 };
static const double YB[N] = { 1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1 };
static const double GS[N] = { 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
#define LM_BETA 0.81799550485999539
#define LM_SE 0.2494356467300457
#define LM_LOGP -6.0692854354473367
#define LM2_BETA -0.25213694187712365
#define LM2_SE 0.26787132939079544
#define LM2_LOGP -1.0417276019539223
#define LMD_BETA 0.79785164594569269
#define LMD_SE 0.26069236846763866
#define LMD_LOGP -5.4333061125455551
#define NULL_B0 1.0064159649219029
#define NULL_B1 0.15042067525180977
#define NULL_B2 -0.009451410072227634
#define SCORE_CHI2 3.0380541240855337
#define SCORE_LOGP -2.5091990383395855
#define WALD_BETA 1.1268405376151023
#define WALD_SE 0.66538350915821376
#define WALD_LOGP -2.4039927897818867
#define WALDD_BETA 0.9014368919771284
#define WALDD_SE 0.66722379748966332
#define FIRTH_BETA 0.98802390553270969
#define FIRTH_SE 0.59699742553813173     /* |beta| / sqrt(penalised LR chi2) */
#define FIRTH_LOGP -2.3235348151236446   /* penalised likelihood-ratio test */
#define FIRTHS_BETA 1.5649414877323693
#define FIRTHS_SE 1.3255467713526117
#define FIRTHS_LOGP -1.4364877429194258
#define T_LOGP -3.4594566431085014
#define Z50_NEGLOG10 544.66530586633269
#define CHI2_FROM_LOGP 1592.1743072672255
#define T_CRIT 2.1098155778333165
#define FIRTH7_BETA 0.90894096925780432
#define FIRTH7_SE 0.60715967264046344
#define FIRTH7_LOGP -2.0070581655069826
#define WALD7_BETA 1.0897481421340531
#define WALD7_SE 0.69450680082936378

/* design [1, x1, x2], column-major */
static double X[3 * N];

static void make_design(void)
{
    for (int i = 0; i < N; i++) {
        X[i] = 1;
        X[N + i] = X1[i];
        X[2 * N + i] = X2[i];
    }
}

static double centred_ss(const double *g, const uint8_t *drop)
{
    double s = 0, s2 = 0;
    int n = 0;
    for (int i = 0; i < N; i++) {
        if (drop && drop[i]) continue;
        s += g[i];
        n++;
    }
    for (int i = 0; i < N; i++) {
        if (drop && drop[i]) continue;
        s2 += (g[i] - s / n) * (g[i] - s / n);
    }
    return s2;
}

static void test_dist(void)
{
    CHECK_NEAR(duet_dist_logp_t2(2.5, 10), T_LOGP, 1e-12, "t tail, log scale");
    CHECK_NEAR(duet_dist_logp_t2(-2.5, 10), T_LOGP, 1e-12, "t tail is two-sided");
    CHECK_NEAR(duet_dist_neglog10(duet_dist_logp_z2(50)), Z50_NEGLOG10, 1e-9,
               "z = 50: -log10 p = 544.67 although p underflows");
    CHECK_NEAR(duet_dist_logp_chisq(2500, 1), duet_dist_logp_z2(50), 1e-9,
               "chi-square(1) tail equals the two-sided z tail");
    CHECK_NEAR(duet_dist_chisq1_from_logp(-800), CHI2_FROM_LOGP, 1e-7,
               "chi-square(1) quantile from ln p = -800");
    CHECK_NEAR(duet_dist_chisq1_from_logp(duet_dist_logp_chisq(3.7, 1)), 3.7, 1e-10,
               "chi-square quantile inverts the tail");
    CHECK_NEAR(duet_dist_t_crit(0.05, 17), T_CRIT, 1e-12, "t critical value");
    char buf[64];
    duet_dist_format_p(log(2.5) - 800 * M_LN10, 6, "#NA", buf, sizeof buf);
    CHECK_STR(buf, "2.5e-800", "p below the double range prints from its logarithm");
    duet_dist_format_p(log(9.9999999) - 800 * M_LN10, 3, "#NA", buf, sizeof buf);
    CHECK_STR(buf, "1e-799", "mantissa rounding carries into the exponent");
    duet_dist_format_p(log(0.05), 6, "#NA", buf, sizeof buf);
    CHECK_STR(buf, "0.05", "ordinary p prints with %g");
    duet_dist_format_p(NAN, 6, "#NA", buf, sizeof buf);
    CHECK_STR(buf, "#NA", "NaN prints as the NA string");
    CHECK_NEAR(duet_dist_parse_logp("2.5e-800"), log(2.5) - 800 * M_LN10, 1e-9,
               "parse a p-value below the double range");
    CHECK_NEAR(duet_dist_parse_logp("0.05"), log(0.05), 1e-15, "parse an ordinary p-value");
    CHECK(isnan(duet_dist_parse_logp("#NA")) && isnan(duet_dist_parse_logp("1.5")),
          "NA and p > 1 do not parse");
    double chi[] = { 4, 1, NAN, 3, 2 };
    CHECK_NEAR(duet_dist_lambda_gc(chi, 5), 2.5 / 0.45493642311957283, 1e-12,
               "lambda GC: median of an even count, NaN ignored");
    float chif[] = { 5, 0.45493642311957283f, 0.1f };
    CHECK_NEAR(duet_dist_lambda_gc_f(chif, 3), 1.0, 1e-6, "lambda GC of floats");
    CHECK(isnan(duet_dist_lambda_gc(chi, 0)), "lambda GC of nothing is NaN");
}

static void test_qr(void)
{
    double x[5 * N];
    for (int i = 0; i < N; i++) {
        x[i] = 1;
        x[N + i] = X1[i];
        x[2 * N + i] = X1[i] + 2 * X2[i]; /* independent of 1, x1 alone */
        x[3 * N + i] = X2[i];             /* = (col2 - col1) / 2 : dependent */
        x[4 * N + i] = 3;                 /* = 3 * intercept: dependent */
    }
    int dep[5];
    duet_qr_t *qr = NULL;
    CHECK(duet_qr_create(x, N, N, 5, DUET_QR_TOL, dep, &qr) == DUET_OK, "QR runs");
    CHECK(!dep[0] && !dep[1] && !dep[2] && dep[3] && dep[4],
          "QR flags the two dependent columns and only them");
    CHECK(qr && qr->n_cols == 3, "the basis has the rank of the design");
    if (!qr) return;
    double maxoff = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double s = 0;
            for (int i = 0; i < N; i++) s += qr->q[a * N + i] * qr->q[b * N + i];
            maxoff = fmax(maxoff, fabs(s - (a == b)));
        }
    CHECK_NEAR(maxoff, 0, 1e-13, "Q has orthonormal columns");
    double y[N], work[3];
    for (int i = 0; i < N; i++) y[i] = 1 + 2 * X1[i] - X2[i];
    duet_qr_residualise(qr, y, N, 1, work);
    double mx = 0;
    for (int i = 0; i < N; i++) mx = fmax(mx, fabs(y[i]));
    CHECK_NEAR(mx, 0, 1e-11, "residualising a covariate combination leaves zero");
    duet_qr_destroy(qr);
}

static void test_linear(void)
{
    duet_qr_t *qr = NULL;
    if (duet_qr_create(X, N, N, 3, DUET_QR_TOL, NULL, &qr)) { CHECK(0, "QR"); return; }
    double y[2 * N], g[2 * N];
    for (int i = 0; i < N; i++) {
        y[i] = Y[i];
        y[N + i] = Y2[i];
        g[i] = G[i];
        g[N + i] = 1.0; /* monomorphic */
    }
    duet_linreg_t *m = NULL;
    CHECK(duet_linreg_create(qr, y, N, 2, &m) == DUET_OK, "linear model");
    int stride = duet_linreg_stride(m);
    double sums[2 * 8];
    duet_linreg_sums(m, g, N, 2, NULL, sums);
    duet_assoc_t a[2];
    duet_linreg_variant(m, sums, centred_ss(G, NULL), a);
    CHECK_NEAR(a[0].beta, LM_BETA, 1e-10, "lm beta, trait 1");
    CHECK_NEAR(a[0].se, LM_SE, 1e-10, "lm se, trait 1");
    CHECK_NEAR(a[0].log_p, LM_LOGP, 1e-9, "lm p, trait 1");
    CHECK(a[0].df == N - 4 && a[0].n == N, "df = N - 4");
    CHECK_NEAR(a[1].beta, LM2_BETA, 1e-10, "lm beta, trait 2");
    CHECK_NEAR(a[1].se, LM2_SE, 1e-10, "lm se, trait 2");
    CHECK_NEAR(a[1].log_p, LM2_LOGP, 1e-9, "lm p, trait 2");
    duet_linreg_variant(m, sums + stride, 0.0, a);
    CHECK(a[0].status == DUET_FIT_MONOMORPHIC && isnan(a[0].beta),
          "a constant genotype is monomorphic");
    /* the genotype equal to a covariate combination */
    double gc[N];
    for (int i = 0; i < N; i++) gc[i] = 2 * X1[i] + 1;
    duet_linreg_sums(m, gc, N, 1, NULL, sums);
    duet_linreg_variant(m, sums, centred_ss(gc, NULL), a);
    CHECK(a[0].status == DUET_FIT_COLLINEAR, "a covariate combination is collinear");

    /* dropped samples: R drops rows 3, 17, 25 (1-based) */
    int drop[3] = { 2, 16, 24 };
    uint8_t mask[N] = { 0 };
    for (int d = 0; d < 3; d++) mask[drop[d]] = 1;
    double *work = malloc(duet_linreg_drop_work(m) * sizeof *work);
    duet_linreg_sums(m, g, N, 1, NULL, sums);
    duet_linreg_variant_drop(m, sums, G, drop, 3, centred_ss(G, mask), work, a);
    CHECK_NEAR(a[0].beta, LMD_BETA, 1e-10, "lm on a subset: beta (downdate)");
    CHECK_NEAR(a[0].se, LMD_SE, 1e-10, "lm on a subset: se");
    CHECK_NEAR(a[0].log_p, LMD_LOGP, 1e-9, "lm on a subset: p");
    CHECK(a[0].n == N - 3 && a[0].df == N - 7, "subset n and df");
    duet_assoc_t b[2];
    duet_linreg_variant_drop(m, sums, G, drop, 0, centred_ss(G, NULL), work, b);
    duet_linreg_variant(m, sums, centred_ss(G, NULL), a);
    CHECK_NEAR(b[1].beta, a[1].beta, 1e-12, "downdate of nothing is the full fit");
    free(work);
    duet_linreg_destroy(m);
    duet_qr_destroy(qr);
}

/* 70 traits: k + T > 64 takes the dgemm path; each trait alone takes the
 * fused kernel; both must agree */
static void test_linear_wide(void)
{
    enum { T = 70 };
    duet_qr_t *qr = NULL;
    if (duet_qr_create(X, N, N, 3, DUET_QR_TOL, NULL, &qr)) { CHECK(0, "QR"); return; }
    double *y = malloc((size_t)N * T * sizeof *y);
    double *sums = malloc((size_t)(3 + T + 1) * sizeof *sums);
    duet_assoc_t *a = malloc(T * sizeof *a);
    double worst = 0;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) y[(size_t)N * t + i] = Y[i] + 0.05 * t * Y2[i];
    duet_linreg_t *m = NULL;
    if (duet_linreg_create(qr, y, N, T, &m) == DUET_OK) {
        duet_linreg_sums(m, G, N, 1, NULL, sums);
        duet_linreg_variant(m, sums, centred_ss(G, NULL), a);
        for (int t = 0; t < T; t += 23) {
            duet_linreg_t *m1 = NULL;
            double s1[5];
            duet_assoc_t b;
            if (duet_linreg_create(qr, y + (size_t)N * t, N, 1, &m1)) break;
            duet_linreg_sums(m1, G, N, 1, NULL, s1);
            duet_linreg_variant(m1, s1, centred_ss(G, NULL), &b);
            worst = fmax(worst, fabs(a[t].beta - b.beta) + fabs(a[t].se - b.se));
            duet_linreg_destroy(m1);
        }
        CHECK_NEAR(a[0].beta, LM_BETA, 1e-10, "70 traits at once: trait 1 = lm");
        CHECK_NEAR(worst, 0, 1e-12, "70 traits at once (dgemm) = one at a time (fused kernel)");
    } else {
        CHECK(0, "wide linear model");
    }
    duet_linreg_destroy(m);
    duet_qr_destroy(qr);
    free(y);
    free(sums);
    free(a);
}

static void test_logistic(void)
{
    duet_logreg_null_t *m = NULL;
    CHECK(duet_logreg_null_create(X, N, N, 3, YB, &m) == DUET_OK && m, "null model");
    if (!m) return;
    CHECK(m->status == DUET_FIT_OK, "null model converges");
    CHECK_NEAR(m->beta[0], NULL_B0, 1e-8, "null intercept = glm");
    CHECK_NEAR(m->beta[1], NULL_B1, 1e-8, "null x1 = glm");
    CHECK_NEAR(m->beta[2], NULL_B2, 1e-9, "null x2 = glm");
    CHECK(m->n_cases == 26 && m->n_controls == 14, "case and control counts");

    double sums[2 * 5];
    double g2[2 * N];
    for (int i = 0; i < N; i++) { g2[i] = G[i]; g2[N + i] = GS[i]; }
    duet_logreg_score_sums(m, g2, N, 2, sums);
    duet_assoc_t a, b;
    duet_logreg_score_variant(m, sums, centred_ss(G, NULL), &a);
    CHECK_NEAR(a.stat * a.stat, SCORE_CHI2, 1e-9, "score statistic = R's Rao test");
    CHECK_NEAR(a.log_p, SCORE_LOGP, 1e-9, "score p = R's Rao test");
    CHECK(a.test == DUET_TEST_SCORE && a.status == DUET_FIT_OK, "score test labels");

    /* downdate against a direct computation on the subset with the same
     * null fit: V = g'Wg - g'WX (X'WX)^{-1} X'Wg over kept rows */
    int drop[3] = { 2, 16, 24 };
    uint8_t mask[N] = { 0 };
    for (int d = 0; d < 3; d++) mask[drop[d]] = 1;
    double *work = malloc(duet_logreg_score_drop_work(m) * sizeof *work);
    duet_logreg_score_variant_drop(m, sums, G, drop, 3, centred_ss(G, mask), work, &b);
    double xwx[9] = { 0 }, xwg[3] = { 0 }, gwg = 0, u = 0;
    for (int i = 0; i < N; i++) {
        if (mask[i]) continue;
        double w = m->w[i];
        for (int r = 0; r < 3; r++) {
            xwg[r] += X[r * N + i] * w * G[i];
            for (int c = 0; c < 3; c++) xwx[c * 3 + r] += X[r * N + i] * w * X[c * N + i];
        }
        gwg += w * G[i] * G[i];
        u += G[i] * (YB[i] - m->mu[i]);
    }
    double sol[3] = { xwg[0], xwg[1], xwg[2] };
    duet_chol(xwx, 3, 1e-14);
    duet_chol_solve(xwx, 3, sol);
    double v = gwg - (xwg[0] * sol[0] + xwg[1] * sol[1] + xwg[2] * sol[2]);
    /* the score of the genotype adjusted on the subset: g~ = g - X sol */
    double u_adj = 0;
    for (int i = 0; i < N; i++) {
        if (mask[i]) continue;
        double gt = G[i] - (X[i] * sol[0] + X[N + i] * sol[1] + X[2 * N + i] * sol[2]);
        u_adj += gt * (YB[i] - m->mu[i]);
    }
    (void)u;
    CHECK_NEAR(b.stat, u_adj / sqrt(v), 1e-10, "score downdate = direct subset formula (adjusted genotype)");
    /* the allele coding does not matter: 2 - g gives -z */
    {
        double g2c[N], s2[8];
        for (int i = 0; i < N; i++) g2c[i] = 2 - G[i];
        duet_logreg_score_sums(m, g2c, N, 1, s2);
        duet_assoc_t b2;
        duet_logreg_score_variant_drop(m, s2, g2c, drop, 3, centred_ss(g2c, mask), work, &b2);
        CHECK_NEAR(b2.stat, -b.stat, 1e-10, "score with dropped samples: swapped alleles give -z");
    }
    CHECK(b.n == N - 3, "score subset n");
    free(work);

    duet_logreg_fit_t *f = NULL;
    CHECK(duet_logreg_fit_create(N + 5, 4, &f) == DUET_OK, "fit workspace (larger than needed)");
    duet_logreg_fit_variant(f, m, G, NULL, 0, &a);
    CHECK(a.status == DUET_FIT_OK && a.test == DUET_TEST_WALD, "Wald fit converges");
    CHECK_NEAR(a.beta, WALD_BETA, 1e-7, "Wald beta = glm");
    CHECK_NEAR(a.se, WALD_SE, 1e-7, "Wald se = glm");
    CHECK_NEAR(a.log_p, WALD_LOGP, 1e-7, "Wald p = glm");
    duet_logreg_fit_variant(f, m, G, mask, 0, &a);
    CHECK_NEAR(a.beta, WALDD_BETA, 1e-7, "Wald beta on a subset = glm");
    CHECK_NEAR(a.se, WALDD_SE, 1e-7, "Wald se on a subset = glm");
    CHECK(a.n == N - 3, "Wald subset n");
    duet_logreg_fit_variant(f, m, G, NULL, 1, &a);
    CHECK(a.status == DUET_FIT_OK && a.test == DUET_TEST_FIRTH, "Firth fit converges");
    CHECK_NEAR(a.beta, FIRTH_BETA, 1e-7, "Firth beta = brglm2 MPL_Jeffreys");
    CHECK_NEAR(a.se, FIRTH_SE, 1e-7, "Firth se = |beta| / sqrt(chi2) of R's penalised LRT");
    CHECK_NEAR(a.log_p, FIRTH_LOGP, 1e-7, "Firth penalised LRT p = R (brglm2 fit + restricted penalised maximum by optim)");

    CHECK(duet_logreg_separated(GS, YB, NULL, N), "carriers only among cases: separated");
    CHECK(!duet_logreg_separated(G, YB, NULL, N), "G does not separate");
    duet_logreg_fit_variant(f, m, GS, NULL, 0, &a);
    CHECK(a.status == DUET_FIT_SEPARATION && isnan(a.beta), "Wald refuses a separated variant");
    duet_logreg_fit_variant(f, m, GS, NULL, 1, &a);
    CHECK(a.status == DUET_FIT_OK, "Firth fits a separated variant");
    CHECK_NEAR(a.beta, FIRTHS_BETA, 1e-6, "Firth beta under separation = brglm2");
    CHECK_NEAR(a.se, FIRTHS_SE, 1e-6, "Firth se under separation = R's penalised LRT");
    CHECK_NEAR(a.log_p, FIRTHS_LOGP, 1e-6, "Firth penalised LRT p under separation = R");
    double ones[N];
    for (int i = 0; i < N; i++) ones[i] = 2;
    duet_logreg_fit_variant(f, m, ones, NULL, 1, &a);
    CHECK(a.status == DUET_FIT_MONOMORPHIC, "Firth on a constant is monomorphic");

    /* direct fits (no null model) reach the same estimates */
    duet_logreg_fit_direct(f, X, N, N, 3, YB, G, 0, &a);
    CHECK(a.status == DUET_FIT_OK && a.test == DUET_TEST_WALD, "direct Wald fit converges");
    CHECK_NEAR(a.beta, WALD_BETA, 1e-7, "direct Wald beta = glm");
    CHECK_NEAR(a.se, WALD_SE, 1e-7, "direct Wald se = glm");
    duet_logreg_fit_direct(f, X, N, N, 3, YB, G, 1, &a);
    CHECK_NEAR(a.beta, FIRTH_BETA, 1e-7, "direct Firth beta = brglm2");
    CHECK_NEAR(a.se, FIRTH_SE, 1e-7, "direct Firth se = R's penalised LRT");
    CHECK_NEAR(a.log_p, FIRTH_LOGP, 1e-7, "direct Firth penalised LRT p = R");
    duet_logreg_fit_direct(f, X, N, N, 3, YB, GS, 0, &a);
    CHECK(a.status == DUET_FIT_SEPARATION, "direct Wald refuses a separated variant");
    /* the workspace bound to a null model must not keep its design when a
     * later model (perhaps at the same address) comes along */
    duet_logreg_fit_variant(f, m, G, NULL, 0, &a);
    duet_logreg_null_destroy(m);
    double x1g[3 * N];
    for (int i = 0; i < N; i++) {
        x1g[i] = 1;
        x1g[N + i] = X1[i] * 2;
        x1g[2 * N + i] = X2[i] / 3;
    }
    CHECK(duet_logreg_null_create(x1g, N, N, 3, YB, &m) == DUET_OK && m, "second null model");
    duet_logreg_fit_variant(f, m, G, NULL, 0, &a);
    CHECK_NEAR(a.beta, WALD_BETA, 1e-7, "a rescaled design after another model: same beta");
    duet_logreg_fit_destroy(f);
    duet_logreg_null_destroy(m);

    /* a null model whose covariate separates the classes */
    double ysep[N];
    for (int i = 0; i < N; i++) ysep[i] = X1[i] > 0;
    CHECK(duet_logreg_null_create(X, N, N, 3, ysep, &m) == DUET_OK, "separated null runs");
    CHECK(m && m->status != DUET_FIT_OK, "a separating covariate fails the null model");
    duet_logreg_null_destroy(m);
    if (duet_logreg_fit_create(N, 3, &f) == DUET_OK) {
        duet_logreg_fit_direct(f, X, N, N, 3, ysep, G, 0, &a);
        CHECK(a.status != DUET_FIT_OK, "direct maximum likelihood fails when a covariate separates");
        duet_logreg_fit_direct(f, X, N, N, 3, ysep, G, 1, &a);
        CHECK(a.status == DUET_FIT_OK && isfinite(a.beta), "direct Firth fit still converges");
        duet_logreg_fit_destroy(f);
    }
}

/* a design of 6 columns (7 parameters with g): the fits take their
 * dsyrk path */
static void test_logistic_wide(void)
{
    double x[6 * N];
    for (int i = 0; i < N; i++) {
        x[i] = 1;
        x[N + i] = X1[i];
        x[2 * N + i] = X2[i];
        x[3 * N + i] = X1[i] * X1[i];
        x[4 * N + i] = cos(3 * X1[i]);
        x[5 * N + i] = sin(X2[i]);
    }
    duet_logreg_null_t *m = NULL;
    duet_logreg_fit_t *f = NULL;
    if (duet_logreg_null_create(x, N, N, 6, YB, &m) || !m || m->status != DUET_FIT_OK ||
        duet_logreg_fit_create(N, 6, &f)) {
        CHECK(0, "wide null model");
        duet_logreg_null_destroy(m);
        return;
    }
    duet_assoc_t a;
    duet_logreg_fit_variant(f, m, G, NULL, 1, &a);
    CHECK_NEAR(a.beta, FIRTH7_BETA, 1e-7, "Firth beta, 7 parameters = brglm2");
    CHECK_NEAR(a.se, FIRTH7_SE, 1e-7, "Firth se, 7 parameters = R's penalised LRT");
    CHECK_NEAR(a.log_p, FIRTH7_LOGP, 1e-7, "Firth penalised LRT p, 7 parameters = R");
    duet_logreg_fit_variant(f, m, G, NULL, 0, &a);
    CHECK_NEAR(a.beta, WALD7_BETA, 1e-7, "Wald beta, 7 parameters = glm");
    CHECK_NEAR(a.se, WALD7_SE, 1e-7, "Wald se, 7 parameters = glm");
    duet_logreg_fit_destroy(f);
    duet_logreg_null_destroy(m);
}

int main(void)
{
    make_design();
    test_dist();
    test_qr();
    test_linear();
    test_linear_wide();
    test_logistic();
    test_logistic_wide();
    return unit_done();
}

/*
 * The R script (R 4.2.2, brglm2 0.9) that generated the data and the
 * reference values above:
 *
 *   set.seed(7)
 *   n <- 40
 *   x1 <- round(rnorm(n), 3)
 *   x2 <- round(runif(n, 20, 70), 1)
 *   g  <- rbinom(n, 2, 0.3)
 *   y  <- round(0.5*g + 0.3*x1 + 0.02*x2 + rnorm(n), 3)
 *   y2 <- round(-0.2*g + rnorm(n), 3)
 *   yb <- rbinom(n, 1, plogis(-0.5 + 0.8*g + 0.5*x1))
 *   gs <- rep(0, n); gs[which(yb==1)[1:3]] <- 1   # carriers only among cases: separation
 *   f <- function(v) paste(sprintf("%.17g", v), collapse=", ")
 *   cat("static const double X1[N] = {", f(x1), "};\n")
 *   cat("static const double X2[N] = {", f(x2), "};\n")
 *   cat("static const double G[N] = {", f(g), "};\n")
 *   cat("static const double Y[N] = {", f(y), "};\n")
 *   cat("static const double Y2[N] = {", f(y2), "};\n")
 *   cat("static const double YB[N] = {", f(yb), "};\n")
 *   cat("static const double GS[N] = {", f(gs), "};\n")
 *   p <- function(name, v) cat(sprintf("#define %s %.17g\n", name, v))
 *   m <- summary(lm(y ~ x1 + x2 + g))$coefficients
 *   p("LM_BETA", m["g",1]); p("LM_SE", m["g",2]); p("LM_LOGP", log(m["g",4]))
 *   m <- summary(lm(y2 ~ x1 + x2 + g))$coefficients
 *   p("LM2_BETA", m["g",1]); p("LM2_SE", m["g",2]); p("LM2_LOGP", log(m["g",4]))
 *   keep <- -c(3, 17, 25)
 *   m <- summary(lm(y[keep] ~ x1[keep] + x2[keep] + g[keep]))$coefficients
 *   p("LMD_BETA", m[4,1]); p("LMD_SE", m[4,2]); p("LMD_LOGP", log(m[4,4]))
 *   m0 <- glm(yb ~ x1 + x2, family=binomial, control=glm.control(epsilon=1e-14, maxit=100))
 *   p("NULL_B0", coef(m0)[1]); p("NULL_B1", coef(m0)[2]); p("NULL_B2", coef(m0)[3])
 *   m1 <- glm(yb ~ x1 + x2 + g, family=binomial, control=glm.control(epsilon=1e-14, maxit=100))
 *   a <- anova(m0, m1, test="Rao")
 *   p("SCORE_CHI2", a$Rao[2]); p("SCORE_LOGP", log(a[2, "Pr(>Chi)"]))
 *   s <- summary(m1)$coefficients
 *   p("WALD_BETA", s["g",1]); p("WALD_SE", s["g",2]); p("WALD_LOGP", log(s["g",4]))
 *   m1d <- glm(yb[keep] ~ x1[keep] + x2[keep] + g[keep], family=binomial, control=glm.control(epsilon=1e-14, maxit=100))
 *   s <- summary(m1d)$coefficients
 *   p("WALDD_BETA", s[4,1]); p("WALDD_SE", s[4,2])
 *   library(brglm2)
 *   mf <- glm(yb ~ x1 + x2 + g, family=binomial, method="brglmFit", type="MPL_Jeffreys", epsilon=1e-12, maxit=500)
 *   s <- summary(mf)$coefficients
 *   p("FIRTH_BETA", s["g",1]); p("FIRTH_SE", s["g",2]); p("FIRTH_LOGP", log(s["g",4]))
 *   mfs <- glm(yb ~ x1 + x2 + gs, family=binomial, method="brglmFit", type="MPL_Jeffreys", epsilon=1e-12, maxit=500)
 *   s <- summary(mfs)$coefficients
 *   p("FIRTHS_BETA", s["gs",1]); p("FIRTHS_SE", s["gs",2])
 *   p("T_LOGP", log(2*pt(-2.5, 10)))
 *   p("Z50_NEGLOG10", -(pnorm(-50, log.p=TRUE) + log(2))/log(10))
 *   p("CHI2_FROM_LOGP", qchisq(-800, 1, lower.tail=FALSE, log.p=TRUE))
 *   p("T_CRIT", qt(0.975, 17))
 *   x3 <- x1^2; x4 <- cos(3 * x1); x5 <- sin(x2)
 *   m <- glm(yb ~ x1 + x2 + x3 + x4 + x5 + g, family=binomial, method="brglmFit", type="MPL_Jeffreys", epsilon=1e-12, maxit=500)
 *   s <- summary(m)$coefficients
 *   p("FIRTH7_BETA", s["g",1]); p("FIRTH7_SE", s["g",2])
 *   m <- glm(yb ~ x1 + x2 + x3 + x4 + x5 + g, family=binomial, control=glm.control(epsilon=1e-14, maxit=100))
 *   s <- summary(m)$coefficients
 *   p("WALD7_BETA", s["g",1]); p("WALD7_SE", s["g",2])
 */
