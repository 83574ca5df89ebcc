/*
 * logreg.c -- logistic regression: null model by IRLS, blocked score test,
 * per-variant maximum-likelihood (Wald) and Firth-penalised fits.
 *
 * One Newton/IRLS engine serves all fits: at each step the Fisher
 * information I = D'WD is formed (dsyrk or dgemm) and factored, the
 * step I^{-1} U is taken with step halving until the (penalised)
 * log-likelihood increases, and iteration stops when the largest
 * coefficient change is below DUET_LOGREG_TOL (or when no step larger than
 * that can increase the likelihood any more).  Firth's modification
 * (Firth 1993; Heinze and Schemper 2002) adds h_i (1/2 - mu_i) to the
 * residuals, with h the diagonal of W^{1/2} D I^{-1} D' W^{1/2} computed as
 * w_i times the squared row norms of D L^{-T} (dtrsm), halves a step that
 * reverses the previous one (the iteration can otherwise cycle around the
 * optimum for rare variants), caps each step at
 * DUET_FIRTH_MAX_STEP (as logistf's maxstep) and maximises
 * l(b) + log|I(b)|/2 = l(b) + sum log L_jj.  Standard errors come from the
 * inverse information at the estimate; for the last coefficient that is
 * 1 / L_pp^2.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "duet/dist.h"
#include "duet/log.h"
#include "duet/logreg.h"
#include "logreg_internal.h"

/* Designs with at least this many columns form the information with dsyrk
 * on W^{1/2} D (one square root per sample), narrower ones with dgemm on D
 * and W D (no square roots); measured on 1000 Genomes (3 columns) and a
 * 20,000-sample cohort (12 columns). */
#define SYRK_MIN_P 6

/* Newton steps below this (largest coefficient change) are taken without
 * the likelihood-increase test. */
#define SMALL_STEP 1e-4

/* Evaluation of a fit at one coefficient vector. */
typedef struct {
    double *mu, *w;  /* N */
    double *xw;      /* N x p: W^{1/2} D or W D, then the hat values' solve */
    double *l;       /* p x p Cholesky factor of D'WD (lower) */
    double *u;       /* p: the score D'(y - mu), when has_u */
    double loglik;   /* log-likelihood, plus log|I|/2 for Firth */
    int ok;          /* information positive definite */
    int has_u;       /* u computed with the evaluation (fused path) */
} eval_t;

typedef struct {
    int n, p;
    const double *d;     /* N x p design */
    const double *y;
    const uint8_t *drop; /* NULL or N flags */
    int firth;
    int n_fixed;         /* trailing coefficients held at their start value
                            (0 or 1: the restricted fit of a penalised
                            likelihood-ratio test) */
    double *eta;         /* N */
    double *r;           /* N working residuals */
    double *u, *delta, *beta_try, *prev; /* p */
    eval_t ev[2];
} irls_t;

static void eval_free(eval_t *e)
{
    free(e->mu);
    free(e->w);
    free(e->xw);
    free(e->l);
    free(e->u);
}

static int eval_alloc(eval_t *e, int n, int p)
{
    e->mu = malloc((size_t)n * sizeof *e->mu);
    e->w = malloc((size_t)n * sizeof *e->w);
    e->xw = malloc((size_t)n * p * sizeof *e->xw);
    e->l = malloc((size_t)p * p * sizeof *e->l);
    e->u = malloc((size_t)p * sizeof *e->u);
    return e->mu && e->w && e->xw && e->l && e->u ? 0 : -1;
}

static void irls_free(irls_t *s)
{
    free(s->eta);
    free(s->r);
    free(s->u);
    free(s->delta);
    free(s->beta_try);
    free(s->prev);
    eval_free(&s->ev[0]);
    eval_free(&s->ev[1]);
    memset(s, 0, sizeof *s); /* a second irls_free() is harmless */
}

static duet_err_t irls_alloc(irls_t *s, int n, int p)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->p = p;
    s->eta = malloc((size_t)n * sizeof *s->eta);
    s->r = malloc((size_t)n * sizeof *s->r);
    s->u = malloc((size_t)p * sizeof *s->u);
    s->delta = malloc((size_t)p * sizeof *s->delta);
    s->beta_try = malloc((size_t)p * sizeof *s->beta_try);
    s->prev = malloc((size_t)p * sizeof *s->prev);
    if (!s->eta || !s->r || !s->u || !s->delta || !s->beta_try || !s->prev ||
        eval_alloc(&s->ev[0], n, p) || eval_alloc(&s->ev[1], n, p)) {
        irls_free(s);
        return duet_log_oom((size_t)n * (p + 4) * sizeof(double));
    }
    return DUET_OK;
}

/* Designs up to this width, fitted without dropped samples, are evaluated
 * in one pass over the samples (evaluate_fused, and firth_score for Firth's
 * score); wider ones and dropping fits through BLAS. */
#define FUSED_MAX_P LOGREG_FUSED_MAX_P

/* The fitted probabilities, weights, log-likelihood, information D'WD
 * and score D'(y - mu) in one pass over the rows: the design is read once
 * (p column streams), no N x p temporary is written.  Each row's terms are
 * those of evaluate() below. */
/* The log-likelihood, summed row by row: y log mu + (1 - y) log(1 - mu)
 *   = y eta - max(eta, 0) - log(1 + t),  t = e^-|eta| in (0, 1]:
 * one exp per sample, stable for any eta; the log(1 + t) terms are summed
 * as the log of products of 16 factors in (1, 2] (one log per 16 samples,
 * no overflow, rounding far below the tolerance). */
typedef struct {
    double ll, prod;
    int in_prod;
} llsum_t;

static inline void llsum_add(llsum_t *a, double y, double eta, double t)
{
    a->ll += y * eta - (eta > 0 ? eta : 0);
    a->prod *= 1.0 + t;
    if (++a->in_prod == 16) {
        a->ll -= log(a->prod);
        a->prod = 1;
        a->in_prod = 0;
    }
}

static inline double llsum_total(const llsum_t *a) { return a->ll - log(a->prod); }

/* mu = 1 / (1 + e^-eta) from t = e^-|eta| */
static inline double expit_from(double eta, double t)
{
    return eta >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t);
}

static inline __attribute__((always_inline)) void
evaluate_fused_p(irls_t *s, const double *beta, eval_t *e, const int p)
{
    int n = s->n;
    const double *d[FUSED_MAX_P];
    for (int j = 0; j < p; j++) d[j] = s->d + (size_t)n * j;
    double info[FUSED_MAX_P * FUSED_MAX_P] = { 0 }, u[FUSED_MAX_P] = { 0 };
    double b[FUSED_MAX_P];
    for (int j = 0; j < p; j++) b[j] = beta[j];
    llsum_t acc = { 0, 1, 0 };
    int i0 = 0;
    if (logreg_simd_available()) {
        logreg_pass_t ps = { n, p, s->d, s->y, e->mu, e->w };
        i0 = logreg_eval_avx2(&ps, beta, info, u, &acc.ll);
    }
    for (int i = i0; i < n; i++) {
        double row[FUSED_MAX_P], eta = 0;
        for (int j = 0; j < p; j++) {
            row[j] = d[j][i];
            eta += row[j] * b[j];
        }
        double t = exp(-fabs(eta));
        double mu = expit_from(eta, t);
        double w = mu * (1.0 - mu), r = s->y[i] - mu;
        e->mu[i] = mu;
        e->w[i] = w;
        llsum_add(&acc, s->y[i], eta, t);
        for (int j = 0; j < p; j++) {
            double wj = w * row[j];
            u[j] += r * row[j];
            for (int k = 0; k <= j; k++) info[p * k + j] += wj * row[k];
        }
    }
    double ll = llsum_total(&acc);
    memcpy(e->l, info, (size_t)p * p * sizeof *e->l);
    memcpy(e->u, u, (size_t)p * sizeof *e->u);
    e->has_u = !s->firth; /* Firth's score needs the hat values (firth_score) */
    e->ok = duet_chol(e->l, p, 1e-13) == 0;
    if (e->ok && s->firth)
        for (int j = 0; j < p; j++) ll += log(e->l[(size_t)p * j + j]);
    e->loglik = ll;
}

/* One instance per width, so that the accumulators stay in registers. */
static void evaluate_fused(irls_t *s, const double *beta, eval_t *e)
{
    switch (s->p) {
    case 1: evaluate_fused_p(s, beta, e, 1); break;
    case 2: evaluate_fused_p(s, beta, e, 2); break;
    case 3: evaluate_fused_p(s, beta, e, 3); break;
    case 4: evaluate_fused_p(s, beta, e, 4); break;
    default: evaluate_fused_p(s, beta, e, 5); break;
    }
}

/* Firth's modified score U* = D'(y - mu + h (1/2 - mu)) at an evaluation
 * of the fused path, in one pass: h_i = w_i |L^{-1} d_i|^2 (the diagonal of
 * the weighted hat matrix) by a forward solve per row. */
static void firth_score(const irls_t *s, const eval_t *e, double *u_out)
{
    int n = s->n, p = s->p;
    const double *d[FUSED_MAX_P];
    for (int j = 0; j < p; j++) d[j] = s->d + (size_t)n * j;
    double u[FUSED_MAX_P] = { 0 }, inv_diag[FUSED_MAX_P];
    for (int j = 0; j < p; j++) inv_diag[j] = 1.0 / e->l[(size_t)p * j + j];
    int i0 = 0;
    if (logreg_simd_available()) {
        logreg_pass_t ps = { n, p, s->d, s->y, e->mu, e->w };
        i0 = logreg_firth_avx2(&ps, e->l, u);
    }
    for (int i = i0; i < n; i++) {
        double row[FUSED_MAX_P], z[FUSED_MAX_P], q = 0;
        for (int j = 0; j < p; j++) {
            row[j] = d[j][i];
            double v = row[j];
            for (int k = 0; k < j; k++) v -= e->l[(size_t)p * k + j] * z[k];
            z[j] = v * inv_diag[j];
            q += z[j] * z[j];
        }
        double mu = e->mu[i];
        double r = s->y[i] - mu + e->w[i] * q * (0.5 - mu);
        for (int j = 0; j < p; j++) u[j] += r * row[j];
    }
    memcpy(u_out, u, (size_t)p * sizeof *u_out);
}

static void evaluate(irls_t *s, const double *beta, eval_t *e)
{
    int n = s->n, p = s->p;
    if (p <= FUSED_MAX_P && !s->drop) {
        evaluate_fused(s, beta, e);
        return;
    }
    e->has_u = 0;
    cblas_dgemv(CblasColMajor, CblasNoTrans, n, p, 1.0, s->d, n, beta, 1, 0.0,
                s->eta, 1);
    llsum_t acc = { 0, 1, 0 };
    double *sw = s->r; /* sqrt(w), until the residuals are formed */
    for (int i = 0; i < n; i++) {
        if (s->drop && s->drop[i]) {
            e->mu[i] = 0;
            e->w[i] = 0;
            sw[i] = 0;
            continue;
        }
        double eta = s->eta[i];
        double t = exp(-fabs(eta));
        double mu = expit_from(eta, t);
        double w = mu * (1.0 - mu);
        e->mu[i] = mu;
        e->w[i] = w;
        if (p >= SYRK_MIN_P) sw[i] = sqrt(w);
        llsum_add(&acc, s->y[i], eta, t);
    }
    double ll = llsum_total(&acc);
    if (p >= SYRK_MIN_P) {
        /* I = (W^{1/2} D)'(W^{1/2} D), lower triangle: half the flops of
         * a general product, worth the square roots for wider designs */
        for (int j = 0; j < p; j++) {
            const double *dj = s->d + (size_t)n * j;
            double *xj = e->xw + (size_t)n * j;
            for (int i = 0; i < n; i++) xj[i] = sw[i] * dj[i];
        }
        cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, p, n, 1.0, e->xw, n, 0.0, e->l, p);
    } else {
        /* I = D'(W D) */
        for (int j = 0; j < p; j++) {
            const double *dj = s->d + (size_t)n * j;
            double *xj = e->xw + (size_t)n * j;
            const double *w = e->w;
            for (int i = 0; i < n; i++) xj[i] = w[i] * dj[i];
        }
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, p, p, n, 1.0, s->d, n, e->xw, n,
                    0.0, e->l, p);
    }
    e->ok = duet_chol(e->l, p, 1e-13) == 0;
    if (e->ok && s->firth)
        for (int j = 0; j < p; j++) ll += log(e->l[(size_t)p * j + j]);
    e->loglik = ll;
}

/* Solve with the leading pf x pf block of the Cholesky factor l (p x p,
 * lower, column-major): the factor of the leading block of the matrix. */
static void chol_solve_lead(const double *l, int p, int pf, double *b)
{
    for (int i = 0; i < pf; i++) {
        double s = b[i];
        for (int c = 0; c < i; c++) s -= l[(size_t)p * c + i] * b[c];
        b[i] = s / l[(size_t)p * i + i];
    }
    for (int i = pf - 1; i >= 0; i--) {
        double s = b[i];
        for (int r = i + 1; r < pf; r++) s -= l[(size_t)p * i + r] * b[r];
        b[i] = s / l[(size_t)p * i + i];
    }
}

/*
 * Newton iterations from beta (updated in place).  With s->n_fixed, the
 * trailing coefficients stay where they start and the others take the
 * steps of their own block of the information (a restricted maximum of the
 * same, fully penalised, likelihood).  Returns the status and
 * sets *iter; on DUET_FIT_OK, s->ev[*cur] holds the evaluation at the
 * returned beta.
 */
static duet_fit_status_t irls_run(irls_t *s, double *beta, int max_iter,
                                  int *iter, int *cur_out)
{
    int n = s->n, p = s->p, cur = 0;
    double tol = s->firth ? DUET_FIRTH_TOL : DUET_LOGREG_TOL;
    evaluate(s, beta, &s->ev[cur]);
    *iter = 0;
    *cur_out = cur;
    if (!s->ev[cur].ok) return DUET_FIT_COLLINEAR;
    for (int j = 0; j < p; j++) s->prev[j] = 0;
    for (int it = 1; it <= max_iter; it++) {
        eval_t *e = &s->ev[cur];
        *iter = it;
        /* working residuals, Firth-adjusted */
        int fused = p <= FUSED_MAX_P && !s->drop;
        if (s->firth && fused) {
            firth_score(s, e, e->u);
            e->has_u = 1;
        } else if (s->firth) {
            /* h = the diagonal of the weighted hat matrix
             * W^{1/2} D I^{-1} D' W^{1/2}: h_i = |row i of W^{1/2} D L^{-T}|^2,
             * by a solve on W^{1/2} D (which evaluate() left in xw) or on a
             * copy of D, then times w_i (xw held W D, no longer needed) */
            int on_d = p < SYRK_MIN_P;
            if (on_d) memcpy(e->xw, s->d, (size_t)n * p * sizeof *e->xw);
            cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans,
                        CblasNonUnit, n, p, 1.0, e->l, p, e->xw, n);
            for (int i = 0; i < n; i++) s->r[i] = 0;
            for (int j = 0; j < p; j++) {
                const double *zj = e->xw + (size_t)n * j;
                for (int i = 0; i < n; i++) s->r[i] += zj[i] * zj[i];
            }
            for (int i = 0; i < n; i++) {
                if (s->drop && s->drop[i]) { s->r[i] = 0; continue; }
                double h = on_d ? e->w[i] * s->r[i] : s->r[i];
                s->r[i] = s->y[i] - e->mu[i] + h * (0.5 - e->mu[i]);
            }
        } else if (!e->has_u) {
            for (int i = 0; i < n; i++)
                s->r[i] = s->drop && s->drop[i] ? 0 : s->y[i] - e->mu[i];
        }
        if (e->has_u)
            memcpy(s->u, e->u, (size_t)p * sizeof *s->u);
        else
            cblas_dgemv(CblasColMajor, CblasTrans, n, p, 1.0, s->d, n, s->r, 1, 0.0,
                        s->u, 1);
        memcpy(s->delta, s->u, (size_t)p * sizeof *s->delta);
        if (s->n_fixed) {
            chol_solve_lead(e->l, p, p - s->n_fixed, s->delta);
            for (int j = p - s->n_fixed; j < p; j++) s->delta[j] = 0;
        } else {
            duet_chol_solve(e->l, p, s->delta);
        }
        double mx = 0, dot = 0, n2 = 0, p2 = 0;
        for (int j = 0; j < p; j++) {
            if (fabs(s->delta[j]) > mx) mx = fabs(s->delta[j]);
            dot += s->delta[j] * s->prev[j];
            n2 += s->delta[j] * s->delta[j];
            p2 += s->prev[j] * s->prev[j];
        }
        if (!isfinite(mx)) return DUET_FIT_NO_CONVERGENCE;
        if (s->firth && mx > DUET_FIRTH_MAX_STEP) {
            double f = DUET_FIRTH_MAX_STEP / mx;
            for (int j = 0; j < p; j++) s->delta[j] *= f;
            mx = DUET_FIRTH_MAX_STEP;
        }
        /* Firth's iteration uses the Fisher information of the unpenalised
         * model, not the Hessian of the penalised likelihood; for rare
         * variants that step can overshoot by a factor near 2 and cycle
         * between two points around the optimum.  A step that reverses the
         * previous one is halved, which lands near the optimum. */
        if (it > 1 && dot < -0.5 * sqrt(n2 * p2)) {
            for (int j = 0; j < p; j++) s->delta[j] *= 0.5;
            mx *= 0.5;
        }
        int next = 1 - cur, accepted = 0;
        for (int h = 0; h <= DUET_LOGREG_MAX_HALVING; h++) {
            for (int j = 0; j < p; j++) s->beta_try[j] = beta[j] + s->delta[j];
            evaluate(s, s->beta_try, &s->ev[next]);
            /* near the optimum the likelihood changes by O(step^2), below
             * its rounding noise, and cannot judge a step: small steps are
             * taken as they come (glm.fit halves only on divergence), large
             * ones must increase it */
            if (s->ev[next].ok &&
                (mx < SMALL_STEP || s->ev[next].loglik > e->loglik)) {
                accepted = 1;
                break;
            }
            /* no increase: a step this small is rounding noise around the
             * optimum, so the current point is the estimate */
            if (mx < tol) {
                *cur_out = cur;
                return DUET_FIT_OK;
            }
            for (int j = 0; j < p; j++) s->delta[j] *= 0.5;
            mx *= 0.5;
        }
        if (!accepted) return DUET_FIT_NO_CONVERGENCE;
        memcpy(beta, s->beta_try, (size_t)p * sizeof *beta);
        memcpy(s->prev, s->delta, (size_t)p * sizeof *s->prev);
        cur = next;
        if (mx < tol) {
            *cur_out = cur;
            return DUET_FIT_OK;
        }
    }
    return DUET_FIT_NO_CONVERGENCE;
}

/* ------------------------------------------------------------------ */
/* Null model */

duet_err_t duet_logreg_null_create(const double *x, int ldx, int n, int k,
                                   const double *y, duet_logreg_null_t **out)
{
    *out = NULL;
    duet_err_t err = DUET_ENOMEM;
    size_t nr = (size_t)n;
    irls_t s;
    memset(&s, 0, sizeof s);
    duet_qr_t *qr = NULL;
    double *xw = NULL;
    static uint64_t next_serial;
    duet_logreg_null_t *m = duet_calloc(1, sizeof *m);
    if (m) {
#pragma omp atomic capture
        m->serial = ++next_serial;
    }
    if (!m) return DUET_ENOMEM;
    m->n_samples = n;
    m->n_covars = k;
    m->x = duet_malloc(nr * k * sizeof *m->x);
    m->y = duet_malloc(nr * sizeof *m->y);
    m->beta = duet_calloc((size_t)k, sizeof *m->beta);
    m->mu = duet_malloc(nr * sizeof *m->mu);
    m->w = duet_malloc(nr * sizeof *m->w);
    m->basis = duet_calloc(nr * (k + 1), sizeof *m->basis);
    if (!m->x || !m->y || !m->beta || !m->mu || !m->w || !m->basis) goto cleanup;
    for (int j = 0; j < k; j++)
        memcpy(m->x + nr * j, x + (size_t)ldx * j, nr * sizeof *m->x);
    memcpy(m->y, y, nr * sizeof *m->y);
    double cases = 0;
    for (int i = 0; i < n; i++) cases += y[i];
    m->n_cases = (int)cases;
    m->n_controls = n - m->n_cases;
    if (m->n_cases == 0 || m->n_controls == 0 || k < 1) {
        m->status = DUET_FIT_SEPARATION;
        *out = m;
        return DUET_OK;
    }
    /* start at the intercept-only solution (first column constant) */
    m->beta[0] = log(cases / (n - cases)) / m->x[0];

    err = irls_alloc(&s, n, k);
    if (err) goto cleanup;
    s.d = m->x;
    s.y = m->y;
    int cur = 0;
    m->status = irls_run(&s, m->beta, DUET_LOGREG_MAX_ITER, &m->iterations, &cur);
    if (m->status == DUET_FIT_COLLINEAR) m->status = DUET_FIT_NO_CONVERGENCE;
    if (m->status == DUET_FIT_OK) {
        eval_t *e = &s.ev[cur];
        memcpy(m->mu, e->mu, nr * sizeof *m->mu);
        memcpy(m->w, e->w, nr * sizeof *m->w);
        m->loglik = e->loglik;
        /* fitted probabilities at 0 or 1: the covariates separate */
        for (int i = 0; i < n; i++)
            if (!(m->w[i] > 1e-300)) { m->status = DUET_FIT_SEPARATION; break; }
    }
    if (m->status == DUET_FIT_OK) {
        xw = duet_malloc(nr * k * sizeof *xw);
        if (!xw) { err = DUET_ENOMEM; goto cleanup; }
        for (int j = 0; j < k; j++)
            for (int i = 0; i < n; i++) xw[nr * j + i] = sqrt(m->w[i]) * m->x[nr * j + i];
        err = duet_qr_create(xw, n, n, k, DUET_QR_TOL, NULL, &qr);
        if (err) goto cleanup;
        if (qr->n_cols < k) {
            m->status = DUET_FIT_SEPARATION;
        } else {
            for (int i = 0; i < n; i++) m->basis[i] = m->y[i] - m->mu[i];
            for (int j = 0; j < k; j++)
                for (int i = 0; i < n; i++)
                    m->basis[nr * (j + 1) + i] = sqrt(m->w[i]) * qr->q[nr * j + i];
        }
    }
    *out = m;
    m = NULL;
    err = DUET_OK;
cleanup:
    irls_free(&s);
    duet_qr_destroy(qr);
    free(xw);
    duet_logreg_null_destroy(m);
    return err;
}

duet_err_t duet_logreg_null_fit_firth(duet_logreg_null_t *m)
{
    if (m->status != DUET_FIT_OK || m->firth_beta) return DUET_OK;
    int k = m->n_covars;
    double *b = duet_malloc((size_t)k * sizeof *b);
    irls_t s;
    if (!b) return DUET_ENOMEM;
    duet_err_t err = irls_alloc(&s, m->n_samples, k);
    if (err) {
        free(b);
        return err;
    }
    memcpy(b, m->beta, (size_t)k * sizeof *b);
    s.d = m->x;
    s.y = m->y;
    s.firth = 1;
    int iter = 0, cur = 0;
    if (irls_run(&s, b, DUET_FIRTH_MAX_ITER, &iter, &cur) == DUET_FIT_OK) {
        m->firth_beta = b;
        b = NULL;
    }
    free(b);
    irls_free(&s);
    return DUET_OK;
}

void duet_logreg_null_destroy(duet_logreg_null_t *m)
{
    if (!m) return;
    free(m->firth_beta);
    free(m->x);
    free(m->y);
    free(m->beta);
    free(m->mu);
    free(m->w);
    free(m->basis);
    free(m);
}

/* ------------------------------------------------------------------ */
/* Score test */

int duet_logreg_score_stride(const duet_logreg_null_t *m) { return m->n_covars + 2; }

void duet_logreg_score_sums(const duet_logreg_null_t *m, const double *g, int ldg,
                            int n_variants, double *sums)
{
    int n = m->n_samples, k1 = m->n_covars + 1, stride = k1 + 1;
    if (n_variants <= 0) return;
    duet_crossprod_sumsq(m->basis, n, k1, g, ldg, n_variants, n, m->w, sums, stride, k1);
}

static void score_from(double u, double v, double gwg, double gss, int n,
                       duet_assoc_t *out)
{
    if (!(gss > 0)) {
        duet_assoc_na(out, DUET_FIT_MONOMORPHIC, DUET_TEST_SCORE, n);
        return;
    }
    if (!(v > 1e-8 * gwg)) {
        duet_assoc_na(out, DUET_FIT_COLLINEAR, DUET_TEST_SCORE, n);
        return;
    }
    out->beta = u / v;
    out->se = 1 / sqrt(v);
    out->stat = u / sqrt(v);
    out->log_p = duet_dist_logp_z2(out->stat);
    out->df = INFINITY;
    out->n = n;
    out->iterations = 0;
    out->status = DUET_FIT_OK;
    out->test = DUET_TEST_SCORE;
}

void duet_logreg_score_variant(const duet_logreg_null_t *m, const double *sums,
                               double gss, duet_assoc_t *out)
{
    int k = m->n_covars;
    double qq = 0;
    for (int c = 0; c < k; c++) qq += sums[1 + c] * sums[1 + c];
    score_from(sums[0], sums[k + 1] - qq, sums[k + 1], gss, m->n_samples, out);
}

size_t duet_logreg_score_drop_work(const duet_logreg_null_t *m)
{
    size_t k = (size_t)m->n_covars;
    return k * k + 3 * k;
}

/*
 * Over the kept samples S the covariates' span, in the W metric, has the
 * basis Z = W^{-1/2} Q_w restricted to S (Z_i = a_i / w_i with a_i the row
 * of W^{1/2} Q_w), with Gram matrix Z_S'W Z_S = I - sum_dropped a_i a_i' / w_i.
 * The adjusted genotype g~ = g - Z (Z_S'W Z_S)^{-1} Z_S'W g has
 *   U = g~'(y - mu) = g_S'(y_S - mu_S) - b' G^{-1} c,
 *   V = g~'W g~     = g_S'W g_S - b' G^{-1} b,
 * b = Z_S'W g = sum_kept a_i g_i, c = Z_S'(y - mu) = -sum_dropped a_i
 * (y_i - mu_i) / w_i (the full sum is X'(y - mu) = 0 at the null fit).
 * Without the c term (the nuisance part of the score) U would change with
 * the allele coding and inflate under differential missingness.
 */
void duet_logreg_score_variant_drop(const duet_logreg_null_t *m, const double *sums,
                                    const double *g, const int *drop, int n_drop,
                                    double gss, double *work, duet_assoc_t *out)
{
    int n = m->n_samples, k = m->n_covars;
    size_t nr = (size_t)n;
    const double *qsw = m->basis + nr; /* W^{1/2} Q_w */
    double *coef = work, *gram = work + k, *b = gram + (size_t)k * k, *c = b + k;
    for (int j = 0; j < k; j++)
        for (int i = 0; i < k; i++) gram[(size_t)k * j + i] = i == j;
    for (int j = 0; j < k; j++) {
        b[j] = sums[1 + j];
        c[j] = 0;
    }
    double u = sums[0], gwg = sums[k + 1];
    for (int d = 0; d < n_drop; d++) {
        size_t r = (size_t)drop[d];
        double gd = g[r], wd = m->w[r], rd = m->y[r] - m->mu[r];
        u -= gd * rd;
        gwg -= wd * gd * gd;
        if (!(wd > 0)) continue;
        for (int j = 0; j < k; j++) {
            double qj = qsw[nr * j + r];
            b[j] -= qj * gd;
            c[j] -= qj * rd / wd;
            for (int i = j; i < k; i++) gram[(size_t)k * j + i] -= qsw[nr * i + r] * qj / wd;
        }
    }
    if (duet_chol(gram, k, 1e-10) != 0) {
        duet_assoc_na(out, DUET_FIT_COLLINEAR, DUET_TEST_SCORE, n - n_drop);
        return;
    }
    memcpy(coef, b, (size_t)k * sizeof *coef);
    duet_chol_solve(gram, k, coef); /* G^{-1} b */
    double bgb = 0, bgc = 0;
    for (int j = 0; j < k; j++) {
        bgb += coef[j] * b[j];
        bgc += coef[j] * c[j];
    }
    score_from(u - bgc, gwg - bgb, gwg, gss, n - n_drop, out);
}

int duet_logreg_separated(const double *g, const double *y, const uint8_t *keep,
                          int n)
{
    double case_min = INFINITY, case_max = -INFINITY;
    double ctrl_min = INFINITY, ctrl_max = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (keep && !keep[i]) continue;
        if (y[i] > 0.5) {
            if (g[i] < case_min) case_min = g[i];
            if (g[i] > case_max) case_max = g[i];
        } else {
            if (g[i] < ctrl_min) ctrl_min = g[i];
            if (g[i] > ctrl_max) ctrl_max = g[i];
        }
    }
    if (isinf(case_min) || isinf(ctrl_min)) return 1; /* one class only */
    return ctrl_max <= case_min || case_max <= ctrl_min;
}

/* ------------------------------------------------------------------ */
/* Per-variant fits */

struct duet_logreg_fit_t {
    uint64_t bound;  /* serial of the null model whose X is in d (0: none);
                        not its address, which a later model may reuse */
    int max_n, max_k;
    double *d;       /* N x (k + 1): [X | g - mean] */
    double *beta;    /* k + 1 */
    double *start;   /* k + 1: a direct fit's starting coefficients */
    double *beta0;   /* k + 1: the restricted fit of Firth's LRT */
    uint8_t *keep;   /* N, for the separation check */
    irls_t s;
};

duet_err_t duet_logreg_fit_create(int max_samples, int max_covars,
                                  duet_logreg_fit_t **out)
{
    *out = NULL;
    size_t nr = (size_t)max_samples;
    int p = max_covars + 1;
    duet_logreg_fit_t *f = duet_calloc(1, sizeof *f);
    if (!f) return DUET_ENOMEM;
    f->max_n = max_samples;
    f->max_k = max_covars;
    f->d = duet_malloc(nr * p * sizeof *f->d);
    f->beta = duet_malloc((size_t)p * sizeof *f->beta);
    f->start = duet_malloc((size_t)p * sizeof *f->start);
    f->beta0 = duet_malloc((size_t)p * sizeof *f->beta0);
    f->keep = duet_malloc(nr ? nr : 1);
    if (!f->d || !f->beta || !f->start || !f->beta0 || !f->keep || irls_alloc(&f->s, max_samples, p)) {
        duet_logreg_fit_destroy(f);
        return DUET_ENOMEM;
    }
    *out = f;
    return DUET_OK;
}

void duet_logreg_fit_destroy(duet_logreg_fit_t *f)
{
    if (!f) return;
    irls_free(&f->s);
    free(f->d);
    free(f->beta);
    free(f->start);
    free(f->beta0);
    free(f->keep);
    free(f);
}

duet_fit_status_t duet_logreg_fit_variant(duet_logreg_fit_t *f,
                                          const duet_logreg_null_t *m,
                                          const double *g,
                                          const uint8_t *drop_mask, int firth,
                                          duet_assoc_t *out)
{
    return duet_logreg_fit_variant_from(f, m, g, drop_mask, firth, 0.0, out);
}

/*
 * Fit y ~ D + g where the first k columns of f->d hold the design, from
 * the covariate coefficients start (k values) and beta_g = beta_start:
 * the shared part of the two entry points below.
 */
static duet_fit_status_t fit_bound(duet_logreg_fit_t *f, int n, int k, const double *y,
                                   const double *start, const double *start0,
                                   const double *g,
                                   const uint8_t *drop_mask, int firth, double beta_start,
                                   duet_assoc_t *out)
{
    int p = k + 1;
    size_t nr = (size_t)n;
    duet_test_t test = firth ? DUET_TEST_FIRTH : DUET_TEST_WALD;
    double sum = 0;
    int used = 0;
    for (int i = 0; i < n; i++) {
        int keep = !(drop_mask && drop_mask[i]);
        f->keep[i] = (uint8_t)keep;
        if (keep) { sum += g[i]; used++; }
    }
    if (used <= p) {
        duet_assoc_na(out, DUET_FIT_FEW_SAMPLES, test, used);
        return out->status;
    }
    double mean = sum / used, gss = 0;
    double *gc = f->d + nr * k;
    for (int i = 0; i < n; i++) {
        gc[i] = f->keep[i] ? g[i] - mean : 0;
        gss += gc[i] * gc[i];
    }
    if (!(gss > 0)) {
        duet_assoc_na(out, DUET_FIT_MONOMORPHIC, test, used);
        return out->status;
    }
    if (!firth && duet_logreg_separated(g, y, f->keep, n)) {
        duet_assoc_na(out, DUET_FIT_SEPARATION, test, used);
        return out->status;
    }
    memcpy(f->beta, start, (size_t)k * sizeof *f->beta);
    f->beta[k] = isfinite(beta_start) ? beta_start : 0;
    /* the engine works on the first n rows of its buffers */
    f->s.n = n;
    f->s.p = p;
    f->s.d = f->d;
    f->s.y = y;
    f->s.drop = drop_mask;
    f->s.firth = firth;
    int iter = 0, cur = 0;
    duet_fit_status_t st = irls_run(&f->s, f->beta,
                                    firth ? DUET_FIRTH_MAX_ITER : DUET_LOGREG_MAX_ITER,
                                    &iter, &cur);
    if (st != DUET_FIT_OK) {
        duet_assoc_na(out, st, test, used);
        out->iterations = iter;
        return st;
    }
    if (!firth) {
        /* fitted probabilities numerically 0 or 1 (R's glm warns of them):
         * the design separates the classes and the estimate is not finite */
        const double *mu = f->s.ev[cur].mu, eps = 10 * DBL_EPSILON;
        for (int i = 0; i < n; i++)
            if (f->keep[i] && (mu[i] < eps || mu[i] > 1 - eps)) {
                duet_assoc_na(out, DUET_FIT_SEPARATION, test, used);
                out->iterations = iter;
                return out->status;
            }
    }
    const double *l = f->s.ev[cur].l;
    double se = 1.0 / l[(size_t)p * k + k];
    out->beta = f->beta[k];
    out->df = INFINITY;
    out->n = used;
    out->iterations = iter;
    out->status = DUET_FIT_OK;
    out->test = test;
    if (!firth) {
        out->se = se;
        out->stat = out->beta / se;
        out->log_p = duet_dist_logp_z2(out->stat);
        return DUET_FIT_OK;
    }
    /* Firth: the penalised likelihood-ratio test (Heinze and Schemper 2002;
     * logistf's test): the restricted maximum with beta_g = 0 of the same
     * penalised likelihood, l(b) + log|I(b)|/2 with the full design's
     * information, from the covariates' start (the trait's Firth null) */
    double pll1 = f->s.ev[cur].loglik;
    memcpy(f->beta0, start0 ? start0 : start, (size_t)k * sizeof *f->beta0);
    f->beta0[k] = 0;
    f->s.n_fixed = 1;
    int iter0 = 0, cur0 = 0;
    st = irls_run(&f->s, f->beta0, DUET_FIRTH_MAX_ITER, &iter0, &cur0);
    f->s.n_fixed = 0;
    if (st != DUET_FIT_OK) {
        duet_assoc_na(out, st == DUET_FIT_COLLINEAR ? DUET_FIT_NO_CONVERGENCE : st, test, used);
        out->iterations = iter + iter0;
        return out->status;
    }
    double chi2 = 2 * (pll1 - f->s.ev[cur0].loglik);
    if (!(chi2 > 0)) chi2 = 0; /* both maxima equal to rounding */
    out->iterations = iter + iter0;
    out->stat = copysign(sqrt(chi2), out->beta);
    out->log_p = duet_dist_logp_chisq(chi2, 1);
    /* the standard error that gives the same chi-square (regenie's
     * convention); the information's where the statistic is 0 */
    out->se = chi2 > 0 && out->beta != 0 ? fabs(out->beta) / sqrt(chi2) : se;
    return DUET_FIT_OK;
}

duet_fit_status_t duet_logreg_fit_variant_from(duet_logreg_fit_t *f,
                                               const duet_logreg_null_t *m,
                                               const double *g,
                                               const uint8_t *drop_mask,
                                               int firth, double beta_start,
                                               duet_assoc_t *out)
{
    int n = m->n_samples, k = m->n_covars;
    if (f->bound != m->serial) {
        memcpy(f->d, m->x, (size_t)n * k * sizeof *f->d);
        f->bound = m->serial;
    }
    return fit_bound(f, n, k, m->y, m->beta, m->firth_beta, g, drop_mask, firth, beta_start,
                     out);
}

duet_fit_status_t duet_logreg_fit_direct(duet_logreg_fit_t *f, const double *x, int ldx,
                                         int n, int k, const double *y, const double *g,
                                         int firth, duet_assoc_t *out)
{
    size_t nr = (size_t)n;
    for (int j = 0; j < k; j++) memcpy(f->d + nr * j, x + (size_t)ldx * j, nr * sizeof *f->d);
    f->bound = 0;
    double cases = 0;
    for (int i = 0; i < n; i++) cases += y[i];
    double *start = f->start;
    for (int j = 0; j < k; j++) start[j] = 0;
    if (cases > 0 && cases < n) start[0] = log(cases / (n - cases)) / x[0];
    return fit_bound(f, n, k, y, start, NULL, g, NULL, firth, 0, out);
}
