/*
 * gene.c -- the tests of one gene in a burden scan (burden.h): per mask x
 * frequency bin, the collapsed score regressed on every trait by the scan
 * engine (scan.h: least squares for quantitative traits, logistic Wald with
 * a Firth fallback, or Firth, for case/control traits -- regenie's burden
 * test of a mask), and the variance-component and Cauchy tests of
 * genetest.h on the mask's variants: SKAT (Wu et al. 2011, AJHG 89:82),
 * SKAT-O (Lee et al. 2012, AJHG 91:224), ACAT-V and ACAT-O (Liu et al.
 * 2019, AJHG 104:410), ACAT-O combining the burden, SKAT and ACAT-V
 * p-values as regenie's ACATO does.  The null models are fitted once per
 * trait, here; no regression or quadratic-form code lives in this file.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/burden.h"
#include "duet/design.h"
#include "duet/log.h"
#include "duet/logreg.h"

const char *const duet_burden_test_names[DUET_BURDEN_N_TESTS] = {
    "burden", "skat", "skato", "acatv", "acato"
};

void duet_burden_opts_init(duet_burden_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->collapse = DUET_COLLAPSE_MAX;
    duet_scan_opts_init(&o->scan);
    duet_genetest_opts_init(&o->genetest);
    o->tests = (1u << DUET_BURDEN_N_TESTS) - 1;
}

typedef struct {
    int n;                         /* samples with a value */
    int *rows;                     /* their indices */
    uint8_t *has;                  /* N flags */
    duet_genetest_null_t *null;    /* NULL: no variance-component tests */
    const char *null_error;        /* why not */
} trait_model_t;

struct duet_burden_model {
    duet_burden_opts_t opts;
    duet_burden_bin_t *bins;
    int n_bins, n_masks, n_mb;
    int n_samples, n_traits;
    duet_scan_t *scan;
    trait_model_t *traits;
    int max_n;                     /* largest trait sample count */
};

struct duet_burden_work {
    duet_scan_work_t *scan;
    duet_genetest_work_t *gt;
    duet_geno_block_t blk;         /* collapsed scores: N x n_mb */
    duet_variant_t *pseudo;
    double *g;                     /* gathered genotypes */
    size_t g_cap;
    const double **cols;
    const uint8_t **miss;
    int cols_cap;
    uint8_t *carrier;              /* N */
};

struct duet_burden_gene_res {
    int n_mb, n_traits;
    int *canon;                    /* mb -> the mb whose results it shares */
    int *n_vars;                   /* per mb */
    int **vars;                    /* per mb: variant indices into the gene */
    int *vars_cap;
    int **carriers;                /* per mb: carrier sample indices */
    int *n_carriers_all, *carriers_cap;
    int *col;                      /* mb -> score column, -1 */
    int *n_carriers;               /* n_mb x T */
    duet_burden_stat_t *stats;     /* (mb T + t) tests + test */
    duet_scan_result_t *scan_res;  /* n_cols x T */
};

/* ------------------------------------------------------------------ */
/* Null models */

/* The genetest null of one trait over its samples: intercept and
 * standardised covariates, dependent columns dropped (QR), then least
 * squares residuals or the logistic null. */
static duet_err_t trait_null(const duet_scan_input_t *in, int t, trait_model_t *tm)
{
    int n = tm->n, C = in->n_covars, N = in->n_samples;
    size_t nr = (size_t)n;
    duet_err_t err = DUET_ENOMEM;
    double *xi = duet_malloc(nr * (size_t)(C + 1) * sizeof *xi);
    double *y = duet_malloc(nr * sizeof *y);
    double *resid = duet_malloc(nr * sizeof *resid);
    double *work = duet_malloc(((size_t)C + 2) * sizeof *work);
    duet_qr_t *qr = NULL;
    duet_logreg_null_t *ln = NULL;
    if (!xi || !y || !resid || !work) goto done;
    const double *yt = in->traits + (size_t)N * t;
    for (int i = 0; i < n; i++) y[i] = yt[tm->rows[i]];
    /* the design every command builds (design.h): the same columns as the
     * scan engine's burden regression of this trait */
    int k = 0;
    err = duet_design_build(in->covars, N, C, tm->rows, n, xi, &k, NULL, &qr);
    if (err) goto done;
    if (!qr || n <= k) {
        tm->null_error = "null_model_failed";
        err = DUET_OK;
        goto done;
    }
    const double *mu = NULL;
    duet_genetest_model_t model;
    if (in->binary[t]) {
        model = DUET_GENETEST_LOGISTIC;
        err = duet_logreg_null_create(xi, n, n, k, y, &ln);
        if (err) goto done;
        if (ln->status != DUET_FIT_OK) {
            tm->null_error = "null_model_failed";
            err = DUET_OK;
            goto done;
        }
        for (int i = 0; i < n; i++) {
            if (!(ln->mu[i] > 0 && ln->mu[i] < 1)) {
                tm->null_error = "null_model_failed";
                err = DUET_OK;
                goto done;
            }
            resid[i] = y[i] - ln->mu[i];
        }
        mu = ln->mu;
    } else {
        model = DUET_GENETEST_LINEAR;
        memcpy(resid, y, nr * sizeof *y);
        duet_qr_residualise(qr, resid, n, 1, work);
        double rss = 0;
        for (int i = 0; i < n; i++) rss += resid[i] * resid[i];
        if (!(rss > 0) || n <= k) {
            tm->null_error = "null_model_failed";
            err = DUET_OK;
            goto done;
        }
    }
    err = duet_genetest_null_create(model, n, k, xi, n, resid, mu, &tm->null);
    if (err == DUET_EDEGENERATE) {
        tm->null_error = "null_model_failed";
        err = DUET_OK;
    }
done:
    duet_qr_destroy(qr);
    duet_logreg_null_destroy(ln);
    free(xi);
    free(y);
    free(resid);
    free(work);
    return err;
}

duet_err_t duet_burden_model_create(const duet_scan_input_t *in, const duet_burden_opts_t *opts,
                                    const duet_burden_bin_t *bins, int n_bins, int n_masks,
                                    duet_burden_model_t **out)
{
    *out = NULL;
    duet_burden_model_t *m = duet_calloc(1, sizeof *m);
    if (!m) return DUET_ENOMEM;
    duet_err_t err = DUET_ENOMEM;
    m->opts = *opts;
    m->n_bins = n_bins;
    m->n_masks = n_masks;
    m->n_mb = n_bins * n_masks;
    m->n_samples = in->n_samples;
    m->n_traits = in->n_traits;
    m->bins = duet_malloc((size_t)n_bins * sizeof *m->bins);
    m->traits = duet_calloc((size_t)in->n_traits, sizeof *m->traits);
    if (!m->bins || !m->traits) goto fail;
    memcpy(m->bins, bins, (size_t)n_bins * sizeof *bins);
    err = duet_scan_create(in, &opts->scan, &m->scan);
    if (err) goto fail;
    int N = in->n_samples, left = 0;
    for (int t = 0; t < in->n_traits; t++) {
        trait_model_t *tm = &m->traits[t];
        if (duet_scan_trait(m->scan, t)->skipped) continue;
        left++;
        const double *yt = in->traits + (size_t)N * t;
        tm->has = duet_calloc((size_t)N + 1, 1);
        tm->rows = duet_malloc(((size_t)N + 1) * sizeof *tm->rows);
        err = DUET_ENOMEM;
        if (!tm->has || !tm->rows) goto fail;
        for (int i = 0; i < N; i++)
            if (!isnan(yt[i])) {
                tm->has[i] = 1;
                tm->rows[tm->n++] = i;
            }
        if (tm->n > m->max_n) m->max_n = tm->n;
        err = trait_null(in, t, tm);
        if (err) goto fail;
        if (!tm->null)
            duet_log_warn("trait '%s': the null model of SKAT / SKAT-O / ACAT-V cannot be "
                          "fitted; those tests are NA", in->trait_names[t]);
    }
    if (!left) {
        duet_log_error("no trait left to test");
        err = DUET_EDEGENERATE;
        goto fail;
    }
    *out = m;
    return DUET_OK;
fail:
    duet_burden_model_destroy(m);
    return err;
}

void duet_burden_model_destroy(duet_burden_model_t *m)
{
    if (!m) return;
    if (m->traits)
        for (int t = 0; t < m->n_traits; t++) {
            free(m->traits[t].rows);
            free(m->traits[t].has);
            duet_genetest_null_destroy(m->traits[t].null);
        }
    free(m->traits);
    free(m->bins);
    duet_scan_destroy(m->scan);
    free(m);
}

const duet_scan_t *duet_burden_model_scan(const duet_burden_model_t *m) { return m->scan; }

/* ------------------------------------------------------------------ */
/* Work space and results */

duet_err_t duet_burden_work_create(const duet_burden_model_t *m, duet_burden_work_t **out)
{
    *out = NULL;
    duet_burden_work_t *w = duet_calloc(1, sizeof *w);
    if (!w) return DUET_ENOMEM;
    duet_err_t err = duet_scan_work_create(m->scan, m->n_mb, &w->scan);
    if (!err) err = duet_genetest_work_create(&w->gt);
    if (err) {
        duet_burden_work_destroy(w);
        return err;
    }
    size_t N = (size_t)m->n_samples;
    w->blk.n_samples = m->n_samples;
    w->blk.max_variants = m->n_mb;
    w->blk.dosage = duet_malloc(N * (size_t)m->n_mb * sizeof *w->blk.dosage);
    w->pseudo = duet_calloc((size_t)m->n_mb, sizeof *w->pseudo);
    w->carrier = duet_malloc(N + 1);
    if (!w->blk.dosage || !w->pseudo || !w->carrier) {
        duet_burden_work_destroy(w);
        return DUET_ENOMEM;
    }
    w->blk.variants = w->pseudo;
    *out = w;
    return DUET_OK;
}

void duet_burden_work_destroy(duet_burden_work_t *w)
{
    if (!w) return;
    duet_scan_work_destroy(w->scan);
    duet_genetest_work_destroy(w->gt);
    free(w->blk.dosage);
    free(w->pseudo);
    free(w->g);
    free(w->cols);
    free(w->miss);
    free(w->carrier);
    free(w);
}

duet_err_t duet_burden_gene_res_create(const duet_burden_model_t *m, duet_burden_gene_res_t **out)
{
    *out = NULL;
    duet_burden_gene_res_t *r = duet_calloc(1, sizeof *r);
    if (!r) return DUET_ENOMEM;
    int B = m->n_mb, T = m->n_traits;
    r->n_mb = B;
    r->n_traits = T;
    r->canon = duet_malloc((size_t)B * sizeof *r->canon);
    r->n_vars = duet_calloc((size_t)B, sizeof *r->n_vars);
    r->vars = duet_calloc((size_t)B, sizeof *r->vars);
    r->vars_cap = duet_calloc((size_t)B, sizeof *r->vars_cap);
    r->carriers = duet_calloc((size_t)B, sizeof *r->carriers);
    r->n_carriers_all = duet_calloc((size_t)B, sizeof *r->n_carriers_all);
    r->carriers_cap = duet_calloc((size_t)B, sizeof *r->carriers_cap);
    r->col = duet_malloc((size_t)B * sizeof *r->col);
    r->n_carriers = duet_calloc((size_t)B * T, sizeof *r->n_carriers);
    r->stats = duet_calloc((size_t)B * T * DUET_BURDEN_N_TESTS, sizeof *r->stats);
    r->scan_res = duet_calloc((size_t)B * T, sizeof *r->scan_res);
    if (!r->canon || !r->n_vars || !r->vars || !r->vars_cap || !r->carriers ||
        !r->n_carriers_all || !r->carriers_cap || !r->col || !r->n_carriers || !r->stats ||
        !r->scan_res) {
        duet_burden_gene_res_destroy(r);
        return DUET_ENOMEM;
    }
    *out = r;
    return DUET_OK;
}

void duet_burden_gene_res_destroy(duet_burden_gene_res_t *r)
{
    if (!r) return;
    for (int b = 0; r->vars && b < r->n_mb; b++) free(r->vars[b]);
    for (int b = 0; r->carriers && b < r->n_mb; b++) free(r->carriers[b]);
    free(r->canon);
    free(r->n_vars);
    free(r->vars);
    free(r->vars_cap);
    free(r->carriers);
    free(r->n_carriers_all);
    free(r->carriers_cap);
    free(r->col);
    free(r->n_carriers);
    free(r->stats);
    free(r->scan_res);
    free(r);
}

static int grow_int(int **v, int *cap, int need)
{
    if (need <= *cap) return 0;
    int m = *cap ? *cap : 16;
    while (m < need) m *= 2;
    int *p = duet_realloc(*v, (size_t)m * sizeof *p);
    if (!p) return -1;
    *v = p;
    *cap = m;
    return 0;
}

static duet_burden_stat_t *stat_at(duet_burden_gene_res_t *r, int mb, int t, int test)
{
    return &r->stats[((size_t)mb * r->n_traits + t) * DUET_BURDEN_N_TESTS + test];
}

static void stat_na(duet_burden_stat_t *s, const char *why)
{
    s->beta = s->se = s->log_p = NAN;
    s->errcode = why;
    s->method = "";
}

duet_err_t duet_burden_gene_prepare(const duet_burden_model_t *m, duet_burden_work_t *w,
                                    const duet_burden_sets_t *sets,
                                    const duet_burden_gene_data_t *gd, duet_burden_gene_res_t *r)
{
    int N = m->n_samples, T = m->n_traits, nv = gd->n_found;
    if (nv > w->cols_cap) {
        const double **c = duet_realloc(w->cols, (size_t)nv * sizeof *c);
        if (!c) return DUET_ENOMEM;
        w->cols = c;
        const uint8_t **mk = duet_realloc(w->miss, (size_t)nv * sizeof *mk);
        if (!mk) return DUET_ENOMEM;
        w->miss = mk;
        w->cols_cap = nv;
    }
    /* the variants of each mask x bin, and which earlier one it repeats */
    int n_cols = 0;
    for (int k = 0; k < m->n_masks; k++) {
        uint64_t bits = sets->mask_bits[k];
        for (int b = 0; b < m->n_bins; b++) {
            int mb = k * m->n_bins + b;
            if (grow_int(&r->vars[mb], &r->vars_cap[mb], nv > 0 ? nv : 1)) return DUET_ENOMEM;
            int n = 0;
            for (int j = 0; j < nv; j++) {
                int a = gd->annot[j];
                if (a < 0 || !((bits >> a) & 1)) continue;
                if (!(gd->alt_count[j] > 0) || !(gd->aaf[j] < 1)) continue; /* monomorphic */
                if (!duet_burden_in_bin(&m->bins[b], gd->aaf[j], gd->alt_count[j])) continue;
                r->vars[mb][n++] = j;
            }
            r->n_vars[mb] = n;
            r->canon[mb] = mb;
            r->col[mb] = -1;
            for (int q = 0; q < mb && n; q++)
                if (r->canon[q] == q && r->n_vars[q] == n &&
                    !memcmp(r->vars[q], r->vars[mb], (size_t)n * sizeof(int))) {
                    r->canon[mb] = q;
                    break;
                }
            if (!n || r->canon[mb] != mb) continue;
            /* collapse */
            for (int u = 0; u < n; u++) {
                w->cols[u] = gd->dosage[r->vars[mb][u]];
                w->miss[u] = gd->missing[r->vars[mb][u]];
            }
            double *score = w->blk.dosage + (size_t)N * n_cols;
            duet_burden_collapse(m->opts.collapse, w->cols, w->miss, n, N, score, w->carrier);
            int nc = 0;
            for (int i = 0; i < N; i++) nc += w->carrier[i];
            if (grow_int(&r->carriers[mb], &r->carriers_cap[mb], nc > 0 ? nc : 1))
                return DUET_ENOMEM;
            nc = 0;
            for (int i = 0; i < N; i++)
                if (w->carrier[i]) r->carriers[mb][nc++] = i;
            r->n_carriers_all[mb] = nc;
            double sum = 0;
            for (int i = 0; i < N; i++) sum += score[i];
            duet_variant_t *pv = &w->pseudo[n_cols];
            memset(pv, 0, sizeof *pv);
            pv->chrom = "";
            pv->n_alleles = 2;
            pv->allele = 1;
            pv->n_called = N;
            pv->n_missing = 0;
            pv->alt_count = sum;
            pv->n_alleles_called = 2.0 * N;
            pv->af = sum / (2.0 * N);
            pv->mac = fmin(sum, 2.0 * N - sum);
            r->col[mb] = n_cols++;
        }
    }
    /* the burden regression of every trait on every collapsed score */
    if (n_cols) {
        w->blk.n_variants = n_cols;
        w->blk.missing = NULL;
        w->blk.index = 0;
        duet_scan_block(m->scan, w->scan, &w->blk, NULL, 0, r->scan_res);
    }
    for (int mb = 0; mb < r->n_mb; mb++) {
        if (r->canon[mb] != mb || r->col[mb] < 0) continue;
        for (int t = 0; t < T; t++) {
            if (duet_scan_trait(m->scan, t)->skipped) continue;
            const duet_assoc_t *a = &r->scan_res[(size_t)r->col[mb] * T + t].a;
            duet_burden_stat_t *s = stat_at(r, mb, t, DUET_BURDEN_TEST_BURDEN);
            if (a->status == DUET_FIT_OK && isfinite(a->log_p)) {
                s->beta = a->beta;
                s->se = a->se;
                s->log_p = a->log_p;
                s->errcode = "";
                s->method = "";
            } else {
                stat_na(s, a->status != DUET_FIT_OK ? duet_fit_status_str(a->status)
                                                    : "no_p_value");
            }
        }
    }
    return DUET_OK;
}

/* method: the small-sample policy's method for a case/control trait, ""
 * for a quantitative one */
static void set_vc(duet_burden_stat_t *s, duet_genetest_status_t st, double log_p,
                   const char *method)
{
    if (st != DUET_GENETEST_OK) stat_na(s, duet_genetest_status_str(st));
    else if (!isfinite(log_p) && !(log_p == -INFINITY)) stat_na(s, "no_p_value");
    else {
        s->beta = s->se = NAN;
        s->log_p = log_p;
        s->errcode = "";
        s->method = method;
    }
}

duet_err_t duet_burden_gene_vc(const duet_burden_model_t *m, duet_burden_work_t *w,
                               const duet_burden_gene_data_t *gd, duet_burden_gene_res_t *r,
                               int t)
{
    const trait_model_t *tm = &m->traits[t];
    if (duet_scan_trait(m->scan, t)->skipped) return DUET_OK;
    unsigned want = m->opts.tests;
    int need_vc = (want & ((1u << DUET_BURDEN_TEST_SKAT) | (1u << DUET_BURDEN_TEST_SKATO) |
                           (1u << DUET_BURDEN_TEST_ACATV) | (1u << DUET_BURDEN_TEST_ACATO))) != 0;
    duet_genetest_opts_t go = m->opts.genetest;
    go.tests = DUET_GENETEST_SKAT | DUET_GENETEST_ACATV;
    if (want & (1u << DUET_BURDEN_TEST_SKATO)) go.tests |= DUET_GENETEST_SKATO;
    int n = tm->n;
    for (int mb = 0; mb < r->n_mb; mb++) {
        if (r->canon[mb] != mb || r->col[mb] < 0) continue;
        /* carriers among the trait's samples */
        int nc = 0;
        for (int c = 0; c < r->n_carriers_all[mb]; c++) nc += tm->has[r->carriers[mb][c]];
        r->n_carriers[(size_t)mb * r->n_traits + t] = nc;
        duet_burden_stat_t *sk = stat_at(r, mb, t, DUET_BURDEN_TEST_SKAT);
        duet_burden_stat_t *so = stat_at(r, mb, t, DUET_BURDEN_TEST_SKATO);
        duet_burden_stat_t *av = stat_at(r, mb, t, DUET_BURDEN_TEST_ACATV);
        duet_burden_stat_t *ao = stat_at(r, mb, t, DUET_BURDEN_TEST_ACATO);
        const duet_burden_stat_t *bu = stat_at(r, mb, t, DUET_BURDEN_TEST_BURDEN);
        if (!need_vc) continue;
        if (!tm->null) {
            stat_na(sk, tm->null_error);
            stat_na(so, tm->null_error);
            stat_na(av, tm->null_error);
        } else {
            int nvar = r->n_vars[mb];
            size_t need = (size_t)n * nvar;
            if (need > w->g_cap) {
                double *g = duet_realloc(w->g, need * sizeof *g);
                if (!g) return DUET_ENOMEM;
                w->g = g;
                w->g_cap = need;
            }
            for (int u = 0; u < nvar; u++) {
                const double *src = gd->dosage[r->vars[mb][u]];
                double *dst = w->g + (size_t)n * u;
                for (int i = 0; i < n; i++) dst[i] = src[tm->rows[i]];
            }
            duet_genetest_result_t gr;
            duet_err_t err = duet_genetest_run(tm->null, w->g, n, nvar, NULL, &go, w->gt, &gr);
            if (err) return err;
            const char *how = tm->null->model == DUET_GENETEST_LOGISTIC
                                  ? duet_genetest_adjust_str(gr.adjust) : "";
            set_vc(sk, gr.status, gr.skat_log_p, how);
            if (go.tests & DUET_GENETEST_SKATO) set_vc(so, gr.status, gr.skato_log_p, how);
            else stat_na(so, "not_requested");
            set_vc(av, gr.status, gr.acatv_log_p, how);
        }
        /* ACAT-O: the Cauchy combination of those that exist */
        double lp[3];
        int k = 0;
        if (!bu->errcode[0] && !isnan(bu->log_p)) lp[k++] = bu->log_p;
        if (!sk->errcode[0] && !isnan(sk->log_p)) lp[k++] = sk->log_p;
        if (!av->errcode[0] && !isnan(av->log_p)) lp[k++] = av->log_p;
        if (k) {
            ao->beta = ao->se = NAN;
            ao->log_p = duet_genetest_acat(lp, NULL, k);
            ao->errcode = isnan(ao->log_p) ? "no_p_value" : "";
            ao->method = sk->method ? sk->method : "";
        } else {
            stat_na(ao, "no_p_value");
        }
    }
    return DUET_OK;
}

int duet_burden_res_n_variants(const duet_burden_gene_res_t *r, int mb)
{
    return r->n_vars[mb];
}

int duet_burden_res_n_carriers(const duet_burden_gene_res_t *r, int mb, int t)
{
    return r->n_carriers[(size_t)r->canon[mb] * r->n_traits + t];
}

const duet_burden_stat_t *duet_burden_res_stat(const duet_burden_gene_res_t *r, int mb, int t,
                                               int test)
{
    return stat_at((duet_burden_gene_res_t *)r, r->canon[mb], t, test);
}
