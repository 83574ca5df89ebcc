/*
 * ct.c -- duet prs ct (prs.h): clumping with PRSice-2's settings, one
 * score per p-value threshold built in memory as a duet_weights_t, all of
 * them computed in one pass over the target by the score library, then the
 * validation table PRSice users read.  PRSice-2 (Choi & O'Reilly 2019,
 * GigaScience 8:giz082) is the method followed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/prs.h"
#include "duet/score.h"
#include "ct_internal.h"

static const double prsice_bar_levels[] = {0.001, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5};

void duet_ct_grid_init(duet_ct_grid_t *g)
{
    memset(g, 0, sizeof *g);
    g->lower = 5e-8;
    g->upper = 0.5;
    g->interval = 5e-5;
}

void duet_ct_opts_init(duet_ct_opts_t *o)
{
    memset(o, 0, sizeof *o);
    duet_clump_opts_init(&o->clump);
    o->clump.p1 = 1.0; /* PRSice-2: --clump-p 1, --clump-r2 0.1, --clump-kb 250 */
    o->clump.p2 = 1.0;
    o->clump.r2 = 0.1;
    o->clump.kb = 250.0;
    duet_ct_grid_init(&o->grid);
    o->threads = 1;
    o->binary = -1;
    o->prevalence = NAN;
    o->seed = 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

duet_err_t duet_ct_parse_levels(const char *arg, double **levels, int *n)
{
    *levels = NULL;
    *n = 0;
    int m = 1;
    for (const char *s = arg; *s; s++) m += *s == ',';
    double *v = duet_malloc((size_t)m * sizeof *v);
    if (!v) return DUET_ENOMEM;
    const char *s = arg;
    int k = 0;
    for (int i = 0; i < m; i++) {
        char *end;
        v[k] = strtod(s, &end);
        if (end == s || (*end && *end != ',') || !(v[k] > 0.0 && v[k] <= 1.0) ||
            !strncasecmp(s, "0x", 2)) {
            duet_log_error("--bar-levels: '%s' is not a list of p-values in (0, 1] (item %d)", arg,
                           i + 1);
            free(v);
            return DUET_EUSAGE;
        }
        k++;
        s = *end ? end + 1 : end;
    }
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    int u = 0;
    for (int i = 0; i < k; i++)
        if (!u || v[i] != v[u - 1]) v[u++] = v[i];
    *levels = v;
    *n = u;
    return DUET_OK;
}

duet_err_t duet_ct_thresholds(const duet_ct_grid_t *g, const double *p, int n, double **thr,
                              int *n_thr)
{
    *thr = NULL;
    *n_thr = 0;
    const double *bars = g->bar_levels ? g->bar_levels : prsice_bar_levels;
    int n_bars = g->bar_levels ? g->n_bar_levels : (int)(sizeof prsice_bar_levels / sizeof(double));
    int64_t n_fine = 0;
    if (g->high_res) {
        if (!(g->lower > 0 && g->upper <= 1 && g->lower < g->upper && g->interval > 0)) {
            duet_log_error("the fine grid needs 0 < --lower < --upper <= 1 and --interval > 0 "
                           "(%g, %g, %g)", g->lower, g->upper, g->interval);
            return DUET_EUSAGE;
        }
        double k = floor((g->upper - g->lower) / g->interval * (1 + 1e-12)) + 1;
        if (k > 100000) {
            duet_log_error("the fine grid has %.0f thresholds (more than 100000): use a larger "
                           "--interval", k);
            return DUET_EUSAGE;
        }
        n_fine = (int64_t)k;
    }
    for (int i = 0; i < n_bars; i++)
        if (!(bars[i] > 0 && bars[i] <= 1)) {
            duet_log_error("--bar-levels: %g is not in (0, 1]", bars[i]);
            return DUET_EUSAGE;
        }
    size_t m = (size_t)n_bars + (size_t)n_fine + 1;
    double *grid = duet_malloc(m * sizeof *grid);
    if (!grid) return DUET_ENOMEM;
    size_t k = 0;
    for (int i = 0; i < n_bars; i++) grid[k++] = bars[i];
    for (int64_t i = 0; i < n_fine; i++) grid[k++] = g->lower + (double)i * g->interval;
    if (!g->no_full) grid[k++] = 1.0;
    qsort(grid, k, sizeof *grid, cmp_double);
    /* PRSice is lazy: a threshold that adds no variant is skipped */
    size_t kept = 0;
    int cur = 0, prev = 0;
    for (size_t i = 0; i < k; i++) {
        if (i && grid[i] == grid[i - 1]) continue;
        while (cur < n && p[cur] <= grid[i]) cur++;
        if (cur > prev) {
            grid[kept++] = grid[i];
            prev = cur;
        }
    }
    *thr = grid;
    *n_thr = (int)kept;
    return DUET_OK;
}

/* ------------------------------------------------------------------ */

/* The weights: one score per threshold over the index variants with a
 * beta and p <= the largest threshold. */
static duet_err_t build_weights(ct_state_t *s)
{
    const duet_clump_result_t *cr = s->clump;
    duet_err_t err = duet_weights_create(&s->weights);
    if (err) return err;
    char name[64];
    for (int t = 0; t < s->n_thr; t++) {
        int idx;
        snprintf(name, sizeof name, "ct_p%.10g", s->thr[t]);
        if ((err = duet_weights_add_score(s->weights, name, &idx))) return err;
    }
    s->n_snp = duet_calloc((size_t)(s->n_thr ? s->n_thr : 1), sizeof *s->n_snp);
    if (!s->n_snp) return DUET_ENOMEM;
    double top = s->n_thr ? s->thr[s->n_thr - 1] : 0.0;
    for (int c = 0; c < cr->n_clumps; c++) {
        const duet_clump_variant_t *v = &cr->variants[cr->clumps[c].index];
        if (!(v->p <= top)) continue;
        if (!isfinite(v->beta)) {
            s->n_no_beta++;
            continue;
        }
        int row;
        if ((err = duet_weights_add_row(s->weights, v->chrom, v->pos, v->id, v->effect_allele,
                                        v->other_allele, DUET_MODEL_ADDITIVE, &row)))
            return err;
        for (int t = 0; t < s->n_thr; t++)
            if (v->p <= s->thr[t]) {
                duet_weights_set(s->weights, row, t, v->beta);
                s->n_snp[t]++;
            }
    }
    if (duet_weights_n_rows(s->weights) == 0) {
        duet_log_error("no index variant with a beta and p <= %g: nothing to score", top);
        return DUET_EDEGENERATE;
    }
    return DUET_OK;
}

static duet_err_t clump_and_threshold(ct_state_t *s)
{
    const duet_ct_opts_t *o = s->opts;
    duet_err_t err = duet_clump_run(&o->clump, &s->clump);
    if (err) return err;
    const duet_clump_result_t *cr = s->clump;
    double *p = duet_malloc((size_t)(cr->n_clumps ? cr->n_clumps : 1) * sizeof *p);
    if (!p) return DUET_ENOMEM;
    int n = 0;
    for (int c = 0; c < cr->n_clumps; c++) {
        const duet_clump_variant_t *v = &cr->variants[cr->clumps[c].index];
        if (isfinite(v->beta)) p[n++] = v->p;
    }
    qsort(p, (size_t)n, sizeof *p, cmp_double);
    err = duet_ct_thresholds(&o->grid, p, n, &s->thr, &s->n_thr);
    free(p);
    if (err) return err;
    if (s->n_thr == 0) {
        duet_log_error("no index variant with a beta falls under any threshold (%d clumps)",
                       cr->n_clumps);
        return DUET_EDEGENERATE;
    }
    duet_log_info("%d clumps; %d thresholds from %g to %g", cr->n_clumps, s->n_thr, s->thr[0],
                  s->thr[s->n_thr - 1]);
    return build_weights(s);
}

static duet_err_t score_target(ct_state_t *s)
{
    const duet_ct_opts_t *o = s->opts;
    duet_score_opts_t so;
    duet_score_opts_init(&so, o->target ? o->target : o->clump.vcf);
    so.samples = o->target_samples;
    so.n_samples = o->n_target_samples;
    so.threads = o->threads;
    duet_err_t err = duet_score_compute(s->weights, &so, &s->score);
    if (err) return err;
    return duet_score_check(s->weights, s->score, 0.0);
}

duet_err_t duet_ct_run(const duet_ct_opts_t *o)
{
    ct_state_t s;
    memset(&s, 0, sizeof s);
    s.opts = o;
    duet_err_t err = DUET_OK;
    if (!isnan(o->prevalence) && !(o->prevalence > 0 && o->prevalence < 1)) {
        duet_log_error("--prevalence must lie in (0, 1) (%g)", o->prevalence);
        return DUET_EUSAGE;
    }
    if ((err = ct_outputs_create(&s))) goto cleanup;
    if (o->pheno && (err = ct_read_trait(&s))) goto cleanup;
    if ((err = clump_and_threshold(&s))) goto cleanup;
    if ((err = score_target(&s))) goto cleanup;
    if (o->pheno && (err = ct_validate(&s))) goto cleanup;
    if ((err = ct_write(&s))) goto cleanup;
    err = ct_outputs_commit(&s);
cleanup:
    ct_state_free(&s);
    return err;
}
