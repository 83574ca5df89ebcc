/*
 * ct_validate.c -- the validation of duet prs ct (prs.h): the trait and
 * covariates of the target samples, one fit per threshold (validate.c),
 * the best threshold, and PRSice's permutation p of it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/rng.h"
#include "ct_internal.h"

duet_err_t ct_read_trait(ct_state_t *s)
{
    const duet_ct_opts_t *o = s->opts;
    const char *cols[1] = {o->trait};
    duet_err_t err = duet_phenofile_read(o->pheno, "phenotype", o->trait ? cols : NULL,
                                         o->trait ? 1 : 0, &s->pheno);
    if (err) return err;
    s->trait_col = 0;
    s->trait_name = s->pheno->names[0];
    if (o->covar && (err = duet_phenofile_read(o->covar, "covariate", o->covar_names,
                                               o->covar_names ? o->n_covar_names : 0, &s->covar)))
        return err;
    int is01 = duet_phenofile_is_binary(s->pheno, s->trait_col);
    s->binary = o->binary < 0 ? is01 : o->binary;
    if (s->binary && !is01) {
        duet_log_error("%s: trait %s is not 0/1 (controls 0, cases 1)", o->pheno, s->trait_name);
        return DUET_EFORMAT;
    }
    if (!isnan(o->prevalence) && !s->binary) {
        duet_log_error("--prevalence needs a binary trait; %s is quantitative", s->trait_name);
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

/* The samples of the score with the trait and every covariate: their
 * rows in the score (idx), y and the covariates (n x k). */
static duet_err_t gather(ct_state_t *s, int **idx, double **y, double **cov, int *k)
{
    const duet_score_result_t *r = s->score;
    int kc = s->covar ? s->covar->n_columns : 0, n = 0;
    *k = kc;
    *idx = duet_malloc((size_t)r->n_samples * sizeof **idx);
    *y = duet_malloc((size_t)r->n_samples * sizeof **y);
    *cov = duet_malloc((size_t)r->n_samples * (kc ? kc : 1) * sizeof **cov);
    if (!*idx || !*y || !*cov) return DUET_ENOMEM;
    for (int i = 0; i < r->n_samples; i++) {
        int pr = duet_phenofile_row(s->pheno, r->sample_ids[i]);
        if (pr < 0) continue;
        double yi = s->pheno->values[(size_t)pr * s->pheno->n_columns + s->trait_col];
        if (isnan(yi)) continue;
        int cr = s->covar ? duet_phenofile_row(s->covar, r->sample_ids[i]) : -1, ok = 1;
        if (s->covar && cr < 0) continue;
        for (int c = 0; c < kc && ok; c++) ok = !isnan(s->covar->values[(size_t)cr * kc + c]);
        if (!ok) continue;
        (*idx)[n] = i;
        (*y)[n] = yi;
        n++;
    }
    for (int c = 0; c < kc; c++)
        for (int j = 0; j < n; j++) {
            int cr = duet_phenofile_row(s->covar, r->sample_ids[(*idx)[j]]);
            (*cov)[(size_t)c * n + j] = s->covar->values[(size_t)cr * kc + c];
        }
    s->n_used = n;
    if (n == 0) {
        duet_log_error("no target sample has trait %s%s", s->trait_name,
                       s->covar ? " and every covariate" : "");
        return DUET_EMISMATCH;
    }
    return DUET_OK;
}

/* Smallest linear-model log p over the thresholds for trait y. */
static double min_p_linear(const ct_state_t *s, const double *y, const double *cov, int k,
                           const double *scores, int n)
{
    double best = INFINITY;
    for (int t = 0; t < s->n_thr; t++) {
        duet_prs_fit_t f = duet_prs_fit_linear(y, cov, k, scores + (size_t)t * n, n);
        if (f.ok && f.log_p < best) best = f.log_p;
    }
    return best;
}

/* PRSice's permutation p of the best threshold: permutation b shuffles y
 * with RNG stream b of the seed (the same for any thread count). */
static duet_err_t permute(ct_state_t *s, const double *y, const double *cov, int k,
                          const double *scores, int n)
{
    const duet_ct_opts_t *o = s->opts;
    double observed = min_p_linear(s, y, cov, k, scores, n);
    int64_t hits = 0, failed = 0;
#pragma omp parallel for schedule(dynamic, 4) reduction(+ : hits, failed) num_threads(o->threads)
    for (int b = 0; b < o->n_perm; b++) {
        double *yp = malloc((size_t)n * sizeof *yp);
        if (!yp) {
            failed++;
            continue;
        }
        memcpy(yp, y, (size_t)n * sizeof *yp);
        duet_rng_t rng;
        duet_rng_init(&rng, o->seed, (uint64_t)b);
        for (int i = n - 1; i > 0; i--) {
            int j = (int)duet_rng_below(&rng, (uint64_t)i + 1);
            double t = yp[i];
            yp[i] = yp[j];
            yp[j] = t;
        }
        hits += min_p_linear(s, yp, cov, k, scores, n) <= observed;
        free(yp);
    }
    if (failed) return duet_log_oom((size_t)n * sizeof(double));
    s->emp_p = (double)(hits + 1) / (double)(o->n_perm + 1);
    return DUET_OK;
}

duet_err_t ct_validate(ct_state_t *s)
{
    const duet_ct_opts_t *o = s->opts;
    int *idx = NULL, k = 0;
    double *y = NULL, *cov = NULL, *scores = NULL;
    duet_err_t err = gather(s, &idx, &y, &cov, &k);
    if (err) goto done;
    int n = s->n_used;
    double n1 = 0.0, ymin = y[0], ymax = y[0];
    for (int i = 0; i < n; i++) {
        n1 += y[i];
        if (y[i] < ymin) ymin = y[i];
        if (y[i] > ymax) ymax = y[i];
    }
    if (ymin == ymax || n < k + 3) {
        duet_log_error("trait %s: %d samples, %s: nothing to validate", s->trait_name, n,
                       ymin == ymax ? "constant" : "fewer than covariates + 3");
        err = DUET_EDEGENERATE;
        goto done;
    }
    s->case_frac = n1 / n;
    s->fits = duet_calloc((size_t)s->n_thr, sizeof *s->fits);
    s->auc = duet_malloc((size_t)s->n_thr * sizeof *s->auc);
    s->liab = duet_malloc((size_t)s->n_thr * sizeof *s->liab);
    scores = duet_malloc((size_t)n * s->n_thr * sizeof *scores);
    if (!s->fits || !s->auc || !s->liab || !scores) {
        err = DUET_ENOMEM;
        goto done;
    }
    const duet_score_result_t *r = s->score;
    for (int t = 0; t < s->n_thr; t++)
        for (int i = 0; i < n; i++)
            scores[(size_t)t * n + i] = r->sum[(size_t)t * r->n_samples + idx[i]];
    s->best = -1;
    for (int t = 0; t < s->n_thr; t++) {
        const double *sc = scores + (size_t)t * n;
        s->fits[t] = s->binary ? duet_prs_fit_logistic(y, cov, k, sc, n)
                               : duet_prs_fit_linear(y, cov, k, sc, n);
        s->auc[t] = s->binary ? duet_prs_auc(y, sc, n) : NAN;
        s->liab[t] = NAN;
        if (s->binary && !isnan(o->prevalence)) {
            duet_prs_fit_t lin = duet_prs_fit_linear(y, cov, k, sc, n);
            if (lin.ok) s->liab[t] = duet_prs_liability_r2(lin.r2, o->prevalence, s->case_frac);
        }
        if (s->fits[t].ok && (s->best < 0 || s->fits[t].log_p < s->fits[s->best].log_p)) s->best = t;
    }
    s->emp_p = NAN;
    if (s->best < 0) {
        duet_log_warn("trait %s: no threshold's model could be fitted", s->trait_name);
    } else if (o->n_perm > 0) {
        err = permute(s, y, cov, k, scores, n);
    }
done:
    free(idx);
    free(y);
    free(cov);
    free(scores);
    return err;
}
