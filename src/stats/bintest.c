/*
 * bintest.c -- the case/control test policy (bintest.h): score test, its
 * saddlepoint approximation beyond |z| > 2, Firth's penalised
 * likelihood-ratio test for the small p-values; or Firth / Wald throughout.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/bintest.h"
#include "duet/core.h"
#include "duet/dist.h"
#include "duet/log.h"
#include "duet/spa.h"

struct duet_bintest_work_t {
    int max_n, max_k;
    duet_logreg_fit_t *fit;
    double *gt, *mu;   /* max_n: adjusted genotypes and probabilities of the
                          samples SPA treats exactly */
    double *dwork;     /* the score downdate's work (coefficients first) */
};

void duet_bintest_opts_init(duet_bintest_opts_t *o)
{
    o->mode = DUET_LOGISTIC_AUTO;
    o->spa_z = 2.0;
    o->firth_p = 0.05;
    o->exact_carriers = 20;
}

static const char *const mode_names[] = { "auto", "spa", "firth", "wald" };

int duet_bintest_mode_parse(const char *s, duet_logistic_mode_t *mode)
{
    for (int m = 0; m < 4; m++)
        if (!strcmp(s, mode_names[m])) {
            *mode = (duet_logistic_mode_t)m;
            return 0;
        }
    return -1;
}

const char *duet_bintest_mode_str(duet_logistic_mode_t mode)
{
    return (unsigned)mode < 4 ? mode_names[mode] : "";
}

void duet_bintest_describe(const duet_bintest_opts_t *o, char *buf, size_t size)
{
    switch (o->mode) {
    case DUET_LOGISTIC_AUTO:
        snprintf(buf, size, "score test; saddlepoint where |z| > %g; Firth penalised LRT where "
                 "p < %g", o->spa_z, o->firth_p);
        break;
    case DUET_LOGISTIC_SPA:
        snprintf(buf, size, "score test; saddlepoint where |z| > %g", o->spa_z);
        break;
    case DUET_LOGISTIC_FIRTH:
        snprintf(buf, size, "Firth penalised likelihood, penalised LRT");
        break;
    case DUET_LOGISTIC_WALD:
        snprintf(buf, size, "logistic maximum likelihood, Wald z; Firth penalised LRT where "
                 "the fit fails");
        break;
    }
}

int duet_bintest_uses_score(const duet_bintest_opts_t *o)
{
    return o->mode == DUET_LOGISTIC_AUTO || o->mode == DUET_LOGISTIC_SPA;
}

duet_err_t duet_bintest_work_create(int max_samples, int max_covars, duet_bintest_work_t **out)
{
    *out = NULL;
    size_t n = (size_t)(max_samples > 0 ? max_samples : 1), k = (size_t)max_covars;
    duet_bintest_work_t *w = duet_calloc(1, sizeof *w);
    if (!w) return DUET_ENOMEM;
    w->max_n = max_samples;
    w->max_k = max_covars;
    w->gt = duet_malloc(n * sizeof *w->gt);
    w->mu = duet_malloc(n * sizeof *w->mu);
    w->dwork = duet_malloc((k * k + 3 * k + 1) * sizeof *w->dwork);
    if (!w->gt || !w->mu || !w->dwork || duet_logreg_fit_create(max_samples, max_covars, &w->fit)) {
        duet_bintest_work_destroy(w);
        return DUET_ENOMEM;
    }
    *out = w;
    return DUET_OK;
}

void duet_bintest_work_destroy(duet_bintest_work_t *w)
{
    if (!w) return;
    duet_logreg_fit_destroy(w->fit);
    free(w->gt);
    free(w->mu);
    free(w->dwork);
    free(w);
}

/*
 * ln p of the score U by SPA.  The adjusted genotype is
 * g~_i = g_i - sum_j a_ij gamma_j / w_i (a: the null's W^{1/2} Q_w, gamma:
 * the projection coefficients); samples whose g equals the variant's
 * commonest homozygote (0, or 2 when the tested allele is the major one)
 * have a small g~ (the covariates' projection only) and enter as one normal
 * term of variance V - sum over the others of w g~^2 (SAIGE's fast SPA).
 */
/* The variant's commonest homozygote over the samples used: 0, or 2 when
 * the tested allele is the major one. */
static double major_homozygote(const double *g, const uint8_t *drop_mask, int n)
{
    double sum = 0;
    int used = 0;
    for (int i = 0; i < n; i++) {
        if (drop_mask && drop_mask[i]) continue;
        sum += g[i];
        used++;
    }
    return used > 0 && sum / used > 1.0 ? 2.0 : 0.0;
}

static double spa_logp(const duet_logreg_null_t *m, duet_bintest_work_t *w, const double *g,
                       const double *gamma, const uint8_t *drop_mask, double mode, double u,
                       double v, duet_spa_status_t *status)
{
    int n = m->n_samples, k = m->n_covars;
    size_t nr = (size_t)n;
    const double *a = m->basis + nr;
    int ne = 0;
    double v_exact = 0;
    for (int i = 0; i < n; i++) {
        if ((drop_mask && drop_mask[i]) || g[i] == mode) continue;
        double proj = 0;
        for (int j = 0; j < k; j++) proj += a[nr * j + i] * gamma[j];
        double wi = m->w[i], gt = g[i] - proj / wi;
        w->gt[ne] = gt;
        w->mu[ne] = m->mu[i];
        v_exact += wi * gt * gt;
        ne++;
    }
    double v_rest = v - v_exact;
    if (v_rest < 0) v_rest = 0;
    return duet_spa_logp2(w->gt, w->mu, ne, v_rest, u, status);
}

/* ln p of the exact test over the carriers: samples with at least half a
 * copy of the minor allele (|g - mode| >= 1/2; a mean-imputed missing call
 * or a small dosage is not a carrier), their raw minor-allele doses
 * h = |g - mode| and the statistic sum h (y - mu) over them.  NaN when there
 * are more than max_carriers. */
static double exact_logp(const duet_logreg_null_t *m, duet_bintest_work_t *w, const double *g,
                         const uint8_t *drop_mask, double mode, int max_carriers)
{
    int n = m->n_samples, ne = 0;
    double stat = 0, e_cases = 0;
    for (int i = 0; i < n; i++) {
        if (drop_mask && drop_mask[i]) continue;
        double h = fabs(g[i] - mode);
        if (!(h >= 0.5)) continue;
        if (ne == max_carriers) return NAN;
        w->gt[ne] = h;
        w->mu[ne] = m->mu[i];
        stat += h * (m->y[i] - m->mu[i]);
        e_cases += m->mu[i];
        ne++;
    }
    /* enough expected cases and controls among the carriers (Cochran's
     * rule for a 2 x 2 table): the asymptotic tests hold */
    if (e_cases >= DUET_BINTEST_EXACT_EXPECTED && ne - e_cases >= DUET_BINTEST_EXACT_EXPECTED)
        return NAN;
    return ne ? duet_exact_logp2(w->gt, w->mu, ne, stat, NULL) : NAN;
}

/* Put the p-value log_p on a score-type result: the signed z with that
 * two-sided p, and se = |beta| / |z|. */
static void set_score_p(duet_assoc_t *a, double log_p, duet_test_t test)
{
    double chi2 = duet_dist_chisq1_from_logp(log_p);
    double z = copysign(sqrt(chi2), a->stat);
    a->log_p = log_p;
    a->test = test;
    a->stat = z;
    if (z != 0 && a->beta != 0) a->se = fabs(a->beta / z);
}

static void firth_fit(const duet_logreg_null_t *m, duet_bintest_work_t *w, const double *g,
                      const uint8_t *drop_mask, duet_assoc_t *out)
{
    duet_logreg_fit_variant(w->fit, m, g, drop_mask, 1, out);
}

void duet_bintest_variant(const duet_bintest_opts_t *o, const duet_logreg_null_t *m,
                          duet_bintest_work_t *w, const double *g, const double *sums,
                          double gss, const int *drop, int n_drop, const uint8_t *drop_mask,
                          duet_assoc_t *out)
{
    if (o->mode == DUET_LOGISTIC_FIRTH) {
        firth_fit(m, w, g, drop_mask, out);
        return;
    }
    if (o->mode == DUET_LOGISTIC_WALD) {
        duet_fit_status_t st = duet_logreg_fit_variant(w->fit, m, g, drop_mask, 0, out);
        if (st == DUET_FIT_NO_CONVERGENCE || st == DUET_FIT_SEPARATION)
            firth_fit(m, w, g, drop_mask, out);
        return;
    }
    /* 1. the score test */
    const double *gamma;
    if (n_drop > 0) {
        duet_logreg_score_variant_drop(m, sums, g, drop, n_drop, gss, w->dwork, out);
        gamma = w->dwork;
    } else {
        duet_logreg_score_variant(m, sums, gss, out);
        gamma = sums + 1;
    }
    if (out->status != DUET_FIT_OK || !(fabs(out->stat) > o->spa_z)) return;
    /* 2. its saddlepoint approximation */
    duet_assoc_t score = *out;
    duet_spa_status_t sst;
    double v = 1 / (score.se * score.se), u = score.stat * sqrt(v);
    const uint8_t *dm = n_drop ? drop_mask : NULL;
    double mode = major_homozygote(g, dm, m->n_samples);
    double lp = spa_logp(m, w, g, gamma, dm, mode, u, v, &sst);
    if (o->mode == DUET_LOGISTIC_AUTO && o->exact_carriers > 0) {
        /* few carriers: neither the saddlepoint nor Firth's LRT holds its
         * level (both are anti-conservative for a handful of carriers at
         * 1% prevalence); the exact distribution is cheap */
        double le = exact_logp(m, w, g, dm, mode, o->exact_carriers);
        if (!isnan(le)) {
            set_score_p(out, le, DUET_TEST_EXACT);
            return;
        }
    }
    int spa_ok = !isnan(lp);
    if (spa_ok) {
        set_score_p(out, lp, DUET_TEST_SPA);
        if (o->mode == DUET_LOGISTIC_SPA || lp >= log(o->firth_p)) return;
    }
    /* 3. Firth's penalised likelihood-ratio test */
    duet_assoc_t f;
    firth_fit(m, w, g, n_drop ? drop_mask : NULL, &f);
    if (f.status == DUET_FIT_OK) {
        *out = f;
        return;
    }
    if (spa_ok) return; /* the SPA p stands: calibrated, unlike the score p */
    duet_assoc_na(out, f.status, DUET_TEST_FIRTH, score.n);
}

void duet_bintest_direct_firth(duet_bintest_work_t *w, const double *x, int ldx, int n, int k,
                               const double *y, const double *g, duet_assoc_t *out)
{
    duet_logreg_fit_direct(w->fit, x, ldx, n, k, y, g, 1, out);
}

int duet_bintest_cli_parse(duet_bintest_opts_t *o, int opt, const char *arg, duet_err_t *err)
{
    *err = DUET_OK;
    switch (opt) {
    case DUET_BINTEST_OPT_LOGISTIC:
        if (duet_bintest_mode_parse(arg, &o->mode)) {
            duet_log_error("--logistic expects auto, spa, firth or wald, got '%s'", arg);
            *err = DUET_EUSAGE;
        }
        return 1;
    case DUET_BINTEST_OPT_FIRTH:
        o->mode = DUET_LOGISTIC_FIRTH;
        return 1;
    case DUET_BINTEST_OPT_FIRTH_THRESHOLD:
        if (duet_opts_parse_double("--firth-threshold", arg, 0, 1, &o->firth_p)) *err = DUET_EUSAGE;
        return 1;
    }
    return 0;
}

void duet_bintest_cli_usage(FILE *fp)
{
    fputs("Case/control tests (the same policy in gwas, phewas and burden):\n"
          "        --logistic MODE        auto|spa|firth|wald [auto]; auto: score test,\n"
          "                               saddlepoint p where |z| > 2, exact test over few\n"
          "                               carriers, Firth penalised LRT where p < the\n"
          "                               threshold; spa: score + saddlepoint only; firth:\n"
          "                               Firth LRT everywhere; wald: maximum likelihood +\n"
          "                               Wald (plink2, glm), Firth where it fails\n"
          "        --firth                the same as --logistic firth\n"
          "        --firth-threshold P    auto: Firth where the saddlepoint p < P [0.05]\n",
          fp);
}
