/*
 * bayes.c -- the block Gibbs sampler of PRS-CS (Ge et al. 2019, and its
 * reference implementation mcmc_gtb.py): continuous shrinkage with a
 * gamma-gamma prior on the local scales psi_j, a global scale phi that is
 * fixed or learned, and the residual variance sigma2.  The model and the
 * order of the updates are in include/duet/prs_bayes.h.
 *
 * Determinism: every block draws from its own Philox stream, keyed by
 * (seed, iteration << 32 | 2 block + phase); the serial updates from
 * (seed, iteration << 32 | 0xffffffff).  Per-block sums land in per-block
 * slots and are added in block order, so any thread count gives the same
 * bytes.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <omp.h>

#include "duet/log.h"
#include "duet/prs_bayes.h"
#include "duet/rng.h"
#include "../stats/lapack_internal.h"

#define GLOBAL_STREAM 0xffffffffULL

void duet_bayes_params_init(duet_bayes_params_t *p)
{
    memset(p, 0, sizeof *p);
    p->a = 1.0;
    p->b = 0.5;
    p->phi = 0;
    p->n_iter = 1000;
    p->n_burnin = 500;
    p->thin = 5;
    p->seed = 1;
}

void duet_bayes_result_free(duet_bayes_result_t *r)
{
    if (!r) return;
    free(r->beta);
    free(r->beta_sd);
    free(r->psi);
    free(r->trace_iter);
    free(r->trace_phi);
    free(r->trace_h2);
    free(r->trace_sigma2);
    memset(r, 0, sizeof *r);
}

typedef struct {
    const duet_bayes_model_t *model;
    const duet_bayes_params_t *par;
    int p, max_m;
    int *off;               /* first variant of each block */
    double *beta, *psi;     /* current state */
    double *scratch;        /* per thread: max_m^2 + 2 max_m */
    double *blk_quad, *blk_h2, *blk_bm, *blk_bpsi, *blk_delta; /* per block */
    int *blk_fail;
    double sigma2, phi;
} gibbs_t;

static uint64_t stream_id(int iter, int block, int phase)
{
    return (uint64_t)iter << 32 | (uint64_t)(2 * block + phase);
}

/* Phase 1 of one block: beta_k ~ N(A^-1 bm, sigma2/n A^-1), A = D + diag(1/psi),
 * with its sums: beta'A beta, beta'D beta, beta'bm, sum beta^2/psi. */
static void block_beta(gibbs_t *g, int k, int iter, double *work)
{
    const duet_bayes_model_t *md = g->model;
    int m = md->size[k], off = g->off[k];
    double *A = work, *tmp = work + (size_t)g->max_m * g->max_m, *db = tmp + g->max_m;
    const double *D = md->ld[k], *bm = md->beta_mrg + off;
    double *beta = g->beta + off, *psi = g->psi + off;
    memcpy(A, D, sizeof(double) * (size_t)m * m);
    for (int j = 0; j < m; j++) A[(size_t)j * m + j] += 1.0 / psi[j];
    int info = 0;
    dpotrf_("L", &m, A, &m, &info);
    if (info != 0) {
        g->blk_fail[k] = info;
        return;
    }
    duet_rng_t rng;
    duet_rng_init(&rng, g->par->seed, stream_id(iter, k, 0));
    memcpy(tmp, bm, sizeof(double) * m);
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, m, A, m, tmp, 1);
    double sd = sqrt(g->sigma2 / md->n);
    for (int j = 0; j < m; j++) tmp[j] += sd * duet_rng_normal(&rng);
    cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, m, A, m, tmp, 1);
    memcpy(beta, tmp, sizeof(double) * m);
    cblas_dsymv(CblasColMajor, CblasUpper, m, 1.0, D, m, beta, 1, 0.0, db, 1);
    double h2 = 0, bpsi = 0, bmsum = 0;
    for (int j = 0; j < m; j++) {
        h2 += beta[j] * db[j];
        bpsi += beta[j] * beta[j] / psi[j];
        bmsum += beta[j] * bm[j];
    }
    g->blk_h2[k] = h2;
    g->blk_bpsi[k] = bpsi;
    g->blk_quad[k] = h2 + bpsi;
    g->blk_bm[k] = bmsum;
}

/* Phase 2 of one block: delta_j ~ Gamma(a + b, psi_j + phi), psi_j ~
 * GIG(a - 1/2, 2 delta_j, n beta_j^2 / sigma2) capped at 1. */
static void block_psi(gibbs_t *g, int k, int iter)
{
    const duet_bayes_model_t *md = g->model;
    const duet_bayes_params_t *par = g->par;
    int m = md->size[k], off = g->off[k];
    duet_rng_t rng;
    duet_rng_init(&rng, par->seed, stream_id(iter, k, 1));
    double sum_delta = 0;
    for (int j = off; j < off + m; j++) {
        double delta = duet_rng_gamma(&rng, par->a + par->b) / (g->psi[j] + g->phi);
        sum_delta += delta;
        double psi = duet_gig_draw(&rng, par->a - 0.5, 2.0 * delta,
                                   md->n * g->beta[j] * g->beta[j] / g->sigma2);
        if (psi > 1.0) psi = 1.0;
        if (!(psi > DBL_MIN)) psi = DBL_MIN; /* an underflow would make 1/psi infinite */
        g->psi[j] = psi;
    }
    g->blk_delta[k] = sum_delta;
}

static duet_err_t gibbs_alloc(gibbs_t *g, int threads, duet_bayes_result_t *res)
{
    const duet_bayes_model_t *md = g->model;
    const duet_bayes_params_t *par = g->par;
    int nb = md->n_blocks;
    g->off = duet_calloc(nb + 1, sizeof(int));
    if (!g->off) return DUET_ENOMEM;
    for (int k = 0; k < nb; k++) {
        g->off[k + 1] = g->off[k] + md->size[k];
        if (md->size[k] > g->max_m) g->max_m = md->size[k];
    }
    int p = g->p = g->off[nb];
    size_t per = (size_t)g->max_m * g->max_m + 2 * (size_t)g->max_m;
    g->beta = duet_calloc(p, sizeof(double));
    g->psi = duet_malloc(sizeof(double) * (p ? p : 1));
    g->scratch = duet_malloc(sizeof(double) * per * threads + 1);
    double **blk[] = { &g->blk_quad, &g->blk_h2, &g->blk_bm, &g->blk_bpsi, &g->blk_delta };
    for (int i = 0; i < 5; i++)
        if (!(*blk[i] = duet_calloc(nb + 1, sizeof(double)))) return DUET_ENOMEM;
    g->blk_fail = duet_calloc(nb + 1, sizeof(int));
    int kept = 0;
    for (int it = 1; it <= par->n_iter; it++) kept += it > par->n_burnin && it % par->thin == 0;
    res->p = p;
    res->beta = duet_calloc(p + 1, sizeof(double));
    res->beta_sd = duet_calloc(p + 1, sizeof(double));
    res->psi = duet_calloc(p + 1, sizeof(double));
    res->trace_iter = duet_calloc(kept + 1, sizeof(int));
    res->trace_phi = duet_calloc(kept + 1, sizeof(double));
    res->trace_h2 = duet_calloc(kept + 1, sizeof(double));
    res->trace_sigma2 = duet_calloc(kept + 1, sizeof(double));
    if (!g->beta || !g->psi || !g->scratch || !g->blk_fail || !res->beta || !res->beta_sd ||
        !res->psi || !res->trace_iter || !res->trace_phi || !res->trace_h2 || !res->trace_sigma2)
        return DUET_ENOMEM;
    for (int j = 0; j < p; j++) g->psi[j] = par->psi_init ? par->psi_init[j] : 1.0;
    return DUET_OK;
}

static void gibbs_free(gibbs_t *g)
{
    free(g->off);
    free(g->beta);
    free(g->psi);
    free(g->scratch);
    free(g->blk_quad);
    free(g->blk_h2);
    free(g->blk_bm);
    free(g->blk_bpsi);
    free(g->blk_delta);
    free(g->blk_fail);
}

/* sigma2 ~ InvGamma((n + p)/2, max(n/2 (1 - 2 beta'bm + beta'A beta),
 * n/2 sum beta^2/psi)), as mcmc_gtb.py. */
static void update_sigma2(gibbs_t *g, duet_rng_t *rng)
{
    const duet_bayes_model_t *md = g->model;
    double quad = 0, bm = 0, bpsi = 0;
    for (int k = 0; k < md->n_blocks; k++) {
        quad += g->blk_quad[k];
        bm += g->blk_bm[k];
        bpsi += g->blk_bpsi[k];
    }
    if (g->par->fix_sigma) return;
    double err = fmax(md->n / 2.0 * (1.0 - 2.0 * bm + quad), md->n / 2.0 * bpsi);
    g->sigma2 = err / duet_rng_gamma(rng, (md->n + g->p) / 2.0);
}

duet_err_t duet_bayes_gibbs(const duet_bayes_model_t *model, const duet_bayes_params_t *par,
                            int threads, duet_bayes_result_t *res)
{
    memset(res, 0, sizeof *res);
    if (par->n_burnin >= par->n_iter || par->thin < 1 || par->n_burnin < 0 || !(par->a > 0) ||
        !(par->b > 0) || !(model->n > 0)) {
        duet_log_error("bad sampler settings: need 0 <= burn-in < iterations, thin >= 1, "
                       "a > 0, b > 0, n > 0");
        return DUET_EUSAGE;
    }
    if (threads < 1) threads = 1;
    gibbs_t g;
    memset(&g, 0, sizeof g);
    g.model = model;
    g.par = par;
    g.sigma2 = 1.0;
    g.phi = par->phi > 0 ? par->phi : 1.0;
    int learn_phi = !(par->phi > 0) && !par->fix_psi;
    duet_err_t err = gibbs_alloc(&g, threads, res);
    if (err) goto cleanup;
    int nb = model->n_blocks, kept = 0;
    size_t per = (size_t)g.max_m * g.max_m + 2 * (size_t)g.max_m;
    for (int it = 1; it <= par->n_iter; it++) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (int k = 0; k < nb; k++)
            block_beta(&g, k, it, g.scratch + per * omp_get_thread_num());
        for (int k = 0; k < nb; k++) {
            if (g.blk_fail[k]) {
                duet_log_error("LD block %d (%d variants): D + diag(1/psi) is not positive "
                               "definite (LAPACK dpotrf info %d); is the LD matrix "
                               "non-negative definite?", k + 1, model->size[k], g.blk_fail[k]);
                err = DUET_EDEGENERATE;
                goto cleanup;
            }
        }
        duet_rng_t grng; /* the serial draws of this iteration */
        duet_rng_init(&grng, par->seed, (uint64_t)it << 32 | GLOBAL_STREAM);
        update_sigma2(&g, &grng);
        if (!par->fix_psi) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
            for (int k = 0; k < nb; k++) block_psi(&g, k, it);
        }
        if (learn_phi) {
            double sum_delta = 0;
            for (int k = 0; k < nb; k++) sum_delta += g.blk_delta[k];
            duet_rng_t *rng = &grng;
            double w = duet_rng_gamma(rng, 1.0) / (g.phi + 1.0);
            g.phi = duet_rng_gamma(rng, g.p * par->b + 0.5) / (sum_delta + w);
        }
        if (it > par->n_burnin && it % par->thin == 0) {
            double h2 = 0;
            for (int k = 0; k < nb; k++) h2 += g.blk_h2[k];
            for (int j = 0; j < g.p; j++) {
                res->beta[j] += g.beta[j];
                res->beta_sd[j] += g.beta[j] * g.beta[j];
                res->psi[j] += g.psi[j];
            }
            res->trace_iter[kept] = it;
            res->trace_phi[kept] = g.phi;
            res->trace_h2[kept] = h2;
            res->trace_sigma2[kept] = g.sigma2;
            kept++;
        }
    }
    res->n_kept = kept;
    for (int j = 0; j < g.p; j++) {
        res->beta[j] /= kept;
        res->psi[j] /= kept;
        double v = res->beta_sd[j] / kept - res->beta[j] * res->beta[j];
        res->beta_sd[j] = v > 0 ? sqrt(v) : 0.0;
    }

cleanup:
    gibbs_free(&g);
    if (err) duet_bayes_result_free(res);
    return err;
}
