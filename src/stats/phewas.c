/*
 * phewas.c -- the per-trait engine of the genotype-first scan (phewas.h):
 * one design per trait, shared by the exposures, traits
 * spread over OpenMP threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "duet/bintest.h"
#include "duet/core.h"
#include "duet/design.h"
#include "duet/log.h"
#include "duet/logreg.h"
#include "duet/phewas.h"

void duet_phewas_opts_init(duet_phewas_opts_t *opts)
{
    opts->min_cases = 20;
    opts->min_controls = 20;
    duet_bintest_opts_init(&opts->binary);
}

const char *duet_phewas_skip_str(duet_phewas_skip_t skip)
{
    switch (skip) {
    case DUET_PHEWAS_TESTED: return "";
    case DUET_PHEWAS_FEW_CASES: return "too_few_cases";
    case DUET_PHEWAS_FEW_CONTROLS: return "too_few_controls";
    case DUET_PHEWAS_FEW_SAMPLES: return "too_few_samples";
    }
    return "";
}

/* Per-thread scratch, sized for every sample and covariate. */
typedef struct {
    int *idx;              /* the trait's samples */
    double *x;             /* design, n x (1 + C) */
    double *y;             /* trait values on its samples */
    double *col;           /* a compact trait's column, all samples */
    double *g;             /* exposures on its samples, n x E */
    double *gss;           /* E centred sums of squares */
    double *sums;          /* linear sufficient statistics */
    duet_design_col_t *status; /* C: what the design did with each covariate */
    duet_bintest_work_t *bt;
} scratch_t;

static void scratch_free(scratch_t *s)
{
    free(s->idx);
    free(s->x);
    free(s->y);
    free(s->col);
    free(s->g);
    free(s->gss);
    free(s->sums);
    free(s->status);
    duet_bintest_work_destroy(s->bt);
}

static duet_err_t scratch_init(scratch_t *s, int N, int C, int E)
{
    size_t n = (size_t)N, k = (size_t)C + 1, e = (size_t)E;
    memset(s, 0, sizeof *s);
    s->idx = duet_malloc(n * sizeof *s->idx);
    s->x = duet_malloc(n * k * sizeof *s->x);
    s->y = duet_malloc(n * sizeof *s->y);
    s->col = duet_malloc(n * sizeof *s->col);
    s->g = duet_malloc(n * e * sizeof *s->g);
    s->gss = duet_malloc(e * sizeof *s->gss);
    s->sums = duet_malloc((k + 2) * e * sizeof *s->sums);
    s->status = duet_malloc(k * sizeof *s->status);
    if (!s->idx || !s->x || !s->y || !s->col || !s->g || !s->gss || !s->sums || !s->status)
        return DUET_ENOMEM;
    return duet_bintest_work_create(N, (int)k, &s->bt);
}

/* Gather the exposures onto the trait's samples; centred sums of squares. */
static void gather_exposures(const double *g, int ldg, int E, scratch_t *s, int n)
{
    size_t nn = (size_t)n;
    for (int e = 0; e < E; e++) {
        const double *src = g + (size_t)ldg * e;
        double *dst = s->g + nn * e;
        double mean = 0;
        for (size_t i = 0; i < nn; i++) mean += (dst[i] = src[s->idx[i]]);
        mean /= (double)n;
        double ss = 0;
        for (size_t i = 0; i < nn; i++) ss += (dst[i] - mean) * (dst[i] - mean);
        s->gss[e] = ss;
    }
}

static duet_err_t test_linear(scratch_t *s, int n, duet_qr_t *qr, int E, duet_assoc_t *res)
{
    duet_linreg_t *model = NULL;
    duet_err_t err = duet_linreg_create(qr, s->y, n, 1, &model);
    if (err) return err;
    duet_linreg_sums(model, s->g, n, E, NULL, s->sums);
    int stride = duet_linreg_stride(model);
    for (int e = 0; e < E; e++) {
        if (!(s->gss[e] > 0)) duet_assoc_na(&res[e], DUET_FIT_MONOMORPHIC, DUET_TEST_LINEAR, n);
        else duet_linreg_variant(model, s->sums + (size_t)stride * e, s->gss[e], &res[e]);
    }
    duet_linreg_destroy(model);
    return DUET_OK;
}

/* The case/control policy of bintest.h on the trait's null model (fitted
 * once, shared by the exposures); where the covariates alone separate the
 * classes (a sex-specific phecode whose cases are all of one sex, say) or
 * the null does not converge, Firth's direct fit is the only test. */
static duet_err_t test_binary(const duet_phewas_opts_t *o, scratch_t *s, int n, int k, int E,
                              duet_assoc_t *res)
{
    duet_logreg_null_t *null = NULL;
    duet_err_t err = duet_logreg_null_create(s->x, n, n, k, s->y, &null);
    if (err) return err;
    int use_null = null->status == DUET_FIT_OK;
    int score = use_null && duet_bintest_uses_score(&o->binary);
    if (score) duet_logreg_score_sums(null, s->g, n, E, s->sums);
    int stride = duet_logreg_score_stride(null);
    duet_test_t first = score ? DUET_TEST_SCORE
                      : use_null && o->binary.mode == DUET_LOGISTIC_WALD ? DUET_TEST_WALD
                                                                         : DUET_TEST_FIRTH;
    for (int e = 0; e < E; e++) {
        const double *ge = s->g + (size_t)n * e;
        if (!(s->gss[e] > 0))
            duet_assoc_na(&res[e], DUET_FIT_MONOMORPHIC, first, n);
        else if (use_null)
            duet_bintest_variant(&o->binary, null, s->bt, ge,
                                 score ? s->sums + (size_t)stride * e : NULL, s->gss[e], NULL, 0,
                                 NULL, &res[e]);
        else
            duet_bintest_direct_firth(s->bt, s->x, n, n, k, s->y, ge, &res[e]);
    }
    duet_logreg_null_destroy(null);
    return DUET_OK;
}

/* One trait: its samples, design, model and tests. */
static duet_err_t run_trait(const duet_traitset_t *ts, int t, const double *g, int ldg, int E,
                            const duet_phewas_opts_t *o, scratch_t *s, duet_phewas_trait_t *tr,
                            duet_assoc_t *res)
{
    const double *y = duet_traitset_column(ts, t, s->col);
    int n = 0, cases = 0;
    free(tr->covars_dropped); /* from the previous block of exposures */
    memset(tr, 0, sizeof *tr);
    for (int i = 0; i < ts->n_samples; i++) {
        if (isnan(y[i])) continue;
        s->idx[n] = i;
        s->y[n] = y[i];
        cases += y[i] == 1;
        n++;
    }
    tr->n = n;
    int binary = ts->binary[t];
    if (binary) {
        tr->n_cases = cases;
        tr->n_controls = n - cases;
        if (cases < o->min_cases) { tr->skip = DUET_PHEWAS_FEW_CASES; return DUET_OK; }
        if (n - cases < o->min_controls) { tr->skip = DUET_PHEWAS_FEW_CONTROLS; return DUET_OK; }
    }
    if (n < ts->n_covars + 3) { tr->skip = DUET_PHEWAS_FEW_SAMPLES; return DUET_OK; }
    duet_qr_t *qr = NULL;
    int k = 0;
    duet_err_t err = duet_design_build(ts->x, ts->n_samples, ts->n_covars, s->idx, n, s->x, &k,
                                       s->status, binary ? NULL : &qr);
    if (err) return err;
    tr->n_covars_used = k - 1;
    if (k - 1 < ts->n_covars &&
        (err = duet_design_names((const char *const *)ts->covar_names, ts->n_covars, s->status,
                                 0, DUET_DESIGN_KEPT, 1, &tr->covars_dropped))) {
        duet_qr_destroy(qr);
        return err;
    }
    if (n <= k + 1) {
        tr->skip = DUET_PHEWAS_FEW_SAMPLES;
        duet_qr_destroy(qr);
        return DUET_OK;
    }
    gather_exposures(g, ldg, E, s, n);
    if (binary) {
        err = test_binary(o, s, n, k, E, res);
    } else {
        err = test_linear(s, n, qr, E, res);
    }
    duet_qr_destroy(qr);
    return err;
}

duet_err_t duet_phewas_run(const duet_traitset_t *ts, const double *g, int ldg, int n_expo,
                           const duet_phewas_opts_t *opts, int threads,
                           duet_phewas_trait_t *traits, duet_assoc_t *results)
{
    int T = ts->n_traits;
    if (threads < 1) threads = 1;
    if (threads > T) threads = T > 0 ? T : 1;
    scratch_t *sc = duet_calloc((size_t)threads, sizeof *sc);
    if (!sc) return DUET_ENOMEM;
    duet_err_t err = DUET_OK;
    for (int w = 0; w < threads && !err; w++)
        err = scratch_init(&sc[w], ts->n_samples, ts->n_covars, n_expo);
    if (!err) {
        int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (int t = 0; t < T; t++) {
            int failed_now;
#pragma omp atomic read
            failed_now = failed;
            if (failed_now) continue;
            scratch_t *s = &sc[omp_get_thread_num()];
            duet_err_t e = run_trait(ts, t, g, ldg, n_expo, opts, s, &traits[t],
                                     results + (size_t)t * n_expo);
            if (e) {
#pragma omp critical(phewas_err)
                {
                    if (!failed) err = e;
                    failed = 1;
                }
            }
        }
    }
    for (int w = 0; w < threads; w++) scratch_free(&sc[w]);
    free(sc);
    return err;
}

void duet_phewas_traits_free(duet_phewas_trait_t *traits, int n_traits)
{
    if (!traits) return;
    for (int t = 0; t < n_traits; t++) {
        free(traits[t].covars_dropped);
        traits[t].covars_dropped = NULL;
    }
}

/* ------------------------------------------------------------------ */

typedef struct {
    double log_p;
    int i;
} ranked_t;

static int by_logp(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->log_p != y->log_p) return x->log_p < y->log_p ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

duet_err_t duet_bh_logq(const double *log_p, int n, double *log_q)
{
    ranked_t *r = duet_malloc(((size_t)n + 1) * sizeof *r);
    if (!r) return DUET_ENOMEM;
    int m = 0;
    for (int i = 0; i < n; i++) {
        log_q[i] = NAN;
        if (!isnan(log_p[i])) r[m++] = (ranked_t){ log_p[i], i };
    }
    qsort(r, (size_t)m, sizeof *r, by_logp);
    double run = 0; /* log of the running minimum, from the largest p */
    double lm = log((double)m);
    for (int j = m - 1; j >= 0; j--) {
        double v = r[j].log_p + lm - log((double)(j + 1));
        if (j == m - 1 || v < run) run = v;
        if (run > 0) run = 0;
        log_q[r[j].i] = run;
    }
    free(r);
    return DUET_OK;
}
