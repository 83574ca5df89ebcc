/*
 * pca.c -- the randomized subspace-iteration eigensolver behind duet pca:
 * top-K eigenpairs of G = X X^T from passes over column chunks of X, with a
 * Rayleigh-Ritz step and residual check each pass (Halko, Martinsson and
 * Tropp 2011, Algorithms 4.4/5.3; see pca.h).  BLAS-3 products are cut
 * into fixed panels run by OpenMP threads (OpenBLAS single-threaded inside),
 * so results do not depend on the thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/pca.h"
#include "duet/rng.h"

/* BLAS / LAPACK through their Fortran interfaces (hidden string lengths
 * passed explicitly, as gfortran expects). */
void dgemm_(const char *transa, const char *transb, const int *m, const int *n,
            const int *k, const double *alpha, const double *a, const int *lda,
            const double *b, const int *ldb, const double *beta, double *c,
            const int *ldc, size_t la, size_t lb);
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a,
            const int *lda, double *w, double *work, const int *lwork,
            int *info, size_t ljobz, size_t luplo);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda,
             double *tau, double *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a,
             const int *lda, const double *tau, double *work,
             const int *lwork, int *info);

/* Panel sizes of the parallel products: fixed, so that the pieces of every
 * sum are the same whatever the thread count. */
#define PANEL_COLS 16  /* columns of X per T = X^T Q piece */
#define PANEL_ROWS 256 /* samples per Y += X T piece */

struct duet_pca_t {
    duet_pca_opts_t opts;
    int n;            /* samples */
    int width;        /* L */
    int chunk;        /* duet_pca_chunk_width(n) */
    double *q;        /* n x L, orthonormal basis of this pass */
    double *y;        /* n x L, G Q accumulated over the pass */
    double *c;        /* L x L, Q^T G Q accumulated */
    double *t;        /* chunk x L, X_chunk^T Q */
    double *colsq;    /* chunk: per-column sum of squares */
    double *u;        /* n x L, Ritz vectors */
    double *gu;       /* n x L, G times the Ritz vectors */
    double *theta;    /* L Ritz values, descending */
    double *vecs;     /* L x L eigenvectors of C, descending order */
    double *resid;    /* k residuals */
    double *tau;      /* L */
    double *work;
    int lwork;
    double trace, trace_pass;
    int passes, converged, done;
};

void duet_pca_opts_init(duet_pca_opts_t *opts, int k)
{
    opts->k = k;
    opts->oversample = 10;
    opts->max_iter = 100;
    opts->tol = 1e-6;
    opts->seed = 1;
}

int duet_pca_chunk_width(int n_samples)
{
    /* Aim for a chunk of about 16 MB of doubles. */
    long w = (16L << 20) / 8 / (n_samples > 0 ? n_samples : 1);
    int width = 16;
    while (width < 512 && width * 2 <= w) width *= 2;
    return width;
}

static void gemm(char ta, char tb, int m, int n, int k, double alpha,
                 const double *a, int lda, const double *b, int ldb,
                 double beta, double *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { /* BLAS would scale C by beta; keep that meaning */
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) c[(size_t)j * ldc + i] *= beta;
        return;
    }
    dgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1);
}

/* Orthonormalise the n x L matrix `a` in place (Householder QR). */
static duet_err_t orthonormalise(duet_pca_t *p, double *a)
{
    int n = p->n, l = p->width, info = 0;
    dgeqrf_(&n, &l, a, &n, p->tau, p->work, &p->lwork, &info);
    if (info == 0) dorgqr_(&n, &l, &l, a, &n, p->tau, p->work, &p->lwork, &info);
    if (info != 0) {
        duet_log_error("pca: LAPACK QR failed (info %d)", info);
        return DUET_EINTERNAL;
    }
    return DUET_OK;
}

duet_err_t duet_pca_create(const duet_pca_opts_t *opts, int n_samples,
                           int64_t n_variants, duet_pca_t **out)
{
    *out = NULL;
    int64_t width = (int64_t)opts->k + opts->oversample;
    if (width > n_samples) width = n_samples;
    if (width > n_variants) width = n_variants;
    if (opts->k < 1 || opts->k > width) {
        duet_log_error("cannot compute %d principal components from %d samples "
                       "and %lld variants", opts->k, n_samples,
                       (long long)n_variants);
        return DUET_EDEGENERATE;
    }
    duet_pca_t *p = duet_calloc(1, sizeof *p);
    if (!p) return DUET_ENOMEM;
    p->opts = *opts;
    p->n = n_samples;
    p->width = (int)width;
    p->chunk = duet_pca_chunk_width(n_samples);
    size_t nl = (size_t)n_samples * p->width, ll = (size_t)p->width * p->width;

    /* Workspace query for the QR pair. */
    int info = 0, lq = -1, l = p->width, n = n_samples;
    double wq = 0, wo = 0, ws = 0;
    dgeqrf_(&n, &l, NULL, &n, NULL, &wq, &lq, &info);
    dorgqr_(&n, &l, &l, NULL, &n, NULL, &wo, &lq, &info);
    dsyev_("V", "U", &l, NULL, &l, NULL, &ws, &lq, &info, 1, 1);
    p->lwork = (int)fmax(fmax(wq, wo), fmax(ws, 3.0 * l)) + 1;

    p->q = duet_malloc(nl * sizeof *p->q);
    p->y = duet_malloc(nl * sizeof *p->y);
    p->u = duet_malloc(nl * sizeof *p->u);
    p->gu = duet_malloc(nl * sizeof *p->gu);
    p->c = duet_malloc(ll * sizeof *p->c);
    p->vecs = duet_malloc(ll * sizeof *p->vecs);
    p->t = duet_malloc((size_t)p->chunk * p->width * sizeof *p->t);
    p->colsq = duet_malloc((size_t)p->chunk * sizeof *p->colsq);
    p->theta = duet_malloc((size_t)p->width * sizeof *p->theta);
    p->resid = duet_malloc((size_t)opts->k * sizeof *p->resid);
    p->tau = duet_malloc((size_t)p->width * sizeof *p->tau);
    p->work = duet_malloc((size_t)p->lwork * sizeof *p->work);
    if (!p->q || !p->y || !p->u || !p->gu || !p->c || !p->vecs || !p->t ||
        !p->colsq || !p->theta || !p->resid || !p->tau || !p->work) {
        duet_pca_destroy(p);
        return DUET_ENOMEM;
    }

    /* The random start: Gaussian n x L from one stream, then orthonormal. */
    duet_rng_t rng;
    duet_rng_init(&rng, opts->seed, 0);
    for (size_t i = 0; i < nl; i++) p->q[i] = duet_rng_normal(&rng);
    duet_err_t err = orthonormalise(p, p->q);
    if (err) {
        duet_pca_destroy(p);
        return err;
    }
    *out = p;
    return DUET_OK;
}

void duet_pca_destroy(duet_pca_t *p)
{
    if (!p) return;
    free(p->q);
    free(p->y);
    free(p->u);
    free(p->gu);
    free(p->c);
    free(p->vecs);
    free(p->t);
    free(p->colsq);
    free(p->theta);
    free(p->resid);
    free(p->tau);
    free(p->work);
    free(p);
}

void duet_pca_pass_begin(duet_pca_t *p)
{
    memset(p->y, 0, (size_t)p->n * p->width * sizeof *p->y);
    memset(p->c, 0, (size_t)p->width * p->width * sizeof *p->c);
    p->trace_pass = 0;
}

void duet_pca_pass_add(duet_pca_t *p, const double *x, int n_cols)
{
    int n = p->n, l = p->width;
    if (n_cols <= 0) return;
    int n_cpanels = (n_cols + PANEL_COLS - 1) / PANEL_COLS;
    int n_rpanels = (n + PANEL_ROWS - 1) / PANEL_ROWS;
#pragma omp parallel
    {
        /* T = X^T Q, one panel of columns (rows of T) at a time; each row of
         * T is a full sum over samples inside one dgemm call. */
#pragma omp for schedule(static)
        for (int cp = 0; cp < n_cpanels; cp++) {
            int j0 = cp * PANEL_COLS;
            int w = n_cols - j0 < PANEL_COLS ? n_cols - j0 : PANEL_COLS;
            gemm('T', 'N', w, l, n, 1.0, x + (size_t)j0 * n, n, p->q, n, 0.0,
                 p->t + j0, n_cols);
            for (int j = j0; j < j0 + w; j++) {
                const double *col = x + (size_t)j * n;
                double s = 0;
                for (int i = 0; i < n; i++) s += col[i] * col[i];
                p->colsq[j] = s;
            }
        }
        /* Y += X T, one panel of samples at a time. */
#pragma omp for schedule(static)
        for (int rp = 0; rp < n_rpanels; rp++) {
            int i0 = rp * PANEL_ROWS;
            int h = n - i0 < PANEL_ROWS ? n - i0 : PANEL_ROWS;
            gemm('N', 'N', h, l, n_cols, 1.0, x + i0, n, p->t, n_cols, 1.0,
                 p->y + i0, n);
        }
    }
    /* C += T^T T (small), and the trace, in column order. */
    gemm('T', 'N', l, l, n_cols, 1.0, p->t, n_cols, p->t, n_cols, 1.0, p->c, l);
    for (int j = 0; j < n_cols; j++) p->trace_pass += p->colsq[j];
}

/* Sign convention: the entry of largest |value| is positive. */
static void fix_sign(double *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (fabs(v[i]) > fabs(v[best])) best = i;
    if (v[best] < 0)
        for (int i = 0; i < n; i++) v[i] = -v[i];
}

duet_err_t duet_pca_pass_end(duet_pca_t *p, int *done)
{
    int n = p->n, l = p->width, k = p->opts.k, info = 0;
    *done = 0;
    p->passes++;
    p->trace = p->trace_pass;

    /* Rayleigh-Ritz: C = V diag(w) V^T, ascending; reorder descending.  C is
     * symmetric in exact arithmetic; use its upper triangle. */
    double *a = p->vecs;
    memcpy(a, p->c, (size_t)l * l * sizeof *a);
    dsyev_("V", "U", &l, a, &l, p->theta, p->work, &p->lwork, &info, 1, 1);
    if (info != 0) {
        duet_log_error("pca: LAPACK dsyev failed (info %d)", info);
        return DUET_EINTERNAL;
    }
    for (int j = 0; j < l / 2; j++) {
        double tmp = p->theta[j];
        p->theta[j] = p->theta[l - 1 - j];
        p->theta[l - 1 - j] = tmp;
        double *c1 = a + (size_t)j * l, *c2 = a + (size_t)(l - 1 - j) * l;
        for (int i = 0; i < l; i++) {
            tmp = c1[i];
            c1[i] = c2[i];
            c2[i] = tmp;
        }
    }
    /* Ritz vectors U = Q V and G U = Y V, in fixed row panels. */
    int n_rpanels = (n + PANEL_ROWS - 1) / PANEL_ROWS;
#pragma omp parallel for schedule(static)
    for (int rp = 0; rp < n_rpanels; rp++) {
        int i0 = rp * PANEL_ROWS;
        int h = n - i0 < PANEL_ROWS ? n - i0 : PANEL_ROWS;
        gemm('N', 'N', h, l, l, 1.0, p->q + i0, n, a, l, 0.0, p->u + i0, n);
        gemm('N', 'N', h, l, l, 1.0, p->y + i0, n, a, l, 0.0, p->gu + i0, n);
    }
    double scale = p->theta[0] > 0 ? p->theta[0] : 1.0;
    int ok = 1;
    for (int j = 0; j < k; j++) {
        const double *u = p->u + (size_t)j * n, *gu = p->gu + (size_t)j * n;
        double s = 0;
        for (int i = 0; i < n; i++) {
            double r = gu[i] - p->theta[j] * u[i];
            s += r * r;
        }
        p->resid[j] = sqrt(s) / scale;
        if (!(p->resid[j] < p->opts.tol)) ok = 0;
    }
    p->converged = ok;
    if (ok || p->passes >= p->opts.max_iter) {
        for (int j = 0; j < k; j++) fix_sign(p->u + (size_t)j * n, n);
        p->done = *done = 1;
        return DUET_OK;
    }
    /* Next basis: orth(G Q).  Using G U (same span, Ritz order) keeps the
     * leading directions first. */
    memcpy(p->q, p->gu, (size_t)n * l * sizeof *p->q);
    return orthonormalise(p, p->q);
}

const double *duet_pca_vectors(const duet_pca_t *p) { return p->u; }
const double *duet_pca_values(const duet_pca_t *p) { return p->theta; }
double duet_pca_residual(const duet_pca_t *p, int j) { return p->resid[j]; }
int duet_pca_passes(const duet_pca_t *p) { return p->passes; }
int duet_pca_converged(const duet_pca_t *p) { return p->converged; }
double duet_pca_trace(const duet_pca_t *p) { return p->trace; }
int duet_pca_width(const duet_pca_t *p) { return p->width; }

int duet_pca_is_autosome(const char *chrom)
{
    if (!strncmp(chrom, "chr", 3) || !strncmp(chrom, "CHR", 3)) chrom += 3;
    if (chrom[0] < '1' || chrom[0] > '9') return 0;
    if (chrom[1] == 0) return 1;
    return chrom[1] >= '0' && chrom[1] <= '9' && chrom[2] == 0;
}
